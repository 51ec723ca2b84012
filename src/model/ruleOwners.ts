// Who each netfilter rule belongs to: the container or Docker network it was made for, the
// host, or nobody any more (STALE). Docker 28 and 29 rule layouts (DOCKER-FORWARD, DOCKER-BRIDGE,
// DOCKER-CT, DOCKER-INTERNAL, the isolation chains of <= 28, the unpublished-port DROP, the raw
// table's direct-access and remote-loopback DROPs, gateway modes routed / nat-unprotected, the
// nftables backend's `docker-bridges` table) are recognised and each rule's role named.
//
// Attribution is by EXACT interface name first: a rule naming bridge br-x belongs to the network
// whose bridge is br-x, and a rule naming a bridge this host does not have is stale. Addresses
// refine a network to one of ITS containers; a DNAT or direct-access DROP to an address no
// container has is stale. A subnet alone attributes only a rule that names no interface.
// Rules of an engine's layout that the running engine does not make (after switching Docker
// 20.10 <-> 28 in place, or 28 -> 29) are stale too: real hosts upgraded in place look so.
//
// Pure: a HostSnapshot in, plain objects out.
import type { ContainerInfo, HostSnapshot, NetfilterState, NetworkInfo, NftJson, NftRule, NftTable, Rule } from '../snapshot/hostSnapshot';
import { cidrContains } from '../snapshot/ipAddress';
import { exprKind } from '../snapshot/nftExpressions';

export type OwnerKind = 'container' | 'network' | 'host' | 'stale' | 'none';

export interface RuleOwner {
  kind: OwnerKind;
  /** The container's or network's name; for stale rules, what the rule names that is gone. */
  name?: string;
  /** For a container: the network it was attributed through. */
  network?: string;
  /** What the attribution rests on, in words. */
  by: string;
  /** Docker's purpose for the rule, when its shape says so ("unpublished-port DROP", ...). */
  role?: string;
}

/** What attribution needs of one rule, read from iptables-save or from nft alike. */
export interface RuleShape {
  /** "filter", "nat", "raw"... for iptables; the nft table's name for nft rules. */
  table: string;
  chain: string;
  interfaces: { name: string; dir: 'in' | 'out'; negated: boolean }[];
  /** Exact single addresses (a /32 or /128, or a bare address). */
  destination?: string;
  source?: string;
  /** CIDR blocks (not single addresses). */
  sourceNet?: string;
  destinationNet?: string;
  dnatTo?: string;
  dport?: string;
  protocol?: string;
  /** ACCEPT, DROP, DNAT, MASQUERADE, RETURN, a chain name... */
  verdict?: string;
  comment?: string;
  /** Written by Docker's own code (a DOCKER* chain, Docker's nftables table). */
  dockerChain: boolean;
}

// ------------------------------------------------------------------ what the host has

/** An address something on the host holds: a container's endpoint, or a sandbox's interface. */
interface Endpoint {
  /** The container's name, or the sandbox's (swarm's ingress_sbox). */
  name: string;
  /** The Docker network the address is on, when known. */
  network?: string;
  ip: string;
}

class HostIndex {
  readonly bridges = new Map<string, NetworkInfo>();
  readonly links: Set<string>;
  /** Whether host links were read at all: without them nothing can be called missing. */
  readonly linksRead: boolean;
  readonly endpoints = new Map<string, Endpoint[]>();
  readonly engineMajor: number | undefined;

