// "Why can't A reach B?": one new connection followed from the live state, step by step, the
// way the kernel would take it: name resolution (Docker's embedded DNS), the route in the
// source's namespace, the medium (a bridge, an overlay, a macvlan parent), every netfilter hook
// on the host (computePacketPath), docker-proxy when the userland proxy carries it, and the
// listening socket in the destination's namespace. The answer is a verdict (reachable,
// blocked, unknown), the step that decides it, and the steps. Pure: a snapshot in, an object out.
import type { ContainerInfo, ContainerNamespace, HostSnapshot, Listener } from '../snapshot/hostSnapshot';
import { cidrContains, ipFamily, parseIp, type IpFamily } from '../snapshot/ipAddress';
import {
  ConnectionEndError,
  containerWithAddress,
  parseDestination,
  parseSource,
  requestedFamily,
  type ContainerEnd,
  type DestinationEnd,
  type SourceEnd,
} from './connectionEnds';
import { HostAddressing } from './hostAddressing';
import { computePacketPath, type Flow, type PacketPath } from './packetPath';
import { socketAddress } from './socketAddress';
import { topologyOf } from './topology';

export { ConnectionEndError } from './connectionEnds';

export type ExplainVerdict = 'reachable' | 'blocked' | 'unknown';

export type DecidingKind = 'name-resolution' | 'route' | 'rule' | 'policy' | 'forwarding' | 'listener' | 'namespace' | 'medium' | 'unread';

export interface DecidedBy {
  kind: DecidingKind;
  /** One line a user can paste into a ticket. */
  text: string;
  /** For a rule or a policy: where it is. */
  table?: string;
  chain?: string;
  position?: number;
  spec?: string;
}

export type StepKind = 'resolve' | 'route' | 'medium' | 'netfilter' | 'proxy' | 'listener' | 'reply';

export interface ExplainStep {
  kind: StepKind;
  /** true: passed; false: stopped here; undefined: not known. */
  ok: boolean | undefined;
  text: string;
}

export interface ExplainRequest {
  from: string;
  to: string;
  protocol?: 'tcp' | 'udp';
  ipv6?: boolean;
}

export interface Explanation {
  from: string;
  to: string;
  protocol: 'tcp' | 'udp';
  family: IpFamily;
  verdict: ExplainVerdict;
  decidedBy?: DecidedBy;
  steps: ExplainStep[];
  /** The host packet paths evaluated, in order (a second one when docker-proxy carries the connection on). */
  paths: { title: string; path: PacketPath }[];
  notes: string[];
  /** The address and port actually connected to (after name resolution), e.g. "172.30.1.11:80". */
  target?: string;
}

class Answer {
  readonly steps: ExplainStep[] = [];
  readonly paths: { title: string; path: PacketPath }[] = [];
  readonly notes: string[] = [];
  target?: string;
  verdict?: ExplainVerdict;
  decidedBy?: DecidedBy;

  step(kind: StepKind, ok: boolean | undefined, text: string): void {
    this.steps.push({ kind, ok, text });
  }

  stop(verdict: 'blocked' | 'unknown', kind: StepKind, decided: DecidedBy): void {
    this.step(kind, verdict === 'blocked' ? false : undefined, decided.text);
    this.verdict = verdict;
    this.decidedBy = decided;
  }

  get done(): boolean {
    return this.verdict !== undefined;
  }
}

const USER_NETWORK = (name: string) => !['bridge', 'host', 'none'].includes(name);

/** The address of a container's endpoint of the family, preferring `network`. */
function endpointAddress(c: ContainerInfo, family: IpFamily, network?: string): { ip: string; network: string } | undefined {
  const eps = network ? [...c.endpoints.filter((e) => e.network === network), ...c.endpoints] : c.endpoints;
  for (const e of eps) {
    const ip = family === 6 ? e.ipv6 : e.ip;
    if (ip) return { ip, network: e.network };
  }
  return undefined;
}

