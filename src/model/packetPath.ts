// Follows one NEW connection through the host's netfilter rules the way the kernel does:
// hook by hook (PREROUTING, routing, INPUT or FORWARD, POSTROUTING; OUTPUT for locally
// generated packets), table by table in priority order, rule by rule, following jumps, gotos
// and returns, applying DNAT/SNAT/MASQUERADE to the packet as it goes. Every rule is
// EVALUATED against the packet (addresses, interfaces, ports, conntrack state, address
// types); nothing is inferred from chain names. A match the evaluator does not understand
// is reported as unknown, and the path says it is uncertain from there on.
//
// Pure: takes a HostSnapshot and a flow, returns a plain object. No I/O, no vscode.
//
// Rules are decoded from `rule.args` (every token iptables-save printed) rather than from
// `rule.match`, because the parsed match record loses what this needs: which module an
// option belongs to (`--dports` of multiport vs `--dport` of tcp), `-g` vs `-j`, negated
// `--ctstate`, options it does not know (which must become "unknown", not be skipped).
import type { Chain, HostSnapshot, Link, NetfilterTable, Route, Rule } from '../host/hostSnapshot';
import { sourceStatus } from '../host/hostSnapshot';
import { cidrContains, ipv4ToNumber, parseCidr } from '../host/ipv4';
import { ruleRef, type RuleRef } from './topology';

// ------------------------------------------------------------------ the flow and the result

export type FlowProtocol = 'tcp' | 'udp' | 'icmp';

export interface Flow {
  protocol: FlowProtocol;
  src: string;
  dst: string;
  dport?: number;
  sport?: number;
  /** The interface the packet arrives on: a container's bridge, or the uplink for outside traffic. */
  inInterface?: string;
  /** Sent by a process on the host itself (OUTPUT path) rather than received. */
  locallyGenerated?: boolean;
}

export type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

export type RuleResult = 'matched' | 'not-matched' | 'unknown';

export interface EvaluatedRule {
  rule: RuleRef;
  result: RuleResult;
  /** not-matched: the first condition that failed and why, e.g. "-o br-x: out interface is eth0". */
  reason?: string;
  /** unknown: each condition the evaluator does not understand. */
  unknown?: string[];
  /** matched: what the rule did to the packet, e.g. "dst 192.0.2.2:8080 -> 172.30.1.10:80". */
  effect?: string;
}

export type StepVerdict =
  | 'ACCEPT'
  | 'DROP'
  | 'REJECT'
  | 'DNAT'
  | 'SNAT'
  | 'MASQUERADE'
  | 'REDIRECT'
  | 'JUMP'
  | 'GOTO'
  | 'RETURN'
  | 'QUEUE'
  | 'UNKNOWN';

/** One visit to one chain: a chain is visited again (entered 'return') when a chain it jumped to returns. */
export interface PathStep {
  table: string;
  chain: string;
  hook: Hook;
  entered: 'hook' | 'jump' | 'goto' | 'return';
  /** For jump/goto: the rule that sent the packet here. */
  jumpedFrom?: { table: string; chain: string; position: number };
  rules: EvaluatedRule[];
  verdict: StepVerdict;
  /** The verdict is the built-in chain's policy, not a rule's. */
  policy?: boolean;
  /** For JUMP/GOTO: the chain entered next. */
  next?: string;
  /** Evaluated after a rule whose outcome is unknown: it rests on an assumption (see `uncertain`). */
  uncertain?: boolean;
}

export type FinalVerdict = 'ACCEPT' | 'DROP' | 'REJECT' | 'UNKNOWN';

export interface RoutingDecision {
  /** local: delivered to the host; forward: routed out; bridge: stays on the bridge it came from. */
  kind: 'local' | 'forward' | 'bridge' | 'unreachable' | 'forwarding-disabled';
  destination: string;
  outInterface?: string;
  gateway?: string;
  /** The route that decided, as `ip route` prints its prefix ("default", "172.30.1.0/24"). */
  route?: string;
  reason: string;
}

export interface PacketPath {
  flow: Flow;
  steps: PathStep[];
  /** The routing decision made after PREROUTING (or before OUTPUT), on the rewritten destination. */
  routing?: RoutingDecision;
  finalVerdict: FinalVerdict;
  /** When finalVerdict is UNKNOWN because of undecided rules: the verdict if none of them matched. */
  verdictIfUnknownRulesDoNotMatch?: FinalVerdict;
  /** "ip" or "ip:port" after DNAT/REDIRECT. */
  rewrittenDestination?: string;
  /** "ip" or "ip:port" after SNAT/MASQUERADE. */
  rewrittenSource?: string;
  outInterface?: string;
  /** Why the path may not be what the kernel does, from the first doubt on. Empty when certain. */
  uncertain: string[];
  /** Facts worth knowing that do not make the path uncertain. */
  notes: string[];
}

// ------------------------------------------------------------------ building flows

const EPHEMERAL_NOTE = 'no source port given: rules matching --sport are reported as unknown';

/** The host's uplink: the interface of its default route. */
export function uplinkOf(snapshot: HostSnapshot): string | undefined {
  return snapshot.hostNamespace.routes.find((r) => r.dst === 'default' && r.dev)?.dev;
}

function firstIpv4(link: Link | undefined): string | undefined {
  return link?.addresses.find((a) => a.family === 'inet')?.local;
}

/**
 * (a) A new connection from an outside client to a published host port: it arrives on the
 * uplink (or the interface given) addressed to that interface's own IPv4 address.
 */
export function inboundFlow(
  snapshot: HostSnapshot,
  opts: { client: string; hostPort: number; protocol?: 'tcp' | 'udp'; uplink?: string; hostAddress?: string; sport?: number },
): Flow {
  const uplink = opts.uplink ?? uplinkOf(snapshot);
  if (!uplink) throw new Error('the snapshot has no default route: name the interface the connection arrives on');
  const hostAddress = opts.hostAddress ?? firstIpv4(snapshot.hostNamespace.links.find((l) => l.name === uplink));
  if (!hostAddress) throw new Error(`${uplink} has no IPv4 address in the snapshot: give the host address`);
  const flow: Flow = { protocol: opts.protocol ?? 'tcp', src: opts.client, dst: hostAddress, dport: opts.hostPort, inInterface: uplink };
  if (opts.sport !== undefined) flow.sport = opts.sport;
  return flow;
}

