// One native nftables rule against one packet: its expressions (as `nft -j` gives them) evaluated
// left to right the way the kernel does: a match that fails ends the rule, statements (counter,
// log) run as reached, a verdict, jump, vmap or NAT statement decides. Selectors and statements
// this evaluator knows: meta iifname/oifname/l4proto/mark, ip saddr/daddr and ip protocol,
// tcp/udp/th ports, ct state/status, fib daddr type, anonymous and named sets, verdict maps,
// dnat/snat/masquerade/redirect, reject, notrack, meta mark set. Anything else is an unknown
// outcome, never guessed. Pure.
import type { NftJson, NftSet } from '../snapshot/hostSnapshot';
import { cidrContains, ipFamily, parseIp } from '../snapshot/ipAddress';
import { exprKind, statementText, valueText } from '../snapshot/nftExpressions';
import type { HostAddressing } from './hostAddressing';
import type { Packet } from './ruleMatch';

/** What a matching rule does when its expressions are done. */
export type NftAction =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'return' }
  | { kind: 'continue' }
  | { kind: 'jump' | 'goto'; target: string }
  | { kind: 'dnat' | 'snat' | 'masquerade' | 'redirect'; addr?: string; port?: number }
  | { kind: 'reject'; detail: string };

export type NftOutcome =
  | { kind: 'no'; why: string }
  | { kind: 'yes'; action?: NftAction; effects: string[] }
  | { kind: 'unknown'; unknowns: string[]; action?: NftAction; effects: string[] };

type Value = string | number;
type Test = { kind: 'yes' | 'no'; why: string } | { kind: 'unknown'; why: string };

const yes = (why: string): Test => ({ kind: 'yes', why });
const no = (why: string): Test => ({ kind: 'no', why });
const unknown = (why: string): Test => ({ kind: 'unknown', why });

const isObject = (v: NftJson | undefined): v is { [key: string]: NftJson } => typeof v === 'object' && v !== null && !Array.isArray(v);

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };

/** The packet's value for a selector, or why it cannot be known. */
function selectorValue(left: NftJson | undefined, p: Packet, host: HostAddressing): { value: Value | Value[] } | { skip: string } | { unknown: string } {
  const kind = exprKind(left);
  const text = valueText(left);
  if (!kind || !isObject(kind[1])) return { unknown: `selector ${text} is not evaluated` };
  const [key, b] = kind;
  switch (key) {
    case 'meta':
      switch (b.key) {
        case 'iifname':
          return { value: p.inIf };
        case 'oifname':
          return { value: p.outIf };
        case 'l4proto':
          return { value: p.protocol };
        case 'nfproto':
          return { value: ipFamily(p.dst) === 6 ? 'ipv6' : 'ipv4' };
        case 'mark':
          return p.mark === undefined ? { unknown: 'meta mark: the packet mark was changed in a way not followed' } : { value: p.mark };
      }
      return { unknown: `selector ${text} is not evaluated` };
    case 'payload': {
      const proto = b.protocol;
      const family = ipFamily(p.dst) ?? 4;
      if (proto === 'ip' || proto === 'ip6') {
        // In an inet table `ip ...` implies IPv4 and `ip6 ...` IPv6: the other family never matches.
        if ((proto === 'ip') !== (family === 4)) return { skip: `${text}: the packet is IPv${family}` };
        if (b.field === 'saddr') return { value: p.src };
        if (b.field === 'daddr') return { value: p.dst };
        if (b.field === (proto === 'ip' ? 'protocol' : 'nexthdr')) return { value: p.protocol };
        return { unknown: `selector ${text} is not evaluated` };
      }
      if (proto === 'tcp' || proto === 'udp' || proto === 'th') {
        if (proto !== 'th' && p.protocol !== proto) return { skip: `${text}: protocol is ${p.protocol}` };
        if (p.protocol === 'icmp') return { skip: `${text}: protocol is icmp` };
        const port = b.field === 'dport' ? p.dport : b.field === 'sport' ? p.sport : undefined;
        if (b.field !== 'dport' && b.field !== 'sport') return { unknown: `selector ${text} is not evaluated` };
        return port === undefined ? { unknown: `${text}: the flow gives no ${b.field === 'dport' ? 'destination' : 'source'} port` } : { value: port };
      }
      if (proto === 'icmp') {
        if (p.protocol !== 'icmp') return { skip: `${text}: protocol is ${p.protocol}` };
        if (b.field === 'type') return { value: 'echo-request' };
      }
      return { unknown: `selector ${text} is not evaluated` };
    }
    case 'ct':
      if (b.dir !== undefined) return { unknown: `selector ${text} is not evaluated` };
      if (b.key === 'state') return { value: p.tracked ? ['new'] : ['untracked'] };
      if (b.key === 'status') return { value: [...(p.dnat ? ['dnat'] : []), ...(p.snat ? ['snat'] : [])] };
      return { unknown: `selector ${text} is not evaluated` };
    case 'fib': {
      const flags = Array.isArray(b.flags) ? b.flags : [b.flags];
      if (b.result !== 'type' || flags.length !== 1 || flags[0] !== 'daddr') return { unknown: `selector ${text} is not evaluated` };
      return { value: host.addressType(p.dst).toLowerCase() };
    }
  }
  return { unknown: `selector ${text} is not evaluated` };
}

