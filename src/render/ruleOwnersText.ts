// Plain text of who each netfilter rule belongs to (src/model/ruleOwners.ts), for the CLI's
// `rules` command: the Docker rule layout, the STALE rules with why, then every rule Docker
// made or that names a container or network, with its role and owner.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { describeOwner, dockerRuleLayout, ruleOwnership, type RuleOwner } from '../model/ruleOwners';

function line(where: string, text: string, owner: RuleOwner): string {
  const who =
    owner.kind === 'none'
      ? ''
      : `${describeOwner(owner)}${owner.kind === 'container' && owner.network ? ` on ${owner.network}` : owner.kind === 'network' ? ' (network)' : ''}`;
  return `${where}  ${text}\n    ${[owner.role, who].filter(Boolean).join(' · ') || '-'}${owner.kind === 'stale' ? `: ${owner.by}` : ''}`;
}

export function renderRuleOwnersText(snapshot: HostSnapshot, options: { staleOnly?: boolean } = {}): string {
  const owners = ruleOwnership(snapshot);
  const layout = dockerRuleLayout(snapshot);
  const out = [`Docker rule layout: ${layout.layout} (${layout.evidence})`, `STALE rules: ${owners.stale.length}`];
  for (const s of owners.stale) out.push(`  ${s.rule}\n    ${s.owner.by}`);
  if (options.staleOnly) return out.join('\n');
  const shown = (o: RuleOwner) => o.kind !== 'none' || o.role !== undefined;
  out.push('', 'iptables:');
  for (const [rule, owner] of owners.iptables) if (shown(owner)) out.push(line(`${rule.table} ${rule.chain} #${rule.position}`, rule.spec, owner));
  if (owners.nft.size > 0) {
    out.push('', 'nftables (native tables):');
    for (const [rule, owner] of owners.nft)
      if (shown(owner)) out.push(line(`${rule.family} ${rule.table} ${rule.chain} handle ${rule.handle}`, rule.text, owner));
  }
  if (!snapshot.netfilter) out.push('', 'netfilter was not read: see `container-net snapshot` for why.');
  return out.join('\n');
}