interface BridgeEndpoint {
  ip: string;
  network: string;
  bridge: string;
}

/** A container's endpoints on bridge networks, each with the bridge its packets arrive on. */
function bridgeEndpoints(snapshot: HostSnapshot, container: string): BridgeEndpoint[] {
  const docker = snapshot.docker;
  if (!docker) throw new Error('the snapshot has no Docker state');
  const c = docker.containers.find((x) => x.name === container || x.id === container || (container.length >= 4 && x.id.startsWith(container)));
  if (!c) throw new Error(`no container ${container} in the snapshot`);
  const out: BridgeEndpoint[] = [];
  for (const e of c.endpoints) {
    const net = docker.networks.find((n) => n.name === e.network);
    if (e.ip && net?.driver === 'bridge' && net.bridgeName) out.push({ ip: e.ip, network: e.network, bridge: net.bridgeName });
  }
  if (out.length === 0) throw new Error(`container ${container} has no address on a bridge network`);
  return out;
}

/** (b) A container's new connection to an outside address: it arrives on its network's bridge. */
export function containerOutboundFlow(
  snapshot: HostSnapshot,
  container: string,
  opts: { dst: string; dport?: number; protocol?: FlowProtocol; network?: string; sport?: number },
): Flow {
  const eps = bridgeEndpoints(snapshot, container);
  const ep = opts.network ? eps.find((e) => e.network === opts.network) : eps[0];
  if (!ep) throw new Error(`container ${container} is not on ${opts.network}`);
  const flow: Flow = { protocol: opts.protocol ?? 'tcp', src: ep.ip, dst: opts.dst, inInterface: ep.bridge };
  if (opts.dport !== undefined) flow.dport = opts.dport;
  if (opts.sport !== undefined) flow.sport = opts.sport;
  return flow;
}

/**
 * (c) Container to container: through a network both share when there is one (the packet is
 * bridged), else from the sender's first bridge network to the receiver's first address.
 */
export function containerToContainerFlow(
  snapshot: HostSnapshot,
  from: string,
  to: string,
  opts: { dport?: number; protocol?: FlowProtocol; sport?: number } = {},
): Flow {
  const src = bridgeEndpoints(snapshot, from);
  const dst = bridgeEndpoints(snapshot, to);
  const shared = src.find((s) => dst.some((d) => d.network === s.network));
  const a = shared ?? (src[0] as BridgeEndpoint);
  const b = dst.find((d) => d.network === a.network) ?? (dst[0] as BridgeEndpoint);
  const flow: Flow = { protocol: opts.protocol ?? 'tcp', src: a.ip, dst: b.ip, inInterface: a.bridge };
  if (opts.dport !== undefined) flow.dport = opts.dport;
  if (opts.sport !== undefined) flow.sport = opts.sport;
  return flow;
}

// ------------------------------------------------------------------ what the host knows about addresses

/** The host's own addresses, broadcast addresses and routes, as the kernel's fib would answer. */
class HostAddressing {
  private readonly local: string[];
  private readonly broadcast: Set<string>;
  readonly routes: Route[];
  readonly routesFromSnapshot: boolean;

  constructor(private readonly snapshot: HostSnapshot) {
    const inet = snapshot.hostNamespace.links.flatMap((l) => l.addresses.filter((a) => a.family === 'inet').map((a) => ({ link: l, a })));
    this.local = inet.map((x) => x.a.local);
    this.broadcast = new Set(['255.255.255.255']);
    for (const { a } of inet) {
      if (a.prefixLen < 31) this.broadcast.add(lastAddress(a.local, a.prefixLen));
    }
    const main = snapshot.hostNamespace.routes.filter((r) => r.table === undefined || r.table === 'main');
    this.routesFromSnapshot = main.length > 0;
    this.routes = this.routesFromSnapshot ? main : this.connectedRoutes();
  }

  /** Without a route table: each address's connected prefix, and each Docker bridge's subnets. */
  private connectedRoutes(): Route[] {
    const out: Route[] = [];
    for (const l of this.snapshot.hostNamespace.links) {
      for (const a of l.addresses) {
        const c = a.family === 'inet' ? parseCidr(`${a.local}/${a.prefixLen}`) : undefined;
        if (c) out.push({ dst: `${numberToIpv4(c.base)}/${c.prefixLen}`, dev: l.name, prefsrc: a.local });
      }
    }
    for (const n of this.snapshot.docker?.networks ?? []) {
      if (!n.bridgeName) continue;
      for (const s of n.subnets) if (s.subnet && !out.some((r) => r.dst === s.subnet)) out.push({ dst: s.subnet, dev: n.bridgeName });
    }
    return out;
  }

  isLocal(ip: string): boolean {
    return cidrContains('127.0.0.0/8', ip) || this.local.includes(ip);
  }

  /** The kernel's address type (addrtype match): looked up in the local table, else unicast. */
  addressType(ip: string): 'LOCAL' | 'BROADCAST' | 'MULTICAST' | 'UNICAST' {
    if (this.isLocal(ip)) return 'LOCAL';
    if (this.broadcast.has(ip) || ip === '0.0.0.0') return 'BROADCAST';
    if (cidrContains('224.0.0.0/4', ip)) return 'MULTICAST';
    return 'UNICAST';
  }

  /** Longest-prefix match in the main table. */
  lookup(ip: string): Route | undefined {
    let best: { route: Route; len: number } | undefined;
    for (const r of this.routes) {
      const c = parseCidr(r.dst);
      if (c && cidrContains(c, ip) && (!best || c.prefixLen > best.len)) best = { route: r, len: c.prefixLen };
    }
    return best?.route;
  }

  link(name: string | undefined): Link | undefined {
    return name ? this.snapshot.hostNamespace.links.find((l) => l.name === name) : undefined;
  }

  isBridge(name: string): boolean {
    return this.link(name)?.kind === 'bridge' || (this.snapshot.docker?.networks ?? []).some((n) => n.bridgeName === name);
  }

