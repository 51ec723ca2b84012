// The one seam between reading the host and reasoning about it: a plain, JSON-serialisable
// record of what was read, when, from which source, and which sources failed and why.
// A snapshot saved to a file can be reopened, diffed, attached to a bug report or used as a
// test fixture. Nothing here may hold functions, class instances, Maps or Dates.

export const SNAPSHOT_SCHEMA = 1;

/** Every place the snapshot reads from. */
export type SourceName =
  | 'docker'
  | 'hostLinks'
  | 'hostRoutes'
  | 'bridgePorts'
  | 'bridgeFdb'
  | 'sysctls'
  | 'containerNamespaces'
  | 'containerDnsRules'
  | 'overlaySandboxes'
  | 'overlayPeers'
  | 'offloads'
  | 'netfilter'
  | 'netfilter6'
  | 'nftables'
  | 'conntrack'
  | 'dockerProxy';

/**
 * How a source ended:
 * - ok: read in full;
 * - partial: read, but some items were skipped (see notes);
 * - needs-privilege: root is needed and neither root nor `sudo -n` was available;
 * - missing-tool: the command that reads it is not installed;
 * - unreachable: the Docker engine did not answer;
 * - error: anything else (timeout, garbled output), with the reason.
 */
export type SourceState = 'ok' | 'partial' | 'needs-privilege' | 'missing-tool' | 'unreachable' | 'error';

export interface SourceStatus {
  name: SourceName;
  state: SourceState;
  /** Wall time spent reading this source, in milliseconds. */
  ms: number;
  /** How it was read: 'root', 'sudo', 'unprivileged', 'docker-api'. */
  via?: string;
  /** Why it is not ok, in words. */
  reason?: string;
  /** What the user can do about it, in words (an exact command where there is one). */
  fix?: string;
  /** Items skipped or worth knowing, e.g. "container web2 exited during the read". */
  notes?: string[];
}

export type PrivilegeMode = 'root' | 'sudo' | 'none';

export interface HostIdentity {
  hostname: string;
  kernel: string;
  uid: number;
  user: string;
  privilege: PrivilegeMode;
  /** The privilege command used when not root (e.g. "sudo -n"), if any. */
  privilegeCommand?: string;
}

// ---------------------------------------------------------------- Docker

export type NetworkModeKind = 'bridge' | 'host' | 'none' | 'container' | 'user';

export interface ContainerEndpoint {
  network: string;
  networkId: string;
  endpointId: string;
  ip: string;
  prefixLen: number;
  ipv6: string;
  gateway: string;
  mac: string;
  aliases: string[];
  dnsNames: string[];
}

export interface PublishedPort {
  containerPort: number;
  protocol: string;
  hostIp: string;
  hostPort: number;
}

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  state: string;
  /** Main process id on the host; 0 when not running. */
  pid: number;
  networkMode: string;
  modeKind: NetworkModeKind;
  /** For `container:X`: X as Docker reports it (id or name). */
  modeTarget?: string;
  /**
   * Where Docker keeps this container's resolv.conf on the engine's host (inspect's
   * ResolvConfPath), bind-mounted over its /etc/resolv.conf. Running containers only.
   */
  resolvConfPath?: string;
  endpoints: ContainerEndpoint[];
  ports: PublishedPort[];
  /**
   * For a container that is not running: the host ports it asks for (inspect's
   * HostConfig.PortBindings), which it binds when started; absent when not read.
   */
  portBindings?: PublishedPort[];
  labels: Record<string, string>;
  /** Container names it refers to (links, host names in its environment); absent when not inspected. */
  nameRefs?: NameReference[];
  /** Its --add-host entries (pinned in its /etc/hosts); absent when not inspected. */
  extraHosts?: ExtraHost[];
}

/** A host name a container refers to, and where: `link`, or `environment variable DB_HOST`. */
export interface NameReference {
  name: string;
  via: string;
  /** A link's alias inside the container, when it differs from the name. */
  alias?: string;
}

