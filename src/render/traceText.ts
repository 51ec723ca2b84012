// A live trace as text: for each host path of the connection, the kernel's chain-by-chain
// path beside the predicted one (= both, - predicted only, + kernel only), then the packets
// traced and the rules that were in place (and are gone).
import type { TraceReport } from '../model/tracePlan';

const ENDED: Record<string, string> = {
  packets: 'the packet limit was reached',
  timeout: 'the time limit was reached',
  aborted: 'it was stopped',
  'monitor-exited': 'xtables-monitor exited',
};

export function renderTraceText(r: TraceReport): string {
  const lines = [`trace ${r.from} -> ${r.to}`, ''];
  if (r.swept) lines.push(`removed ${r.swept} TRACE rule(s) an earlier trace had left behind`, '');
  if (r.probe) lines.push(`probe connection: ${r.probe}`, '');
  for (const c of r.comparisons) {
    lines.push(`-- ${c.title}`);
    if (!c.packet || !c.comparison) {
      lines.push('   the kernel traced no packet of this flow', '');
      continue;
    }
    lines.push(`   first packet: ${c.packet.summary}`);
    lines.push(
      c.comparison.differences === 0
        ? '   the kernel took the predicted path'
        : `   ${c.comparison.differences} difference(s) between the prediction and the kernel`,
    );
    for (const v of c.comparison.visits) {
      const mark = v.side === 'both' ? '=' : v.side === 'predicted' ? (v.optional ? '~' : '-') : '+';
      const note =
        v.side === 'predicted'
          ? v.optional
            ? '  (predicted; the kernel does not report it)'
            : '  (predicted only)'
          : v.side === 'kernel'
            ? '  (kernel only)'
            : '';
      lines.push(`   ${mark} ${`${v.visit.table} ${v.visit.chain}`.padEnd(32)} ${v.visit.verdict}${v.visit.rule ? `  ${v.visit.rule}` : ''}${note}`);
    }
    lines.push('');
  }
  lines.push(`${r.packets.length} packet(s) traced; the trace ended because ${ENDED[r.ended] ?? r.ended}.`);
  for (const p of r.packets) lines.push(`   ${p.summary} (${p.events.length} events)`);
  lines.push('', 'Trace rules that were in place (all removed):', ...r.rules.map((x) => `   ${x}`));
  return lines.join('\n');
}