/** Whether one packet value is matched by one right-hand element (address, prefix, range, wildcard). */
function elementMatches(element: NftJson, value: Value): boolean | undefined {
  if (typeof element === 'string' || typeof element === 'number') {
    if (typeof value === 'number') return Number(element) === value;
    const e = String(element);
    if (e.endsWith('*')) return value.startsWith(e.slice(0, -1));
    return e === value || PROTOCOL_NUMBERS[e] === value;
  }
  const kind = exprKind(element);
  if (!kind) return undefined;
  const [key, b] = kind;
  if (key === 'prefix' && isObject(b) && typeof value === 'string') {
    return parseIp(value) === undefined ? undefined : cidrContains(`${valueText(b.addr)}/${valueText(b.len)}`, value);
  }
  if (key === 'range' && Array.isArray(b)) {
    const [lo, hi] = b;
    if (typeof value === 'number' && typeof lo === 'number' && typeof hi === 'number') return value >= lo && value <= hi;
    const n = typeof value === 'string' ? parseIp(value) : undefined;
    const l = parseIp(String(lo));
    const h = parseIp(String(hi));
    if (!n || !l || !h) return undefined;
    return n.family === l.family && n.family === h.family && n.value >= l.value && n.value <= h.value;
  }
  if (key === 'elem' && isObject(b)) return elementMatches(b.val ?? null, value);
  return undefined;
}

/** The elements a right-hand side stands for: one value, an anonymous set, or a named set. */
function elementsOf(right: NftJson | undefined, sets: (name: string) => NftSet | undefined): NftJson[] | string {
  if (typeof right === 'string' && right.startsWith('@')) {
    const set = sets(right);
    if (!set) return `set ${right} was not read`;
    return set.elements.map((e) => (Array.isArray(e) ? (e[0] ?? null) : e));
  }
  const kind = exprKind(right);
  if (kind?.[0] === 'set' && Array.isArray(kind[1])) return kind[1];
  if (Array.isArray(right)) return right;
  return [right ?? null];
}

function evalMatch(b: { [key: string]: NftJson }, p: Packet, host: HostAddressing, sets: (name: string) => NftSet | undefined): Test {
  const shown = statementText({ match: b });
  const sel = selectorValue(b.left, p, host);
  if ('skip' in sel) return no(sel.skip);
  if ('unknown' in sel) return unknown(sel.unknown);
  const elements = elementsOf(b.right, sets);
  if (typeof elements === 'string') return unknown(`${shown}: ${elements}`);
  const values = Array.isArray(sel.value) ? sel.value : [sel.value];
  const op = b.op ?? '==';
  // Flags (ct state, ct status): "in" and "==" with a list mean any of them is set.
  const hits = values.map((v) => elements.map((e) => elementMatches(e, v)));
  if (hits.flat().some((h) => h === undefined)) return unknown(`${shown}: value not understood`);
  const any = hits.some((row) => row.some(Boolean));
  const why = `${valueText(b.left)} is ${Array.isArray(sel.value) ? sel.value.join(',') || 'none' : sel.value}`;
  if (op === '==' || op === 'in') return any ? yes(why) : no(why);
  if (op === '!=') return any ? no(why) : yes(why);
  return unknown(`${shown}: operator ${String(op)} is not evaluated`);
}

function natAction(kind: 'dnat' | 'snat' | 'masquerade' | 'redirect', b: NftJson): NftAction | string {
  if (!isObject(b)) return { kind };
  if (b.addr !== undefined && typeof b.addr !== 'string') return `${kind} to ${valueText(b.addr)}: a computed address is not evaluated`;
  if (b.port !== undefined && typeof b.port !== 'number') return `${kind} port ${valueText(b.port)}: a computed port is not evaluated`;
  return { kind, ...(typeof b.addr === 'string' ? { addr: b.addr } : {}), ...(typeof b.port === 'number' ? { port: b.port } : {}) };
}

