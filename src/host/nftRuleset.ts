// Parser for `nft -j list ruleset`: tables (family, name), sets and maps, chains (base chains
// with type, hook, priority and policy; regular chains), and rules with their handle, counters,
// comment, expressions kept as nft's JSON and a readable text form. Each table is marked as made
// by iptables-nft (whose rules `iptables-save` already shows) or native (firewalld, Docker 29's
// nftables backend, ...). Garbled or truncated output is a ParseError naming the source.
import type { NftChain, NftJson, NftRule, NftSet, NftTable, NftablesState, SourceStatus } from '../snapshot/hostSnapshot';
import { exprKind, isObject, ruleText } from '../snapshot/nftExpressions';
import type { RunCommand } from './commandRunner';
import { ParseError, num, obj, parseJsonOutput, str } from './parseError';
import type { Privilege } from './privilege';

export const NFT_RULESET_ARGS = ['nft', '-j', 'list', 'ruleset'];

const SOURCE = 'nftables';

/** The tables iptables-nft (and arptables-nft, ebtables-nft) create, by family. */
const XTABLES_TABLES: Record<string, string[]> = {
  ip: ['filter', 'nat', 'mangle', 'raw', 'security'],
  ip6: ['filter', 'nat', 'mangle', 'raw', 'security'],
  arp: ['filter'],
  bridge: ['filter', 'nat', 'broute'],
};
const XTABLES_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING', 'BROUTING']);

// ------------------------------------------------------------------ origin of a table

function hasXtExpression(value: NftJson | undefined): boolean {
  if (Array.isArray(value)) return value.some(hasXtExpression);
  if (!isObject(value)) return false;
  return Object.entries(value).some(([k, v]) => k === 'xt' || hasXtExpression(v));
}

function classify(table: NftTable): void {
  const xtRules = table.chains.reduce((n, c) => n + c.rules.filter((r) => hasXtExpression(r.expr)).length, 0);
  const xtNames = XTABLES_TABLES[table.family] ?? [];
  const baseChains = table.chains.filter((c) => c.base);
  if (xtRules > 0) {
    table.origin = 'iptables-nft';
    table.originReason = `${xtRules} rule(s) use xt expressions, which only iptables-nft writes`;
  } else if (xtNames.includes(table.name) && baseChains.every((c) => XTABLES_CHAINS.has(c.name))) {
    table.origin = 'iptables-nft';
    table.originReason = `${table.family} ${table.name} with iptables' built-in chain names is the table iptables-nft keeps`;
  } else {
    table.origin = 'native';
    table.originReason = xtNames.includes(table.name)
      ? `named like an iptables table, but its base chains (${baseChains.map((c) => c.name).join(', ')}) are not iptables' built-in ones`
      : 'not one of the tables iptables-nft creates';
  }
  const managers = new Set<string>();
  if (/^docker-/.test(table.name) || table.chains.some((c) => c.name.startsWith('DOCKER'))) managers.add('docker');
  if (table.name === 'firewalld') managers.add('firewalld');
  if (table.chains.some((c) => /^ufw6?-/.test(c.name))) managers.add('ufw');
  table.managers = [...managers];
}

// ------------------------------------------------------------------ the parser

function field<T>(value: T | undefined, what: string, sample: unknown): T {
  if (value === undefined) throw new ParseError(SOURCE, `${what} is missing`, JSON.stringify(sample));
  return value;
}

function counters(expr: NftJson[]): { packets: number; bytes: number } | undefined {
  let found = false;
  let packets = 0;
  let bytes = 0;
  for (const e of expr) {
    const kind = exprKind(e);
    if (kind?.[0] !== 'counter' || !isObject(kind[1])) continue;
    found = true;
    packets += num(kind[1].packets) ?? 0;
    bytes += num(kind[1].bytes) ?? 0;
  }
  return found ? { packets, bytes } : undefined;
}

