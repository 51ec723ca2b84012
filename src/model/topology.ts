// From a HostSnapshot to the joined-up picture the reference draws: each container endpoint
// joined to its interface inside the container, its veth peer on the host, its bridge, its
// Docker network and the host's uplink; each published port joined to its DNAT rule(s), the
// MASQUERADE rule of its network and the docker-proxy listener; overlay endpoints joined to
// the vxlan device and VNI. Whatever cannot be matched is kept and flagged, never dropped.
import type {
  ContainerInfo,
  ContainerNamespace,
  DockerProxyListener,
  HostSnapshot,
  Link,
  NetworkInfo,
  OverlaySandbox,
  Rule,
} from '../host/hostSnapshot';
import { findChain } from '../host/iptablesSave';
import { sourceStatus } from '../host/hostSnapshot';

export interface RuleRef {
  table: string;
  chain: string;
  position: number;
  spec: string;
  packets: number;
  bytes: number;
}

export interface InterfaceRef {
  name: string;
  index: number;
  mtu?: number;
}

export type EndpointFlag =
  | 'no-embedded-dns'
  | 'container-interface-not-found'
  | 'host-peer-not-found'
  | 'host-peer-ambiguous'
  | 'peer-by-index-only'
  | 'bridge-mismatch'
  | 'no-overlay-sandbox'
  | 'no-vxlan-device'
  | 'not-in-docker-inspect'
  | 'no-masquerade'
  | 'dns-redirect-missing';

export interface OverlayJoin {
  sandbox: string;
  bridge?: string;
  /** The veth end inside the overlay sandbox. */
  sandboxVeth?: InterfaceRef;
  vxlanDevice?: string;
  vni?: number;
  mtu?: number;
  /** Remote VTEPs known to the vxlan device's FDB. */
  remoteVteps: string[];
}

export interface Endpoint {
  containerId: string;
  containerName: string;
  network: string;
  networkId: string;
  driver: string;
  ip: string;
  prefixLen: number;
  mac: string;
  aliases: string[];
  containerInterface?: InterfaceRef;
  /** The veth peer in the host namespace (bridge networks). */
  hostVeth?: InterfaceRef;
  bridge?: string;
  gateway?: string;
  uplink?: string;
  overlay?: OverlayJoin;
  masquerade?: RuleRef;
  /** Docker's embedded DNS serves this endpoint (user-defined networks). */
  embeddedDns: boolean;
  flags: EndpointFlag[];
}

export type PortFlag = 'no-dnat-rule' | 'dnat-target-mismatch' | 'no-filter-accept' | 'no-proxy' | 'container-has-no-ip';

export interface PortMapping {
  containerId: string;
  containerName: string;
  protocol: string;
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  network?: string;
  dnatRules: RuleRef[];
  /** The DNAT rule's destination (`--to-destination`), as the kernel will rewrite it. */
  dnatTarget?: string;
  filterAccept?: RuleRef;
  masquerade?: RuleRef;
  proxy?: DockerProxyListener;
  flags: PortFlag[];
}

export interface ContainerNode {
  id: string;
  name: string;
  image: string;
  state: string;
  pid: number;
  modeKind: ContainerInfo['modeKind'];
  /** For `container:X` mode: the container whose namespace is shared. */
  sharesNamespaceWith?: string;
  netnsInode?: number;
  /** 'embedded' when on a user-defined network, 'host' for the default bridge and host mode, 'none' without network. */
  dns: 'embedded' | 'host-resolv' | 'none';
  /** Docker's DNS redirect rules inside the namespace (DOCKER_OUTPUT), when they were read. */
  dnsRedirect?: RuleRef[];
  flags: string[];
}

export interface NetworkNode {
  id: string;
  name: string;
  driver: string;
  subnets: string[];
  gateway?: string;
  bridge?: string;
  bridgeUp?: boolean;
  internal: boolean;
  vxlanIds: number[];
  mtu?: number;
  masquerade: RuleRef[];
  endpointCount: number;
  flags: string[];
}

export interface Unmatched {
  kind: 'host-veth' | 'dnat-rule' | 'container-interface' | 'overlay-sandbox';
  name: string;
  reason: string;
}