  constructor(readonly snapshot: HostSnapshot) {
    this.links = new Set(snapshot.hostNamespace.links.map((l) => l.name));
    this.linksRead = snapshot.hostNamespace.links.length > 0;
    for (const n of snapshot.docker?.networks ?? []) if (n.bridgeName) this.bridges.set(n.bridgeName, n);
    const add = (e: Endpoint) => {
      const list = this.endpoints.get(e.ip) ?? [];
      if (!list.some((x) => x.name === e.name && x.network === e.network)) list.push(e);
      this.endpoints.set(e.ip, list);
    };
    for (const c of snapshot.docker?.containers ?? []) {
      for (const e of c.endpoints) for (const ip of [e.ip, e.ipv6]) if (ip) add({ name: c.name, network: e.network, ip });
    }
    // Addresses Docker's API does not list per container (the docker_gwbridge side of overlay
    // endpoints, IPv6 on some engines, swarm's ingress sandbox), as the namespaces have them.
    const spaces = [
      ...snapshot.containerNamespaces.map((ns) => ({ name: ns.containerName, links: ns.links })),
      ...snapshot.overlaySandboxes.map((sb) => ({ name: sb.name, links: sb.links })),
    ];
    for (const space of spaces) {
      for (const l of space.links) {
        if (l.name === 'lo') continue;
        for (const a of l.addresses) {
          if (a.scope === 'link' || a.local.startsWith('fe80:')) continue;
          const n = snapshot.docker?.networks.find((x) => x.subnets.some((s) => s.subnet && cidrContains(s.subnet, a.local)));
          add({ name: space.name, ...(n ? { network: n.name } : {}), ip: a.local });
        }
      }
    }
    const major = Number(/^(\d+)\./.exec(snapshot.docker?.version ?? '')?.[1]);
    this.engineMajor = Number.isFinite(major) ? major : undefined;
  }

  networkOfSubnet(cidr: string): NetworkInfo | undefined {
    return this.snapshot.docker?.networks.find((n) => n.subnets.some((s) => s.subnet === cidr));
  }

  /** Whoever holds an address on a network (or anywhere, for addresses of unknown network). */
  holder(ip: string, net?: NetworkInfo): Endpoint | undefined {
    const list = this.endpoints.get(ip) ?? [];
    return net ? (list.find((e) => e.network === net.name) ?? list.find((e) => e.network === undefined)) : list[0];
  }

  /** The container publishing a port on a host address (`-p 127.0.0.1:8080:80`). */
  publisher(hostIp: string, hostPort: string): ContainerInfo | undefined {
    return this.snapshot.docker?.containers.find((c) => c.ports.some((p) => p.hostIp === hostIp && String(p.hostPort) === hostPort));
  }
}

const DOCKER_LIKE_NAME = /^(br-[0-9a-f]{12}|docker0|docker_gwbridge)$/;
const single = (cidr: string | undefined): string | undefined =>
  cidr === undefined ? undefined : /\/(32|128)$/.test(cidr) ? cidr.replace(/\/\d+$/, '') : cidr.includes('/') ? undefined : cidr;
const network = (cidr: string | undefined): string | undefined => (cidr !== undefined && cidr.includes('/') && !/\/(32|128)$/.test(cidr) ? cidr : undefined);

// ------------------------------------------------------------------ rule shapes

/** The shape of an iptables rule. */
export function iptablesShape(rule: Rule): RuleShape {
  const m = rule.match;
  const shape: RuleShape = {
    table: rule.table,
    chain: rule.chain,
    interfaces: [],
    dockerChain: rule.chain.startsWith('DOCKER') && rule.chain !== 'DOCKER-USER',
  };
  if (m.inInterface) shape.interfaces.push({ name: m.inInterface, dir: 'in', negated: m.inInterfaceNegated === true });
  if (m.outInterface) shape.interfaces.push({ name: m.outInterface, dir: 'out', negated: m.outInterfaceNegated === true });
  const dst = m.destinationNegated ? undefined : single(m.destination);
  const src = m.sourceNegated ? undefined : single(m.source);
  if (dst) shape.destination = dst;
  if (src) shape.source = src;
  const dnet = network(m.destination);
  const snet = network(m.source);
  if (dnet) shape.destinationNet = dnet;
  if (snet) shape.sourceNet = snet;
  const to = rule.targetOptions['to-destination'];
  if (to) shape.dnatTo = to.startsWith('[') ? to.slice(1, to.indexOf(']')) : (to.split(':')[0] ?? to).split('-')[0];
  if (m.dport) shape.dport = m.dport;
  if (m.protocol) shape.protocol = m.protocol;
  if (rule.target) shape.verdict = rule.target;
  if (m.comment) shape.comment = m.comment;
  return shape;
}