export function parseNftRuleset(text: string): NftablesState {
  if (text.trim() === '') throw new ParseError(SOURCE, 'nft printed nothing (expected a JSON object with an "nftables" array)');
  const top = obj(parseJsonOutput(SOURCE, text));
  const items = top?.nftables;
  if (!Array.isArray(items)) throw new ParseError(SOURCE, 'expected a JSON object with an "nftables" array', text);
  const state: NftablesState = { tables: [] };
  const tables = new Map<string, NftTable>();
  const tableOf = (family: string, name: string, sample: unknown): NftTable => {
    const t = tables.get(`${family} ${name}`);
    if (!t) throw new ParseError(SOURCE, `an entry names table ${family} ${name}, which was not listed before it`, JSON.stringify(sample));
    return t;
  };
  for (const item of items) {
    const entry = obj(item);
    if (!entry) throw new ParseError(SOURCE, 'an entry of the "nftables" array is not an object', JSON.stringify(item));
    const [kind] = Object.keys(entry);
    const body = obj(entry[kind ?? '']);
    if (kind === undefined || !body) throw new ParseError(SOURCE, `entry ${JSON.stringify(kind)} has no object body`, JSON.stringify(item));
    switch (kind) {
      case 'metainfo': {
        const version = str(body.version);
        if (version) state.version = version;
        break;
      }
      case 'table': {
        const family = field(str(body.family), 'table family', item);
        const name = field(str(body.name), 'table name', item);
        const table: NftTable = { family, name, handle: num(body.handle) ?? 0, origin: 'native', originReason: '', managers: [], chains: [], sets: [] };
        tables.set(`${family} ${name}`, table);
        state.tables.push(table);
        break;
      }
      case 'chain': {
        const table = tableOf(field(str(body.family), 'chain family', item), field(str(body.table), 'chain table', item), item);
        const chain: NftChain = { name: field(str(body.name), 'chain name', item), handle: num(body.handle) ?? 0, base: body.hook !== undefined, rules: [] };
        if (chain.base) {
          chain.hook = field(str(body.hook), 'base chain hook', item);
          const type = str(body.type);
          if (type) chain.type = type;
          const prio = num(body.prio);
          if (prio === undefined) throw new ParseError(SOURCE, `base chain ${chain.name} has no numeric priority`, JSON.stringify(item));
          chain.priority = prio;
          const policy = str(body.policy);
          if (policy) chain.policy = policy;
          const dev = str(body.dev);
          if (dev) chain.device = dev;
        }
        table.chains.push(chain);
        break;
      }
      case 'rule': {
        const table = tableOf(field(str(body.family), 'rule family', item), field(str(body.table), 'rule table', item), item);
        const chainName = field(str(body.chain), 'rule chain', item);
        const chain = table.chains.find((c) => c.name === chainName);
        if (!chain)
          throw new ParseError(
            SOURCE,
            `a rule names chain ${chainName} of ${table.family} ${table.name}, which was not listed before it`,
            JSON.stringify(item),
          );
        if (!Array.isArray(body.expr)) throw new ParseError(SOURCE, `a rule of ${chainName} has no expression list`, JSON.stringify(item));
        const expr = body.expr as NftJson[];
        const rule: NftRule = {
          family: table.family,
          table: table.name,
          chain: chainName,
          handle: field(num(body.handle), 'rule handle', item),
          position: chain.rules.length + 1,
          expr,
          text: ruleText(expr),
        };
        const comment = str(body.comment);
        if (comment !== undefined) rule.comment = comment;
        const count = counters(expr);
        if (count) Object.assign(rule, count);
        chain.rules.push(rule);
        break;
      }
      case 'set':
      case 'map': {
        const table = tableOf(field(str(body.family), `${kind} family`, item), field(str(body.table), `${kind} table`, item), item);
        const set: NftSet = {
          name: field(str(body.name), `${kind} name`, item),
          kind,
          type: (body.type ?? null) as NftJson,
          elements: Array.isArray(body.elem) ? (body.elem as NftJson[]) : [],
        };
        if (body.map !== undefined) set.map = body.map as NftJson;
        table.sets.push(set);
        break;
      }
      default:
        // Flowtables, named counters, quotas, ct helpers...: not part of a packet's rule walk.
        break;
    }
  }
  for (const t of state.tables) classify(t);
  return state;
}

/** The status of the nftables source on a host without `nft`: information, not a failure. */
export function nftMissingStatus(): SourceStatus {
  return {
    name: 'nftables',
    state: 'missing-tool',
    ms: 0,
    via: 'not run',
    reason: "nft is not installed: native nftables tables (firewalld, Docker's nftables backend) were not read; iptables rules are read as usual",
    fix: 'To see native nftables tables: apt-get install nftables',
    notes: ['info: nft is not installed (many hosts have none)'],
  };
}

/**
 * Whether the privilege command may run nft, asked without running it. Through sudo a refused
 * command makes the privilege layer treat every later read as refused, and sudoers lines
 * written for the other reading tools often lack nft: `sudo -n -l PATH ARGS` answers without that
 * cost. Root, and privilege commands other than sudo, are not asked.
 */
export async function nftAllowed(privilege: Privilege, run: RunCommand, nftPath: string, timeoutMs: number): Promise<boolean> {
  if (privilege.mode !== 'sudo' || !/(^|\/)sudo$/.test(privilege.command[0] ?? '')) return true;
  try {
    // With the exact arguments: a sudoers rule pinned to them (the remedy's) allows only those.
    await run([...privilege.command, '-l', nftPath, ...NFT_RULESET_ARGS.slice(1)], { timeoutMs });
    return true;
  } catch {
    return false;
  }
}

/** The status of the nftables source when sudo does not allow nft. */
export function nftNotAllowedStatus(privilege: Privilege, nftPath: string): SourceStatus {
  return {
    name: 'nftables',
    state: 'needs-privilege',
    ms: 0,
    via: privilege.via,
    reason: `${privilege.command.join(' ')} does not allow ${nftPath} (asked with -l, without running it): native nftables tables were not read`,
    fix: `${privilege.remedy()} (An existing line without ${nftPath} ${NFT_RULESET_ARGS.slice(1).join(' ')} reads everything but nftables.)`,
  };
}
