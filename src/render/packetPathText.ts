// A packet path as plain text, for a terminal or a ticket: what was asked, the verdict and
// why first, then each chain visit with the rules that matched (or were not understood), the
// routing decision, and the notes. What `container-net path` prints by default.
import type { RequestedPath } from '../model/pathRequests';
import type { PathStep } from '../model/packetPath';

function stepLine(s: PathStep): string {
  const verdict = `${s.verdict}${s.next ? ` ${s.next}` : ''}${s.policy ? ' (policy)' : ''}`;
  return `  ${s.hook.padEnd(11)} ${s.table} ${s.chain}${s.entered === 'hook' ? '' : ` [${s.entered}]`} -> ${verdict}${s.uncertain ? '  (uncertain)' : ''}`;
}

export function renderPacketPathText(requested: RequestedPath): string {
  const { path } = requested;
  const lines = [requested.title, requested.subject, '', path.reason ?? path.finalVerdict, ''];
  let routed = false;
  for (const s of path.steps) {
    if (!routed && path.routing && s.hook !== 'PREROUTING' && s.hook !== 'OUTPUT') {
      lines.push(`  routing     ${path.routing.reason}`);
      routed = true;
    }
    lines.push(stepLine(s));
    for (const r of s.rules) {
      if (r.result === 'matched')
        lines.push(`                #${r.rule.position} ${r.rule.spec}  (${r.rule.packets} pkts)${r.effect ? `  => ${r.effect}` : ''}`);
      else if (r.result === 'unknown') lines.push(`                #${r.rule.position} ${r.rule.spec}  NOT UNDERSTOOD: ${(r.unknown ?? []).join('; ')}`);
    }
  }
  if (!routed && path.routing) lines.push(`  routing     ${path.routing.reason}`);
  for (const u of path.uncertain) lines.push(`uncertain: ${u}`);
  for (const n of path.notes) lines.push(`note: ${n}`);
  lines.push(
    `(${requested.namespace === 'host' ? 'rules of the host' : `rules inside ${requested.namespace}`}; --mermaid for the diagram, --json for the path itself)`,
  );
  return lines.join('\n');
}