const str = (v: NftJson | undefined): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** The shape of a rule of a native nft table (selectors nft's JSON spells out). */
export function nftShape(table: NftTable, rule: NftRule): RuleShape {
  const shape: RuleShape = { table: table.name, chain: rule.chain, interfaces: [], dockerChain: table.managers.includes('docker') };
  // Docker's per-bridge chains carry the bridge in their name: filter-forward-in__bridge1.
  const perBridge = /__(.+)$/.exec(rule.chain)?.[1];
  if (perBridge && shape.dockerChain) shape.interfaces.push({ name: perBridge, dir: /-in__/.test(rule.chain) ? 'out' : 'in', negated: false });
  for (const e of rule.expr) {
    const kind = exprKind(e);
    if (!kind) continue;
    const [key, body] = kind;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      if (['accept', 'drop', 'return', 'masquerade'].includes(key)) shape.verdict = key.toUpperCase();
      continue;
    }
    if (key === 'match') {
      const left = exprKind(body.left);
      const right = body.right;
      const negated = body.op === '!=';
      const l = left && typeof left[1] === 'object' && left[1] !== null && !Array.isArray(left[1]) ? left[1] : undefined;
      if (left?.[0] === 'meta' && (l?.key === 'iifname' || l?.key === 'oifname') && typeof right === 'string') {
        shape.interfaces.push({ name: right, dir: l.key === 'iifname' ? 'in' : 'out', negated });
      } else if (left?.[0] === 'payload' && (l?.protocol === 'ip' || l?.protocol === 'ip6') && !negated) {
        const prefix = exprKind(right);
        const value = typeof right === 'string' ? right : undefined;
        const cidr =
          prefix?.[0] === 'prefix' && typeof prefix[1] === 'object' && prefix[1] !== null && !Array.isArray(prefix[1])
            ? `${str(prefix[1].addr)}/${str(prefix[1].len)}`
            : undefined;
        if (l.field === 'daddr') {
          if (value) shape.destination = value;
          if (cidr) shape.destinationNet = cidr;
        } else if (l.field === 'saddr') {
          if (value) shape.source = value;
          if (cidr) shape.sourceNet = cidr;
        }
      } else if (left?.[0] === 'payload' && l?.field === 'dport' && !negated) {
        const port = str(right);
        if (port) shape.dport = port;
        if (typeof l.protocol === 'string') shape.protocol = l.protocol;
      }
    } else if (key === 'dnat') {
      const addr = str(body.addr);
      if (addr) shape.dnatTo = addr;
      shape.verdict = 'DNAT';
    } else if (key === 'jump' || key === 'goto') {
      const target = str(body.target);
      if (target) shape.verdict = target;
    } else if (['snat', 'masquerade', 'redirect', 'reject'].includes(key)) {
      shape.verdict = key.toUpperCase();
    }
  }
  if (rule.comment) shape.comment = rule.comment;
  return shape;
}

// ------------------------------------------------------------------ Docker's roles

const NFT_COMMENT_ROLES: Record<string, string> = {
  'DROP DIRECT ACCESS': 'direct-access DROP',
  'UNPUBLISHED PORT DROP': 'unpublished-port DROP',
  ICC: 'inter-container ACCEPT (ICC)',
  OUTGOING: 'outgoing ACCEPT',
  MASQUERADE: 'MASQUERADE',
  DNAT: 'published-port DNAT',
};

const iface = (s: RuleShape, dir: 'in' | 'out'): { name: string; negated: boolean } | undefined => s.interfaces.find((i) => i.dir === dir);