export interface ExtraHost {
  name: string;
  ip: string;
}

export interface NetworkSubnet {
  subnet: string;
  gateway: string;
}

export interface NetworkInfo {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  attachable: boolean;
  ingress: boolean;
  enableIPv6: boolean;
  subnets: NetworkSubnet[];
  /** Linux bridge device for bridge networks (docker0, br-<id12>, or the configured name). */
  bridgeName?: string;
  mtu?: number;
  /** VXLAN network identifiers for overlay networks. */
  vxlanIds?: number[];
  /**
   * Swarm overlay networks: the nodes of this network's gossip group, as `GET /networks/{id}`
   * reports them (`Peers`; the list endpoint leaves them out). Absent when not read.
   */
  peers?: OverlayPeer[];
  options: Record<string, string>;
  labels: Record<string, string>;
  containers: { id: string; name: string; ip: string; mac: string }[];
}

/** A node of an overlay network's gossip group, as Docker reports it (kept as data, unchecked). */
export interface OverlayPeer {
  /** The node's gossip name (e.g. "68a00d0d8766": neither its hostname nor its swarm node id). */
  name: string;
  /** The node's advertise address ("unknown" when Docker lost track of it). */
  ip: string;
}

export interface DockerState {
  endpoint: string;
  version: string;
  apiVersion: string;
  swarm: string;
  /** This node's swarm address (`GET /info` Swarm.NodeAddr): the overlay peer with it is this node. */
  nodeAddr?: string;
  /**
   * The engine's firewall backend as `GET /info` reports it (`FirewallBackend.Driver`, API
   * 1.49+: "iptables" or "nftables"); absent when the engine does not say (before 28).
   */
  firewallBackend?: string;
  containers: ContainerInfo[];
  networks: NetworkInfo[];
}

// ---------------------------------------------------------------- iproute2

export interface LinkAddress {
  family: 'inet' | 'inet6';
  local: string;
  prefixLen: number;
  scope?: string;
}

export interface VxlanInfo {
  id: number;
  port?: number;
  local?: string;
  group?: string;
  remote?: string;
  dev?: string;
  learning?: boolean;
}

export interface Link {
  index: number;
  name: string;
  /** veth, bridge, vxlan, dummy, loopback, device (physical or unknown kind), ... */
  kind: string;
  mtu: number;
  operState: string;
  flags: string[];
  mac?: string;
  master?: string;
  /** For veth and other pairs: the peer's ifindex (in the namespace given by linkNetnsId when set). */
  linkIndex?: number;
  linkNetnsId?: number;
  addresses: LinkAddress[];
  vxlan?: VxlanInfo;
  bridge?: { stpState?: number; vlanFiltering?: boolean };
  /** Present when this link is a bridge port. */
  bridgePort?: { state?: string; cost?: number; priority?: number };
}

export interface Route {
  dst: string;
  /** 'inet6' for an IPv6 route (`ip -j -6 route`); IPv4 routes leave it out. */
  family?: 'inet6';
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  table?: string;
  type?: string;
  /** The route's metric (priority): of routes with the same prefix, the lowest wins. */
  metric?: number;
  /** `ip route` flags, e.g. `linkdown` (the device is down; the route still counts unless the kernel is told to ignore it). */
  flags?: string[];
}

export interface BridgePortState {
  ifname: string;
  master: string;
  state: string;
  cost?: number;
  priority?: number;
}

export interface FdbEntry {
  mac: string;
  ifname: string;
  master?: string;
  /** For VXLAN FDB entries: the remote VTEP. */
  dst?: string;
  vlan?: number;
  state?: string;
  flags: string[];
}

export interface HostNamespace {
  links: Link[];
  routes: Route[];
  bridgePorts: BridgePortState[];
  fdb: FdbEntry[];
  sysctls: Record<string, string>;
  /** The host namespace's listening sockets (/proc/net/tcp*, udp*), readable by any user. */
  listeners?: Listener[];
}

