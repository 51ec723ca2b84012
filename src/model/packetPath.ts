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
// Decoding and evaluating one rule: ruleMatch.ts; addresses and routes: hostAddressing.ts;
// building the flows users ask about: packetFlows.ts. This file: the walk through the hooks.
import type { Chain, HostSnapshot, NetfilterTable, NftablesState, NftChain, NftRule, NftTable, Rule } from '../snapshot/hostSnapshot';
import { sourceStatus } from '../snapshot/hostSnapshot';
import { ipFamily, type IpFamily } from '../snapshot/ipAddress';
import { findNftSet } from '../snapshot/chainLookup';
import { evalNftRule } from './nftRuleMatch';
import { socketAddress } from './socketAddress';
import { ruleRef, topologyOf, type RuleRef } from './topology';
import { verdictReason } from './verdictReason';
import { firstAddress, HostAddressing } from './hostAddressing';
import { decodeRule, evalRule, type DecodedRule, type Packet } from './ruleMatch';

export { containerOutboundFlow, containerToContainerFlow, inboundFlow, uplinkOf } from './packetFlows';

const EPHEMERAL_NOTE = 'no source port given: rules matching --sport are reported as unknown';

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

export type StepVerdict = 'ACCEPT' | 'DROP' | 'REJECT' | 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT' | 'JUMP' | 'GOTO' | 'RETURN' | 'QUEUE' | 'UNKNOWN';

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
  /** Why it ends as it does, in one line: "DROP: routed to br-x, which no Docker network owns; filter FORWARD policy DROP". */
  reason?: string;
}

// ------------------------------------------------------------------ targets

/** Targets that do something on the side and let the packet continue down the chain. */
const CONTINUING_TARGETS = new Set([
  'LOG',
  'NFLOG',
  'ULOG',
  'TRACE',
  'AUDIT',
  'MARK',
  'CONNMARK',
  'CT',
  'NOTRACK',
  'TCPMSS',
  'CLASSIFY',
  'DSCP',
  'TOS',
  'TTL',
  'CHECKSUM',
  'SECMARK',
  'CONNSECMARK',
  'IDLETIMER',
  'LED',
  'TEE',
]);
/** Of those, the ones that cannot change where the packet goes: an unknown match before them changes nothing. */
const HARMLESS_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'AUDIT', 'IDLETIMER', 'LED']);

/** "ip", "ip:port", "ip-ip:port-port": the first address and port, and whether a range was given. */
function parseNatTo(text: string): { ip?: string; port?: number; range: boolean } {
  // IPv6 targets are bracketed: [fd00::10]:80, [fd00::10-fd00::20]:80-90.
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  const [addrPart, portPart] = bracketed ? [bracketed[1], bracketed[2]] : text.split(':');
  const [ip, ipHi] = (addrPart ?? '').split('-');
  const [port, portHi] = (portPart ?? '').split('-');
  const out: { ip?: string; port?: number; range: boolean } = { range: ipHi !== undefined || portHi !== undefined };
  if (ip) out.ip = ip;
  if (port) out.port = Number(port);
  return out;
}

const endpoint = (ip: string, port: number | undefined): string => (port === undefined ? ip : socketAddress(ip, port));

// ------------------------------------------------------------------ the walk

/**
 * A bound on rules evaluated per table visit. The kernel refuses a ruleset with a loop when it
 * is loaded, so this only guards against a garbled snapshot; it is well above real hosts (a
 * 100,000-rule blocklist is evaluated in full: BENCHMARKS.md).
 */
const MAX_RULES_PER_TABLE = 1_000_000;
const MAX_DEPTH = 64;

type TableOutcome = 'accept' | 'drop' | 'reject' | 'stop';