  /** The source address the kernel picks for a packet leaving `dev` towards `dst` (MASQUERADE). */
  sourceAddressFor(dst: string, dev: string): string | undefined {
    const route = this.lookup(dst);
    if (route?.dev === dev && route.prefsrc) return route.prefsrc;
    return firstIpv4(this.link(dev));
  }
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function lastAddress(ip: string, prefixLen: number): string {
  const c = parseCidr(`${ip}/${prefixLen}`);
  return c ? numberToIpv4(c.base + 2 ** (32 - prefixLen) - 1) : ip;
}

// ------------------------------------------------------------------ decoding a rule's arguments

interface Condition {
  /** '' for the base matches (-p -s -d -i -o -f), else the `-m` module. */
  module: string;
  option: string;
  values: string[];
  negated: boolean;
}

interface DecodedRule {
  conditions: Condition[];
  /** `-m x` modules, including those that carry no option (e.g. `-m tcp` alone). */
  modules: string[];
  target?: { name: string; goto: boolean; options: Record<string, string[]> };
}

const BASE_SHORT: Record<string, { option: string; arity: number }> = {
  '-p': { option: '-p', arity: 1 },
  '-s': { option: '-s', arity: 1 },
  '-d': { option: '-d', arity: 1 },
  '-i': { option: '-i', arity: 1 },
  '-o': { option: '-o', arity: 1 },
  '-f': { option: '-f', arity: 0 },
};
const BASE_LONG: Record<string, string> = {
  '--protocol': '-p',
  '--source': '-s',
  '--src': '-s',
  '--destination': '-d',
  '--dst': '-d',
  '--in-interface': '-i',
  '--out-interface': '-o',
  '--fragment': '-f',
};
/** Options whose single value may look like an option (free text). */
const ONE_VALUE = new Set(['--comment', '--log-prefix', '--nflog-prefix']);

const isOptionToken = (t: string | undefined): boolean => t === '!' || (t !== undefined && t.length > 1 && t.startsWith('-'));

/** Splits `-A CHAIN ...` into conditions (grouped by module) and the target with its options. */
function decodeRule(args: string[]): DecodedRule {
  const out: DecodedRule = { conditions: [], modules: [] };
  let module = '';
  let negated = false;
  let i = 2;
  const takeValues = (option: string, arity?: number): string[] => {
    const values: string[] = [];
    const max = arity ?? (ONE_VALUE.has(option) ? 1 : Infinity);
    while (values.length < max && i < args.length && (max === 1 ? args[i] !== '!' : !isOptionToken(args[i]))) values.push(args[i++] as string);
    return values;
  };
  while (i < args.length) {
    const token = args[i++] as string;
    if (token === '!') {
      negated = true;
      continue;
    }
    if (token === '-j' || token === '--jump' || token === '-g' || token === '--goto') {
      out.target = { name: args[i++] ?? '', goto: token === '-g' || token === '--goto', options: {} };
      while (i < args.length) {
        const opt = args[i++] as string;
        if (opt.startsWith('--')) out.target.options[opt] = takeValues(opt);
      }
      break;
    }
    if (token === '-m' || token === '--match') {
      module = args[i++] ?? '';
      out.modules.push(module);
      continue;
    }
    const base = BASE_SHORT[token] ?? (module === '' && BASE_LONG[token] ? BASE_SHORT[BASE_LONG[token] as string] : undefined);
    if (base) out.conditions.push({ module: '', option: base.option, values: takeValues(base.option, base.arity), negated });
    else out.conditions.push({ module, option: token, values: takeValues(token), negated });
    negated = false;
  }
  return out;
}

function describeCondition(c: Condition): string {
  return `${c.module ? `-m ${c.module} ` : ''}${c.negated ? '! ' : ''}${c.option}${c.values.length ? ` ${c.values.join(' ')}` : ''}`;
}

// ------------------------------------------------------------------ the packet as the evaluator sees it

interface Packet {
  protocol: FlowProtocol;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** Interfaces as the current hook passes them ('' when the hook has none). */
  inIf: string;
  outIf: string;
  /** The packet mark; undefined once a target changed it in a way this does not follow. */
  mark: number | undefined;
  /** False after NOTRACK / CT --notrack: conntrack and NAT leave it alone. */
  tracked: boolean;
  dnat: boolean;
  snat: boolean;
  original: { src: string; dst: string; sport?: number; dport?: number };
}

/** A condition's outcome; `why` is the fact it was decided on (kept for yes too, so a negation can say it). */
type Outcome = { kind: 'yes'; why?: string } | { kind: 'no'; why: string } | { kind: 'unknown'; why: string };
const YES: Outcome = { kind: 'yes' };
const no = (why: string): Outcome => ({ kind: 'no', why });
const unknown = (why: string): Outcome => ({ kind: 'unknown', why });
const truth = (ok: boolean, why: string): Outcome => (ok ? { kind: 'yes', why } : no(why));

const PROTOCOL_NUMBERS: Record<string, FlowProtocol> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };

/** `-i`/`-o` names: a trailing `+` matches every name with that prefix. */
function interfaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** A single port or range as iptables prints it: "80", "1000:2000", ":1024", "1024:". */
function portInSpec(spec: string, port: number): boolean | undefined {
  if (/^\d+$/.test(spec)) return Number(spec) === port;
  const m = /^(\d*):(\d*)$/.exec(spec);
  if (!m) return undefined;
  const lo = m[1] === '' ? 0 : Number(m[1]);
  const hi = m[2] === '' ? 65535 : Number(m[2]);
  return port >= lo && port <= hi;
}

function portCondition(c: Condition, port: number | undefined, which: 'source' | 'destination', list: boolean): Outcome {
  const spec = c.values[0] ?? '';
  if (port === undefined) return unknown(`${describeCondition(c)}: the flow gives no ${which} port`);
  const parts = list ? spec.split(',') : [spec];
  const hits = parts.map((p) => portInSpec(p, port));
  if (hits.some((h) => h === undefined)) return unknown(`${describeCondition(c)}: port spec not understood`);
  return truth(hits.some(Boolean), `${which} port is ${port}`);
}

const TCP_FLAG_BITS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128, ALL: 255, NONE: 0 };
/** The first packet of a new TCP connection carries SYN alone. */
const FIRST_PACKET_TCP_FLAGS = TCP_FLAG_BITS.SYN as number;

function tcpFlagMask(list: string): number | undefined {
  let mask = 0;
  for (const name of list.split(',')) {
    const bit = TCP_FLAG_BITS[name.toUpperCase()];
    if (bit === undefined) return undefined;
    mask |= bit;
  }
  return mask;
}