/** A socket that accepts connections (TCP LISTEN) or datagrams (unconnected UDP). */
export interface Listener {
  protocol: 'tcp' | 'udp';
  /** The bound address: 0.0.0.0 or :: for any address, 127.0.0.1 or ::1 for loopback only. */
  address: string;
  port: number;
  inode: number;
  uid: number;
}

/** A running container's network namespace, read from /proc/<pid>/net or with nsenter. */
export interface ContainerNamespace {
  containerId: string;
  containerName: string;
  pid: number;
  /** Network namespace inode (`net:[N]`), when readable. */
  netnsInode?: number;
  /**
   * The id the host namespace gives this namespace (what `link_netnsid` of a host veth whose
   * peer lives here says), read without privilege; pairs veths exactly on every engine.
   */
  nsid?: number;
  /** How the interfaces were read: 'proc' (any user) or 'nsenter' (root). */
  via: string;
  links: Link[];
  routes: Route[];
  /** nat table rules inside the namespace (Docker's DNS redirect), when privileged. */
  dnsRules?: NetfilterTable;
  /** Listening sockets in the namespace, from /proc/<pid>/net/tcp*, udp* (any user). */
  listeners?: Listener[];
}

export interface OverlaySandbox {
  name: string;
  path: string;
  links: Link[];
  fdb: FdbEntry[];
}

/** One interface's offload settings: `ethtool -i IF` (the driver) and `ethtool -k IF` (the features). */
export interface InterfaceOffloads {
  ifname: string;
  /** The driver as `ethtool -i` names it (vmxnet3, virtio_net, veth...); absent when it does not say. */
  driver?: string;
  /** Each feature as `ethtool -k` prints it: "on", "off", "on [fixed]", "off [requested on]". */
  features: Record<string, string>;
}

// ---------------------------------------------------------------- netfilter

export interface RuleMatch {
  protocol?: string;
  protocolNegated?: boolean;
  source?: string;
  sourceNegated?: boolean;
  destination?: string;
  destinationNegated?: boolean;
  inInterface?: string;
  inInterfaceNegated?: boolean;
  outInterface?: string;
  outInterfaceNegated?: boolean;
  dport?: string;
  dportNegated?: boolean;
  sport?: string;
  sportNegated?: boolean;
  /** `-m addrtype --dst-type LOCAL` and the like. */
  dstType?: string;
  dstTypeNegated?: boolean;
  srcType?: string;
  srcTypeNegated?: boolean;
  ctstate?: string;
  ctstateNegated?: boolean;
  comment?: string;
}

export interface Rule {
  table: string;
  chain: string;
  /** Position within the chain, from 1 as `iptables -L --line-numbers` counts. */
  position: number;
  /** The rule as `iptables -S` prints it: `-A CHAIN ...`. */
  spec: string;
  /** The spec's arguments, split as the shell would. */
  args: string[];
  match: RuleMatch;
  target?: string;
  /** Target options, e.g. { 'to-destination': '172.30.1.2:80' }. */
  targetOptions: Record<string, string>;
  /** Match modules (`-m x`) this rule uses. */
  modules: string[];
  packets: number;
  bytes: number;
}

export interface Chain {
  name: string;
  /** Built-in chains have a policy; user chains have '-'. */
  policy: string;
  packets: number;
  bytes: number;
  rules: Rule[];
}

export interface NetfilterTable {
  name: string;
  chains: Chain[];
}

export interface NetfilterState {
  backend: 'nf_tables' | 'legacy' | 'unknown';
  tables: NetfilterTable[];
}

// ---------------------------------------------------------------- nftables (`nft -j list ruleset`)

/** A JSON value as `nft -j` prints it: expressions are kept in this form, untouched. */
export type NftJson = null | boolean | number | string | NftJson[] | { [key: string]: NftJson };

