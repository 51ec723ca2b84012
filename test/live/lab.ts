// Shared by the live tests: the lab must be up (test/lab/up) and the tests run as root.
// Nothing here is skipped quietly: a missing lab is a failure that says how to bring it up.
import { execFileSync } from 'node:child_process';

export const LAB_CONTAINERS = ['api', 'web1', 'web2', 'web3', 'client', 'legacy', 'lone', 'vault', 'dual', 'hostnet', 'nonet', 'sidecar', 'ov1', 'ov2'];

/** Runs an oracle command (argument array) and returns its stdout. */
export function sh(...argv: string[]): string {
  const [file, ...args] = argv;
  return execFileSync(file as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

export function requireLab(): void {
  if (process.getuid?.() !== 0) throw new Error('The live tests need root (they compare with nsenter and iptables-save). Run them as root.');
  try {
    sh('docker', 'info', '--format', '{{.ServerVersion}}');
  } catch (err) {
    throw new Error(`The Docker engine is not reachable: run test/lab/up first (${(err as Error).message.split('\n')[0]})`);
  }
  const running = new Set(sh('docker', 'ps', '--filter', 'label=containernet.lab=1', '--format', '{{.Names}}').split('\n').filter(Boolean));
  const missing = LAB_CONTAINERS.filter((n) => !running.has(n));
  if (missing.length) throw new Error(`The lab is not up (not running: ${missing.join(', ')}): run test/lab/up`);
}

export function pidOf(name: string): number {
  return Number(sh('docker', 'inspect', '-f', '{{.State.Pid}}', name).trim());
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  link_index?: number;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number } };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

export function nsenterIp(pid: number, ...args: string[]): IpLink[] {
  return JSON.parse(sh('nsenter', '-t', String(pid), '-n', 'ip', '-j', '-d', ...args)) as IpLink[];
}

/** The kernel's packet counter of the nat DOCKER DNAT rule for a published port (`iptables -L`, apart from iptables-save). */
export function kernelDnatPackets(port: number): number {
  const line = sh('iptables', '-t', 'nat', '-L', 'DOCKER', '-v', '-x', '-n').split('\n').find((l) => /\bDNAT\b/.test(l) && new RegExp(`dpt:${port}\\b`).test(l));
  if (!line) throw new Error(`no DNAT rule for ${port} in iptables -t nat -L DOCKER`);
  return Number(line.trim().split(/\s+/)[0]);
}