function sameAddress(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.value === y.value;
}

function isLoopback(ip: string): boolean {
  return cidrContains('127.0.0.0/8', ip) || sameAddress(ip, '::1');
}

/** Routes and addresses of a container's namespace, as the host-side route lookup reads them. */
function namespaceAddressing(snapshot: HostSnapshot, ns: ContainerNamespace): HostAddressing {
  return new HostAddressing({ ...snapshot, hostNamespace: { links: ns.links, routes: ns.routes, bridgePorts: [], fdb: [], sysctls: {} } });
}

/** Name resolution from a container: Docker's embedded DNS answers for containers on the asker's user-defined networks. */
function resolveName(a: Answer, src: ContainerEnd, dst: ContainerEnd, family: IpFamily, typed: string): string | undefined {
  const srcNets = src.owner.endpoints.map((e) => e.network);
  const dstNets = dst.owner.endpoints.map((e) => e.network);
  const shared = srcNets.filter((n) => dstNets.includes(n));
  const user = shared.filter(USER_NETWORK);
  if (dst.container.id !== dst.owner.id) {
    a.stop('blocked', 'resolve', {
      kind: 'name-resolution',
      text: `${dst.container.name} runs in ${dst.owner.name}'s network namespace (--network container:${dst.owner.name}) and has no endpoint of its own: the embedded DNS does not know its name; connect to ${dst.owner.name} instead`,
    });
    return undefined;
  }
  if (user.length === 0) {
    const srcUser = srcNets.filter(USER_NETWORK);
    const why =
      srcUser.length === 0 && srcNets.includes('bridge')
        ? `${src.container.name} is on the default bridge only, which has no embedded DNS: it asks the host's resolvers (its resolv.conf is the host's), which do not know container names, so ${typed} does not resolve (put both on a user-defined network, or use the address)`
        : shared.includes('bridge')
          ? `${src.container.name} and ${dst.container.name} share only the default bridge, which has no embedded DNS: ${typed} does not resolve (use a user-defined network, or the address)`
          : `${src.container.name} and ${dst.container.name} share no network: Docker's embedded DNS answers only for containers on the asker's user-defined networks, so ${typed} does not resolve`;
    a.stop('blocked', 'resolve', { kind: 'name-resolution', text: why });
    return undefined;
  }
  const net = user[0] as string;
  const ep = endpointAddress(dst.owner, family, net);
  if (!ep || ep.network !== net) {
    a.stop('blocked', 'resolve', {
      kind: 'name-resolution',
      text: `${dst.container.name} has no IPv${family} address on ${net}: ${typed} has no ${family === 6 ? 'AAAA' : 'A'} record there`,
    });
    return undefined;
  }
  const aliases = dst.owner.endpoints.find((e) => e.network === net)?.aliases.filter((x) => x !== dst.owner.name && !dst.owner.id.startsWith(x)) ?? [];
  a.step(
    'resolve',
    true,
    `${typed} resolves to ${ep.ip} through Docker's embedded DNS (127.0.0.11) on ${net}, a network both are on${aliases.length ? `; also known there as ${aliases.join(', ')}` : ''}`,
  );
  return ep.ip;
}