/** The base matches: -p -s -d -i -o -f. */
function evalBase(c: Condition, p: Packet): Outcome {
  const v = c.values[0] ?? '';
  switch (c.option) {
    case '-p': {
      if (v === 'all' || v === '0') return YES;
      const proto = PROTOCOL_NUMBERS[v] ?? v.toLowerCase();
      return truth(proto === p.protocol, `protocol is ${p.protocol}`);
    }
    case '-s':
      return parseCidr(v) ? truth(cidrContains(v, p.src), `source is ${p.src}`) : unknown(`${describeCondition(c)}: not an IPv4 address`);
    case '-d':
      return parseCidr(v) ? truth(cidrContains(v, p.dst), `destination is ${p.dst}`) : unknown(`${describeCondition(c)}: not an IPv4 address`);
    case '-i':
      return truth(interfaceMatches(v, p.inIf), p.inIf ? `in interface is ${p.inIf}` : 'no in interface at this hook');
    case '-o':
      return truth(interfaceMatches(v, p.outIf), p.outIf ? `out interface is ${p.outIf}` : 'no out interface at this hook');
    case '-f':
      return no('the first packet of a connection is not a later fragment');
    default:
      return unknown(`option ${c.option} not understood`);
  }
}

function evalTcpUdp(c: Condition, p: Packet): Outcome {
  if (p.protocol !== c.module) return no(`protocol is ${p.protocol}`);
  switch (c.option) {
    case '--dport':
    case '--destination-port':
      return portCondition(c, p.dport, 'destination', false);
    case '--sport':
    case '--source-port':
      return portCondition(c, p.sport, 'source', false);
    case '--syn':
    case '--tcp-flags': {
      if (c.module !== 'tcp') break;
      const [maskText, compText] = c.option === '--syn' ? ['SYN,RST,ACK,FIN', 'SYN'] : [c.values[0] ?? '', c.values[1] ?? ''];
      const mask = tcpFlagMask(maskText);
      const comp = tcpFlagMask(compText);
      if (mask === undefined || comp === undefined) return unknown(`${describeCondition(c)}: flags not understood`);
      return truth((FIRST_PACKET_TCP_FLAGS & mask) === comp, 'the first packet of a new connection carries SYN only');
    }
  }
  return unknown(`option ${c.option} of -m ${c.module} is not evaluated`);
}

function evalMultiport(c: Condition, p: Packet): Outcome {
  switch (c.option) {
    case '--dports':
    case '--destination-ports':
      return portCondition(c, p.dport, 'destination', true);
    case '--sports':
    case '--source-ports':
      return portCondition(c, p.sport, 'source', true);
    case '--ports': {
      const d = portCondition(c, p.dport, 'destination', true);
      const s = portCondition(c, p.sport, 'source', true);
      if (d.kind === 'yes' || s.kind === 'yes') return d.kind === 'yes' ? d : s;
      return d.kind === 'unknown' ? d : s.kind === 'unknown' ? s : no(`ports are ${p.sport}/${p.dport}`);
    }
  }
  return unknown(`option ${c.option} of -m multiport is not evaluated`);
}

function evalAddrtype(c: Condition, p: Packet, host: HostAddressing): Outcome {
  if (c.option !== '--dst-type' && c.option !== '--src-type') return unknown(`option ${c.option} of -m addrtype is not evaluated`);
  const ip = c.option === '--dst-type' ? p.dst : p.src;
  const types = (c.values[0] ?? '').split(',');
  const supported = ['LOCAL', 'BROADCAST', 'MULTICAST', 'UNICAST'];
  const odd = types.filter((t) => !supported.includes(t));
  if (odd.length) return unknown(`${describeCondition(c)}: address type ${odd.join(',')} is not evaluated`);
  const actual = host.addressType(ip);
  return truth(types.includes(actual), `${ip} is ${actual}`);
}

/** Conntrack states of the first packet of a new connection, as the rules in each hook see them. */
function ctStates(p: Packet): string[] {
  if (!p.tracked) return ['UNTRACKED'];
  return ['NEW', ...(p.dnat ? ['DNAT'] : []), ...(p.snat ? ['SNAT'] : [])];
}

function evalConntrack(c: Condition, p: Packet): Outcome {
  const v = c.values[0] ?? '';
  switch (c.option) {
    case '--ctstate':
    case '--state': {
      const states = ctStates(p);
      return truth(v.split(',').some((s) => states.includes(s)), `a new connection's first packet is ${states.join(',')}`);
    }
    case '--ctproto':
      return truth((PROTOCOL_NUMBERS[v] ?? v.toLowerCase()) === p.protocol, `protocol is ${p.protocol}`);
    case '--ctorigsrc':
      return truth(cidrContains(v, p.original.src), `original source is ${p.original.src}`);
    case '--ctorigdst':
      return truth(cidrContains(v, p.original.dst), `original destination is ${p.original.dst}`);
    case '--ctorigsrcport':
      return portCondition(c, p.original.sport, 'source', false);
    case '--ctorigdstport':
      return portCondition(c, p.original.dport, 'destination', false);
    case '--ctdir':
      return truth(v === 'ORIGINAL', 'the packet goes in the original direction');
  }
  return unknown(`option ${c.option} of -m ${c.module} is not evaluated`);
}

function evalMark(c: Condition, p: Packet): Outcome {
  if (c.option !== '--mark') return unknown(`option ${c.option} of -m mark is not evaluated`);
  if (p.mark === undefined) return unknown(`${describeCondition(c)}: the packet mark was changed in a way not followed`);
  const [value, mask] = (c.values[0] ?? '').split('/').map(Number);
  if (value === undefined || Number.isNaN(value) || (mask !== undefined && Number.isNaN(mask))) return unknown(`${describeCondition(c)}: not understood`);
  return truth(((p.mark & (mask ?? 0xffffffff)) >>> 0) === value >>> 0, `mark is 0x${p.mark.toString(16)}`);
}

function evalIprange(c: Condition, p: Packet): Outcome {
  const ip = c.option === '--src-range' ? p.src : c.option === '--dst-range' ? p.dst : undefined;
  if (ip === undefined) return unknown(`option ${c.option} of -m iprange is not evaluated`);
  const [lo, hi] = (c.values[0] ?? '').split('-').map(ipv4ToNumber);
  const n = ipv4ToNumber(ip);
  if (lo === undefined || hi === undefined || n === undefined) return unknown(`${describeCondition(c)}: not understood`);
  return truth(n >= lo && n <= hi, `${c.option === '--src-range' ? 'source' : 'destination'} is ${ip}`);
}

