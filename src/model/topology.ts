// From a HostSnapshot to the joined-up picture the reference draws: each container endpoint
// joined to its interface inside the container, its veth peer on the host, its bridge, its
// Docker network and the host's uplink; each published port joined to its DNAT rule(s), the
// MASQUERADE rule of its network and the docker-proxy listener; overlay endpoints joined to
// the vxlan device and VNI. Whatever cannot be matched is kept and flagged, never dropped.
import type { ContainerInfo, ContainerNamespace, DockerProxyListener, HostSnapshot, Link, NetworkInfo, OverlaySandbox, Rule } from '../snapshot/hostSnapshot';
import { findChain } from '../snapshot/chainLookup';
import { sourceFailed, sourceStatus } from '../snapshot/hostSnapshot';
import { findContainer } from './containerLookup';
import { hostLeftovers, type HostLeftovers } from './leftovers';
import { networkSandbox } from './overlayNetworks';

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
  /** The endpoint's global IPv6 address, on a network with IPv6 enabled. */
  ipv6?: string;
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
  /** 6 for a binding on an IPv6 host address (`::`), joined to ip6tables rules. */
  family: 4 | 6;
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
  /**
   * How the engine carries this binding when no DNAT rule does: an IPv6 binding of a
   * container without IPv6, or an engine that writes no ip6tables rules (20.10), is served by
   * docker-proxy alone; a routed-mode network opens the container port with no host port.
   */
  carriedBy?: 'docker-proxy' | 'routed';
  flags: PortFlag[];
}

