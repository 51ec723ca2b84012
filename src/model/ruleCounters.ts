// Rule counters between two reads: which rules saw packets since the last look. A rule is
// known by table, chain and its spec (not its position: inserting a rule shifts positions).
import type { HostSnapshot } from '../snapshot/hostSnapshot';

/** Packet counters by rule key. */
export type CounterMemory = Record<string, number>;

export function ruleKey(rule: { table: string; chain: string; spec: string }): string {
  return `${rule.table}\u0000${rule.chain}\u0000${rule.spec}`;
}

/** A rule at its position: tells identical rules of one chain apart (an engine switched in place leaves twins). */
function placedKey(rule: { table: string; chain: string; spec: string; position: number }): string {
  return `${ruleKey(rule)}\u0000#${rule.position}`;
}

/**
 * Every rule's packet counter in the snapshot's host netfilter and native nftables tables: by
 * rule at its position, and by rule alone (of identical rules in one chain, the first) for a
 * rule found at another position in the next read (a rule inserted before it).
 */
export function countersOf(snapshot: HostSnapshot): CounterMemory {
  const out: CounterMemory = {};
  for (const table of snapshot.netfilter?.tables ?? []) {
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        const key = ruleKey(rule);
        if (!(key in out)) out[key] = rule.packets;
        out[placedKey(rule)] = rule.packets;
      }
    }
  }
  // Native nftables rules, as the packet path names them: table "family name", spec = the rule's text.
  for (const table of snapshot.nftables?.tables ?? []) {
    if (table.origin !== 'native') continue;
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        const ref = { table: `${table.family} ${table.name}`, chain: chain.name, spec: rule.text, position: rule.position };
        if (!(ruleKey(ref) in out)) out[ruleKey(ref)] = rule.packets ?? 0;
        out[placedKey(ref)] = rule.packets ?? 0;
      }
    }
  }
  return out;
}

/** Whether the rule's counter differs from the previous read (a rule new since then counts as moved if it has packets). */
/** The rule's counter in an earlier read: the rule at the same position, else the same rule anywhere in its chain. */
export function counterBefore(previous: CounterMemory, rule: { table: string; chain: string; spec: string; position: number }): number | undefined {
  return previous[placedKey(rule)] ?? previous[ruleKey(rule)];
}

export function counterMoved(
  previous: CounterMemory | undefined,
  rule: { table: string; chain: string; spec: string; position: number; packets: number },
): boolean {
  if (!previous) return false;
  const before = counterBefore(previous, rule);
  return before === undefined ? rule.packets > 0 : before !== rule.packets;
}