export interface NftRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  /** Position within the chain, from 1. */
  position: number;
  /** The rule's expressions exactly as `nft -j` gives them. */
  expr: NftJson[];
  /** The same, readable: close to what `nft list ruleset` prints; `counter` without its values, so it stays put. */
  text: string;
  comment?: string;
  /** Sums of the rule's anonymous `counter` expressions; absent when it has none. */
  packets?: number;
  bytes?: number;
}

export interface NftChain {
  name: string;
  handle: number;
  /** Base chains (attached to a hook) have type, hook, priority and policy. */
  base: boolean;
  type?: string;
  hook?: string;
  priority?: number;
  policy?: string;
  /** For netdev/ingress chains. */
  device?: string;
  rules: NftRule[];
}

export interface NftSet {
  name: string;
  kind: 'set' | 'map';
  /** Key type, e.g. "ifname" or ["ipv4_addr", "inet_service"]. */
  type: NftJson;
  /** For maps: what the elements map to ("verdict", "ipv4_addr", ...). */
  map?: NftJson;
  elements: NftJson[];
}

/**
 * - iptables-nft: made by iptables-nft (the xtables tables filter/nat/raw/mangle/security of
 *   family ip/ip6, and any table whose rules carry `xt` expressions); `iptables-save` shows the
 *   same rules, which the netfilter source already has;
 * - native: written with nft or libnftables (firewalld, Docker 29's nftables backend, ...).
 */
export type NftTableOrigin = 'iptables-nft' | 'native';

export interface NftTable {
  family: string;
  name: string;
  handle: number;
  origin: NftTableOrigin;
  /** Why the origin was decided so, in words. */
  originReason: string;
  /** Who programs it, when the names say so: 'docker', 'firewalld', 'ufw'. */
  managers: string[];
  chains: NftChain[];
  sets: NftSet[];
}

export interface NftablesState {
  /** nft's version from the output's metainfo. */
  version?: string;
  tables: NftTable[];
}

// ---------------------------------------------------------------- conntrack, docker-proxy

export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  family: string;
  protocol: string;
  timeout?: number;
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  flags: string[];
  mark?: number;
}

export interface ConntrackState {
  entries: ConntrackEntry[];
  limit: number;
  /** More entries than `limit` were listed: the read was stopped at the limit. */
  truncated: boolean;
  /** The kernel's count of tracked flows in the host namespace when read (nf_conntrack_count). */
  total?: number;
}

export interface DockerProxyListener {
  pid: number;
  protocol: string;
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

// ---------------------------------------------------------------- the snapshot

export interface HostSnapshot {
  schema: typeof SNAPSHOT_SCHEMA;
  takenAt: string;
  tookMs: number;
  /** When netfilter alone was re-read later (rule counters followed by an open diagram). */
  countersReadAt?: string;
  host: HostIdentity;
  sources: SourceStatus[];
  docker?: DockerState;
  hostNamespace: HostNamespace;
  containerNamespaces: ContainerNamespace[];
  overlaySandboxes: OverlaySandbox[];
  netfilter?: NetfilterState;
  /** `ip6tables-save -c`: the IPv6 rules (Docker programs them by default since 27). */
  netfilter6?: NetfilterState;
  /** `nft -j list ruleset` (privileged), when nft is installed. */
  nftables?: NftablesState;
  conntrack?: ConntrackState;
  dockerProxies: DockerProxyListener[];
  /**
   * The offloads of the interfaces the overlay sandboxes' VXLAN devices send through (`ethtool`,
   * any user): read only when there is such a device.
   */
  offloads?: InterfaceOffloads[];
}

export function sourceStatus(snapshot: HostSnapshot, name: SourceName): SourceStatus | undefined {
  return snapshot.sources.find((s) => s.name === name);
}

/**
 * Whether a source was not read in a way that is a problem. A source not read only for a
 * reason marked as information (every note starts with "info:", e.g. a host without nft) is not.
 */
export function sourceFailed(s: SourceStatus): boolean {
  if (s.state === 'ok' || s.state === 'partial') return false;
  return !(s.notes !== undefined && s.notes.length > 0 && s.notes.every((n) => n.startsWith('info:')));
}
