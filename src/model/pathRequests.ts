// From what a user asks ("the path of :8080", "api's outbound path", "api's DNS") to a flow
// and its computed packet path. The outside client and outside server of those flows are
// documentation addresses (RFC 5737): they are only evaluated against the rules, never contacted.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import type { PathRequest } from './diagramRequest';
import { topologyOf } from './topology';
import { computePacketPath, containerOutboundFlow, inboundFlow, type PacketPath } from './packetPath';
import { outsideInterface } from './packetFlows';
import { socketAddress } from './socketAddress';
import { findContainer } from './containerLookup';
import { ConnectionEndError, explainConnection } from './explain';

/** A request that names something the snapshot does not have (no such container, port...); `fix` says what to do. */
export class DiagramRequestError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** The outside client of an inbound path (TEST-NET-2), and its IPv6 twin (RFC 3849 documentation prefix). */
export const OUTSIDE_CLIENT = '198.51.100.20';
export const OUTSIDE_CLIENT6 = '2001:db8::20';

export interface RequestedPath {
  path: PacketPath;
  title: string;
  /** One line on what the flow is, for the diagram's first node. */
  subject: string;
  /** Where the rules evaluated live: the host, or the container's own namespace. */
  namespace: string;
}

function containerByName(snapshot: HostSnapshot, name: string) {
  const c = findContainer(snapshot.docker?.containers, name);
  if (!c) throw new DiagramRequestError(`There is no container ${name} on this host.`, 'Pick another container: it may have been removed or renamed.');
  if (c.state !== 'running')
    throw new DiagramRequestError(`Container ${name} is not running (state: ${c.state}).`, `Start it (docker start ${name}) or pick another container.`);
  return c;
}

function inbound(snapshot: HostSnapshot, req: Extract<PathRequest, { kind: 'inbound' }>): RequestedPath {
  const v6 = req.ipv6 === true;
  const published = (snapshot.docker?.containers ?? []).flatMap((c) =>
    c.ports.filter((p) => p.hostPort === req.hostPort && p.protocol === req.protocol && p.hostIp.includes(':') === v6).map((p) => ({ c, p })),
  );
  const target = published[0];
  if (!target) {
    throw new DiagramRequestError(
      `No running container publishes ${req.protocol} port ${req.hostPort}${v6 ? ' on an IPv6 address' : ''} on this host.`,
      `Pick a published port from the list (docker ps shows them under PORTS), or publish it with -p ${req.hostPort}:PORT.`,
    );
  }
  const outside = outsideInterface(snapshot);
  const arrival = outside && {
    name: outside.link.name,
    notes: outside.noDefault ? [`the host has no default route: outside traffic is taken to arrive on ${outside.link.name}`] : [],
  };
  if (!arrival)
    throw new DiagramRequestError('The host has no interface with an IPv4 address that outside traffic could arrive on.', 'Check `ip -4 addr` on the host.');
  const client = v6 ? OUTSIDE_CLIENT6 : OUTSIDE_CLIENT;
  let flow;
  try {
    flow = inboundFlow(snapshot, { client, hostPort: req.hostPort, protocol: req.protocol, uplink: arrival.name });
  } catch (err) {
    throw new DiagramRequestError(
      (err as Error).message,
      v6
        ? "Check the host's IPv6 addresses (ip -6 addr): outside IPv6 clients need a global address on the uplink."
        : "Check the host's addresses and routes (ip -4 addr, ip route).",
    );
  }
  const path = computePacketPath(snapshot, flow);
  path.notes.unshift(...arrival.notes, `the client ${client} is a documentation address standing for any outside host; nothing is sent`);
  const fromHost = (v6 ? snapshot.netfilter6 : snapshot.netfilter)?.tables
    .find((t) => t.name === 'nat')
    ?.chains.find((c) => c.name === 'OUTPUT')
    ?.rules.find((r) => /-j DOCKER(\s|$)/.test(r.spec));
  if (fromHost) {
    path.notes.push(
      `connections made on the host itself reach the same DNAT rule through nat OUTPUT (${fromHost.spec}): its counter counts them too, while the PREROUTING jump drawn here does not`,
    );
  }
  return {
    path,
    title: `Packet path: ${req.protocol}${v6 ? '6' : ''} :${req.hostPort} -> ${target.c.name}:${target.p.containerPort}`,
    subject: `new ${req.protocol} connection from outside (${client}) to ${socketAddress(flow.dst, req.hostPort)}, arriving on ${arrival.name}`,
    namespace: 'host',
  };
}

function outbound(snapshot: HostSnapshot, req: Extract<PathRequest, { kind: 'outbound' }>): RequestedPath {
  containerByName(snapshot, req.container);
  let flow;
  try {
    flow = containerOutboundFlow(snapshot, req.container, { dst: req.dst, dport: req.dport, protocol: req.protocol });
  } catch (err) {
    throw new DiagramRequestError((err as Error).message, "Only containers on bridge networks have an outbound path through the host's NAT.");
  }
  const path = computePacketPath(snapshot, flow);
  return {
    path,
    title: `Packet path: ${req.container} -> ${req.dst}:${req.dport}`,
    subject: `new ${req.protocol} connection from ${req.container} (${flow.src}) to ${req.dst}:${req.dport}, arriving on ${flow.inInterface ?? '?'}`,
    namespace: 'host',
  };
}

/**
 * A DNS query from inside the container to 127.0.0.11:53: evaluated against the nat table in
 * the container's own namespace (Docker's DOCKER_OUTPUT / DOCKER_POSTROUTING), with the
 * namespace's own interfaces and routes.
 */