/** An alias resolves to every container answering to it on the asker's networks: a round-robin set. */
function resolveAlias(a: Answer, src: SourceEnd, dst: Extract<DestinationEnd, { kind: 'alias' }>, family: IpFamily): string | undefined {
  if (src.kind !== 'container') {
    throw new ConnectionEndError(
      `${dst.name} is a network alias: only containers on its network can resolve it (through Docker's embedded DNS).`,
      `Give one of its containers (${[...new Set(dst.members.map((m) => m.container.name))].join(', ')}) or an address.`,
    );
  }
  const mine = new Set(src.owner.endpoints.map((e) => e.network).filter(USER_NETWORK));
  const answering = dst.members
    .filter((m) => mine.has(m.network))
    .map((m) => ({ m, ip: m.owner.endpoints.find((e) => e.network === m.network)?.[family === 6 ? 'ipv6' : 'ip'] ?? '' }))
    .filter((x) => x.ip);
  if (answering.length === 0) {
    a.stop('blocked', 'resolve', {
      kind: 'name-resolution',
      text: `${dst.name} is an alias on ${[...new Set(dst.members.map((m) => m.network))].join(', ')}, none of which ${src.container.name} is on: Docker's embedded DNS does not resolve it there`,
    });
    return undefined;
  }
  const first = answering[0] as (typeof answering)[number];
  const set = answering.map((x) => `${x.ip} (${x.m.container.name})`).join(', ');
  a.step(
    'resolve',
    true,
    answering.length > 1
      ? `${dst.name} is an alias on ${first.m.network}: the embedded DNS answers with ${answering.length} addresses in turn (round robin): ${set}; this follows ${first.ip}`
      : `${dst.name} is an alias on ${first.m.network} for ${first.m.container.name}: ${first.ip}`,
  );
  return first.ip;
}

/** Who listens on the port in a namespace; a reason when nobody does for this address. */
function checkListener(
  a: Answer,
  listeners: Listener[] | undefined,
  where: string,
  address: string,
  port: number,
  protocol: 'tcp' | 'udp',
  v6only = false,
): void {
  if (!listeners) {
    a.stop('unknown', 'listener', {
      kind: 'unread',
      text: `the sockets of ${where} were not read: whether anything listens on ${protocol} port ${port} is not known`,
    });
    return;
  }
  const onPort = listeners.filter((l) => l.protocol === protocol && l.port === port);
  const v4 = ipFamily(address) === 4;
  const serves = onPort.find(
    (l) => l.address === '0.0.0.0' || (l.address === '::' && !(v4 && v6only)) || sameAddress(l.address, address) || (v4 && l.address === `::ffff:${address}`),
  );
  if (serves) {
    const wildcard = serves.address === '::' && v4 ? ' (an IPv6 socket on :: takes IPv4 too unless bindv6only is set)' : '';
    a.step('listener', true, `${where} listens on ${protocol} ${socketAddress(serves.address, serves.port)}${wildcard}`);
    return;
  }
  if (v4 && v6only && onPort.some((l) => l.address === '::')) {
    a.stop('blocked', 'listener', {
      kind: 'listener',
      text: `in ${where}, only docker-proxy's IPv6 socket [::]:${port} listens, and docker-proxy opens it IPv6-only: an IPv4 connection to ${address}:${port} is refused (the port is published for IPv6 only; in routed gateway mode IPv4 clients connect to the container's own address)`,
    });
    return;
  }
  if (onPort.length) {
    const bound = onPort.map((l) => socketAddress(l.address, l.port)).join(', ');
    a.stop('blocked', 'listener', {
      kind: 'listener',
      text: `${where} listens on ${protocol} ${bound} only, not on ${address}: bind the service to 0.0.0.0 (or ::) to take connections from outside its namespace`,
    });
    return;
  }
  a.stop('blocked', 'listener', {
    kind: 'listener',
    text: `nothing listens on ${protocol} port ${port} in ${where}: the kernel answers with ${protocol === 'tcp' ? 'a reset (connection refused)' : 'ICMP port unreachable'}`,
  });
}

/** The rule or policy that ends a path in DROP/REJECT. */
function decidingRule(path: PacketPath): DecidedBy {
  const last = path.steps.at(-1);
  const reason = path.reason ?? path.finalVerdict;
  if (!last) return { kind: 'rule', text: reason };
  const rule = last.rules.filter((r) => r.result === 'matched').at(-1)?.rule;
  if (last.policy || !rule) return { kind: 'policy', text: reason, table: last.table, chain: last.chain };
  return { kind: 'rule', text: reason, table: rule.table, chain: rule.chain, position: rule.position, spec: rule.spec };
}

