// An explanation as plain text a user can paste into a ticket: the question, the verdict and
// the deciding step first, then every step, then the rule-by-rule host paths and the notes.
// What `container-net explain` prints by default.
import type { Explanation, ExplainStep } from '../model/explain';
import { renderPacketPathText } from './packetPathText';

const MARK: Record<string, string> = { true: 'ok  ', false: 'STOP', undefined: '??  ' };

function stepLine(s: ExplainStep, i: number): string {
  return `  ${String(i + 1).padStart(2)}. ${MARK[String(s.ok)]} ${s.kind.padEnd(9)} ${s.text}`;
}

/** The verdict in one line: "BLOCKED (rule): filter DOCKER-USER rule 1: -A DOCKER-USER ... -j DROP". */
export function explanationHeadline(e: Explanation): string {
  const verdict = e.verdict.toUpperCase();
  return e.decidedBy ? `${verdict} (${e.decidedBy.kind}): ${e.decidedBy.text}` : `${verdict}${e.target ? `: ${e.target}` : ''}`;
}

export function renderExplanationText(e: Explanation, opts: { paths?: boolean } = {}): string {
  const lines = [`${e.from} -> ${e.to} (${e.protocol}${e.family === 6 ? ', IPv6' : ''})`, '', explanationHeadline(e), ''];
  if (e.decidedBy?.spec) lines.push(`  decided by ${e.decidedBy.table} ${e.decidedBy.chain} rule ${e.decidedBy.position}: ${e.decidedBy.spec}`, '');
  e.steps.forEach((s, i) => lines.push(stepLine(s, i)));
  for (const n of e.notes) lines.push(`note: ${n}`);
  if (opts.paths !== false) {
    for (const p of e.paths) {
      lines.push('', `-- host packet path: ${p.title}`);
      lines.push(
        renderPacketPathText({
          path: p.path,
          title: p.title,
          subject: `${p.path.flow.protocol} ${p.path.flow.src} -> ${p.path.flow.dst}:${p.path.flow.dport ?? ''}`,
          namespace: 'host',
        }),
      );
    }
  }
  return lines.join('\n');
}