/** The verdict a verdict map gives for the packet, or why it cannot be known. */
function evalVmap(
  b: { [key: string]: NftJson },
  p: Packet,
  host: HostAddressing,
  sets: (name: string) => NftSet | undefined,
): { action?: NftAction } | { no: string } | { unknown: string } {
  const shown = statementText({ vmap: b });
  const sel = selectorValue(b.key, p, host);
  if ('skip' in sel) return { no: sel.skip };
  if ('unknown' in sel) return { unknown: sel.unknown };
  let pairs: NftJson[];
  if (typeof b.data === 'string' && b.data.startsWith('@')) {
    const map = sets(b.data);
    if (!map) return { unknown: `${shown}: map ${b.data} was not read` };
    pairs = map.elements;
  } else {
    const kind = exprKind(b.data);
    pairs = kind?.[0] === 'set' && Array.isArray(kind[1]) ? kind[1] : [];
  }
  const value = Array.isArray(sel.value) ? sel.value[0] : sel.value;
  if (value === undefined) return { unknown: `${shown}: no value` };
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) return { unknown: `${shown}: element not understood` };
    const hit = elementMatches(pair[0] ?? null, value);
    if (hit === undefined) return { unknown: `${shown}: element not understood` };
    if (!hit) continue;
    const verdict = exprKind(pair[1]);
    if (!verdict) return { unknown: `${shown}: verdict not understood` };
    const [k, body] = verdict;
    if ((k === 'jump' || k === 'goto') && isObject(body) && typeof body.target === 'string') return { action: { kind: k, target: body.target } };
    if (k === 'accept' || k === 'drop' || k === 'return' || k === 'continue') return { action: { kind: k } };
    return { unknown: `${shown}: verdict ${k} not understood` };
  }
  // No element matched: the rule stops here (NFT_BREAK), as if a match failed.
  return { no: `${valueText(b.key)} is ${value}: not in the map` };
}

/**
 * Evaluates a rule's expressions in order. A failing match settles it as not matching, whatever
 * was unknown before it; an unknown match is remembered and evaluation goes on, so the result
 * says what the rule would do if the unknown parts matched.
 */
export function evalNftRule(expr: NftJson[], p: Packet, host: HostAddressing, sets: (name: string) => NftSet | undefined): NftOutcome {
  const unknowns: string[] = [];
  const effects: string[] = [];
  const done = (action?: NftAction): NftOutcome =>
    unknowns.length ? { kind: 'unknown', unknowns, ...(action ? { action } : {}), effects } : { kind: 'yes', ...(action ? { action } : {}), effects };
  for (const e of expr) {
    const kind = exprKind(e);
    if (!kind) {
      unknowns.push(`expression ${JSON.stringify(e)} not understood`);
      continue;
    }
    const [key, body] = kind;
    const b = isObject(body) ? body : {};
    switch (key) {
      case 'match': {
        const t = evalMatch(b, p, host, sets);
        if (t.kind === 'no') return { kind: 'no', why: `${statementText(e)}: ${t.why}` };
        if (t.kind === 'unknown') unknowns.push(t.why);
        continue;
      }
      case 'counter':
      case 'log':
        continue;
      case 'notrack':
        effects.push('notrack');
        continue;
      case 'mangle': {
        // Only `meta mark set N` is followed; any other rewrite makes the mark unknown.
        const k = exprKind(b.key);
        const isMark = k?.[0] === 'meta' && isObject(k[1]) && k[1].key === 'mark';
        effects.push(isMark && typeof b.value === 'number' ? `mark=${b.value}` : isMark ? 'mark=?' : `unfollowed ${statementText(e)}`);
        continue;
      }
      case 'accept':
      case 'drop':
      case 'return':
      case 'continue':
        return done({ kind: key });
      case 'jump':
      case 'goto':
        if (typeof b.target !== 'string') break;
        return done({ kind: key, target: b.target });
      case 'vmap': {
        const v = evalVmap(b, p, host, sets);
        if ('no' in v) return { kind: 'no', why: v.no };
        if ('unknown' in v) {
          unknowns.push(v.unknown);
          return done();
        }
        return done(v.action);
      }
      case 'dnat':
      case 'snat':
      case 'masquerade':
      case 'redirect': {
        const a = natAction(key, body);
        if (typeof a === 'string') {
          unknowns.push(a);
          return done();
        }
        return done(a);
      }
      case 'reject':
        return done({ kind: 'reject', detail: statementText(e) });
    }
    unknowns.push(`${statementText(e)}: ${key} is not evaluated`);
  }
  return done();
}