/** An ICMP flow is taken to be a ping: the only ICMP that starts a new conntrack entry in practice is an echo request. */
const ECHO_REQUEST = new Set(['echo-request', '8', '8/0', 'any']);

function evalIcmp(c: Condition, p: Packet): Outcome {
  if (p.protocol !== 'icmp') return no(`protocol is ${p.protocol}`);
  if (c.option !== '--icmp-type') return unknown(`option ${c.option} of -m icmp is not evaluated`);
  return truth(ECHO_REQUEST.has(c.values[0] ?? ''), 'an ICMP flow is an echo request (ping)');
}

function evalCondition(c: Condition, p: Packet, host: HostAddressing): Outcome {
  let out: Outcome;
  switch (c.module) {
    case '':
      out = evalBase(c, p);
      break;
    case 'tcp':
    case 'udp':
      out = evalTcpUdp(c, p);
      break;
    case 'multiport':
      out = evalMultiport(c, p);
      break;
    case 'addrtype':
      out = evalAddrtype(c, p, host);
      break;
    case 'conntrack':
    case 'state':
      out = evalConntrack(c, p);
      break;
    case 'mark':
      out = evalMark(c, p);
      break;
    case 'iprange':
      out = evalIprange(c, p);
      break;
    case 'icmp':
      out = evalIcmp(c, p);
      break;
    case 'comment':
      return YES;
    default:
      return unknown(`match module '${c.module}' is not evaluated (${describeCondition(c)})`);
  }
  if (out.kind === 'unknown' || !c.negated) return out;
  return out.kind === 'yes' ? no(out.why ?? 'the negated condition holds') : YES;
}

/** A rule matches when every condition holds: one that surely fails settles it, whatever else is unknown. */
function evalRule(decoded: DecodedRule, p: Packet, host: HostAddressing): Outcome & { unknowns: string[] } {
  const unknowns: string[] = [];
  // A module named with no option of its own (`-m tcp` without --dport) still restricts the protocol.
  for (const m of decoded.modules) {
    if ((m === 'tcp' || m === 'udp') && p.protocol !== m && !decoded.conditions.some((c) => c.module === m)) {
      return { kind: 'no', why: `-m ${m}: protocol is ${p.protocol}`, unknowns };
    }
  }
  for (const c of decoded.conditions) {
    const out = evalCondition(c, p, host);
    if (out.kind === 'no') return { kind: 'no', why: `${describeCondition(c)}: ${out.why}`, unknowns: [] };
    if (out.kind === 'unknown') unknowns.push(out.why);
  }
  return unknowns.length ? { kind: 'unknown', why: unknowns.join('; '), unknowns } : { kind: 'yes', unknowns };
}

// ------------------------------------------------------------------ targets

/** Targets that do something on the side and let the packet continue down the chain. */
const CONTINUING_TARGETS = new Set([
  'LOG', 'NFLOG', 'ULOG', 'TRACE', 'AUDIT', 'MARK', 'CONNMARK', 'CT', 'NOTRACK', 'TCPMSS', 'CLASSIFY', 'DSCP', 'TOS', 'TTL',
  'CHECKSUM', 'SECMARK', 'CONNSECMARK', 'IDLETIMER', 'LED', 'TEE',
]);
/** Of those, the ones that cannot change where the packet goes: an unknown match before them changes nothing. */
const HARMLESS_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'AUDIT', 'IDLETIMER', 'LED']);

/** "ip", "ip:port", "ip-ip:port-port": the first address and port, and whether a range was given. */
function parseNatTo(text: string): { ip?: string; port?: number; range: boolean } {
  const [addrPart, portPart] = text.split(':');
  const [ip, ipHi] = (addrPart ?? '').split('-');
  const [port, portHi] = (portPart ?? '').split('-');
  const out: { ip?: string; port?: number; range: boolean } = { range: ipHi !== undefined || portHi !== undefined };
  if (ip) out.ip = ip;
  if (port) out.port = Number(port);
  return out;
}

const endpoint = (ip: string, port: number | undefined): string => (port === undefined ? ip : `${ip}:${port}`);

// ------------------------------------------------------------------ the walk

const MAX_RULES_PER_TABLE = 20_000;
const MAX_DEPTH = 64;

type TableOutcome = 'accept' | 'drop' | 'reject' | 'stop';

class PathBuilder {
  readonly steps: PathStep[] = [];
  readonly uncertain: string[] = [];
  readonly notes: string[] = [];
  /** Set once a rule's outcome could not be decided: every later step rests on an assumption. */
  assuming = false;
  rewrittenDestination?: string;
  rewrittenSource?: string;
  private readonly decoded = new Map<Rule, DecodedRule>();

  constructor(
    readonly tables: NetfilterTable[],
    readonly host: HostAddressing,
    readonly packet: Packet,
  ) {}

  decode(rule: Rule): DecodedRule {
    let d = this.decoded.get(rule);
    if (!d) {
      d = decodeRule(rule.args);
      this.decoded.set(rule, d);
    }
    return d;
  }

  open(table: string, chain: string, hook: Hook, entered: PathStep['entered'], from?: PathStep['jumpedFrom']): PathStep {
    const step: PathStep = { table, chain, hook, entered, rules: [], verdict: 'UNKNOWN' };
    if (from) step.jumpedFrom = from;
    if (this.assuming) step.uncertain = true;
    this.steps.push(step);
    return step;
  }

  doubt(step: PathStep | undefined, message: string): void {
    this.uncertain.push(message);
    this.assuming = true;
    if (step) step.uncertain = true;
  }