/** The destination's network namespace, by the address a packet is delivered to. */
function landing(snapshot: HostSnapshot, address: string): { where: string; listeners: Listener[] | undefined } | 'host' | undefined {
  const c = containerWithAddress(snapshot, address);
  if (!c) return undefined;
  const ownerId = topologyOf(snapshot).containers.find((x) => x.id === c.id)?.namespaceOwnerId ?? c.id;
  const owner = snapshot.docker?.containers.find((x) => x.id === ownerId) ?? c;
  if (owner.modeKind === 'host') return 'host';
  const ns = snapshot.containerNamespaces.find((n) => n.containerId === owner.id);
  const sharers = (snapshot.docker?.containers ?? []).filter(
    (x) => x.id !== owner.id && topologyOf(snapshot).containers.find((t) => t.id === x.id)?.namespaceOwnerId === owner.id,
  );
  const where = `${owner.name}'s namespace${sharers.length ? ` (shared with ${sharers.map((s) => s.name).join(', ')})` : ''}`;
  return { where, listeners: ns?.listeners };
}

/**
 * Whether the host's route delivers `address` where its container is: a bridge network's
 * container only through that network's bridge (not a leftover bridge holding the same subnet,
 * not the uplink); an overlay container never from the host (only the network's members reach
 * it, over VXLAN); a macvlan or ipvlan child never through its own parent. Stops the answer when not.
 */
function misrouted(snapshot: HostSnapshot, a: Answer, address: string, outInterface: string, local: boolean): boolean {
  if (local) return false;
  const c = containerWithAddress(snapshot, address);
  const ep = c?.endpoints.find((e) => sameAddress(e.ip, address) || (e.ipv6 !== undefined && e.ipv6 !== '' && sameAddress(e.ipv6, address)));
  const net = ep && snapshot.docker?.networks.find((n) => n.name === ep.network);
  if (!c || !net) return false;
  const out = outInterface || 'no interface';
  if (net.driver === 'bridge' && net.bridgeName && outInterface !== net.bridgeName) {
    a.stop('blocked', 'route', {
      kind: 'route',
      text: `on the host: ${address} is routed out of ${out}, not into bridge ${net.bridgeName} (${net.name}) where ${c.name} is: another interface holds a route for its subnet (see the host's routes)`,
    });
    return true;
  }
  if (net.driver === 'overlay') {
    a.stop('blocked', 'route', {
      kind: 'route',
      text: `on the host: ${address} is ${c.name}'s address on overlay ${net.name}, which only the network's members reach (over VXLAN); the host routes it out of ${out}, away from ${c.name}`,
    });
    return true;
  }
  if (net.driver === 'macvlan' || net.driver === 'ipvlan') {
    const parent = net.options['parent'] ?? '';
    if (outInterface === parent || (parent && outInterface.startsWith(`${parent}.`))) {
      a.stop('blocked', 'medium', {
        kind: 'medium',
        text: `${c.name} is a ${net.driver} child of ${parent}: the kernel does not pass traffic between the parent's host and its ${net.driver} children (give the host a ${net.driver} interface of its own)`,
      });
    } else {
      a.stop('blocked', 'route', {
        kind: 'route',
        text: `on the host: ${address} is routed out of ${out}, not onto ${parent}, the ${net.driver} parent of ${net.name} where ${c.name} is`,
      });
    }
    return true;
  }
  return false;
}

