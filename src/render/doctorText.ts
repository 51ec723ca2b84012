// The network doctor's findings as text for a terminal: a summary line, then the findings
// grouped by severity (errors first), each with its check id, subject, evidence and fix, then
// the sources that could not be read and so limit what was checked. What
// `container-net doctor` prints by default.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { sourceFailed } from '../snapshot/hostSnapshot';
import { SEVERITIES, type Finding, type Severity } from '../model/doctor/doctor';

const HEADINGS: Record<Severity, string> = { error: 'ERRORS', warning: 'WARNINGS', info: 'INFO' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function doctorSummary(findings: readonly Finding[]): string {
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  const warnings = count('warning');
  const head =
    errors + warnings === 0
      ? 'no problems found'
      : [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ');
  return `${head}${count('info') ? ` (${count('info')} for information)` : ''}`;
}

/** One finding as an indented block: "check  kind name", then evidence and fix. */
export function findingLines(f: Finding): string[] {
  return [`  ${f.check}  ${f.subject.kind} ${f.subject.name}`, `      evidence: ${f.evidence}`, `      fix:      ${f.fix}`];
}

export function renderDoctorText(findings: readonly Finding[], snapshot?: HostSnapshot): string {
  const summary = snapshot && !snapshot.docker ? 'nothing checked: the Docker engine was not read' : doctorSummary(findings);
  const lines = [`Network doctor${snapshot ? ` (${snapshot.host.hostname}, snapshot of ${snapshot.takenAt})` : ''}: ${summary}`];
  for (const severity of SEVERITIES) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', `${HEADINGS[severity]} (${group.length})`);
    for (const f of group) lines.push(...findingLines(f));
  }
  const unread = (snapshot?.sources ?? []).filter(sourceFailed);
  if (unread.length > 0) {
    lines.push('', 'Not checked (these sources were not read):');
    for (const s of unread) lines.push(`  ${s.name}: ${s.state}${s.reason ? `: ${s.reason}` : ''}${s.fix ? ` (${s.fix})` : ''}`);
  }
  return lines.join('\n');
}

/** `container-net doctor --json`: the findings, each with check, severity, subject, evidence and fix. */
export function doctorJson(findings: readonly Finding[]): { findings: Finding[] } {
  return {
    findings: findings.map((f) => ({
      check: f.check,
      severity: f.severity,
      subject: { kind: f.subject.kind, name: f.subject.name },
      evidence: f.evidence,
      fix: f.fix,
    })),
  };
}
