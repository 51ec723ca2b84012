// The reachability matrix as a plain-text grid a terminal over SSH shows: rows are sources,
// columns are listening ports, then why each "no" is a no. What `explain --matrix` prints.
import type { ExplainVerdict } from '../model/explain';
import type { MatrixCell, ReachabilityMatrix } from '../model/reachabilityMatrix';

const MARK: Record<ExplainVerdict, string> = { reachable: 'yes', blocked: 'no', unknown: '?' };

/** The matrix as a plain-text grid (rows: sources; columns: targets), then why each "no" is a no. */
export function renderMatrixText(m: ReachabilityMatrix): string {
  if (m.targets.length === 0 || m.sources.length === 0) return `Reachability in ${m.scope}: no running container listens on a port another could open.`;
  const rowHead = Math.max(4, ...m.sources.map((s) => s.length));
  const widths = m.targets.map((t) => Math.max(t.to.length + (t.protocol === 'udp' ? 4 : 0), 3));
  const head = `${'from'.padEnd(rowHead)}  ${m.targets.map((t, j) => `${t.to}${t.protocol === 'udp' ? '/udp' : ''}`.padEnd(widths[j] as number)).join('  ')}`;
  const lines = [`Reachability in ${m.scope}: can the row open the column (a new connection)?`, '', head];
  m.sources.forEach((s, i) => {
    const row = m.targets.map((_, j) => {
      const c = m.cells[i]?.[j];
      return (c ? MARK[c.verdict] : '-').padEnd(widths[j] as number);
    });
    lines.push(`${s.padEnd(rowHead)}  ${row.join('  ')}`.trimEnd());
  });
  const why = m.cells.flat().filter((c): c is MatrixCell => c !== undefined && c.verdict !== 'reachable');
  if (why.length) {
    lines.push('', 'Why not:');
    for (const c of why)
      lines.push(`  ${c.from} -> ${c.to}${c.protocol === 'udp' ? '/udp' : ''}: ${c.verdict} (${c.decidedBy?.kind ?? '?'}): ${c.decidedBy?.text ?? ''}`);
  }
  lines.push('', 'yes: reachable, no: blocked, ?: unknown, -: itself. container-net explain --from ROW --to COLUMN says why, step by step.');
  return lines.join('\n');
}