/** Evaluates one host packet path and what follows it: the listener, or docker-proxy's own connection. */
function followHostPath(snapshot: HostSnapshot, a: Answer, flow: Flow, title: string, port: number, protocol: 'tcp' | 'udp', depth = 0): void {
  const path = computePacketPath(snapshot, flow);
  a.paths.push({ title, path });
  const routing = path.routing;
  if (routing?.kind === 'unreachable') {
    a.stop('blocked', 'route', { kind: 'route', text: `on the host: ${routing.reason}` });
    return;
  }
  if (routing?.kind === 'forwarding-disabled') {
    a.stop('blocked', 'netfilter', { kind: 'forwarding', text: routing.reason });
    return;
  }
  if (path.finalVerdict === 'DROP' || path.finalVerdict === 'REJECT') {
    const decided = decidingRule(path);
    a.stop('blocked', 'netfilter', decided);
    return;
  }
  if (path.finalVerdict === 'UNKNOWN') {
    a.stop('unknown', 'netfilter', { kind: 'unread', text: path.reason ?? path.uncertain[0] ?? 'the netfilter path is uncertain' });
    return;
  }
  a.step('netfilter', true, path.reason ?? 'ACCEPT');
  const rewritten = path.rewrittenDestination;
  const finalIp = rewritten ? (parseIp(rewritten) ? rewritten : rewritten.replace(/^\[?(.*?)\]?:\d+$/, '$1')) : flow.dst;
  const finalPort = rewritten && !parseIp(rewritten) ? Number(/:(\d+)$/.exec(rewritten)?.[1] ?? port) : port;
  a.target = socketAddress(finalIp, finalPort);
  if (routing?.kind === 'local') {
    // docker-proxy's [::] socket is IPv6-only (Docker binds 0.0.0.0 separately when it wants IPv4).
    const v4 = ipFamily(finalIp) === 4;
    const proxies = snapshot.dockerProxies.filter((p) => p.protocol === protocol && p.hostPort === finalPort && ipFamily(p.containerIp) !== undefined);
    const proxy = proxies.find((p) => (v4 ? p.hostIp === '0.0.0.0' : p.hostIp === '::') || p.hostIp === '' || sameAddress(p.hostIp, finalIp));
    const v6only = v4 && !proxy && proxies.some((p) => p.hostIp === '::');
    checkListener(a, snapshot.hostNamespace.listeners, 'the host', finalIp, finalPort, protocol, v6only);
    if (a.done || !proxy || depth > 0) return;
    a.step(
      'proxy',
      true,
      `docker-proxy (pid ${proxy.pid}) holds ${protocol} ${socketAddress(proxy.hostIp || '0.0.0.0', proxy.hostPort)} and opens its own connection to ${socketAddress(proxy.containerIp, proxy.containerPort)}`,
    );
    const host = new HostAddressing(snapshot);
    const route = host.lookup(proxy.containerIp);
    const src = (route?.dev && host.sourceAddressFor(proxy.containerIp, route.dev)) || finalIp;
    followHostPath(
      snapshot,
      a,
      { protocol, src, dst: proxy.containerIp, dport: proxy.containerPort, locallyGenerated: true },
      `docker-proxy -> ${socketAddress(proxy.containerIp, proxy.containerPort)}`,
      proxy.containerPort,
      protocol,
      depth + 1,
    );
    return;
  }
  if (misrouted(snapshot, a, finalIp, path.outInterface ?? '', path.routing?.kind === 'local')) return;
  const land = landing(snapshot, finalIp);
  if (land === 'host') {
    checkListener(a, snapshot.hostNamespace.listeners, 'the host', finalIp, finalPort, protocol);
    return;
  }
  if (!land) {
    a.stop('unknown', 'listener', {
      kind: 'unread',
      text: `the connection leaves the host${path.outInterface ? ` on ${path.outInterface}` : ''}${path.rewrittenSource ? ` as ${path.rewrittenSource}` : ''}: what answers at ${a.target} is beyond what this host shows`,
    });
    return;
  }
  checkListener(a, land.listeners, land.where, finalIp, finalPort, protocol);
}

function replyStep(a: Answer): void {
  const nat = a.paths.some((p) => p.path.rewrittenDestination || p.path.rewrittenSource);
  a.step(
    'reply',
    true,
    `replies belong to the same connection: conntrack ${nat ? 'undoes the address rewriting and ' : ''}lets them back (Docker's RELATED,ESTABLISHED rules)`,
  );
}