/** Docker's purpose for a rule, from its table, chain, matches and verdict. */
export function dockerRole(s: RuleShape): string | undefined {
  if (s.comment && NFT_COMMENT_ROLES[s.comment]) return NFT_COMMENT_ROLES[s.comment];
  const i = iface(s, 'in');
  const o = iface(s, 'out');
  const v = s.verdict;
  if (s.table === 'raw' && s.chain === 'PREROUTING' && v === 'DROP' && s.destination) {
    if (i?.name === 'lo' && i.negated) return 'remote-loopback DROP';
    if (i?.negated) return 'direct-access DROP';
  }
  if (s.table === 'nat') {
    if (v === 'DNAT' && s.chain.startsWith('DOCKER')) return 'published-port DNAT';
    if (s.chain === 'DOCKER' && v === 'RETURN' && i && !i.negated) return 'no DNAT from its own bridge';
    if (v === 'MASQUERADE' && s.sourceNet && o?.negated) return 'MASQUERADE';
    if (v === 'MASQUERADE' && s.source && s.destination && s.source === s.destination) return 'hairpin MASQUERADE (userland-proxy=false)';
    if (v === 'MASQUERADE' && o && !o.negated) return 'MASQUERADE of host-local sources (as with userland-proxy=false, and on docker_gwbridge)';
  }
  if (s.table !== 'filter') return undefined;
  switch (s.chain) {
    case 'DOCKER':
      if (v === 'DROP' && i?.negated && o && !o.negated && i.name === o.name) return 'unpublished-port DROP';
      if (v === 'ACCEPT' && s.destination && s.dport) return 'published-port ACCEPT';
      if (v === 'ACCEPT' && (s.protocol === 'icmp' || s.protocol === 'ipv6-icmp' || s.protocol === 'icmpv6')) return 'ICMP ACCEPT (gateway mode routed)';
      if (v === 'ACCEPT' && i?.negated && o && !o.negated && !s.dport) return 'default ACCEPT (gateway mode nat-unprotected)';
      return undefined;
    case 'DOCKER-FORWARD':
      if (!i && !o) return `jump to ${v}`;
      if (v === 'ACCEPT' && i && !i.negated && (!o || o.negated)) return 'outgoing ACCEPT';
      if (i && o && i.name === o.name && !i.negated && !o.negated) return v === 'DROP' ? 'inter-container DROP (icc=false)' : 'inter-container ACCEPT (ICC)';
      return undefined;
    case 'DOCKER-BRIDGE':
      return 'per-bridge jump to DOCKER';
    case 'DOCKER-CT':
      return 'replies ACCEPT (RELATED,ESTABLISHED)';
    case 'DOCKER-INTERNAL':
      return 'internal network DROP';
    case 'DOCKER-ISOLATION-STAGE-1':
    case 'DOCKER-ISOLATION-STAGE-2':
      return 'network isolation (Docker <= 28)';
    case 'DOCKER-INGRESS':
      return 'swarm ingress';
  }
  return undefined;
}

// ------------------------------------------------------------------ attribution

const CHAINS_SINCE_28 = new Set(['DOCKER-FORWARD', 'DOCKER-BRIDGE', 'DOCKER-CT', 'DOCKER-INTERNAL']);
const ISOLATION = new Set(['DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2']);

/** A rule of another engine version's layout, which the running engine does not make. */
function layoutStale(s: RuleShape, role: string | undefined, host: HostIndex): string | undefined {
  const major = host.engineMajor;
  if (major === undefined || s.table === 'docker-bridges') return undefined;
  const isDockerBridge = (name: string) => host.bridges.has(name) || DOCKER_LIKE_NAME.test(name);
  if (major >= 28 && s.table === 'filter' && s.chain === 'FORWARD') {
    if (s.verdict === 'DOCKER' || s.verdict === 'DOCKER-ISOLATION-STAGE-1' || s.interfaces.some((i) => isDockerBridge(i.name))) {
      return `a rule of Docker < 28's layout in FORWARD (Docker ${major} keeps these in DOCKER-FORWARD): left by an older engine`;
    }
  }
  if (major < 28) {
    if (s.table === 'filter' && (CHAINS_SINCE_28.has(s.chain) || (s.chain === 'FORWARD' && s.verdict === 'DOCKER-FORWARD'))) {
      return `${s.chain === 'FORWARD' ? 'the jump to DOCKER-FORWARD' : s.chain} belongs to Docker >= 28's layout; this engine (Docker ${major}) does not make it: left by a newer engine`;
    }
    if (role === 'direct-access DROP' || role === 'remote-loopback DROP')
      return `the raw table's ${role} is made by Docker >= 28; this engine (Docker ${major}) does not make it: left by a newer engine`;
  }
  if (major >= 29 && s.table === 'filter' && (ISOLATION.has(s.chain) || (ISOLATION.has(s.verdict ?? '') && s.chain === 'DOCKER-FORWARD'))) {
    return `Docker ${major} has no isolation chains (DOCKER-INTERNAL replaced them): left by an older engine`;
  }
  return undefined;
}

