// One rule against one packet: a rule's iptables-save arguments decoded into conditions
// (module by module: `--dports` of multiport vs `--dport` of tcp, negations, -j vs -g), and
// each condition evaluated against the packet as the evaluator sees it (addresses,
// interfaces, ports, conntrack state, marks, address types). A condition it does not know
// is an unknown outcome, never skipped. Pure.
import { cidrContains, parseCidr, parseIp } from '../snapshot/ipAddress';
import type { HostAddressing } from './hostAddressing';
import type { FlowProtocol } from './packetPath';

export interface Condition {
  /** '' for the base matches (-p -s -d -i -o -f), else the `-m` module. */
  module: string;
  option: string;
  values: string[];
  negated: boolean;
}

export interface DecodedRule {
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
export function decodeRule(args: string[]): DecodedRule {
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

export interface Packet {
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
export type Outcome = { kind: 'yes'; why?: string } | { kind: 'no'; why: string } | { kind: 'unknown'; why: string };
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
      return parseCidr(v) ? truth(cidrContains(v, p.src), `source is ${p.src}`) : unknown(`${describeCondition(c)}: not an address`);
    case '-d':
      return parseCidr(v) ? truth(cidrContains(v, p.dst), `destination is ${p.dst}`) : unknown(`${describeCondition(c)}: not an address`);
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
      return truth(
        v.split(',').some((s) => states.includes(s)),
        `a new connection's first packet is ${states.join(',')}`,
      );
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
  return truth((p.mark & (mask ?? 0xffffffff)) >>> 0 === value >>> 0, `mark is 0x${p.mark.toString(16)}`);
}

function evalIprange(c: Condition, p: Packet): Outcome {
  const ip = c.option === '--src-range' ? p.src : c.option === '--dst-range' ? p.dst : undefined;
  if (ip === undefined) return unknown(`option ${c.option} of -m iprange is not evaluated`);
  const [lo, hi] = (c.values[0] ?? '').split('-').map(parseIp);
  const n = parseIp(ip);
  if (lo === undefined || hi === undefined || n === undefined) return unknown(`${describeCondition(c)}: not understood`);
  const inRange = lo.family === n.family && hi.family === n.family && n.value >= lo.value && n.value <= hi.value;
  return truth(inRange, `${c.option === '--src-range' ? 'source' : 'destination'} is ${ip}`);
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
export function evalRule(decoded: DecodedRule, p: Packet, host: HostAddressing): Outcome & { unknowns: string[] } {
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