/** What one rule does to the walk: on to the next rule, back to the caller, into a chain, or an end. */
type RuleDecision<C> = 'next' | 'return' | { outcome: TableOutcome } | { to: C; goto: boolean; position: number };

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
    readonly nftables?: NftablesState,
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

  /**
   * The walk both rule engines share: from a base chain, rule by rule, following jumps (a
   * frame kept to come back to), gotos (none kept) and returns, until a verdict ends it or the
   * base chain's policy does. `decide` evaluates one rule against the packet.
   */
  private walk<C extends { name: string; rules: R[] }, R>(
    label: string,
    base: C,
    hook: Hook,
    policyOf: () => { verdict: 'ACCEPT' | 'DROP' | 'UNKNOWN'; doubt?: string },
    decide: (rule: R, step: PathStep, chain: C) => RuleDecision<C>,
  ): TableOutcome {
    const stack: { chain: C; index: number }[] = [];
    let chain = base;
    let index = 0;
    let step = this.open(label, chain.name, hook, 'hook');
    const policy = (): TableOutcome => {
      if (chain !== base) {
        chain = base;
        step = this.open(label, base.name, hook, 'return');
      }
      step.policy = true;
      const { verdict, doubt } = policyOf();
      step.verdict = verdict;
      if (doubt) this.doubt(step, doubt);
      return verdict === 'DROP' ? 'drop' : verdict === 'ACCEPT' ? 'accept' : 'stop';
    };
    const returnFromChain = (): TableOutcome | undefined => {
      if (chain === base) return policy();
      step.verdict = 'RETURN';
      const frame = stack.pop();
      if (!frame) return policy();
      chain = frame.chain;
      index = frame.index;
      step = this.open(label, chain.name, hook, 'return');
      return undefined;
    };
    for (let evaluated = 0; ; evaluated++) {
      if (evaluated > MAX_RULES_PER_TABLE) {
        this.doubt(step, `${label} ${hook}: gave up after ${MAX_RULES_PER_TABLE} rules (a loop?)`);
        return 'stop';
      }
      const rule = chain.rules[index++];
      const decision = rule === undefined ? 'return' : decide(rule, step, chain);
      if (decision === 'next') continue;
      if (decision === 'return') {
        const r = returnFromChain();
        if (r) return r;
        continue;
      }
      if ('outcome' in decision) return decision.outcome;
      if (stack.length >= MAX_DEPTH) {
        this.doubt(step, `${label}: jumps nest deeper than ${MAX_DEPTH}`);
        return 'stop';
      }
      step.verdict = decision.goto ? 'GOTO' : 'JUMP';
      step.next = decision.to.name;
      if (!decision.goto) stack.push({ chain, index });
      const from = { table: label, chain: chain.name, position: decision.position };
      chain = decision.to;
      index = 0;
      step = this.open(label, chain.name, hook, decision.goto ? 'goto' : 'jump', from);
    }
  }

  /** Runs one iptables table's built-in chain for a hook, following jumps, gotos and returns. */
  runTable(tableName: string, hook: Hook): TableOutcome | 'absent' {
    const table = this.tables.find((t) => t.name === tableName);
    const base = table?.chains.find((c) => c.name === hook);
    if (!table || !base) return 'absent';
    const policyOf = (): { verdict: 'ACCEPT' | 'DROP' | 'UNKNOWN'; doubt?: string } =>
      base.policy === 'DROP' || base.policy === 'ACCEPT'
        ? { verdict: base.policy }
        : { verdict: 'UNKNOWN', doubt: `${tableName} ${base.name}: policy '${base.policy}' not understood` };
    return this.walk(tableName, base, hook, policyOf, (rule: Rule, step, chain): RuleDecision<Chain> => {
      const decoded = this.decode(rule);
      const evaluation = evalRule(decoded, this.packet, this.host);
      const entry: EvaluatedRule = {
        rule: ruleRef(rule),
        result: evaluation.kind === 'yes' ? 'matched' : evaluation.kind === 'no' ? 'not-matched' : 'unknown',
      };
      step.rules.push(entry);
      if (evaluation.kind === 'no') {
        entry.reason = evaluation.why;
        return 'next';
      }
      const targetName = decoded.target?.name;
      if (evaluation.kind === 'unknown') {
        entry.unknown = evaluation.unknowns;
        // An undecided rule whose target cannot change the packet's fate changes nothing.
        if (targetName && !HARMLESS_TARGETS.has(targetName)) {
          this.doubt(
            step,
            `${tableName} ${chain.name} rule ${rule.position} (-j ${targetName}): ${evaluation.unknowns.join('; ')}; from here on the path assumes it did not match`,
          );
        }
        return 'next';
      }
      if (!decoded.target || !targetName) return 'next';
      if (targetName === 'RETURN') return 'return';
      // User chains have no policy ('-'; '?' when only seen in a rule); built-in chains cannot be jumped to.
      const userChain = table.chains.find((c) => c.name === targetName && (c.policy === '-' || c.policy === '?'));
      if (userChain) return { to: userChain, goto: decoded.target.goto, position: rule.position };
      const outcome = this.applyTarget(step, entry, rule, decoded, hook);
      return outcome === 'continue' ? 'next' : { outcome };
    });
  }

  /**
   * Runs one native nftables base chain on a hook, following jumps, gotos, returns and verdict
   * maps. Its policy (accept) lets the packet on to the next base chain, as in the kernel.
   */
  runNftChain(table: NftTable, base: NftChain, hook: Hook): TableOutcome {
    const label = `${table.family} ${table.name}`;
    const sets = (name: string) => findNftSet(this.nftables, table.family, table.name, name);
    const policyOf = () => ({ verdict: base.policy === 'drop' ? ('DROP' as const) : ('ACCEPT' as const) });
    return this.walk(label, base, hook, policyOf, (rule: NftRule, step, chain): RuleDecision<NftChain> => {
      const out = evalNftRule(rule.expr, this.packet, this.host, sets);
      const entry: EvaluatedRule = { rule: nftRuleRef(label, rule), result: out.kind === 'yes' ? 'matched' : out.kind === 'no' ? 'not-matched' : 'unknown' };
      step.rules.push(entry);
      if (out.kind === 'no') {
        entry.reason = out.why;
        return 'next';
      }
      const action = out.action;
      if (out.kind === 'unknown') {
        entry.unknown = out.unknowns;
        // Not understood and able to change the packet's fate: drawn as such, never guessed.
        if (action || out.effects.length > 0) {
          this.doubt(
            step,
            `${label} ${chain.name} rule ${rule.position} (${action?.kind ?? out.effects.join(', ')}): ${out.unknowns.join('; ')}; from here on the path assumes it did not match`,
          );
        }
        return 'next';
      }
      for (const effect of out.effects) this.applyNftEffect(step, entry, rule, effect);
      if (!action || action.kind === 'continue') return 'next';
      switch (action.kind) {
        case 'accept':
          step.verdict = 'ACCEPT';
          return { outcome: 'accept' };
        case 'drop':
          step.verdict = 'DROP';
          return { outcome: 'drop' };
        case 'reject':
          step.verdict = 'REJECT';
          entry.effect = action.detail;
          return { outcome: 'reject' };
        case 'return':
          return 'return';
        case 'jump':
        case 'goto': {
          const target = table.chains.find((c) => c.name === action.target && !c.base);
          if (target) return { to: target, goto: action.kind === 'goto', position: rule.position };
          this.doubt(step, `${label} ${chain.name} rule ${rule.position}: ${action.kind} to ${action.target}, which is not a regular chain of ${label}`);
          return { outcome: 'stop' };
        }
      }
      // NAT statements, in the options form the iptables targets use.
      const to = [`${action.addr ?? ''}${action.port !== undefined ? `:${action.port}` : ''}`];
      const ports: Record<string, string[]> = action.port !== undefined ? { '--to-ports': [String(action.port)] } : {};
      if (action.kind === 'dnat') return { outcome: this.rewriteDestination(step, entry, 'DNAT', { '--to-destination': to }, hook) };
      if (action.kind === 'redirect') return { outcome: this.rewriteDestination(step, entry, 'REDIRECT', ports, hook) };
      return {
        outcome: action.kind === 'snat' ? this.rewriteSource(step, entry, 'SNAT', { '--to-source': to }) : this.rewriteSource(step, entry, 'MASQUERADE', ports),
      };
    });
  }

  /** A matched nft rule's side effect on the packet: notrack, a mark, or a rewrite not followed. */
  private applyNftEffect(step: PathStep, entry: EvaluatedRule, rule: NftRule, effect: string): void {
    const p = this.packet;
    if (effect === 'notrack') {
      p.tracked = false;
      entry.effect = 'connection not tracked: no NAT, state untracked';
    } else if (effect.startsWith('mark=')) {
      const value = Number(effect.slice(5));
      p.mark = Number.isFinite(value) ? value >>> 0 : undefined;
      if (p.mark !== undefined) entry.effect = `mark set to 0x${p.mark.toString(16)}`;
    } else {
      this.doubt(
        step,
        `${rule.family} ${rule.table} ${rule.chain} rule ${rule.position}: ${effect.replace(/^unfollowed /, '')} changes the packet in a way not followed`,
      );
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
    this.doubt(
      step,
      `${rule.table} ${rule.chain} rule ${rule.position}: target ${target.name} is not understood (no such chain in ${rule.table}); assumed to let the packet continue`,
    );
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
      const family = ipFamily(p.dst) ?? 4;
      const ip = hook === 'OUTPUT' ? (family === 6 ? '::1' : '127.0.0.1') : firstAddress(this.host.link(p.inIf), family);
      if (!ip) {
        step.verdict = 'DROP';
        entry.effect = `REDIRECT: ${p.inIf} has no IPv${family} address, the kernel drops the packet`;
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
        entry.effect = `MASQUERADE: ${p.outIf} has no IPv${ipFamily(p.dst) ?? 4} address, the kernel drops the packet`;
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

function nftRuleRef(table: string, rule: NftRule): RuleRef {
  return { table, chain: rule.chain, position: rule.position, spec: rule.text, packets: rule.packets ?? 0, bytes: rule.bytes ?? 0 };
}

/** iptables tables on each hook, in the kernel's priority order. */
const HOOK_TABLES: Record<Hook, string[]> = {
  PREROUTING: ['raw', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'security', 'nat'],
  FORWARD: ['mangle', 'filter', 'security'],
  OUTPUT: ['raw', 'mangle', 'nat', 'filter', 'security'],
  POSTROUTING: ['mangle', 'nat'],
};

/** The priority iptables registers each table's chains at: raw -300, mangle -150, nat -100 (DNAT) or 100 (SNAT), filter 0, security 50. */
function iptablesPriority(table: string, hook: Hook): number {
  switch (table) {
    case 'raw':
      return -300;
    case 'mangle':
      return -150;
    case 'nat':
      return hook === 'PREROUTING' || hook === 'OUTPUT' ? -100 : 100;
    case 'security':
      return 50;
  }
  return 0;
}

/** One base chain on a hook: an iptables table's built-in chain, or a native nftables base chain. */
type HookChain =
  { kind: 'iptables'; table: string; priority: number; nat: boolean } | { kind: 'nft'; table: NftTable; chain: NftChain; priority: number; nat: boolean };

/**
 * Every base chain on a hook in the kernel's order: by priority, iptables (from iptables-save,
 * iptables-nft's tables included) and native nftables tables of the packet's family (ip or
 * ip6) and inet together.
 * At equal priority the kernel's order is registration order, which is not known: iptables is
 * put first and a note says so.
 */
function hookChains(b: PathBuilder, hook: Hook): HookChain[] {
  const out: HookChain[] = HOOK_TABLES[hook].map((table) => ({
    kind: 'iptables' as const,
    table,
    priority: iptablesPriority(table, hook),
    nat: table === 'nat',
  }));
  const nftHook = hook.toLowerCase();
  const nftFamily = ipFamily(b.packet.dst) === 6 ? 'ip6' : 'ip';
  for (const table of b.nftables?.tables ?? []) {
    if (table.origin !== 'native' || (table.family !== nftFamily && table.family !== 'inet')) continue;
    for (const chain of table.chains) {
      if (!chain.base || chain.hook !== nftHook) continue;
      out.push({ kind: 'nft', table, chain, priority: chain.priority ?? 0, nat: chain.type === 'nat' });
    }
  }
  const sorted = out
    .map((c, i) => ({ c, i }))
    .sort((x, y) => x.c.priority - y.c.priority || (x.c.kind === y.c.kind ? x.i - y.i : x.c.kind === 'iptables' ? -1 : 1))
    .map((x) => x.c);
  for (let i = 1; i < sorted.length; i++) {
    const [x, y] = [sorted[i - 1] as HookChain, sorted[i] as HookChain];
    if (x.priority === y.priority && x.kind !== y.kind && (x.kind === 'nft' || b.tables.some((t) => t.name === (x as { table: string }).table))) {
      const name = (c: HookChain) => (c.kind === 'nft' ? `${c.table.family} ${c.table.name} ${c.chain.name}` : `iptables ${c.table}`);
      const note = `${hook}: ${name(x)} and ${name(y)} share priority ${x.priority}; the kernel runs them in registration order, here assumed iptables first`;
      if (!b.notes.includes(note)) b.notes.push(note);
    }
  }
  return sorted;
}

function decideRoute(host: HostAddressing, snapshot: HostSnapshot, dst: string, inIf: string, locallyGenerated: boolean): RoutingDecision {
  if (host.isLocal(dst)) {
    const local: RoutingDecision = { kind: 'local', destination: dst, reason: `${dst} is an address of this host` };
    // A host process reaching its own address goes out (and back in) through lo.
    if (locallyGenerated) local.outInterface = 'lo';
    return local;
  }
  const route = host.lookup(dst);
  if (!route || !route.dev || (route.type && route.type !== 'unicast')) {
    return {
      kind: 'unreachable',
      destination: dst,
      ...(route ? { route: route.dst } : {}),
      reason: route ? `route ${route.dst} is ${route.type ?? 'without a device'}` : `no route to ${dst}`,
    };
  }
  const decision: RoutingDecision = {
    kind: 'forward',
    destination: dst,
    outInterface: route.dev,
    route: route.dst,
    reason: `route ${route.dst} ${route.gateway ? `via ${route.gateway} ` : ''}dev ${route.dev}`,
  };
  if (route.gateway) decision.gateway = route.gateway;
  if (locallyGenerated) return decision;
  if (route.dev === inIf && host.isBridge(inIf)) {
    decision.kind = 'bridge';
    decision.reason = `${dst} is on ${inIf}, the bridge the packet came from: it is bridged, not routed`;
  } else {
    const sysctl = ipFamily(dst) === 6 ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward';
    if (snapshot.hostNamespace.sysctls[sysctl] === '0') {
      decision.kind = 'forwarding-disabled';
      decision.reason = `${sysctl} is 0: the host does not route between interfaces`;
    }
  }
  return decision;
}

/** Whether iptables sees packets bridged between ports of one bridge (br_netfilter). */
function bridgedPacketsFiltered(snapshot: HostSnapshot, family: IpFamily): boolean | undefined {
  const v = snapshot.hostNamespace.sysctls[family === 6 ? 'net.bridge.bridge-nf-call-ip6tables' : 'net.bridge.bridge-nf-call-iptables'];
  if (v !== undefined) return v === '1';
  // Absent with the sysctls read: br_netfilter is not loaded. Not read at all: nobody knows.
  return sourceStatus(snapshot, 'sysctls')?.state === 'ok' ? false : undefined;
}

/** The flow's address family; both ends must be of it. */
function checkFlow(flow: Flow): IpFamily {
  const src = ipFamily(flow.src);
  const dst = ipFamily(flow.dst);
  for (const [name, ip, family] of [
    ['src', flow.src, src],
    ['dst', flow.dst, dst],
  ] as const) {
    if (family === undefined) throw new Error(`flow ${name} ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
  }
  if (src !== dst) throw new Error(`flow ${flow.src} -> ${flow.dst} mixes IPv4 and IPv6`);
  for (const [name, port] of [
    ['sport', flow.sport],
    ['dport', flow.dport],
  ] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`flow ${name} ${port} is not a port`);
  }
  return src as IpFamily;
}

/** The interface a received packet from `src` comes in on when the flow does not say: the one routing back to it. */
function defaultInInterface(host: HostAddressing, flow: Flow, notes: string[]): string {
  const back = host.lookup(flow.src)?.dev ?? '';
  notes.push(
    back ? `no in interface given: assumed ${back}, the interface the host routes ${flow.src} through` : `no in interface given and no route to ${flow.src}`,
  );
  return back;
}

/** Walks the hooks a received packet passes: PREROUTING, routing, then INPUT or FORWARD + POSTROUTING. */
function receivedPath(b: PathBuilder, snapshot: HostSnapshot): { routing: RoutingDecision; verdict: FinalVerdict } {
  const p = b.packet;
  const early = decideRoute(b.host, snapshot, p.dst, p.inIf, false);
  if (early.kind === 'bridge') {
    const filtered = bridgedPacketsFiltered(snapshot, ipFamily(b.packet.dst) ?? 4);
    if (filtered === false) {
      b.notes.push(`bridged on ${p.inIf} and net.bridge.bridge-nf-call-iptables is not 1: iptables never sees it`);
      return { routing: early, verdict: 'ACCEPT' };
    }
    if (filtered === undefined)
      b.doubt(
        undefined,
        'bridged traffic: whether iptables sees it (net.bridge.bridge-nf-call-iptables) was not read; the path assumes it does, as Docker sets it',
      );
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
    for (const entry of hookChains(b, hook)) {
      if (entry.nat && (skip.includes('nat') || !p.tracked)) continue;
      if (entry.kind === 'iptables' && skip.includes(entry.table)) continue;
      // On POSTROUTING the kernel passes the in device too (ip_output): nft's iifname sees it,
      // iptables forbids -i there. Docker's nftables chains dispatch on it.
      if (hook === 'POSTROUTING') p.inIf = entry.kind === 'nft' ? saved.inIf : '';
      const outcome = entry.kind === 'iptables' ? b.runTable(entry.table, hook) : b.runNftChain(entry.table, entry.chain, hook);
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
 * The chains a NEW connection's first packet traverses, in order, with every rule evaluated:
 * iptables' rules for an IPv4 flow, ip6tables' for an IPv6 one.
 */
export function computePacketPath(snapshot: HostSnapshot, flow: Flow): PacketPath {
  const family = checkFlow(flow);
  const netfilter = family === 6 ? snapshot.netfilter6 : snapshot.netfilter;
  const host = new HostAddressing(snapshot);
  const notes: string[] = [];
  if (!host.routesFromSnapshot) notes.push("the snapshot has no routes: routing uses the host's connected subnets and Docker bridges only");
  const inIf = flow.locallyGenerated ? '' : (flow.inInterface ?? defaultInInterface(host, flow, notes));
  const original = {
    src: flow.src,
    dst: flow.dst,
    ...(flow.sport !== undefined ? { sport: flow.sport } : {}),
    ...(flow.dport !== undefined ? { dport: flow.dport } : {}),
  };
  const packet: Packet = { protocol: flow.protocol, ...original, inIf, outIf: '', mark: 0, tracked: true, dnat: false, snat: false, original };
  const b = new PathBuilder(netfilter?.tables ?? [], host, packet, snapshot.nftables);
  b.notes.push(...notes);
  if (flow.sport === undefined && flow.protocol !== 'icmp') b.notes.push(EPHEMERAL_NOTE);
  if (flow.protocol === 'icmp') b.notes.push('an ICMP flow is taken to be an echo request (ping), type 8');
  if (!netfilter) {
    const status = sourceStatus(snapshot, family === 6 ? 'netfilter6' : 'netfilter');
    b.doubt(
      undefined,
      `${family === 6 ? 'ip6tables' : 'netfilter'} rules were not read (${status?.reason ?? status?.state ?? 'absent'}): no chain can be evaluated`,
    );
  }
  const nftStatus = sourceStatus(snapshot, 'nftables');
  if (!snapshot.nftables && nftStatus) b.notes.push(`native nftables tables were not evaluated: ${nftStatus.reason ?? nftStatus.state}`);
  const { routing, verdict } = flow.locallyGenerated ? generatedPath(b, snapshot) : receivedPath(b, snapshot);
  const result: PacketPath = { flow, steps: b.steps, routing, finalVerdict: verdict, uncertain: b.uncertain, notes: b.notes };
  if (b.assuming && verdict !== 'UNKNOWN') {
    result.finalVerdict = 'UNKNOWN';
    result.verdictIfUnknownRulesDoNotMatch = verdict;
  }
  if (b.rewrittenDestination) result.rewrittenDestination = b.rewrittenDestination;
  if (b.rewrittenSource) result.rewrittenSource = b.rewrittenSource;
  if (verdict === 'ACCEPT' && routing.kind !== 'local' && packet.outIf) result.outInterface = packet.outIf;
  result.reason = verdictReason(result, topologyOf(snapshot).leftovers);
  return result;
}