function dns(snapshot: HostSnapshot, req: Extract<PathRequest, { kind: 'dns' }>): RequestedPath {
  const c = containerByName(snapshot, req.container);
  const ownerId = topologyOf(snapshot).containers.find((x) => x.id === c.id)?.namespaceOwnerId;
  const owner = snapshot.docker?.containers.find((x) => x.id === ownerId) ?? c;
  if (owner.modeKind === 'host' || owner.modeKind === 'none') {
    throw new DiagramRequestError(
      `${req.container} uses the ${owner.modeKind} network mode: Docker's embedded DNS does not serve it.`,
      'Pick a container on a user-defined network.',
    );
  }
  if (!owner.endpoints.some((e) => !['bridge', 'host', 'none'].includes(e.network))) {
    throw new DiagramRequestError(
      `${req.container} is on no user-defined network: Docker's embedded DNS does not serve it (it uses the host's resolvers).`,
      'Pick a container on a user-defined network.',
    );
  }
  const ns = snapshot.containerNamespaces.find((n) => n.containerId === owner.id);
  if (!ns)
    throw new DiagramRequestError(
      `The network namespace of ${owner.name} was not read.`,
      "Refresh; if it persists, the snapshot's sources say why (Container Network: Open Host Snapshot).",
    );
  if (!ns.dnsRules) {
    throw new DiagramRequestError(
      `The DNS redirect rules inside ${owner.name} were not read.`,
      'They need root (nsenter + iptables-save inside the namespace): see the Netfilter view for the privilege fix.',
    );
  }
  // A socket talking to 127.0.0.11 gets its source from the local route of 127.0.0.0/8: 127.0.0.1.
  const src = '127.0.0.1';
  const inside: HostSnapshot = {
    ...snapshot,
    hostNamespace: { links: ns.links, routes: ns.routes, bridgePorts: [], fdb: [], sysctls: {} },
    netfilter: { backend: snapshot.netfilter?.backend ?? 'unknown', tables: [ns.dnsRules] },
  };
  const path = computePacketPath(inside, { protocol: 'udp', src, dst: '127.0.0.11', dport: 53, locallyGenerated: true });
  if (!ns.dnsRules.chains.some((ch) => ch.name === 'DOCKER_OUTPUT')) {
    path.notes.push(
      `${owner.name}'s namespace has no DOCKER_OUTPUT chain: Docker's DNS redirect is missing (the container is not on a user-defined network, or its rules were removed)`,
    );
  }
  const snat = ns.dnsRules.chains.find((ch) => ch.name === 'DOCKER_POSTROUTING')?.rules.find((r) => r.spec.includes('-j SNAT') && r.spec.includes('-p udp'));
  if (snat) path.notes.push(`the resolver's replies are rewritten back to come from 127.0.0.11:53 by ${snat.spec}`);
  path.notes.push('only the nat table inside the container was read (Docker puts nothing else there)');
  return {
    path,
    title: `DNS path: ${req.container} -> 127.0.0.11:53`,
    subject: `DNS query (udp) from ${req.container}${owner !== c ? ` (in ${owner.name}'s namespace)` : ''} to the embedded resolver 127.0.0.11:53`,
    namespace: `${owner.name}'s network namespace`,
  };
}

/**
 * A connection a user names: the explanation's verdict and deciding step on top, drawn on the
 * host path that decides it (the last one evaluated: docker-proxy's own connection when it
 * carries the first on). A connection decided before the host's netfilter (name resolution, the
 * source's own route, an overlay or macvlan medium) has no host path: its steps are the notes.
 */
function connection(snapshot: HostSnapshot, req: Extract<PathRequest, { kind: 'connection' }>): RequestedPath {
  let e;
  try {
    e = explainConnection(snapshot, { from: req.from, to: req.to, protocol: req.protocol, ...(req.ipv6 ? { ipv6: true } : {}) });
  } catch (err) {
    if (err instanceof ConnectionEndError) throw new DiagramRequestError(err.message, err.fix);
    throw err;
  }
  const last = e.paths.at(-1);
  const verdict = e.verdict === 'reachable' ? 'ACCEPT' : e.verdict === 'blocked' ? (last?.path.finalVerdict === 'REJECT' ? 'REJECT' : 'DROP') : 'UNKNOWN';
  const path: PacketPath = last
    ? { ...last.path, notes: [...last.path.notes], uncertain: [...last.path.uncertain] }
    : { flow: { protocol: req.protocol, src: req.from, dst: e.target ?? req.to, dport: 0 }, steps: [], finalVerdict: verdict, uncertain: [], notes: [] };
  path.finalVerdict = verdict;
  const word = e.verdict === 'reachable' ? 'REACHABLE' : e.verdict === 'blocked' ? 'BLOCKED' : 'UNKNOWN';
  path.reason = e.decidedBy ? `${word} (${e.decidedBy.kind}): ${e.decidedBy.text}` : `${word}: ${e.target ?? req.to}`;
  path.notes.unshift(...e.steps.map((s, i) => `${i + 1}. ${s.ok === true ? 'ok' : s.ok === false ? 'STOP' : '?'} ${s.kind}: ${s.text}`));
  return {
    path,
    title: `Connection: ${req.from} -> ${req.to}${req.protocol === 'udp' ? ' (udp)' : ''}`,
    subject: `new ${req.protocol} connection from ${req.from} to ${e.target ?? req.to}${last && e.paths.length > 1 ? `; drawn: ${last.title}` : ''}`,
    namespace: 'host',
  };
}

export function pathForRequest(snapshot: HostSnapshot, req: PathRequest): RequestedPath {
  switch (req.kind) {
    case 'inbound':
      return inbound(snapshot, req);
    case 'outbound':
      return outbound(snapshot, req);
    case 'dns':
      return dns(snapshot, req);
    case 'connection':
      return connection(snapshot, req);
  }
}