function attribute(s: RuleShape, host: HostIndex): RuleOwner {
  const role = dockerRole(s);
  const withRole = (o: RuleOwner): RuleOwner => (role ? { ...o, role } : o);
  const dockerShaped = s.dockerChain || role !== undefined;
  const stale = layoutStale(s, role, host);
  if (stale) return withRole({ kind: 'stale', by: stale });

  // 1. Interfaces, by exact name.
  let net: NetworkInfo | undefined;
  let netIface: string | undefined;
  const hostIfaces: string[] = [];
  for (const i of s.interfaces) {
    if (i.name.endsWith('+')) continue; // a wildcard names no one interface
    const n = host.bridges.get(i.name);
    if (n) {
      if (!net) {
        net = n;
        netIface = i.name;
      }
      continue;
    }
    if (i.name === 'lo' || host.links.has(i.name)) {
      hostIfaces.push(i.name);
      continue;
    }
    if (host.linksRead && (dockerShaped || DOCKER_LIKE_NAME.test(i.name))) {
      return withRole({
        kind: 'stale',
        name: i.name,
        by: `names interface ${i.name}, which does not exist on this host (a removed network, or another engine's)`,
      });
    }
  }
  const addr = s.dnatTo ?? s.destination ?? s.source;
  if (net) {
    const by = `${netIface} is the bridge of network ${net.name}`;
    if (addr) {
      const ep = host.holder(addr, net);
      if (ep) return withRole({ kind: 'container', name: ep.name, network: net.name, by: `${by}; ${addr} is ${ep.name}'s address on it` });
      if (s.dnatTo || role === 'direct-access DROP' || role === 'published-port ACCEPT') {
        return withRole({ kind: 'stale', name: addr, by: `${by}, but no container on ${net.name} has ${addr}` });
      }
    }
    return withRole({ kind: 'network', name: net.name, by });
  }

  // 2. No Docker bridge named: addresses, published ports, then subnets.
  if (s.dnatTo) {
    const ep = host.holder(s.dnatTo);
    if (ep)
      return withRole({ kind: 'container', name: ep.name, ...(ep.network ? { network: ep.network } : {}), by: `DNAT to ${s.dnatTo}, ${ep.name}'s address` });
    return withRole({ kind: 'stale', name: s.dnatTo, by: `DNAT to ${s.dnatTo}, which no container has` });
  }
  if (role === 'remote-loopback DROP' && s.destination && s.dport) {
    const c = host.publisher(s.destination, s.dport);
    if (c) return withRole({ kind: 'container', name: c.name, by: `${c.name} publishes ${s.destination}:${s.dport}` });
    return withRole({
      kind: 'stale',
      name: `${s.destination}:${s.dport}`,
      by: `drops remote access to ${s.destination}:${s.dport}, which no container publishes`,
    });
  }
  for (const a of [s.destination, s.source]) {
    const ep = a ? host.holder(a) : undefined;
    if (ep) return withRole({ kind: 'container', name: ep.name, ...(ep.network ? { network: ep.network } : {}), by: `${a} is ${ep.name}'s address` });
  }
  if (s.interfaces.length === 0) {
    for (const cidr of [s.sourceNet, s.destinationNet]) {
      const n = cidr ? host.networkOfSubnet(cidr) : undefined;
      if (n) return withRole({ kind: 'network', name: n.name, by: `${cidr} is the subnet of network ${n.name} (the rule names no interface)` });
    }
  }
  if (hostIfaces.length > 0) return withRole({ kind: 'host', name: hostIfaces.join(', '), by: `names host interface ${hostIfaces.join(', ')}` });
  return withRole({ kind: 'none', by: 'names no interface, address or subnet of a container or network' });
}

export interface RuleOwnership {
  /** iptables and ip6tables rules (`netfilter`, `netfilter6`), by rule object. */
  iptables: Map<Rule, RuleOwner>;
  /** Rules of native nft tables, by rule object (iptables-nft tables are attributed through iptables). */
  nft: Map<NftRule, RuleOwner>;
  /** Every stale rule, as "[ip6tables ]table chain #position: spec" or "family table chain handle N: text", with why. */
  stale: { rule: string; owner: RuleOwner }[];
}

