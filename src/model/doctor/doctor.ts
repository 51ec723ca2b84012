// The network doctor: the reference's common faults, looked for in one snapshot (and, for
// addresses that changed, the one before it). Each finding names its check, severity, the
// object it concerns, the evidence and the fix. Pure: snapshots in, findings out.
import type { HostSnapshot } from '../../snapshot/hostSnapshot';
import { addressingChecks } from './addressingChecks';
import { dnsChecks } from './dnsChecks';
import { compareFindings, type Finding } from './finding';
import { forwardingChecks } from './forwardingChecks';
import { mtuChecks } from './mtuChecks';
import { overlayChecks } from './overlayChecks';
import { portChecks } from './portChecks';

export type { Finding, FindingSubject, Severity, SubjectKind } from './finding';
export { problemCount, SEVERITIES } from './finding';

export function runDoctor(snapshot: HostSnapshot, previous?: HostSnapshot): Finding[] {
  if (!snapshot.docker) return [];
  return [
    ...dnsChecks(snapshot),
    ...portChecks(snapshot),
    ...forwardingChecks(snapshot),
    ...mtuChecks(snapshot),
    ...addressingChecks(snapshot, previous),
    ...overlayChecks(snapshot),
  ].sort(compareFindings);
}

/** The exit status of `container-net doctor`: 1 when anything is an error or a warning. */
export function doctorExitCode(findings: readonly Finding[]): number {
  return findings.some((f) => f.severity !== 'info') ? 1 : 0;
}
