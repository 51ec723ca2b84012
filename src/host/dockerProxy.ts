// docker-proxy listeners (the userland proxy Docker starts per published port), found in the
// process table: /proc/<pid>/comm and cmdline are readable by any user. A name proves
// nothing, so each is checked to be Docker's own binary (dockerProxyDoubt).
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DockerProxyListener } from '../snapshot/hostSnapshot';

/** Parses docker-proxy's argument vector (`-proto tcp -host-ip 0.0.0.0 -host-port 8080 ...`). */
export function parseDockerProxyArgs(pid: number, argv: readonly string[]): DockerProxyListener | undefined {
  const value = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === `-${flag}` || a === `--${flag}`);
    if (i >= 0) return argv[i + 1];
    const inline = argv.find((a) => a.startsWith(`-${flag}=`));
    return inline?.slice(flag.length + 2);
  };
  const hostPort = Number(value('host-port'));
  const containerPort = Number(value('container-port'));
  if (!Number.isInteger(hostPort) || !Number.isInteger(containerPort)) return undefined;
  return {
    pid,
    protocol: value('proto') ?? 'tcp',
    hostIp: value('host-ip') ?? '0.0.0.0',
    hostPort,
    containerIp: value('container-ip') ?? '',
    containerPort,
  };
}

/**
 * Whether the process `pid`, which calls itself docker-proxy, is Docker's: any process can take
 * that name (a container's too), and a listener believed wrongly would be joined to a
 * published port. Undefined when it is; else why not.
 * - Where its executable can be read (root): /proc/PID/exe is the very file (same device and
 *   inode) at an absolute host path named docker-proxy, owned by root and writable by no one
 *   else. A container's binary shows a path from its own mount namespace, whose host file (if
 *   any) is another inode.
 * - Otherwise (/proc/PID/exe is closed to other users): it runs as root, in no container's
 *   cgroup, and its parent is dockerd.
 */
export async function dockerProxyDoubt(pid: number, procRoot = '/proc'): Promise<string | undefined> {
  const dir = join(procRoot, String(pid));
  let exe: string | undefined;
  try {
    exe = await readlink(join(dir, 'exe'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') return `its executable cannot be read (${code ?? 'error'})`;
  }
  if (exe !== undefined) {
    if (!exe.startsWith('/') || basename(exe) !== 'docker-proxy') return `its executable is ${JSON.stringify(exe)}, not a docker-proxy binary`;
    try {
      const [running, onHost] = await Promise.all([stat(join(dir, 'exe')), stat(exe)]);
      if (running.dev !== onHost.dev || running.ino !== onHost.ino) return `its executable is not the host's ${exe} (a file from another mount namespace)`;
      if (onHost.uid !== 0 || (onHost.mode & 0o022) !== 0) return `${exe} is not owned by root or is writable by others`;
    } catch (err) {
      return `its executable ${exe} cannot be checked (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    }
    return undefined;
  }
  try {
    const status = await readFile(join(dir, 'status'), 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
    if (uid !== '0') return `it runs as uid ${uid ?? '?'}, not root`;
    const cgroup = await readFile(join(dir, 'cgroup'), 'utf8');
    if (/[/-][0-9a-f]{64}(\.scope)?(\/|$)/m.test(cgroup)) return "it runs in a container's cgroup";
    const parent = ppid ? (await readFile(join(procRoot, ppid, 'comm'), 'utf8')).trim() : '';
    if (parent !== 'dockerd') return `its parent is ${JSON.stringify(parent)}, not dockerd`;
  } catch {
    return 'its status cannot be read';
  }
  return undefined;
}

/**
 * Docker's docker-proxy listeners. A process that only calls itself docker-proxy is left out,
 * with a note saying which and why (see dockerProxyDoubt).
 */
export async function readDockerProxies(procRoot = '/proc', notes: string[] = []): Promise<DockerProxyListener[]> {
  // Every process's comm: a few microseconds each read synchronously, where an async read per
  // process would queue hundreds of thread-pool round trips behind the snapshot's other reads.
  const candidates: { pid: string; argv: string[] }[] = [];
  for (const e of readdirSync(procRoot)) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(join(procRoot, e, 'comm'), 'utf8').trim() !== 'docker-proxy') continue;
      candidates.push({
        pid: e,
        argv: readFileSync(join(procRoot, e, 'cmdline'), 'utf8')
          .split('\0')
          .filter((a) => a !== ''),
      });
    } catch {
      // the process ended while we looked
    }
  }
  const found = await Promise.all(
    candidates.map(async ({ pid, argv }) => {
      const listener = parseDockerProxyArgs(Number(pid), argv);
      if (!listener) return undefined;
      try {
        const doubt = await dockerProxyDoubt(Number(pid), procRoot);
        if (doubt) {
          notes.push(`pid ${pid} calls itself docker-proxy (host port ${listener.hostPort}) but is not Docker's: ${doubt}; ignored`);
          return undefined;
        }
        return listener;
      } catch {
        return undefined; // the process ended while we looked
      }
    }),
  );
  return found.filter((l): l is DockerProxyListener => l !== undefined).sort((a, b) => a.hostPort - b.hostPort);
}
