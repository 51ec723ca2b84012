// IPv4 routes of one namespace from `ip -j route show` (host) or /proc/<pid>/net/route
// (a container's namespace, readable by any user).
import type { Route } from '../snapshot/hostSnapshot';
import { ParseError, expectArray, parseJsonOutput, str } from './parseError';

export const IP_ROUTE_ARGS = ['ip', '-j', 'route', 'show'];
export const IP6_ROUTE_ARGS = ['ip', '-j', '-6', 'route', 'show'];

export function parseIpRouteJson(text: string, source = 'ip -j route', family?: 'inet6'): Route[] {
  return expectArray(source, parseJsonOutput(source, text)).map((row) => {
    const dst = str(row.dst);
    if (dst === undefined) throw new ParseError(source, 'route without dst', JSON.stringify(row));
    const route: Route = { dst, ...(family ? { family } : {}) };
    for (const key of ['gateway', 'dev', 'protocol', 'scope', 'prefsrc', 'table', 'type'] as const) {
      const v = str(row[key]);
      if (v !== undefined) route[key] = v;
    }
    return route;
  });
}

/** Little-endian hex (as /proc/net/route prints it) to dotted quad. */
export function hexToIpv4(hex: string): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) throw new ParseError('/proc/net/route', 'bad address field', hex);
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

export function maskToPrefixLen(mask: string): number {
  const bits = mask.split('.').map((o) => Number(o).toString(2).replace(/0/g, ''));
  return bits.join('').length;
}

/** Parses /proc/<pid>/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
export function parseProcNetRoute(text: string): Route[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  if (!/^Iface\s+Destination\s+Gateway/.test(lines[0] ?? '')) {
    throw new ParseError('/proc/net/route', 'missing header line', lines[0]);
  }
  return lines.slice(1).map((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) throw new ParseError('/proc/net/route', 'short line', line);
    const [dev, dstHex, gwHex, , , , , maskHex] = f as [string, string, string, string, string, string, string, string];
    const dst = hexToIpv4(dstHex);
    const prefix = maskToPrefixLen(hexToIpv4(maskHex));
    const gateway = hexToIpv4(gwHex);
    const route: Route = { dst: dst === '0.0.0.0' && prefix === 0 ? 'default' : `${dst}/${prefix}`, dev };
    if (gateway !== '0.0.0.0') route.gateway = gateway;
    else route.scope = 'link';
    return route;
  });
}