  /** Runs one table's built-in chain for a hook, following jumps, gotos and returns. */
  runTable(tableName: string, hook: Hook): TableOutcome | 'absent' {
    const table = this.tables.find((t) => t.name === tableName);
    const base = table?.chains.find((c) => c.name === hook);
    if (!table || !base) return 'absent';
    const stack: { chain: Chain; index: number }[] = [];
    let chain = base;
    let index = 0;
    let step = this.open(tableName, chain.name, hook, 'hook');
    const policy = (): TableOutcome => {
      if (chain !== base) {
        chain = base;
        step = this.open(tableName, base.name, hook, 'return');
      }
      step.policy = true;
      step.verdict = base.policy === 'DROP' ? 'DROP' : base.policy === 'ACCEPT' ? 'ACCEPT' : 'UNKNOWN';
      if (step.verdict === 'UNKNOWN') this.doubt(step, `${tableName} ${base.name}: policy '${base.policy}' not understood`);
      return step.verdict === 'DROP' ? 'drop' : step.verdict === 'ACCEPT' ? 'accept' : 'stop';
    };
    const returnFromChain = (): TableOutcome | undefined => {
      step.verdict = 'RETURN';
      const frame = stack.pop();
      if (!frame) return policy();
      chain = frame.chain;
      index = frame.index;
      step = this.open(tableName, chain.name, hook, 'return');
      return undefined;
    };
    for (let evaluated = 0; ; evaluated++) {
      if (evaluated > MAX_RULES_PER_TABLE) {
        this.doubt(step, `${tableName} ${hook}: gave up after ${MAX_RULES_PER_TABLE} rules (a loop?)`);
        return 'stop';
      }
      const rule = chain.rules[index++];
      if (!rule) {
        if (chain === base) return policy();
        const r = returnFromChain();
        if (r) return r;
        continue;
      }
      const decoded = this.decode(rule);
      const evaluation = evalRule(decoded, this.packet, this.host);
      const entry: EvaluatedRule = { rule: ruleRef(rule), result: evaluation.kind === 'yes' ? 'matched' : evaluation.kind === 'no' ? 'not-matched' : 'unknown' };
      step.rules.push(entry);
      if (evaluation.kind === 'no') {
        entry.reason = evaluation.why;
        continue;
      }
      const targetName = decoded.target?.name;
      if (evaluation.kind === 'unknown') {
        entry.unknown = evaluation.unknowns;
        // An undecided rule whose target cannot change the packet's fate changes nothing.
        if (!targetName || HARMLESS_TARGETS.has(targetName)) continue;
        this.doubt(step, `${tableName} ${chain.name} rule ${rule.position} (-j ${targetName}): ${evaluation.unknowns.join('; ')}; from here on the path assumes it did not match`);
        continue;
      }
      if (!decoded.target || !targetName) continue;
      if (targetName === 'RETURN') {
        if (chain === base) return policy();
        const r = returnFromChain();
        if (r) return r;
        continue;
      }
      // User chains have no policy ('-'; '?' when only seen in a rule); built-in chains cannot be jumped to.
      const userChain = table.chains.find((c) => c.name === targetName && (c.policy === '-' || c.policy === '?'));
      if (userChain) {
        if (stack.length >= MAX_DEPTH) {
          this.doubt(step, `${tableName}: jumps nest deeper than ${MAX_DEPTH}`);
          return 'stop';
        }
        step.verdict = decoded.target.goto ? 'GOTO' : 'JUMP';
        step.next = userChain.name;
        if (!decoded.target.goto) stack.push({ chain, index });
        const from = { table: tableName, chain: chain.name, position: rule.position };
        chain = userChain;
        index = 0;
        step = this.open(tableName, chain.name, hook, decoded.target.goto ? 'goto' : 'jump', from);
        continue;
      }
      const outcome = this.applyTarget(step, entry, rule, decoded, hook);
      if (outcome !== 'continue') return outcome;
    }
  }

  /** A matched rule's target: a verdict that ends the table, or a side effect and on to the next rule. */
  private applyTarget(step: PathStep, entry: EvaluatedRule, rule: Rule, decoded: DecodedRule, hook: Hook): TableOutcome | 'continue' {
    const target = decoded.target as NonNullable<DecodedRule['target']>;
    const opt = (name: string): string | undefined => target.options[name]?.[0];
    const p = this.packet;
    switch (target.name) {
      case 'ACCEPT':
        step.verdict = 'ACCEPT';
        return 'accept';
      case 'DROP':
        step.verdict = 'DROP';
        return 'drop';
      case 'REJECT':
        step.verdict = 'REJECT';
        if (opt('--reject-with')) entry.effect = `rejected with ${opt('--reject-with')}`;
        return 'reject';
      case 'DNAT':
      case 'REDIRECT':
        return this.rewriteDestination(step, entry, target.name, target.options, hook);
      case 'SNAT':
      case 'MASQUERADE':
        return this.rewriteSource(step, entry, target.name, target.options);
      case 'QUEUE':
      case 'NFQUEUE':
        step.verdict = 'QUEUE';
        this.doubt(step, `${rule.table} ${rule.chain} rule ${rule.position}: the packet is queued to a userspace program, which decides its fate`);
        return 'stop';
      case 'MARK':
        this.applyMark(entry, target.options);
        return 'continue';
      case 'CT':
      case 'NOTRACK':
        if (target.name === 'NOTRACK' || target.options['--notrack']) {
          p.tracked = false;
          entry.effect = 'connection not tracked: no NAT, state UNTRACKED';
        }
        return 'continue';
    }
    if (CONTINUING_TARGETS.has(target.name)) return 'continue';
    this.doubt(step, `${rule.table} ${rule.chain} rule ${rule.position}: target ${target.name} is not understood (no such chain in ${rule.table}); assumed to let the packet continue`);
    return 'continue';
  }

  private rewriteDestination(step: PathStep, entry: EvaluatedRule, kind: 'DNAT' | 'REDIRECT', options: Record<string, string[]>, hook: Hook): TableOutcome {
    const p = this.packet;
    const before = endpoint(p.dst, p.dport);
    if (kind === 'DNAT') {
      const to = parseNatTo(options['--to-destination']?.[0] ?? '');
      if (to.range) this.notes.push(`${step.table} ${step.chain}: DNAT to a range; the path follows its first address/port`);
      if (to.ip) p.dst = to.ip;
      if (to.port !== undefined) p.dport = to.port;
    } else {
      // REDIRECT: to the primary address of the interface it came in on (loopback when locally generated).
      const ip = hook === 'OUTPUT' ? '127.0.0.1' : firstIpv4(this.host.link(p.inIf));
      if (!ip) {
        step.verdict = 'DROP';
        entry.effect = `REDIRECT: ${p.inIf} has no IPv4 address, the kernel drops the packet`;
        return 'drop';
      }
      p.dst = ip;
      const port = parseNatTo(`:${options['--to-ports']?.[0] ?? ''}`).port;
      if (port !== undefined) p.dport = port;
    }
    p.dnat = true;
    step.verdict = kind;
    entry.effect = `dst ${before} -> ${endpoint(p.dst, p.dport)}`;
    this.rewrittenDestination = endpoint(p.dst, p.dport);
    return 'accept';
  }

