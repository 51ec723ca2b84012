// One line that says why a packet path ends as it does, for the top of the diagram, the CLI and
// a ticket: the deciding rule (table, chain, position, spec) or policy, the routing decision when
// it decides, and leftover state on the way (a bridge no Docker network owns).
import type { HostLeftovers } from './leftovers';
import type { PacketPath } from './packetPath';

export function verdictReason(path: PacketPath, leftovers?: HostLeftovers): string {
  const parts: string[] = [];
  const out = path.routing?.outInterface;
  const stale = out ? leftovers?.bridges.find((b) => b.name === out) : undefined;
  if (stale) parts.push(`routed to ${stale.name}, which ${stale.unowned ? 'no Docker network owns' : 'is not a Docker bridge'}${stale.up ? '' : ' (down)'}`);
  if (path.finalVerdict === 'ACCEPT') {
    if (path.rewrittenDestination) parts.push(`destination rewritten to ${path.rewrittenDestination}`);
    if (path.routing?.kind === 'local') parts.push('delivered to a process on the host');
    else if (path.outInterface) parts.push(`out ${path.outInterface}`);
    return `ACCEPT: ${parts.join('; ')}`.replace(/: $/, '');
  }
  if (
    path.routing &&
    (path.routing.kind === 'unreachable' || path.routing.kind === 'forwarding-disabled') &&
    !path.steps.some((s) => s.hook === 'FORWARD' || s.hook === 'INPUT')
  ) {
    parts.push(path.routing.reason);
  }
  const last = path.steps.at(-1);
  if (last && (last.verdict === 'DROP' || last.verdict === 'REJECT')) {
    const rule = last.rules.filter((r) => r.result === 'matched').at(-1)?.rule;
    parts.push(last.policy || !rule ? `${last.table} ${last.chain} policy ${last.verdict}` : `${last.table} ${last.chain} rule ${rule.position}: ${rule.spec}`);
  }
  if (path.finalVerdict === 'UNKNOWN') {
    parts.push(path.uncertain[0] ?? 'a rule the evaluator does not understand decides');
    if (path.verdictIfUnknownRulesDoNotMatch) parts.push(`${path.verdictIfUnknownRulesDoNotMatch} if those rules do not match`);
  }
  return `${path.finalVerdict}: ${parts.join('; ') || 'no rule decided'}`;
}