export interface ContainerNode {
  id: string;
  name: string;
  image: string;
  state: string;
  pid: number;
  modeKind: ContainerInfo['modeKind'];
  /** For `container:X` mode: the container whose namespace is shared (its name). */
  sharesNamespaceWith?: string;
  /**
   * The id of the container whose network namespace this one uses: its own id, or the
   * `container:X` target's (when X is on this host). The one place the owner is worked out.
   */
  namespaceOwnerId: string;
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
  /** `com.docker.network.bridge.gateway_mode_ipv4` (28+): nat (default), nat-unprotected, routed, isolated. */
  gatewayMode?: string;
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
  /** Bridges no network owns or that collide with a network's subnet; where each subnet is really routed. */
  leftovers: HostLeftovers;
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
 * The host-side veth of a container interface. With the container's own view (nsenter) the
 * interface knows its peer's index and the pairing is exact. Otherwise the namespace's nsid
 * (read by any user) names it exactly: the host veth whose peer is this index in the
 * namespace with that id. Docker 28 gives every container's eth0 index 2, so the index alone
 * is not enough. Without an nsid, the host veth pointing back at that index is chosen,
 * preferring the expected bridge, and ambiguity is flagged.
 */
function findHostPeer(hostLinks: Link[], inner: Link, expectedBridge: string | undefined, nsid: number | undefined): { link?: Link; flags: EndpointFlag[] } {
  if (inner.linkIndex !== undefined) {
    const link = hostLinks.find((l) => l.index === inner.linkIndex && l.linkIndex === inner.index);
    return link ? { link, flags: [] } : { flags: ['host-peer-not-found'] };
  }
  if (nsid !== undefined) {
    const link = hostLinks.find((l) => l.linkIndex === inner.index && l.linkNetnsId === nsid);
    return link ? { link, flags: [] } : { flags: ['host-peer-not-found'] };
  }
  let candidates = hostLinks.filter((l) => l.kind === 'veth' && l.linkIndex === inner.index && l.linkNetnsId !== undefined);
  if (candidates.length > 1 && expectedBridge) candidates = candidates.filter((l) => l.master === expectedBridge);
  if (candidates.length === 1) return { link: candidates[0], flags: ['peer-by-index-only'] };
  return { flags: [candidates.length === 0 ? 'host-peer-not-found' : 'host-peer-ambiguous'] };
}

function overlayJoin(network: NetworkInfo, sandbox: OverlaySandbox, inner: Link | undefined, flags: EndpointFlag[]): OverlayJoin {
  const join: OverlayJoin = { sandbox: sandbox.name, remoteVteps: [] };
  const vxlan =
    sandbox.links.find((l) => l.kind === 'vxlan' && (network.vxlanIds ?? []).includes(l.vxlan?.id ?? -1)) ?? sandbox.links.find((l) => l.kind === 'vxlan');
  if (inner) {
    const veth =
      inner.linkIndex !== undefined
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

const built = new WeakMap<HostSnapshot, Topology>();

/**
 * The topology of a snapshot, built once and shared: every view of one snapshot (trees,
 * diagrams, pickers) asks here instead of building its own. A snapshot is never mutated
 * after it is read (a counters re-read makes a new object), so the cache cannot go stale.
 */
export function topologyOf(snapshot: HostSnapshot): Topology {
  let topo = built.get(snapshot);
  if (!topo) {
    topo = buildTopology(snapshot);
    built.set(snapshot, topo);
  }
  return topo;
}

export function buildTopology(snapshot: HostSnapshot): Topology {
  const docker = snapshot.docker;
  const hostLinks = snapshot.hostNamespace.links;
  const topo: Topology = { containers: [], networks: [], endpoints: [], ports: [], uplinks: [], unmatched: [], limits: [], leftovers: hostLeftovers(snapshot) };
  for (const s of snapshot.sources) {
    // A source that is absent for a reason that is only information (no nft on this host) limits nothing.
    if (sourceFailed(s)) topo.limits.push(`${s.name}: ${s.reason ?? s.state}`);
  }
  const uplinkNames = [...new Set(snapshot.hostNamespace.routes.filter((r) => r.dst === 'default' && r.dev).map((r) => r.dev as string))];
  topo.uplinks = uplinkNames
    .map((n) => hostLinks.find((l) => l.name === n))
    .filter((l): l is Link => !!l)
    .map(ifRef);
  if (!docker) return topo;

  // IPv4 and IPv6 POSTROUTING: a network with IPv6 has a MASQUERADE rule in each.
  const postrouting = [
    ...(findChain(snapshot.netfilter, 'nat', 'POSTROUTING')?.rules ?? []),
    ...(findChain(snapshot.netfilter6, 'nat', 'POSTROUTING')?.rules ?? []),
  ];
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
    const gatewayMode = n.options['com.docker.network.bridge.gateway_mode_ipv4'];
    if (gatewayMode) node.gatewayMode = gatewayMode;
    if (n.driver === 'overlay' && !networkSandbox(n, snapshot.overlaySandboxes) && sourceStatus(snapshot, 'overlaySandboxes')?.state === 'ok') {
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
      namespaceOwnerId: c.id,
      dns: c.modeKind === 'none' ? 'none' : userDefined ? 'embedded' : 'host-resolv',
      flags: [],
    };
    if (ns?.netnsInode) node.netnsInode = ns.netnsInode;
    if (c.modeKind === 'container') {
      const target = findContainer(docker.containers, c.modeTarget);
      node.sharesNamespaceWith = target?.name ?? c.modeTarget ?? '';
      if (target) node.namespaceOwnerId = target.id;
      if (target && target.endpoints.some((e) => !BUILT_IN_NETWORKS.has(e.network))) node.dns = 'embedded';
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
      if (e.ipv6) ep.ipv6 = e.ipv6;
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
          const { link, flags } = findHostPeer(hostLinks, inner, network.bridgeName, ns?.nsid);
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
        // Routed mode and enable_ip_masquerade=false networks have no MASQUERADE by design.
        else if (
          netfilterRead &&
          !network.internal &&
          network.options['com.docker.network.bridge.gateway_mode_ipv4'] !== 'routed' &&
          network.options['com.docker.network.bridge.enable_ip_masquerade'] !== 'false'
        )
          ep.flags.push('no-masquerade');
      } else if (network?.driver === 'overlay') {
        const sandbox = networkSandbox(network, snapshot.overlaySandboxes);
        if (sandbox) ep.overlay = overlayJoin(network, sandbox, inner, ep.flags);
        else ep.flags.push('no-overlay-sandbox');
      }
      topo.endpoints.push(ep);
    }
    // Interfaces Docker's inspect does not list (e.g. eth1 on docker_gwbridge for overlay
    // containers): joined to their host peer and bridge all the same, and flagged.
    for (const inner of ns?.links ?? []) {
      if (matchedInner.has(inner.index) || inner.kind === 'loopback' || inner.name === 'lo') continue;
      const { link, flags } = findHostPeer(hostLinks, inner, undefined, ns?.nsid);
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

/** Every interface any rule of these tables names with -i or -o. */
function bridgesNamedBy(state: HostSnapshot['netfilter']): Set<string> {
  const out = new Set<string>();
  for (const t of state?.tables ?? []) {
    for (const c of t.chains) {
      for (const r of c.rules) {
        if (r.match.inInterface) out.add(r.match.inInterface);
        if (r.match.outInterface) out.add(r.match.outInterface);
      }
    }
  }
  return out;
}

/** Rules of one chain indexed by protocol and destination port (`tcp/8080`), so joining ports stays linear. */
function byProtocolPort(rules: Rule[]): Map<string, Rule[]> {
  const index = new Map<string, Rule[]>();
  for (const r of rules) {
    const key = `${r.match.protocol ?? ''}/${r.match.dport ?? ''}`;
    const list = index.get(key);
    if (list) list.push(r);
    else index.set(key, [r]);
  }
  return index;
}

function buildPorts(snapshot: HostSnapshot, topo: Topology): void {
  const docker = snapshot.docker;
  if (!docker) return;
  const families = {
    4: {
      read: snapshot.netfilter !== undefined,
      dnat: byProtocolPort((findChain(snapshot.netfilter, 'nat', 'DOCKER')?.rules ?? []).filter((r) => r.target === 'DNAT')),
      accept: byProtocolPort((findChain(snapshot.netfilter, 'filter', 'DOCKER')?.rules ?? []).filter((r) => r.target === 'ACCEPT')),
      postrouting: findChain(snapshot.netfilter, 'nat', 'POSTROUTING')?.rules ?? [],
      bridgesNamed: bridgesNamedBy(snapshot.netfilter),
    },
    6: {
      read: snapshot.netfilter6 !== undefined,
      dnat: byProtocolPort((findChain(snapshot.netfilter6, 'nat', 'DOCKER')?.rules ?? []).filter((r) => r.target === 'DNAT')),
      accept: byProtocolPort((findChain(snapshot.netfilter6, 'filter', 'DOCKER')?.rules ?? []).filter((r) => r.target === 'ACCEPT')),
      postrouting: findChain(snapshot.netfilter6, 'nat', 'POSTROUTING')?.rules ?? [],
      bridgesNamed: bridgesNamedBy(snapshot.netfilter6),
    },
  } as const;
  const proxies = new Map<string, DockerProxyListener[]>();
  for (const x of snapshot.dockerProxies) {
    const key = `${x.protocol}/${x.hostPort}`;
    proxies.set(key, [...(proxies.get(key) ?? []), x]);
  }
  const networkByName = new Map(topo.networks.map((n) => [n.name, n]));
  const endpointsByContainer = new Map<string, Endpoint[]>();
  for (const e of topo.endpoints) endpointsByContainer.set(e.containerId, [...(endpointsByContainer.get(e.containerId) ?? []), e]);
  const usedDnat = new Set<Rule>();
  for (const c of docker.containers) {
    if (c.pid === 0) continue;
    for (const p of c.ports) {
      // The endpoint whose network publishes the port: the first bridge endpoint with an IP.
      const ep = (endpointsByContainer.get(c.id) ?? []).find((e) => e.ip && e.driver === 'bridge' && !e.flags.includes('not-in-docker-inspect'));
      const family: 4 | 6 = p.hostIp.includes(':') ? 6 : 4;
      // An IPv6 binding reaches the container's IPv6 address when it has one (the engine's
      // ip6tables DNAT), else its IPv4 address through docker-proxy.
      const v6Target = family === 6 && ep?.ipv6 ? ep.ipv6 : undefined;
      const ruleFamily = families[family];
      const containerIp = v6Target ?? ep?.ip ?? '';
      const port: PortMapping = {
        containerId: c.id,
        containerName: c.name,
        protocol: p.protocol,
        family,
        hostIp: p.hostIp,
        hostPort: p.hostPort,
        containerIp,
        containerPort: p.containerPort,
        dnatRules: [],
        flags: [],
      };
      if (ep) port.network = ep.network;
      else port.flags.push('container-has-no-ip');
      const network = ep ? networkByName.get(ep.network) : undefined;
      const routed = network?.gatewayMode === 'routed' && p.hostPort === 0;
      // The engine writes rules of a family for a network when some rule of that family names
      // its bridge (27+ for IPv6; 20.10 writes none, and chains an earlier engine left prove nothing).
      const engineWritesRules = family === 4 || (network?.bridge !== undefined && ruleFamily.bridgesNamed.has(network.bridge));
      const expectDnat = !routed && (family === 4 || (v6Target !== undefined && engineWritesRules));
      const unspecified = p.hostIp === '0.0.0.0' || p.hostIp === '::';
      // An IPv6 binding of a container without IPv6 has no DNAT of its own (docker-proxy carries it).
      const dnats = (family === 6 && !v6Target ? [] : (ruleFamily.dnat.get(`${p.protocol}/${p.hostPort}`) ?? [])).filter(
        (r) => unspecified || !r.match.destination || r.match.destination.split('/')[0] === p.hostIp,
      );
      const wanted = v6Target ? `[${containerIp}]:${p.containerPort}` : `${containerIp}:${p.containerPort}`;
      const own = dnats.filter((r) => r.targetOptions['to-destination'] === wanted);
      own.forEach((r) => usedDnat.add(r));
      port.dnatRules = own.map(ruleRef);
      if (own[0]) port.dnatTarget = own[0].targetOptions['to-destination'];
      if (routed) port.carriedBy = 'routed';
      else if (own.length === 0 && !expectDnat) port.carriedBy = 'docker-proxy';
      if (ruleFamily.read && own.length === 0 && expectDnat) {
        port.flags.push(dnats.length > 0 ? 'dnat-target-mismatch' : 'no-dnat-rule');
        if (dnats[0]) port.dnatTarget = dnats[0].targetOptions['to-destination'];
      }
      const hostPrefix = v6Target ? 128 : 32;
      const accept = (ruleFamily.accept.get(`${p.protocol}/${p.containerPort}`) ?? []).find((r) => r.match.destination === `${containerIp}/${hostPrefix}`);
      if (accept) port.filterAccept = ruleRef(accept);
      // nat-unprotected (28+) opens every port of the network: no per-port ACCEPT to expect.
      else if (ruleFamily.read && expectDnat && network?.gatewayMode !== 'nat-unprotected') port.flags.push('no-filter-accept');
      const subnets = network?.subnets ?? [];
      const masq = ruleFamily.postrouting.find(
        (r) => r.target === 'MASQUERADE' && r.match.outInterfaceNegated && r.match.source !== undefined && subnets.includes(r.match.source),
      );
      if (masq) port.masquerade = ruleRef(masq);
      const hairpin = ruleFamily.postrouting.find(
        (r) => r.target === 'MASQUERADE' && r.match.source === `${containerIp}/${hostPrefix}` && r.match.dport === String(p.containerPort),
      );
      if (hairpin && !port.masquerade) port.masquerade = ruleRef(hairpin);
      const proxy = (proxies.get(`${p.protocol}/${p.hostPort}`) ?? []).find((x) => x.hostIp === p.hostIp || p.hostIp === '0.0.0.0');
      if (proxy) port.proxy = proxy;
      // Without any docker-proxy at all the engine runs with userland-proxy off: nothing to flag.
      else if (snapshot.dockerProxies.length > 0 && !routed) port.flags.push('no-proxy');
      topo.ports.push(port);
    }
  }
  for (const [family, f] of [
    [4, families[4]],
    [6, families[6]],
  ] as const) {
    for (const list of f.dnat.values()) {
      for (const r of list) {
        if (!usedDnat.has(r))
          topo.unmatched.push({
            kind: 'dnat-rule',
            name: r.spec,
            reason: `no running container publishes this port with this destination${family === 6 ? ' (ip6tables)' : ''}`,
          });
      }
    }
  }
}