export interface Topology {
  containers: ContainerNode[];
  networks: NetworkNode[];
  endpoints: Endpoint[];
  ports: PortMapping[];
  uplinks: InterfaceRef[];
  unmatched: Unmatched[];
  /** Sources whose absence limits what could be joined (e.g. netfilter needs privilege). */
  limits: string[];
}

export function ruleRef(rule: Rule): RuleRef {
  return { table: rule.table, chain: rule.chain, position: rule.position, spec: rule.spec, packets: rule.packets, bytes: rule.bytes };
}

const BUILT_IN_NETWORKS = new Set(['bridge', 'host', 'none']);

function ifRef(link: Link): InterfaceRef {
  return { name: link.name, index: link.index, ...(link.mtu ? { mtu: link.mtu } : {}) };
}

/** The interface in a namespace that carries an address. */
function linkWithAddress(links: Link[], ip: string): Link | undefined {
  return links.find((l) => l.addresses.some((a) => a.local === ip));
}

/**
 * The host-side veth of a container interface. With the container's own view (sysfs or
 * nsenter) the interface knows its peer's index and the pairing is exact; with /proc alone
 * only the container interface's index is known, so the host veth pointing back at that
 * index is chosen, preferring the expected bridge, and ambiguity is flagged.
 */
function findHostPeer(hostLinks: Link[], inner: Link, expectedBridge: string | undefined): { link?: Link; flags: EndpointFlag[] } {
  if (inner.linkIndex !== undefined) {
    const link = hostLinks.find((l) => l.index === inner.linkIndex && l.linkIndex === inner.index);
    return link ? { link, flags: [] } : { flags: ['host-peer-not-found'] };
  }
  let candidates = hostLinks.filter((l) => l.kind === 'veth' && l.linkIndex === inner.index && l.linkNetnsId !== undefined);
  if (candidates.length > 1 && expectedBridge) candidates = candidates.filter((l) => l.master === expectedBridge);
  if (candidates.length === 1) return { link: candidates[0], flags: ['peer-by-index-only'] };
  return { flags: [candidates.length === 0 ? 'host-peer-not-found' : 'host-peer-ambiguous'] };
}

function sandboxFor(network: NetworkInfo, sandboxes: OverlaySandbox[]): OverlaySandbox | undefined {
  const prefix = network.id.slice(0, 10);
  return sandboxes.find((s) => new RegExp(`^\\d+-${prefix}`).test(s.name));
}

function overlayJoin(network: NetworkInfo, sandbox: OverlaySandbox, inner: Link | undefined, flags: EndpointFlag[]): OverlayJoin {
  const join: OverlayJoin = { sandbox: sandbox.name, remoteVteps: [] };
  const vxlan = sandbox.links.find((l) => l.kind === 'vxlan' && (network.vxlanIds ?? []).includes(l.vxlan?.id ?? -1)) ?? sandbox.links.find((l) => l.kind === 'vxlan');
  if (inner) {
    const veth = inner.linkIndex !== undefined
      ? sandbox.links.find((l) => l.index === inner.linkIndex && l.linkIndex === inner.index)
      : sandbox.links.find((l) => l.kind === 'veth' && l.linkIndex === inner.index);
    if (veth) {
      join.sandboxVeth = ifRef(veth);
      if (veth.master) join.bridge = veth.master;
    } else flags.push('host-peer-not-found');
  }
  if (vxlan) {
    join.vxlanDevice = vxlan.name;
    join.vni = vxlan.vxlan?.id;
    join.mtu = vxlan.mtu;
    join.remoteVteps = [...new Set(sandbox.fdb.filter((f) => f.ifname === vxlan.name && f.dst).map((f) => f.dst as string))];
    join.bridge ??= vxlan.master;
  } else flags.push('no-vxlan-device');
  return join;
}

