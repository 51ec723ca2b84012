// Each running container's network namespace: interfaces, addresses, routes and the peer
// index of each veth, read without spawning a process per container where the kernel allows:
// - any user: /proc/<pid>/net/{dev,dev_mcast,igmp,if_inet6,route,fib_trie};
// - root: also the container's own sysfs through /proc/<pid>/root/sys/class/net (ifindex,
//   iflink = the veth peer's index on the host, MAC, MTU, state);
// - root or sudo, when sysfs is not there: `nsenter -t PID -n ip -j -d addr`.
// The nat table inside the namespace (Docker's DNS redirect) needs nsenter and root.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerInfo, ContainerNamespace, Link, NetfilterTable, Route } from './hostSnapshot';
import { cidrContains } from './ipv4';
import { IP_ADDR_ARGS, parseIpAddrJson } from './links';
import type { Privilege } from './privilege';
import { parseDevMcast, parseFibTrieLocal, parseIfInet6, parseIgmp, parseProcNetDev } from './procNet';
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
  privilege: Privilege;
  /** Folder that stands for /proc (tests point it at a copy). */
  procRoot?: string;
  timeoutMs?: number;
}

// These are small files the kernel makes on the fly: read synchronously they cost a few
// microseconds each, while the thread-pool round trip of an async read costs far more.
// The caller yields between containers so the event loop is never held for long.
function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function readContainerNamespace(container: ContainerInfo, options: NamespaceReadOptions): Promise<ContainerNamespace> {
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
  const ns: ContainerNamespace = {
    containerId: container.id,
    containerName: container.name,
    pid: container.pid,
    via: 'proc',
    links: [],
    routes,
  };
  const inode = /net:\[(\d+)\]/.exec(nsLink ?? '')?.[1];
  if (inode) ns.netnsInode = Number(inode);

  // Root: the container's own sysfs gives every fact /proc/net lacks, with no process spawned.
  const sysfsLinks = options.privilege.isRoot ? readSysfsLinks(pidDir) : undefined;
  if (sysfsLinks && sysfsLinks.length > 0) {
    ns.via = 'sysfs';
    ns.links = sysfsLinks;
  } else if (options.privilege.usable) {
    try {
      const out = await options.privilege.runPrivileged(['nsenter', '-t', String(container.pid), '-n', ...IP_ADDR_ARGS], {
        timeoutMs: options.timeoutMs ?? 5000,
      });
      ns.via = 'nsenter';
      ns.links = parseIpAddrJson(out.stdout, `nsenter -t ${container.pid} -n ip -j -d addr`);
      return ns;
    } catch {
      // fall through to the unprivileged view
    }
  }
  if (ns.links.length === 0) {
    // Without sysfs the interface indexes come from the multicast tables.
    const indexes = new Map([...parseDevMcast(readOptional(join(netDir, 'dev_mcast')) ?? ''), ...parseIgmp(readOptional(join(netDir, 'igmp')) ?? '')]);
    for (const a of parseIfInet6(inet6 ?? '')) indexes.set(a.name, a.index);
    ns.links = parseProcNetDev(devText).map((name) => {
      const link: Link = { index: indexes.get(name) ?? -1, name, kind: name === 'lo' ? 'loopback' : 'unknown', mtu: 0, operState: 'UNKNOWN', flags: [], addresses: [] };
      return link;
    });
  }
  // Addresses: IPv4 from the local FIB, placed on the interface whose link route covers them;
  // IPv6 from if_inet6. The sysfs view has no addresses of its own, so both views get them here.
  const locals = parseFibTrieLocal(fibTrie ?? '');
  for (const ip of locals) {
    const route = routes.find((r) => r.scope === 'link' && r.dev && r.dst !== 'default' && cidrContains(r.dst, ip));
    const dev = ip.startsWith('127.') ? 'lo' : route?.dev;
    const link = ns.links.find((l) => l.name === dev);
    if (!link) continue;
    const prefixLen = ip.startsWith('127.') ? 8 : Number(route?.dst.split('/')[1] ?? 32);
    if (!link.addresses.some((a) => a.local === ip)) link.addresses.push({ family: 'inet', local: ip, prefixLen });
  }
  for (const a of parseIfInet6(inet6 ?? '')) {
    const link = ns.links.find((l) => l.name === a.name);
    if (link && !link.addresses.some((x) => x.local === a.address)) {
      link.addresses.push({ family: 'inet6', local: a.address, prefixLen: a.prefixLen, scope: a.scope });
    }
  }
  return ns;
}

function readSysfsLinks(pidDir: string): Link[] | undefined {
  const classNet = join(pidDir, 'root', 'sys', 'class', 'net');
  let names: string[];
  try {
    names = readdirSync(classNet);
  } catch {
    return undefined;
  }
  const links: Link[] = [];
  for (const name of names) {
    const dir = join(classNet, name);
    const [ifindex, iflink, address, mtu, operstate] = ['ifindex', 'iflink', 'address', 'mtu', 'operstate'].map((f) => readOptional(join(dir, f))?.trim());
    if (ifindex === undefined) continue;
    const index = Number(ifindex);
    const peer = iflink !== undefined ? Number(iflink) : index;
    const link: Link = {
      index,
      name,
      kind: name === 'lo' ? 'loopback' : peer !== index ? 'veth' : 'device',
      mtu: Number(mtu ?? 0),
      operState: (operstate ?? 'unknown').toUpperCase(),
      flags: [],
      addresses: [],
    };
    if (address) link.mac = address;
    if (peer !== index) link.linkIndex = peer;
    links.push(link);
  }
  return links.sort((a, b) => a.index - b.index);
}

/** `nsenter -t PID -n iptables-save -c -t nat`, with `{}` standing for the pid. */
export const NAMESPACE_NAT_ARGS = ['nsenter', '-t', '{}', '-n', 'iptables-save', '-c', '-t', 'nat'];

/**
 * The nat table inside each namespace: Docker's DOCKER_OUTPUT/DOCKER_POSTROUTING DNS
 * redirect. One entry per pid: the table, or the error that pid's read ended with.
 */
export async function readNamespaceNats(pids: readonly number[], privilege: Privilege, timeoutMs = 10_000): Promise<(NetfilterTable | CommandError | undefined)[]> {
  const results = await privilege.runPrivilegedEach([NAMESPACE_NAT_ARGS], pids.map(String), { timeoutMs });
  return results.map((row, i) => {
    const r = row[0];
    if (r === undefined || r instanceof CommandError) return r;
    return parseIptablesSave(r.stdout, `nsenter -t ${pids[i]} -n iptables-save -t nat`).tables.find((t) => t.name === 'nat');
  });
}