  private rewriteSource(step: PathStep, entry: EvaluatedRule, kind: 'SNAT' | 'MASQUERADE', options: Record<string, string[]>): TableOutcome {
    const p = this.packet;
    const before = endpoint(p.src, p.sport);
    if (kind === 'SNAT') {
      const to = parseNatTo(options['--to-source']?.[0] ?? '');
      if (to.range) this.notes.push(`${step.table} ${step.chain}: SNAT to a range; the path follows its first address/port`);
      if (to.ip) p.src = to.ip;
      if (to.port !== undefined) p.sport = to.port;
    } else {
      const ip = this.host.sourceAddressFor(p.dst, p.outIf);
      if (!ip) {
        step.verdict = 'DROP';
        entry.effect = `MASQUERADE: ${p.outIf} has no IPv4 address, the kernel drops the packet`;
        return 'drop';
      }
      p.src = ip;
      const port = parseNatTo(`:${options['--to-ports']?.[0] ?? ''}`).port;
      if (port !== undefined) p.sport = port;
    }
    p.snat = true;
    step.verdict = kind;
    entry.effect = `src ${before} -> ${endpoint(p.src, p.sport)}`;
    this.rewrittenSource = endpoint(p.src, p.sport);
    return 'accept';
  }

  private applyMark(entry: EvaluatedRule, options: Record<string, string[]>): void {
    const p = this.packet;
    const xmark = options['--set-xmark']?.[0];
    const set = options['--set-mark']?.[0];
    const spec = xmark ?? set;
    const [value, mask] = (spec ?? '').split('/').map(Number);
    if (p.mark === undefined || value === undefined || Number.isNaN(value) || (mask !== undefined && Number.isNaN(mask))) {
      p.mark = undefined;
      return;
    }
    const m = mask ?? 0xffffffff;
    p.mark = (xmark !== undefined ? (p.mark & ~m) ^ value : (p.mark & ~m) | value) >>> 0;
    entry.effect = `mark set to 0x${p.mark.toString(16)}`;
  }
}

// ------------------------------------------------------------------ hooks, routing, the whole path

/** Tables on each hook, in the kernel's priority order (raw -300, mangle -150, nat DNAT -100, filter 0, security 50, nat SNAT 100). */
const HOOK_TABLES: Record<Hook, string[]> = {
  PREROUTING: ['raw', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'security', 'nat'],
  FORWARD: ['mangle', 'filter', 'security'],
  OUTPUT: ['raw', 'mangle', 'nat', 'filter', 'security'],
  POSTROUTING: ['mangle', 'nat'],
};

function decideRoute(host: HostAddressing, snapshot: HostSnapshot, dst: string, inIf: string, locallyGenerated: boolean): RoutingDecision {
  if (host.isLocal(dst)) {
    const local: RoutingDecision = { kind: 'local', destination: dst, reason: `${dst} is an address of this host` };
    // A host process reaching its own address goes out (and back in) through lo.
    if (locallyGenerated) local.outInterface = 'lo';
    return local;
  }
  const route = host.lookup(dst);
  if (!route || !route.dev || (route.type && route.type !== 'unicast')) {
    return { kind: 'unreachable', destination: dst, ...(route ? { route: route.dst } : {}), reason: route ? `route ${route.dst} is ${route.type ?? 'without a device'}` : `no route to ${dst}` };
  }
  const decision: RoutingDecision = { kind: 'forward', destination: dst, outInterface: route.dev, route: route.dst, reason: `route ${route.dst} ${route.gateway ? `via ${route.gateway} ` : ''}dev ${route.dev}` };
  if (route.gateway) decision.gateway = route.gateway;
  if (locallyGenerated) return decision;
  if (route.dev === inIf && host.isBridge(inIf)) {
    decision.kind = 'bridge';
    decision.reason = `${dst} is on ${inIf}, the bridge the packet came from: it is bridged, not routed`;
  } else if (snapshot.hostNamespace.sysctls['net.ipv4.ip_forward'] === '0') {
    decision.kind = 'forwarding-disabled';
    decision.reason = 'net.ipv4.ip_forward is 0: the host does not route between interfaces';
  }
  return decision;
}

/** Whether iptables sees packets bridged between ports of one bridge (br_netfilter). */
function bridgedPacketsFiltered(snapshot: HostSnapshot): boolean | undefined {
  const v = snapshot.hostNamespace.sysctls['net.bridge.bridge-nf-call-iptables'];
  if (v !== undefined) return v === '1';
  // Absent with the sysctls read: br_netfilter is not loaded. Not read at all: nobody knows.
  return sourceStatus(snapshot, 'sysctls')?.state === 'ok' ? false : undefined;
}

function checkFlow(flow: Flow): void {
  for (const [name, ip] of [['src', flow.src], ['dst', flow.dst]] as const) {
    if (ipv4ToNumber(ip) === undefined) throw new Error(`flow ${name} ${JSON.stringify(ip)} is not an IPv4 address`);
  }
  for (const [name, port] of [['sport', flow.sport], ['dport', flow.dport]] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`flow ${name} ${port} is not a port`);
  }
}

/** The interface a received packet from `src` comes in on when the flow does not say: the one routing back to it. */
function defaultInInterface(host: HostAddressing, flow: Flow, notes: string[]): string {
  const back = host.lookup(flow.src)?.dev ?? '';
  notes.push(back ? `no in interface given: assumed ${back}, the interface the host routes ${flow.src} through` : `no in interface given and no route to ${flow.src}`);
  return back;
}