export function buildTopology(snapshot: HostSnapshot): Topology {
  const docker = snapshot.docker;
  const hostLinks = snapshot.hostNamespace.links;
  const topo: Topology = { containers: [], networks: [], endpoints: [], ports: [], uplinks: [], unmatched: [], limits: [] };
  for (const s of snapshot.sources) {
    if (s.state !== 'ok' && s.state !== 'partial') topo.limits.push(`${s.name}: ${s.reason ?? s.state}`);
  }
  const uplinkNames = [...new Set(snapshot.hostNamespace.routes.filter((r) => r.dst === 'default' && r.dev).map((r) => r.dev as string))];
  topo.uplinks = uplinkNames.map((n) => hostLinks.find((l) => l.name === n)).filter((l): l is Link => !!l).map(ifRef);
  if (!docker) return topo;

  const nat = snapshot.netfilter?.tables;
  const postrouting = findChain(nat, 'nat', 'POSTROUTING')?.rules ?? [];
  const netfilterRead = snapshot.netfilter !== undefined;
  const nsByContainer = new Map<string, ContainerNamespace>(snapshot.containerNamespaces.map((ns) => [ns.containerId, ns]));
  const networkByName = new Map(docker.networks.map((n) => [n.name, n]));
  const usedHostLinks = new Set<number>();

  for (const n of docker.networks) {
    const bridgeLink = n.bridgeName ? hostLinks.find((l) => l.name === n.bridgeName) : undefined;
    const subnets = n.subnets.map((s) => s.subnet).filter((s) => s);
    const node: NetworkNode = {
      id: n.id,
      name: n.name,
      driver: n.driver,
      subnets,
      internal: n.internal,
      vxlanIds: n.vxlanIds ?? [],
      masquerade: postrouting
        .filter((r) => r.target === 'MASQUERADE' && r.match.source !== undefined && subnets.includes(r.match.source) && r.match.outInterfaceNegated)
        .map(ruleRef),
      endpointCount: 0,
      flags: [],
    };
    const gw = n.subnets.find((s) => s.gateway)?.gateway;
    if (gw) node.gateway = gw;
    if (n.bridgeName) {
      node.bridge = n.bridgeName;
      if (bridgeLink) node.bridgeUp = bridgeLink.flags.includes('UP');
      else if (snapshot.hostNamespace.links.length > 0) node.flags.push('bridge-device-missing');
    }
    if (n.mtu) node.mtu = n.mtu;
    else if (bridgeLink) node.mtu = bridgeLink.mtu;
    if (n.driver === 'overlay' && !sandboxFor(n, snapshot.overlaySandboxes) && sourceStatus(snapshot, 'overlaySandboxes')?.state === 'ok') {
      node.flags.push('no-overlay-sandbox-on-this-host');
    }
    topo.networks.push(node);
  }

  for (const c of docker.containers) {
    const ns = nsByContainer.get(c.id);
    const userDefined = c.endpoints.some((e) => !BUILT_IN_NETWORKS.has(e.network));
    const node: ContainerNode = {
      id: c.id,
      name: c.name,
      image: c.image,
      state: c.state,
      pid: c.pid,
      modeKind: c.modeKind,
      dns: c.modeKind === 'none' ? 'none' : userDefined ? 'embedded' : 'host-resolv',
      flags: [],
    };
    if (ns?.netnsInode) node.netnsInode = ns.netnsInode;
    if (c.modeKind === 'container') {
      const target = docker.containers.find((x) => x.id === c.modeTarget || x.id.startsWith(c.modeTarget ?? '\0') || x.name === c.modeTarget);
      node.sharesNamespaceWith = target?.name ?? c.modeTarget ?? '';
      const targetNode = target ? docker.containers.find((x) => x.id === target.id) : undefined;
      if (targetNode && targetNode.endpoints.some((e) => !BUILT_IN_NETWORKS.has(e.network))) node.dns = 'embedded';
    }
    if (c.modeKind === 'bridge' && !userDefined && c.state === 'running') node.flags.push('no-embedded-dns');
    if (ns?.dnsRules) {
      const out = findChain([ns.dnsRules], 'nat', 'DOCKER_OUTPUT');
      node.dnsRedirect = (out?.rules ?? []).map(ruleRef);
      if (userDefined && node.dnsRedirect.length === 0) node.flags.push('dns-redirect-missing');
    }
    topo.containers.push(node);

    if (c.pid === 0) continue;
    const matchedInner = new Set<number>();
    for (const e of c.endpoints) {
      if (BUILT_IN_NETWORKS.has(e.network) && e.network !== 'bridge') continue;
      const network = networkByName.get(e.network);
      const ep: Endpoint = {
        containerId: c.id,
        containerName: c.name,
        network: e.network,
        networkId: e.networkId,
        driver: network?.driver ?? 'unknown',
        ip: e.ip,
        prefixLen: e.prefixLen,
        mac: e.mac,
        aliases: e.aliases.filter((a) => a !== c.id.slice(0, 12) && a !== c.name),
        embeddedDns: !BUILT_IN_NETWORKS.has(e.network),
        flags: [],
      };
      if (!ep.embeddedDns) ep.flags.push('no-embedded-dns');
      if (e.gateway) ep.gateway = e.gateway;
      // By MAC first (sysfs and nsenter views have it; an IPv6-only endpoint has no IPv4), then by address.
      const byMac = ns && e.mac ? ns.links.find((l) => l.mac?.toLowerCase() === e.mac.toLowerCase()) : undefined;
      const inner = byMac ?? (ns && e.ip ? linkWithAddress(ns.links, e.ip) : undefined);
      if (inner) {
        ep.containerInterface = ifRef(inner);
        matchedInner.add(inner.index);
      } else if (ns) ep.flags.push('container-interface-not-found');
      if (network?.driver === 'bridge') {
        ep.bridge = network.bridgeName;
        if (inner) {
          const { link, flags } = findHostPeer(hostLinks, inner, network.bridgeName);
          ep.flags.push(...flags);
          if (link) {
            ep.hostVeth = ifRef(link);
            usedHostLinks.add(link.index);
            if (link.master && network.bridgeName && link.master !== network.bridgeName) ep.flags.push('bridge-mismatch');
          }
        }
        if (!network.internal && uplinkNames[0]) ep.uplink = uplinkNames[0];
        const netNode = topo.networks.find((n) => n.id === network.id);
        const masq = netNode?.masquerade[0];
        if (masq) ep.masquerade = masq;
        else if (netfilterRead && !network.internal) ep.flags.push('no-masquerade');
      } else if (network?.driver === 'overlay') {
        const sandbox = sandboxFor(network, snapshot.overlaySandboxes);
        if (sandbox) ep.overlay = overlayJoin(network, sandbox, inner, ep.flags);
        else ep.flags.push('no-overlay-sandbox');
      }
      topo.endpoints.push(ep);
    }
    // Interfaces Docker's inspect does not list (e.g. eth1 on docker_gwbridge for overlay
    // containers): joined to their host peer and bridge all the same, and flagged.
    for (const inner of ns?.links ?? []) {
      if (matchedInner.has(inner.index) || inner.kind === 'loopback' || inner.name === 'lo') continue;
      const { link, flags } = findHostPeer(hostLinks, inner, undefined);
      const network = link?.master ? docker.networks.find((n) => n.bridgeName === link.master) : undefined;
      const addr = inner.addresses.find((a) => a.family === 'inet');
      const ep: Endpoint = {
        containerId: c.id,
        containerName: c.name,
        network: network?.name ?? link?.master ?? '?',
        networkId: network?.id ?? '',
        driver: network?.driver ?? 'unknown',
        ip: addr?.local ?? '',
        prefixLen: addr?.prefixLen ?? 0,
        mac: inner.mac ?? '',
        aliases: [],
        containerInterface: ifRef(inner),
        embeddedDns: false,
        flags: ['not-in-docker-inspect', ...flags.filter((f) => f !== 'host-peer-not-found')],
      };
      if (link) {
        ep.hostVeth = ifRef(link);
        usedHostLinks.add(link.index);
        if (link.master) ep.bridge = link.master;
      }
      if (link || inner.addresses.length > 0) topo.endpoints.push(ep);
      else topo.unmatched.push({ kind: 'container-interface', name: `${c.name}:${inner.name}`, reason: 'no address and no host-side peer found' });
    }
  }

  for (const ep of topo.endpoints) {
    const node = topo.networks.find((n) => n.name === ep.network);
    if (node) node.endpointCount++;
  }
  for (const l of hostLinks) {
    if (l.kind === 'veth' && !usedHostLinks.has(l.index)) {
      // Overlay sandboxes (ingress_sbox, lb_*) hang on docker_gwbridge through veths of their own.
      const sandbox = snapshot.overlaySandboxes.find((s) => s.links.some((x) => x.index === l.linkIndex && x.linkIndex === l.index));
      const sandboxEnd = sandbox?.links.find((x) => x.index === l.linkIndex);
      topo.unmatched.push({
        kind: 'host-veth',
        name: l.name,
        reason: sandbox
          ? `its peer is ${sandboxEnd?.name} in Docker's sandbox ${sandbox.name}, not in a container`
          : l.linkNetnsId === undefined
            ? 'its peer is in the host namespace (not a container veth)'
            : `no container endpoint pairs with it (peer index ${l.linkIndex}, netns id ${l.linkNetnsId})`,
      });
    }
  }

  buildPorts(snapshot, topo);
  return topo;
}

