// Whether a container's pid may be used on this host. Pids come from the Docker engine; they
// mean something only to the kernel that engine runs on, and only while that process lives.
// - A remote engine (tcp://, ssh://): its pids name processes on another machine. Used with
//   this host's /proc or nsenter they would enter an unrelated local process's namespaces, as
//   root. So every pid-based feature (namespace reads, terminals, captures) is off, and says why.
// - A local engine: a pid read some seconds ago may belong to another process now (the
//   container restarted, the pid was reused). Just before a pid is used, /proc/PID/cgroup must
//   still name the container's id (docker-ID.scope with systemd, /docker/ID with cgroupfs).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { displayText } from './displayText';

/** A unix socket endpoint (unix:///path or a bare /path) is this host's engine; anything else is not known to be. */
export function isLocalDockerEndpoint(endpoint: string): boolean {
  return endpoint.startsWith('unix://') || endpoint.startsWith('/');
}

/**
 * Why pid-based features are off for this endpoint (undefined: they are on). `endpoint` as
 * describeEndpoint() gives it.
 */
export function pidFeaturesOffReason(endpoint: string): string | undefined {
  if (isLocalDockerEndpoint(endpoint)) return undefined;
  const shown = displayText(endpoint.replace(/\/\/[^@/]*@/, '//'));
  return (
    `The Docker endpoint ${shown} is not this host's local socket: its container pids belong to the engine's machine, ` +
    `so namespace reads, terminals and captures (which use pids with this host's /proc and nsenter) are off. ` +
    `Open VS Code on the Docker host itself (Remote-SSH) to use them.`
  );
}

/** Whether cgroup file text names the container: its full id as a path component (docker-ID.scope, /docker/ID, ...). */
export function cgroupNamesContainer(cgroupText: string, containerId: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(containerId)) return false;
  const component = new RegExp(`(^|[/-])${containerId}(\\.scope)?(/|$)`);
  return cgroupText.split('\n').some((line) => {
    const path = line.split(':').slice(2).join(':');
    return component.test(path);
  });
}

/** Synchronous check, for callers inside a synchronous decision (e.g. whether a cached inspect still holds). */
export function pidBelongsToContainerSync(pid: number, containerId: string, procRoot = '/proc'): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    return cgroupNamesContainer(readFileSync(join(procRoot, String(pid), 'cgroup'), 'utf8'), containerId);
  } catch {
    return false; // the process is gone
  }
}

/** Whether /proc/PID/cgroup names the container now (false when the process is gone). */
export async function pidBelongsToContainer(pid: number, containerId: string, procRoot = '/proc'): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    return cgroupNamesContainer(await readFile(join(procRoot, String(pid), 'cgroup'), 'utf8'), containerId);
  } catch {
    return false;
  }
}

export type PidCheck = { ok: true } | { ok: false; reason: string };

/**
 * The check to make just before a container's pid is used (a terminal, a capture, a namespace
 * read): the endpoint is local and the pid is still the container's.
 */
export async function checkContainerPid(container: { id: string; name: string; pid: number }, endpoint: string, procRoot = '/proc'): Promise<PidCheck> {
  const off = pidFeaturesOffReason(endpoint);
  if (off) return { ok: false, reason: off };
  if (await pidBelongsToContainer(container.pid, container.id, procRoot)) return { ok: true };
  return {
    ok: false,
    reason: `pid ${container.pid} is no longer container ${displayText(container.name)}'s process (it stopped or restarted since the last read): refresh and try again`,
  };
}

/**
 * The container with a pid that is its own right now: the one known if it still is (see
 * checkContainerPid), else the pid of a fresh inspect (`reinspect`) if that one is, else why
 * not. So a terminal opened on a container that restarted since the last read enters its new
 * process, never whatever reused the old pid.
 */
export async function currentContainerPid<T extends { id: string; name: string; pid: number }>(
  container: T,
  endpoint: string,
  reinspect: () => Promise<T | undefined>,
  procRoot = '/proc',
): Promise<{ ok: true; container: T } | { ok: false; reason: string }> {
  const first = await checkContainerPid(container, endpoint, procRoot);
  if (first.ok) return { ok: true, container };
  if (pidFeaturesOffReason(endpoint)) return first;
  let fresh: T | undefined;
  try {
    fresh = await reinspect();
  } catch {
    fresh = undefined;
  }
  if (!fresh || !(fresh.pid > 0)) return { ok: false, reason: `container ${displayText(container.name)} is not running any more: refresh and try again` };
  const second = await checkContainerPid(fresh, endpoint, procRoot);
  return second.ok ? { ok: true, container: fresh } : second;
}