/** The host's address a connection from the host to `dst` leaves from. */
function hostSource(snapshot: HostSnapshot, dst: string, family: IpFamily): string {
  const host = new HostAddressing(snapshot);
  if (isLoopback(dst)) return family === 6 ? '::1' : '127.0.0.1';
  if (host.isLocal(dst)) return dst;
  const route = host.lookup(dst);
  return (route?.dev && host.sourceAddressFor(dst, route.dev)) ?? (family === 6 ? '::1' : '127.0.0.1');
}

function fromContainer(snapshot: HostSnapshot, a: Answer, src: ContainerEnd, address: string, port: number, protocol: 'tcp' | 'udp', family: IpFamily): void {
  const name = src.container.name;
  const ns = src.namespace;
  if (src.owner.modeKind === 'none') {
    if (isLoopback(address)) checkListener(a, ns?.listeners, `${src.owner.name}'s own namespace`, address, port, protocol);
    else
      a.stop('blocked', 'route', {
        kind: 'route',
        text: `${name} has no network (--network none): its namespace has only lo, so there is no route to ${address}`,
      });
    return;
  }
  if (!ns) {
    a.stop('unknown', 'route', { kind: 'unread', text: `${src.owner.name}'s network namespace was not read (see the snapshot's sources)` });
    return;
  }
  const own = ns.links.some((l) => l.addresses.some((x) => sameAddress(x.local, address)));
  if (isLoopback(address) || own) {
    a.step('route', true, `${address} is ${name}'s own address: the connection stays inside its namespace (through lo)`);
    a.target = socketAddress(address, port);
    checkListener(a, ns.listeners, `${src.owner.name}'s namespace`, address, port, protocol);
    return;
  }
  const addressing = namespaceAddressing(snapshot, ns);
  const route = addressing.lookup(address);
  if (!route?.dev) {
    const have = ns.routes.filter((r) => (r.family === 'inet6') === (family === 6)).map((r) => `${r.dst}${r.dev ? ` dev ${r.dev}` : ''}`);
    a.stop('blocked', 'route', {
      kind: 'route',
      text: `no route to ${address} in ${name}'s namespace (its routes: ${have.join('; ') || 'none'})${src.owner.endpoints.some((e) => snapshot.docker?.networks.find((n) => n.name === e.network)?.internal) ? ': an --internal network gives no default route' : ''}`,
    });
    return;
  }
  const srcIp = route.prefsrc ?? addressing.sourceAddressFor(address, route.dev) ?? '';
  const endpoint = src.owner.endpoints.find((e) => (family === 6 ? e.ipv6 : e.ip) && sameAddress(family === 6 ? e.ipv6 : e.ip, srcIp));
  // An overlay container's way off the overlay is its endpoint on docker_gwbridge, which Docker
  // does not list among the container's networks: found by the bridge network holding the address.
  const network = endpoint
    ? snapshot.docker?.networks.find((n) => n.name === endpoint.network)
    : snapshot.docker?.networks.find((n) => n.driver === 'bridge' && n.bridgeName && n.subnets.some((x) => cidrContains(x.subnet, srcIp)));
  a.step(
    'route',
    true,
    `in ${name}'s namespace: ${route.dst}${route.gateway ? ` via ${route.gateway}` : ''} dev ${route.dev}, from ${srcIp}${network ? ` (${network.name})` : ''}`,
  );
  if (!network) {
    a.stop('unknown', 'medium', { kind: 'medium', text: `${route.dev} in ${name}'s namespace belongs to no Docker network the snapshot knows` });
    return;
  }
  if (network.driver === 'bridge' && network.bridgeName) {
    const flow: Flow = { protocol, src: srcIp, dst: address, dport: port, inInterface: network.bridgeName };
    a.step('medium', true, `out ${route.dev} over its veth into bridge ${network.bridgeName} (${network.name}) on the host`);
    followHostPath(snapshot, a, flow, `${name} -> ${socketAddress(address, port)}`, port, protocol);
    return;
  }
  const land = landing(snapshot, address);
  const peerOnSameNetwork =
    network.containers.some((c) => sameAddress(c.ip, address)) ||
    (land && typeof land === 'object' && network.subnets.some((s) => cidrContains(s.subnet, address)));
  if (network.driver === 'overlay') {
    if (!peerOnSameNetwork || !land || land === 'host') {
      a.stop('unknown', 'medium', {
        kind: 'medium',
        text: `${name} reaches ${address} over overlay ${network.name} (VXLAN) or its gateway bridge: paths off the overlay are not evaluated`,
      });
      return;
    }
    a.step(
      'medium',
      true,
      `over overlay ${network.name}: VXLAN${network.vxlanIds?.length ? ` VNI ${network.vxlanIds.join(',')}` : ''} through br0 in the network's own namespace, not through the host's iptables`,
    );
    a.target = socketAddress(address, port);
    checkListener(a, land.listeners, land.where, address, port, protocol);
    return;
  }
  if (network.driver === 'macvlan' || network.driver === 'ipvlan') {
    const parent = network.options['parent'] ?? '?';
    const host = new HostAddressing(snapshot);
    if (host.isLocal(address) || (route.gateway !== undefined && host.isLocal(route.gateway))) {
      a.stop('blocked', 'medium', {
        kind: 'medium',
        text: `${name} is a ${network.driver} child of ${parent}: the kernel does not pass traffic between ${network.driver} children and their parent's host (give the host a ${network.driver} interface of its own)`,
      });
      return;
    }
    if (land && land !== 'host' && peerOnSameNetwork) {
      a.step('medium', true, `${network.driver} ${network.name} on ${parent}: children talk to each other directly, not through the host's iptables`);
      a.target = socketAddress(address, port);
      checkListener(a, land.listeners, land.where, address, port, protocol);
      return;
    }
    a.stop('unknown', 'medium', { kind: 'medium', text: `${name} leaves on ${network.driver} parent ${parent} directly: beyond this host` });
    return;
  }
  a.stop('unknown', 'medium', { kind: 'medium', text: `network ${network.name} uses driver ${network.driver}, which is not evaluated` });
}

