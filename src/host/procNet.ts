// Parsers for the /proc/<pid>/net files of a process's network namespace. Any user can read
// these for any process, which is how a container's interfaces, addresses and routes are
// read without root and without spawning a process per container.
import { ParseError } from './parseError';

export interface ProcInterface {
  index?: number;
  name: string;
}

/** /proc/net/dev: every interface name in the namespace (two header lines, then `name: counters`). */
export function parseProcNetDev(text: string): string[] {
  const lines = text.split('\n');
  if (!/Inter-|face/.test(lines[0] ?? '') && !/face/.test(lines[1] ?? '')) {
    if (text.trim() === '') return [];
    throw new ParseError('/proc/net/dev', 'missing header lines', lines[0]);
  }
  const names: string[] = [];
  for (const line of lines.slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    names.push(line.slice(0, colon).trim());
  }
  return names;
}

/** /proc/net/dev_mcast: `index name users global address`, one line per multicast address. */
export function parseDevMcast(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || !/^\d+$/.test(f[0] as string)) continue;
    out.set(f[1] as string, Number(f[0]));
  }
  return out;
}

/** /proc/net/igmp: `Idx Device : Count Querier`, then group lines indented below each device. */
export function parseIgmp(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\S+?)\s*:/.exec(line);
    if (m) out.set(m[2] as string, Number(m[1]));
  }
  return out;
}

export interface Inet6Address {
  index: number;
  name: string;
  address: string;
  prefixLen: number;
  scope: string;
}

/** /proc/net/if_inet6: `addr(32 hex) ifindex prefixlen scope flags name`, all hex. */
export function parseIfInet6(text: string): Inet6Address[] {
  const out: Inet6Address[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [hex, idx, plen, scope, , name] = f as [string, string, string, string, string, string];
    if (!/^[0-9a-f]{32}$/i.test(hex)) throw new ParseError('/proc/net/if_inet6', 'bad address', line);
    const groups = hex.match(/.{4}/g) as string[];
    out.push({
      index: parseInt(idx, 16),
      name,
      address: compressIpv6(groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':')),
      prefixLen: parseInt(plen, 16),
      scope: ({ '00': 'global', '20': 'link', '10': 'host', '40': 'site' } as Record<string, string>)[scope] ?? scope,
    });
  }
  return out;
}

function compressIpv6(full: string): string {
  // Replace the longest run of zero groups with "::".
  const groups = full.split(':');
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** /proc/net/fib_trie: the namespace's local IPv4 addresses (`|-- A` followed by `/32 host LOCAL`). */
export function parseFibTrieLocal(text: string): string[] {
  const out = new Set<string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const leaf = /\|--\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (leaf) {
      last = leaf[1];
      continue;
    }
    if (last && /\/32 host LOCAL/.test(line)) out.add(last);
  }
  return [...out];
}

/** A socket that accepts connections or datagrams: a TCP socket in LISTEN, an unconnected UDP socket. */
export interface ProcListener {
  protocol: 'tcp' | 'udp';
  /** The bound address: 0.0.0.0 or :: for any, 127.0.0.1 or ::1 for loopback only. */
  address: string;
  port: number;
  /** The socket inode (what /proc/PID/fd/N links to as `socket:[N]`). */
  inode: number;
  uid: number;
}

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

/** The kernel prints an address as 32-bit words in host byte order (little-endian here). */
function procHexAddress(hex: string): string | undefined {
  if (!/^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(hex)) return undefined;
  const words = hex.match(/.{8}/g) as string[];
  const bytes = words.flatMap((w) => (w.match(/../g) as string[]).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  const full = compressIpv6(groups.join(':'));
  // IPv4-mapped (::ffff:a.b.c.d) reads better dotted.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(full);
  if (mapped) {
    const hi = parseInt(mapped[1] as string, 16);
    const lo = parseInt(mapped[2] as string, 16);
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return full;
}

/**
 * /proc/net/tcp, tcp6, udp, udp6: the listening sockets (`sl local rem st ... uid timeout inode`).
 * Lines that do not parse are skipped: the kernel writes these files, but a namespace's /proc
 * is read as untrusted text all the same.
 */
export function parseProcNetSockets(text: string, protocol: 'tcp' | 'udp'): ProcListener[] {
  const out: ProcListener[] = [];
  const wanted = protocol === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0] as string) || f[3] !== wanted) continue;
    const [localHex, localPort] = (f[1] as string).split(':');
    const address = procHexAddress(localHex ?? '');
    const port = parseInt(localPort ?? '', 16);
    const uid = Number(f[7]);
    const inode = Number(f[9]);
    if (address === undefined || !Number.isInteger(port) || port <= 0 || port > 65535 || !Number.isInteger(inode)) continue;
    out.push({ protocol, address, port, inode, uid });
  }
  return out;
}

/** The listeners of one namespace from its /proc/<pid>/net directory's four socket tables. */
export function parseNamespaceListeners(files: { tcp?: string; tcp6?: string; udp?: string; udp6?: string }): ProcListener[] {
  return [
    ...parseProcNetSockets(files.tcp ?? '', 'tcp'),
    ...parseProcNetSockets(files.tcp6 ?? '', 'tcp'),
    ...parseProcNetSockets(files.udp ?? '', 'udp'),
    ...parseProcNetSockets(files.udp6 ?? '', 'udp'),
  ];
}