/** Walks the hooks a received packet passes: PREROUTING, routing, then INPUT or FORWARD + POSTROUTING. */
function receivedPath(b: PathBuilder, snapshot: HostSnapshot): { routing: RoutingDecision; verdict: FinalVerdict } {
  const p = b.packet;
  const early = decideRoute(b.host, snapshot, p.dst, p.inIf, false);
  if (early.kind === 'bridge') {
    const filtered = bridgedPacketsFiltered(snapshot);
    if (filtered === false) {
      b.notes.push(`bridged on ${p.inIf} and net.bridge.bridge-nf-call-iptables is not 1: iptables never sees it`);
      return { routing: early, verdict: 'ACCEPT' };
    }
    if (filtered === undefined) b.doubt(undefined, 'bridged traffic: whether iptables sees it (net.bridge.bridge-nf-call-iptables) was not read; the path assumes it does, as Docker sets it');
  }
  const pre = runHooks(b, 'PREROUTING');
  if (pre) return { routing: early, verdict: pre };
  const routing = decideRoute(b.host, snapshot, p.dst, p.inIf, false);
  if (routing.kind === 'unreachable' || routing.kind === 'forwarding-disabled') return { routing, verdict: 'DROP' };
  if (routing.kind === 'local') {
    return { routing, verdict: runHooks(b, 'INPUT') ?? 'ACCEPT' };
  }
  p.outIf = routing.outInterface ?? '';
  const verdict = runHooks(b, 'FORWARD') ?? runHooks(b, 'POSTROUTING') ?? 'ACCEPT';
  return { routing, verdict };
}

/** Walks OUTPUT, a new route if the destination was rewritten, POSTROUTING, and local delivery via lo. */
function generatedPath(b: PathBuilder, snapshot: HostSnapshot): { routing: RoutingDecision; verdict: FinalVerdict } {
  const p = b.packet;
  let routing = decideRoute(b.host, snapshot, p.dst, '', true);
  if (routing.kind === 'unreachable') return { routing, verdict: 'DROP' };
  p.outIf = routing.outInterface ?? '';
  const dstBefore = p.dst;
  const out = runHooks(b, 'OUTPUT');
  if (out) return { routing, verdict: out };
  if (p.dst !== dstBefore) {
    routing = decideRoute(b.host, snapshot, p.dst, '', true);
    if (routing.kind === 'unreachable') return { routing, verdict: 'DROP' };
    p.outIf = routing.outInterface ?? '';
  }
  const post = runHooks(b, 'POSTROUTING');
  if (post || routing.kind !== 'local') return { routing, verdict: post ?? 'ACCEPT' };
  // Back in through lo. NAT was settled on the way out, so the kernel skips the nat chains now.
  p.inIf = 'lo';
  p.outIf = '';
  b.notes.push('delivered locally through lo: PREROUTING and INPUT run again without their nat chains (NAT was set up on the way out)');
  const verdict = runHooks(b, 'PREROUTING', ['nat']) ?? runHooks(b, 'INPUT', ['nat']) ?? 'ACCEPT';
  return { routing, verdict };
}

/** Runs each table present on a hook; returns a final verdict when one ends the packet's path. */
function runHooks(b: PathBuilder, hook: Hook, skip: string[] = []): FinalVerdict | undefined {
  const p = b.packet;
  const saved = { inIf: p.inIf, outIf: p.outIf };
  // Each hook passes only the devices it has: no out device before routing, no in device on output.
  if (hook === 'PREROUTING' || hook === 'INPUT') p.outIf = '';
  if (hook === 'OUTPUT' || hook === 'POSTROUTING') p.inIf = '';
  try {
    for (const table of HOOK_TABLES[hook]) {
      if (skip.includes(table)) continue;
      if (table === 'nat' && !p.tracked) continue;
      const outcome = b.runTable(table, hook);
      if (outcome === 'drop') return 'DROP';
      if (outcome === 'reject') return 'REJECT';
      if (outcome === 'stop') return 'UNKNOWN';
    }
    return undefined;
  } finally {
    if (hook === 'PREROUTING' || hook === 'INPUT') p.outIf = saved.outIf;
    if (hook === 'OUTPUT' || hook === 'POSTROUTING') p.inIf = saved.inIf;
  }
}

/**
 * The chains a NEW connection's first packet traverses, in order, with every rule evaluated.
 * Only IPv4 (iptables, not ip6tables).
 */
export function computePacketPath(snapshot: HostSnapshot, flow: Flow): PacketPath {
  checkFlow(flow);
  const host = new HostAddressing(snapshot);
  const notes: string[] = [];
  if (!host.routesFromSnapshot) notes.push('the snapshot has no routes: routing uses the host\'s connected subnets and Docker bridges only');
  const inIf = flow.locallyGenerated ? '' : flow.inInterface ?? defaultInInterface(host, flow, notes);
  const original = { src: flow.src, dst: flow.dst, ...(flow.sport !== undefined ? { sport: flow.sport } : {}), ...(flow.dport !== undefined ? { dport: flow.dport } : {}) };
  const packet: Packet = { protocol: flow.protocol, ...original, inIf, outIf: '', mark: 0, tracked: true, dnat: false, snat: false, original };
  const b = new PathBuilder(snapshot.netfilter?.tables ?? [], host, packet);
  b.notes.push(...notes);
  if (flow.sport === undefined && flow.protocol !== 'icmp') b.notes.push(EPHEMERAL_NOTE);
  if (flow.protocol === 'icmp') b.notes.push('an ICMP flow is taken to be an echo request (ping), type 8');
  if (!snapshot.netfilter) {
    const status = sourceStatus(snapshot, 'netfilter');
    b.doubt(undefined, `netfilter rules were not read (${status?.reason ?? status?.state ?? 'absent'}): no chain can be evaluated`);
  }
  const { routing, verdict } = flow.locallyGenerated ? generatedPath(b, snapshot) : receivedPath(b, snapshot);
  const result: PacketPath = { flow, steps: b.steps, routing, finalVerdict: verdict, uncertain: b.uncertain, notes: b.notes };
  if (b.assuming && verdict !== 'UNKNOWN') {
    result.finalVerdict = 'UNKNOWN';
    result.verdictIfUnknownRulesDoNotMatch = verdict;
  }
  if (b.rewrittenDestination) result.rewrittenDestination = b.rewrittenDestination;
  if (b.rewrittenSource) result.rewrittenSource = b.rewrittenSource;
  if (verdict === 'ACCEPT' && routing.kind !== 'local' && packet.outIf) result.outInterface = packet.outIf;
  return result;
}