function destinationAddress(snapshot: HostSnapshot, a: Answer, src: SourceEnd, dst: DestinationEnd, family: IpFamily, typed: string): string | undefined {
  if (dst.kind === 'address') {
    if (ipFamily(dst.address) !== family) {
      throw new ConnectionEndError(
        `${dst.address} is not an IPv${family} address.`,
        family === 6 ? 'Give an IPv6 destination as [ADDRESS]:PORT.' : 'Drop --ipv6.',
      );
    }
    return dst.address;
  }
  const name = typed.replace(/:\d+$/, '');
  if (src.kind === 'container' && src.owner.modeKind === 'none') {
    a.stop('blocked', 'route', {
      kind: 'route',
      text: `${src.container.name} has no network (--network none): its namespace has only lo, so nothing resolves and nothing is reachable`,
    });
    return undefined;
  }
  if (dst.kind === 'alias') return resolveAlias(a, src, dst, family);
  if (dst.owner.modeKind === 'none') {
    a.stop('blocked', 'resolve', { kind: 'namespace', text: `${dst.container.name} has no network (--network none): nothing outside it can reach it` });
    return undefined;
  }
  if (dst.owner.modeKind === 'host') {
    a.step('resolve', true, `${dst.container.name} uses the host's network namespace: its ports are the host's`);
    if (src.kind === 'container') {
      const ep = src.owner.endpoints.find((e) => (family === 6 ? e.ipv6 : e.ip) && e.gateway && ipFamily(e.gateway) === family);
      const net = ep && snapshot.docker?.networks.find((n) => n.name === ep.network);
      const gw = ep?.gateway;
      if (!gw) {
        a.stop('unknown', 'resolve', { kind: 'unread', text: `no address of the host is known from ${src.container.name}'s network` });
        return undefined;
      }
      a.notes.push(`the embedded DNS does not know host-mode containers by name; the host's address on ${net?.name} (${gw}) stands for it`);
      return gw;
    }
    return family === 6 ? '::1' : '127.0.0.1';
  }
  if (src.kind === 'container') return resolveName(a, src, dst, family, name);
  const ep = endpointAddress(dst.owner, family);
  if (!ep) {
    a.stop('blocked', 'resolve', { kind: 'name-resolution', text: `${dst.container.name} has no IPv${family} address` });
    return undefined;
  }
  a.step('resolve', true, `the host does not resolve container names: ${name} is taken as its address ${ep.ip} on ${ep.network}`);
  return ep.ip;
}

