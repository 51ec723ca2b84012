// Shared by the live tests: the lab must be up (test/lab/up) and the tests run as root.
// Nothing here is skipped quietly: a missing lab is a failure that says how to bring it up.
import { execFileSync } from 'node:child_process';

/** The major version of the engine that answers (20, 28): the lab differs by engine. */
export function engineMajor(): number {
  return Number(sh('docker', 'version', '--format', '{{.Server.Version}}').trim().split('.')[0]);
}

const LAB_COMMON = [
  'api',
  'web1',
  'web2',
  'web3',
  'client',
  'legacy',
  'lone',
  'vault',
  'dual',
  'hostnet',
  'nonet',
  'sidecar',
  'ov1',
  'ov2',
  'icc1',
  'icc2',
  'v6web',
];
/** Gateway modes (routed, nat-unprotected) exist from Docker 28 on: the lab makes them only there (test/lab/lib.sh). */
const LAB_28 = ['routed1', 'unprot1'];

/** The lab's containers on the engine that answers. */
export const LAB_CONTAINERS: readonly string[] = (() => {
  try {
    return engineMajor() >= 28 ? [...LAB_COMMON, ...LAB_28] : LAB_COMMON;
  } catch {
    return LAB_COMMON; // no engine: requireLab() says so
  }
})();

/** Runs an oracle command (argument array) and returns its stdout. */
export function sh(...argv: string[]): string {
  const [file, ...args] = argv;
  return execFileSync(file as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

/** Runs a command whose failure does not matter (removing what may not be there). */
export function quiet(...argv: string[]): void {
  try {
    sh(...argv);
  } catch {
    // not there
  }
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
  const line = sh('iptables', '-t', 'nat', '-L', 'DOCKER', '-v', '-x', '-n')
    .split('\n')
    .find((l) => /\bDNAT\b/.test(l) && new RegExp(`dpt:${port}\\b`).test(l));
  if (!line) throw new Error(`no DNAT rule for ${port} in iptables -t nat -L DOCKER`);
  return Number(line.trim().split(/\s+/)[0]);
}