export function ruleOwnership(snapshot: HostSnapshot): RuleOwnership {
  const host = new HostIndex(snapshot);
  const out: RuleOwnership = { iptables: new Map(), nft: new Map(), stale: [] };
  const states: [NetfilterState | undefined, string][] = [
    [snapshot.netfilter, ''],
    [snapshot.netfilter6, 'ip6tables '],
  ];
  for (const [state, label] of states) {
    for (const t of state?.tables ?? []) {
      for (const c of t.chains) {
        for (const r of c.rules) {
          const owner = attribute(iptablesShape(r), host);
          out.iptables.set(r, owner);
          if (owner.kind === 'stale') out.stale.push({ rule: `${label}${r.table} ${r.chain} #${r.position}: ${r.spec}`, owner });
        }
      }
    }
  }
  for (const t of snapshot.nftables?.tables ?? []) {
    if (t.origin !== 'native') continue;
    for (const c of t.chains) {
      for (const r of c.rules) {
        const owner = attribute(nftShape(t, r), host);
        out.nft.set(r, owner);
        if (owner.kind === 'stale') out.stale.push({ rule: `${t.family} ${t.name} ${c.name} handle ${r.handle}: ${r.text}`, owner });
      }
    }
  }
  return out;
}

/** "api", "lab-net", "host lo", "STALE br-x" for display (a container without its network: the tooltip says it). */
export function describeOwner(o: RuleOwner): string {
  switch (o.kind) {
    case 'container':
      return o.name ?? '';
    case 'network':
      return o.name ?? '';
    case 'host':
      return `host ${o.name ?? ''}`;
    case 'stale':
      return `STALE${o.name ? ` ${o.name}` : ''}`;
    case 'none':
      return '';
  }
}

export type DockerRuleLayout = 'none' | 'docker<28' | 'docker28' | 'docker29' | 'nftables' | 'mixed';

const LAYOUT_WORDS: Record<string, string> = {
  'docker<28': 'FORWARD jumps to DOCKER and the isolation chains directly (Docker before 28)',
  docker28: 'DOCKER-FORWARD with DOCKER-CT, DOCKER-BRIDGE and the isolation chains (Docker 28)',
  docker29: 'DOCKER-FORWARD with DOCKER-INTERNAL, no isolation chains (Docker 29)',
  nftables: 'nftables table ip docker-bridges (Docker 29 --firewall-backend=nftables)',
};

/**
 * Which engine's rule layout the host's rules show, from the chains present. More than one
 * (an engine switched in place leaves the other's rules) is 'mixed', naming each and the
 * running engine's version.
 */
export function dockerRuleLayout(snapshot: HostSnapshot): { layout: DockerRuleLayout; evidence: string } {
  const filter = snapshot.netfilter?.tables.find((t) => t.name === 'filter');
  const chain = (name: string) => filter?.chains.find((c) => c.name === name);
  const found: DockerRuleLayout[] = [];
  if (chain('FORWARD')?.rules.some((r) => r.target === 'DOCKER' || r.target === 'DOCKER-ISOLATION-STAGE-1')) found.push('docker<28');
  if (chain('DOCKER-FORWARD') && !chain('DOCKER-INTERNAL')) found.push('docker28');
  if (chain('DOCKER-INTERNAL')) found.push('docker29');
  if (snapshot.nftables?.tables.some((t) => t.origin === 'native' && t.name === 'docker-bridges')) found.push('nftables');
  if (found.length === 0) return { layout: 'none', evidence: 'no Docker chains' };
  const engine = snapshot.docker?.version ? `; the running engine is Docker ${snapshot.docker.version}` : '';
  if (found.length === 1) return { layout: found[0] as DockerRuleLayout, evidence: `${LAYOUT_WORDS[found[0] as string]}${engine}` };
  return { layout: 'mixed', evidence: `${found.map((l) => LAYOUT_WORDS[l]).join(' and ')}: rules of more than one engine version${engine}` };
}
