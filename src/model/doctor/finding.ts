// What the network doctor reports: one finding per fault (or fact worth knowing), with a
// stable check id, how bad it is, the object it concerns, the evidence read from the host and
// the fix in words. Pure: plain, JSON-serialisable objects.
import type { HostSnapshot, SourceName } from '../../snapshot/hostSnapshot';
import { sourceStatus } from '../../snapshot/hostSnapshot';

/** error: something is broken now; warning: it will bite; info: what a user should know. */
export type Severity = 'error' | 'warning' | 'info';

export type SubjectKind = 'container' | 'network' | 'port' | 'rule' | 'interface' | 'host';

export interface FindingSubject {
  kind: SubjectKind;
  /** The container's or network's name, "0.0.0.0:8080/tcp", "nat DOCKER #3", "eth0", "net.ipv4.ip_forward". */
  name: string;
}

export interface Finding {
  /** Stable id of the check, as issue 13 lists them: "ip-forward-off", "no-masquerade"... */
  check: string;
  severity: Severity;
  subject: FindingSubject;
  /** What was read that shows it, in words (addresses, rules, MTUs, the arithmetic). */
  evidence: string;
  /** What to do about it, in words (an exact command where there is one). */
  fix: string;
}

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export function finding(check: string, severity: Severity, kind: SubjectKind, name: string, evidence: string, fix: string): Finding {
  return { check, severity, subject: { kind, name }, evidence, fix };
}

/** Whether a source was read (in full or in part): a check that needs it is skipped otherwise. */
export function sourceRead(snapshot: HostSnapshot, name: SourceName): boolean {
  const s = sourceStatus(snapshot, name);
  return s !== undefined && (s.state === 'ok' || s.state === 'partial');
}

/** Errors first, then warnings, then info; within a severity by check id and subject. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.check.localeCompare(b.check) ||
    a.subject.name.localeCompare(b.subject.name) ||
    a.evidence.localeCompare(b.evidence)
  );
}

/** Errors and warnings: what makes `container-net doctor` exit 1 and the Problems badge count. */
export function problemCount(findings: readonly Finding[]): number {
  return findings.filter((f) => f.severity !== 'info').length;
}
