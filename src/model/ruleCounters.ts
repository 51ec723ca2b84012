// Rule counters between two reads: which rules saw packets since the last look. A rule is
// known by table, chain and its spec (not its position: inserting a rule shifts positions).
import type { HostSnapshot } from '../snapshot/hostSnapshot';

/** Packet counters by rule key. */
export type CounterMemory = Record<string, number>;

export function ruleKey(rule: { table: string; chain: string; spec: string }): string {
  return `${rule.table}\u0000${rule.chain}\u0000${rule.spec}`;
}

/** Every rule's packet counter in the snapshot's host netfilter and native nftables tables (of identical rules in one chain, the first). */
export function countersOf(snapshot: HostSnapshot): CounterMemory {
  const out: CounterMemory = {};
  for (const table of snapshot.netfilter?.tables ?? []) {
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        const key = ruleKey(rule);
        if (!(key in out)) out[key] = rule.packets;
      }
    }
  }
  // Native nftables rules, as the packet path names them: table "family name", spec = the rule's text.
  for (const table of snapshot.nftables?.tables ?? []) {
    if (table.origin !== 'native') continue;
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        const key = ruleKey({ table: `${table.family} ${table.name}`, chain: chain.name, spec: rule.text });
        if (!(key in out)) out[key] = rule.packets ?? 0;
      }
    }
  }
  return out;
}

/** Whether the rule's counter differs from the previous read (a rule new since then counts as moved if it has packets). */
export function counterMoved(previous: CounterMemory | undefined, rule: { table: string; chain: string; spec: string; packets: number }): boolean {
  if (!previous) return false;
  const before = previous[ruleKey(rule)];
  return before === undefined ? rule.packets > 0 : before !== rule.packets;
}