export function explainConnection(snapshot: HostSnapshot, req: ExplainRequest): Explanation {
  const protocol = req.protocol ?? 'tcp';
  const family = requestedFamily(req.to, req.ipv6);
  const src = parseSource(snapshot, req.from, family);
  const dst = parseDestination(snapshot, req.to);
  const a = new Answer();
  if (src.kind === 'outside' && src.note) a.notes.push(src.note);
  if (src.kind === 'host' && src.container) a.notes.push(`${src.container.name} uses the host's network namespace: it connects as the host does`);
  const address = destinationAddress(snapshot, a, src, dst, family, req.to.trim());
  const port = dst.port;
  if (address !== undefined && !a.done) {
    if (src.kind === 'container') fromContainer(snapshot, a, src, address, port, protocol, family);
    else if (src.kind === 'host') {
      const flow: Flow = { protocol, src: hostSource(snapshot, address, family), dst: address, dport: port, locallyGenerated: true };
      a.step('route', true, `from the host (${flow.src})`);
      followHostPath(snapshot, a, flow, `host -> ${socketAddress(address, port)}`, port, protocol);
    } else {
      const flow: Flow = { protocol, src: src.address, dst: address, dport: port, inInterface: src.inInterface };
      a.step('route', true, `from ${src.address}, arriving on ${src.inInterface}`);
      followHostPath(snapshot, a, flow, `${src.address} -> ${socketAddress(address, port)}`, port, protocol);
    }
  }
  if (!a.done) {
    replyStep(a);
    a.verdict = 'reachable';
  }
  for (const p of a.paths) for (const n of p.path.uncertain) if (!a.notes.includes(n)) a.notes.push(n);
  const out: Explanation = {
    from: req.from,
    to: req.to,
    protocol,
    family,
    verdict: a.verdict ?? 'unknown',
    steps: a.steps,
    paths: a.paths,
    notes: a.notes,
  };
  if (a.decidedBy) out.decidedBy = a.decidedBy;
  if (a.target) out.target = a.target;
  else if (address) out.target = socketAddress(address, port);
  return out;
}

/** Exit status of `container-net explain`: 0 reachable, 1 blocked, 3 unknown. */
export function explainExitCode(e: Explanation): number {
  return e.verdict === 'reachable' ? 0 : e.verdict === 'blocked' ? 1 : 3;
}

/** The JSON `container-net explain --json` prints: the answer and each host path in brief (verdict, reason, rules that matched). */
export function explanationJson(e: Explanation): object {
  return {
    from: e.from,
    to: e.to,
    protocol: e.protocol,
    family: e.family,
    verdict: e.verdict,
    ...(e.decidedBy ? { decidedBy: e.decidedBy } : {}),
    ...(e.target ? { target: e.target } : {}),
    steps: e.steps,
    paths: e.paths.map((p) => ({
      title: p.title,
      verdict: p.path.finalVerdict,
      reason: p.path.reason,
      matched: p.path.steps.flatMap((s) =>
        s.rules.filter((r) => r.result === 'matched').map((r) => ({ table: r.rule.table, chain: r.rule.chain, position: r.rule.position, spec: r.rule.spec })),
      ),
    })),
    notes: e.notes,
  };
}
