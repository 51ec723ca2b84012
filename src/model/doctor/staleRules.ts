// The rules ruleOwnership calls stale, each with where it is and the command that deletes it,
// for the stale-dnat and stale-rules checks.
import type { HostSnapshot, NetfilterState } from '../../snapshot/hostSnapshot';
import { ruleOwnership, type RuleOwner } from '../ruleOwners';

export interface StaleRule {
  /** "nat DOCKER #3", "ip6tables nat DOCKER #2", "ip docker-bridges nat-prerouting handle 12". */
  where: string;
  /** The rule as `iptables -S` or `nft list` prints it. */
  spec: string;
  owner: RuleOwner;
  dnat: boolean;
  /** The command that deletes it. */
  remove: string;
}

export function staleRules(snapshot: HostSnapshot): StaleRule[] {
  const owners = ruleOwnership(snapshot);
  const out: StaleRule[] = [];
  const families: [NetfilterState | undefined, string][] = [
    [snapshot.netfilter, 'iptables'],
    [snapshot.netfilter6, 'ip6tables'],
  ];
  for (const [state, tool] of families) {
    for (const t of state?.tables ?? []) {
      for (const c of t.chains) {
        for (const r of c.rules) {
          const owner = owners.iptables.get(r);
          if (owner?.kind !== 'stale') continue;
          out.push({
            where: `${tool === 'iptables' ? '' : 'ip6tables '}${r.table} ${r.chain} #${r.position}`,
            spec: r.spec,
            owner,
            dnat: r.target === 'DNAT',
            remove: `${tool} -t ${r.table} ${r.spec.replace(/^-A /, '-D ')}`,
          });
        }
      }
    }
  }
  for (const t of snapshot.nftables?.tables ?? []) {
    if (t.origin !== 'native') continue;
    for (const c of t.chains) {
      for (const r of c.rules) {
        const owner = owners.nft.get(r);
        if (owner?.kind !== 'stale') continue;
        out.push({
          where: `${t.family} ${t.name} ${c.name} handle ${r.handle}`,
          spec: r.text,
          owner,
          dnat: /\bdnat\b/.test(r.text),
          remove: `nft delete rule ${t.family} ${t.name} ${c.name} handle ${r.handle}`,
        });
      }
    }
  }
  return out;
}
