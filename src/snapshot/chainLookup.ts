// Finding a chain of the parsed iptables tables, or a set of the nftables ruleset, by name:
// what the reader, the model and the views all look up.
import type { Chain, NetfilterState, NetfilterTable, NftSet, NftablesState } from './hostSnapshot';

export function findChain(state: NetfilterState | NetfilterTable[] | undefined, table: string, chain: string): Chain | undefined {
  const tables = Array.isArray(state) ? state : state?.tables;
  return tables?.find((t) => t.name === table)?.chains.find((c) => c.name === chain);
}

/** The set or map a `@name` reference points at, in the rule's table. */
export function findNftSet(state: NftablesState | undefined, family: string, table: string, ref: string): NftSet | undefined {
  const name = ref.startsWith('@') ? ref.slice(1) : ref;
  return state?.tables.find((t) => t.family === family && t.name === table)?.sets.find((s) => s.name === name);
}
