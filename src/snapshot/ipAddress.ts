// IPv4 and IPv6 addresses and CIDR blocks as numbers (BigInt), for subnet membership of
// routes, rules and networks in either family. An address only ever matches a block of its
// own family.

export type IpFamily = 4 | 6;

export interface IpValue {
  family: IpFamily;
  value: bigint;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256n + BigInt(v);
  }
  return n;
}

function parseIpv6(text: string): bigint | undefined {
  let s = text.split('%')[0] ?? ''; // a zone (fe80::1%eth0) is not part of the address
  // An embedded IPv4 tail (::ffff:192.0.2.1) counts for two groups.
  let tail: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.') && lastColon >= 0) {
    tail = parseIpv4(s.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined) => (h ? h.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) + BigInt(parseInt(g, 16));
  }
  if (tail !== undefined) n = ((n >> 32n) << 32n) + tail;
  return n;
}

export function parseIp(text: string): IpValue | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

export function ipFamily(text: string): IpFamily | undefined {
  return parseIp(text)?.family;
}

/** Dotted quad, or RFC 5952 text (the longest run of zero groups as `::`). */
export function formatIp(ip: IpValue): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

export interface Cidr {
  family: IpFamily;
  base: bigint;
  prefixLen: number;
}

/** "10.0.0.0/8", "fd00::/64", an address alone (a host block), or "default" (0/0 of `family`). */
export function parseCidr(text: string, family: IpFamily = 4): Cidr | undefined {
  if (text === 'default') return { family, base: 0n, prefixLen: 0 };
  const [addr, len] = text.split('/');
  const ip = parseIp(addr ?? '');
  if (!ip) return undefined;
  const bits = BITS[ip.family];
  const prefixLen = len === undefined ? bits : Number(len);
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > bits) return undefined;
  const host = BigInt(bits - prefixLen);
  return { family: ip.family, base: (ip.value >> host) << host, prefixLen };
}

/** Whether `ip` lies in the block. "default" contains every address of either family. */
export function cidrContains(cidr: string | Cidr, ip: string): boolean {
  const a = parseIp(ip);
  if (!a) return false;
  const c = typeof cidr === 'string' ? parseCidr(cidr, a.family) : cidr;
  if (!c || c.family !== a.family) return false;
  const host = BigInt(BITS[c.family] - c.prefixLen);
  return a.value >> host === c.base >> host;
}

/** The last address of a block (its IPv4 broadcast address). */
export function lastAddress(c: Cidr): string {
  const host = BigInt(BITS[c.family] - c.prefixLen);
  return formatIp({ family: c.family, value: c.base + (1n << host) - 1n });
}

/** The block's first address plus `offset`, as text. */
export function addressInBlock(c: Cidr, offset: number): string {
  return formatIp({ family: c.family, value: c.base + BigInt(offset) });
}

/** Whether two blocks share any address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const host = BigInt(BITS[a.family] - Math.min(a.prefixLen, b.prefixLen));
  return a.base >> host === b.base >> host;
}
