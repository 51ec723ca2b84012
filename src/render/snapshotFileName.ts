// The name a host snapshot goes by as a file: "host-snapshot-<host>-<YYYYMMDD-HHMMSS>.json",
// the host's name made safe as one path segment, the read's time in UTC. Pure.
import type { HostSnapshot } from '../snapshot/hostSnapshot';

export function hostSnapshotFileName(snapshot: Pick<HostSnapshot, 'host' | 'takenAt'>): string {
  const host =
    snapshot.host.hostname
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^[.-]+/, '')
      .slice(0, 64) || 'host';
  const time = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(snapshot.takenAt);
  const stamp = time ? `${time[1]}${time[2]}${time[3]}-${time[4]}${time[5]}${time[6]}` : 'unknown-time';
  return `host-snapshot-${host}-${stamp}.json`;
}
