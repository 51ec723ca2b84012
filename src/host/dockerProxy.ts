// docker-proxy listeners (the userland proxy Docker starts per published port), found in the
// process table: /proc/<pid>/comm and cmdline are readable by any user.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DockerProxyListener } from './hostSnapshot';

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

export async function readDockerProxies(procRoot = '/proc'): Promise<DockerProxyListener[]> {
  const entries = (await readdir(procRoot)).filter((e) => /^\d+$/.test(e));
  const found = await Promise.all(
    entries.map(async (e) => {
      try {
        const comm = (await readFile(join(procRoot, e, 'comm'), 'utf8')).trim();
        if (comm !== 'docker-proxy') return undefined;
        const argv = (await readFile(join(procRoot, e, 'cmdline'), 'utf8')).split('\0').filter((a) => a !== '');
        return parseDockerProxyArgs(Number(e), argv);
      } catch {
        return undefined; // the process ended while we looked
      }
    }),
  );
  return found.filter((l): l is DockerProxyListener => l !== undefined).sort((a, b) => a.hostPort - b.hostPort);
}
