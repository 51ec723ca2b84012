// IPv4 addresses and CIDR blocks as numbers, for subnet membership (routes, rules, networks).
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export interface Cidr {
  base: number;
  prefixLen: number;
}

/** "10.0.0.0/8", "10.0.0.1" (a /32), or "default"/"0.0.0.0/0". */
export function parseCidr(text: string): Cidr | undefined {
  if (text === 'default') return { base: 0, prefixLen: 0 };
  const [addr, len] = text.split('/');
  const base = ipv4ToNumber(addr ?? '');
  const prefixLen = len === undefined ? 32 : Number(len);
  if (base === undefined || !Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) return undefined;
  return { base: prefixLen === 0 ? 0 : base - (base % 2 ** (32 - prefixLen)), prefixLen };
}

export function cidrContains(cidr: string | Cidr, ip: string): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const n = ipv4ToNumber(ip);
  if (!c || n === undefined) return false;
  if (c.prefixLen === 0) return true;
  const size = 2 ** (32 - c.prefixLen);
  return n >= c.base && n < c.base + size;
}