function buildPorts(snapshot: HostSnapshot, topo: Topology): void {
  const docker = snapshot.docker;
  if (!docker) return;
  const netfilterRead = snapshot.netfilter !== undefined;
  const natDocker = findChain(snapshot.netfilter, 'nat', 'DOCKER')?.rules ?? [];
  const filterDocker = findChain(snapshot.netfilter, 'filter', 'DOCKER')?.rules ?? [];
  const postrouting = findChain(snapshot.netfilter, 'nat', 'POSTROUTING')?.rules ?? [];
  const usedDnat = new Set<Rule>();
  for (const c of docker.containers) {
    if (c.pid === 0) continue;
    for (const p of c.ports) {
      // The endpoint whose network publishes the port: the first bridge endpoint with an IP.
      const ep = topo.endpoints.find((e) => e.containerId === c.id && e.ip && e.driver === 'bridge' && !e.flags.includes('not-in-docker-inspect'));
      const port: PortMapping = {
        containerId: c.id,
        containerName: c.name,
        protocol: p.protocol,
        hostIp: p.hostIp,
        hostPort: p.hostPort,
        containerIp: ep?.ip ?? '',
        containerPort: p.containerPort,
        dnatRules: [],
        flags: [],
      };
      if (ep) port.network = ep.network;
      else port.flags.push('container-has-no-ip');
      const dnats = natDocker.filter(
        (r) => r.target === 'DNAT' && r.match.protocol === p.protocol && r.match.dport === String(p.hostPort) && (p.hostIp === '0.0.0.0' || p.hostIp === '::' || !r.match.destination || r.match.destination.startsWith(p.hostIp)),
      );
      const own = dnats.filter((r) => r.targetOptions['to-destination'] === `${port.containerIp}:${p.containerPort}`);
      own.forEach((r) => usedDnat.add(r));
      port.dnatRules = own.map(ruleRef);
      if (own[0]) port.dnatTarget = own[0].targetOptions['to-destination'];
      if (netfilterRead && own.length === 0) {
        port.flags.push(dnats.length > 0 ? 'dnat-target-mismatch' : 'no-dnat-rule');
        if (dnats[0]) port.dnatTarget = dnats[0].targetOptions['to-destination'];
      }
      const accept = filterDocker.find(
        (r) => r.target === 'ACCEPT' && r.match.destination === `${port.containerIp}/32` && r.match.dport === String(p.containerPort) && r.match.protocol === p.protocol,
      );
      if (accept) port.filterAccept = ruleRef(accept);
      else if (netfilterRead) port.flags.push('no-filter-accept');
      const masq = ep ? topo.networks.find((n) => n.name === ep.network)?.masquerade[0] : undefined;
      if (masq) port.masquerade = masq;
      const hairpin = postrouting.find((r) => r.target === 'MASQUERADE' && r.match.source === `${port.containerIp}/32` && r.match.dport === String(p.containerPort));
      if (hairpin && !port.masquerade) port.masquerade = ruleRef(hairpin);
      const proxy = snapshot.dockerProxies.find((x) => x.hostPort === p.hostPort && x.protocol === p.protocol && (x.hostIp === p.hostIp || p.hostIp === '0.0.0.0'));
      if (proxy) port.proxy = proxy;
      // Without any docker-proxy at all the engine runs with userland-proxy off: nothing to flag.
      else if (snapshot.dockerProxies.length > 0) port.flags.push('no-proxy');
      topo.ports.push(port);
    }
  }
  for (const r of natDocker) {
    if (r.target === 'DNAT' && !usedDnat.has(r)) topo.unmatched.push({ kind: 'dnat-rule', name: r.spec, reason: 'no running container publishes this port with this destination' });
  }
}
