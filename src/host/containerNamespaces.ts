// Each running container's network namespace: interfaces, addresses, routes and the peer
// of each veth.
// - any user: /proc/<pid>/net/{dev,dev_mcast,igmp,if_inet6,route,fib_trie}, read by the
//   kernel for that process's namespace (procfs, not the container's own files), each read
//   bounded in size; the nsid of the namespace comes from namespaceIds.ts;
// - root or sudo: `nsenter -t PID -n ip -j -d addr` for all containers in one batch, the
//   host's own `ip` in the container's network namespace only (no mount namespace: nothing
//   of the container's filesystem is read or run), which adds the peer index, MAC, MTU, state.
// Nothing is ever read through /proc/<pid>/root: a container controls that tree (symlinks
// into the host, FIFOs, endless files) and the reader may be root.
// The nat table inside the namespace (Docker's DNS redirect) needs nsenter and root.
import { closeSync, openSync, readSync, readlinkSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { ContainerInfo, ContainerNamespace, Link, NetfilterTable, Route } from '../snapshot/hostSnapshot';
import { cidrContains } from '../snapshot/ipAddress';
import { parseIpAddrJson } from './links';
import type { Privilege } from './privilege';
import { parseDevMcast, parseFibTrieLocal, parseIfInet6, parseIgmp, parseNamespaceListeners, parseProcNetDev, type ProcListener } from './procNet';
import { parseProcNetRoute } from './routes';
import { parseIptablesSave } from './iptablesSave';
import { CommandError } from './commandRunner';

/** The container's process went away between listing and reading: skip it, do not fail. */
export class ContainerGoneError extends Error {
  constructor(readonly containerName: string) {
    super(`container ${containerName} stopped during the read; skipped`);
    this.name = 'ContainerGoneError';
  }
}

export interface NamespaceReadOptions {
  /** Folder that stands for /proc (tests point it at a copy). */
  procRoot?: string;
}

/** Largest /proc/<pid>/net file read (a namespace with a huge routing table is cut, not buffered whole). */
export const PROC_NET_READ_LIMIT = 4 * 1024 * 1024;

// These are small files the kernel makes on the fly: read synchronously they cost a few
// microseconds each, while the thread-pool round trip of an async read costs far more.
// The caller yields between containers so the event loop is never held for long.
// O_NOFOLLOW and O_NONBLOCK: procfs holds no links or FIFOs here, but the read never waits
// or wanders whatever the path turns out to be; at most PROC_NET_READ_LIMIT bytes are read.
function readOptional(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < PROC_NET_READ_LIMIT) {
      const buf = Buffer.allocUnsafe(Math.min(65536, PROC_NET_READ_LIMIT - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The listening sockets of the namespace whose /proc/<pid>/net (or /proc/net) directory is `netDir`. */
export function readListeners(netDir: string): ProcListener[] {
  return parseNamespaceListeners({
    tcp: readOptional(join(netDir, 'tcp')),
    tcp6: readOptional(join(netDir, 'tcp6')),
    udp: readOptional(join(netDir, 'udp')),
    udp6: readOptional(join(netDir, 'udp6')),
  });
}

/** The namespace as any user can read it from /proc/<pid>/net. */
export async function readContainerNamespace(container: ContainerInfo, options: NamespaceReadOptions = {}): Promise<ContainerNamespace> {
  const procRoot = options.procRoot ?? '/proc';
  const pidDir = join(procRoot, String(container.pid));
  const netDir = join(pidDir, 'net');
  await new Promise((resolve) => setImmediate(resolve));
  const devText = readOptional(join(netDir, 'dev'));
  if (devText === undefined) throw new ContainerGoneError(container.name);
  const inet6 = readOptional(join(netDir, 'if_inet6'));
  const routeText = readOptional(join(netDir, 'route'));
  const fibTrie = readOptional(join(netDir, 'fib_trie'));
  let nsLink: string | undefined;
  try {
    nsLink = readlinkSync(join(pidDir, 'ns', 'net'));
  } catch {
    nsLink = undefined; // not ours to read without root
  }
  const routes: Route[] = routeText ? parseProcNetRoute(routeText) : [];
  const listeners = readListeners(netDir);
  const ns: ContainerNamespace = {
    containerId: container.id,
    containerName: container.name,
    pid: container.pid,
    via: 'proc',
    links: [],
    routes,
    listeners,
  };
  const inode = /net:\[(\d+)\]/.exec(nsLink ?? '')?.[1];
  if (inode) ns.netnsInode = Number(inode);

  // The interface indexes come from the multicast tables.
  const indexes = new Map([...parseDevMcast(readOptional(join(netDir, 'dev_mcast')) ?? ''), ...parseIgmp(readOptional(join(netDir, 'igmp')) ?? '')]);
  const inet6Addresses = parseIfInet6(inet6 ?? '');
  for (const a of inet6Addresses) indexes.set(a.name, a.index);
  ns.links = parseProcNetDev(devText).map((name) => {
    const link: Link = {
      index: indexes.get(name) ?? -1,
      name,
      kind: name === 'lo' ? 'loopback' : 'unknown',
      mtu: 0,
      operState: 'UNKNOWN',
      flags: [],
      addresses: [],
    };
    return link;
  });
  // Addresses: IPv4 from the local FIB, placed on the interface whose link route covers them;
  // IPv6 from if_inet6.
  const locals = parseFibTrieLocal(fibTrie ?? '');
  for (const ip of locals) {
    const route = routes.find((r) => r.scope === 'link' && r.dev && r.dst !== 'default' && cidrContains(r.dst, ip));
    const dev = ip.startsWith('127.') ? 'lo' : route?.dev;
    const link = ns.links.find((l) => l.name === dev);
    if (!link) continue;
    const prefixLen = ip.startsWith('127.') ? 8 : Number(route?.dst.split('/')[1] ?? 32);
    if (!link.addresses.some((a) => a.local === ip)) link.addresses.push({ family: 'inet', local: ip, prefixLen });
  }
  for (const a of inet6Addresses) {
    const link = ns.links.find((l) => l.name === a.name);
    if (link && !link.addresses.some((x) => x.local === a.address)) {
      link.addresses.push({ family: 'inet6', local: a.address, prefixLen: a.prefixLen, scope: a.scope });
    }
  }
  return ns;
}

/** `nsenter -t PID -n ip -j -d addr show`, with `{}` standing for the pid: the host's `ip`, net namespace only. */
export const NAMESPACE_LINK_ARGS = ['nsenter', '-t', '{}', '-n', 'ip', '-j', '-d', 'addr', 'show'];

/**
 * Every namespace's interfaces as `ip -j -d addr` prints them inside it, for all pids in one
 * privileged batch (the number of privileged calls does not grow with the containers). One
 * entry per pid: the links, or the error that pid's read ended with.
 */
export async function readNamespaceLinks(pids: readonly number[], privilege: Privilege, timeoutMs = 10_000): Promise<(Link[] | CommandError | undefined)[]> {
  const results = await privilege.runPrivilegedEach([NAMESPACE_LINK_ARGS], pids.map(String), { timeoutMs });
  return results.map((row, i) => {
    const r = row[0];
    if (r === undefined || r instanceof CommandError) return r;
    return parseIpAddrJson(r.stdout, `nsenter -t ${pids[i]} -n ip -j -d addr`);
  });
}

/** `nsenter -t PID -n iptables-save -c -t nat`, with `{}` standing for the pid. */
export const NAMESPACE_NAT_ARGS = ['nsenter', '-t', '{}', '-n', 'iptables-save', '-c', '-t', 'nat'];

/**
 * The nat table inside each namespace: Docker's DOCKER_OUTPUT/DOCKER_POSTROUTING DNS
 * redirect. One entry per pid: the table, or the error that pid's read ended with.
 */
export async function readNamespaceNats(
  pids: readonly number[],
  privilege: Privilege,
  timeoutMs = 10_000,
): Promise<(NetfilterTable | CommandError | undefined)[]> {
  const results = await privilege.runPrivilegedEach([NAMESPACE_NAT_ARGS], pids.map(String), { timeoutMs });
  return results.map((row, i) => {
    const r = row[0];
    if (r === undefined || r instanceof CommandError) return r;
    return parseIptablesSave(r.stdout, `nsenter -t ${pids[i]} -n iptables-save -t nat`).tables.find((t) => t.name === 'nat');
  });
}
