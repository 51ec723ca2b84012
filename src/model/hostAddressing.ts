// What the host knows about addresses, as the evaluator needs it: which are local, the
// address type of one (addrtype), the route to one (longest prefix of the main table, or the
// connected subnets when the snapshot has no routes). IPv4 and IPv6 alike: an address is only
// ever looked up among the routes and addresses of its own family. Pure.
import type { HostSnapshot, Link, Route } from '../snapshot/hostSnapshot';
import { addressInBlock, cidrContains, formatIp, ipFamily, lastAddress, parseCidr, parseIp, type IpFamily } from '../snapshot/ipAddress';

/** The first IPv4 address of a link. */
export function firstIpv4(link: Link | undefined): string | undefined {
  return link?.addresses.find((a) => a.family === 'inet')?.local;
}

/** The first address of a link in a family (IPv6: a global one, not link-local). */
export function firstAddress(link: Link | undefined, family: IpFamily): string | undefined {
  if (family === 4) return firstIpv4(link);
  return link?.addresses.find((a) => a.family === 'inet6' && a.scope !== 'link' && !a.local.startsWith('fe80:'))?.local;
}

/** One spelling per address (fd00:0c67::1 and fd00:c67::1 are one address). */
function canonical(ip: string): string {
  const v = parseIp(ip);
  return v ? formatIp(v) : ip;
}

/** A route's family: IPv6 routes are marked when read (`ip -j -6 route`); "default" has no address to tell. */
function routeFamily(r: Route): IpFamily {
  return r.family === 'inet6' ? 6 : (ipFamily(r.dst.split('/')[0] ?? '') ?? 4);
}

/** The host's own addresses, broadcast addresses and routes, as the kernel's fib would answer. */
export class HostAddressing {
  private readonly local: string[];
  private readonly broadcast: Set<string>;
  readonly routes: Route[];
  readonly routesFromSnapshot: boolean;

  constructor(private readonly snapshot: HostSnapshot) {
    const all = snapshot.hostNamespace.links.flatMap((l) => l.addresses);
    this.local = all.map((a) => canonical(a.local));
    this.broadcast = new Set(['255.255.255.255']);
    for (const a of all) {
      const c = a.family === 'inet' && a.prefixLen < 31 ? parseCidr(`${a.local}/${a.prefixLen}`) : undefined;
      if (c) this.broadcast.add(lastAddress(c));
    }
    const main = snapshot.hostNamespace.routes.filter((r) => r.table === undefined || r.table === 'main');
    this.routesFromSnapshot = main.length > 0;
    this.routes = this.routesFromSnapshot ? main : this.connectedRoutes();
  }

  /** Without a route table: each address's connected prefix, and each Docker bridge's subnets. */
  private connectedRoutes(): Route[] {
    const out: Route[] = [];
    for (const l of this.snapshot.hostNamespace.links) {
      for (const a of l.addresses) {
        const c = parseCidr(`${a.local}/${a.prefixLen}`);
        if (!c || (a.family === 'inet6' && a.local.startsWith('fe80:'))) continue;
        const route: Route = { dst: `${addressInBlock(c, 0)}/${c.prefixLen}`, dev: l.name, prefsrc: a.local };
        if (a.family === 'inet6') route.family = 'inet6';
        out.push(route);
      }
    }
    for (const n of this.snapshot.docker?.networks ?? []) {
      if (!n.bridgeName) continue;
      for (const s of n.subnets) if (s.subnet && !out.some((r) => r.dst === s.subnet)) out.push({ dst: s.subnet, dev: n.bridgeName });
    }
    return out;
  }

  isLocal(ip: string): boolean {
    return cidrContains('127.0.0.0/8', ip) || cidrContains('::1/128', ip) || this.local.includes(canonical(ip));
  }

  /** The kernel's address type (addrtype match): looked up in the local table, else unicast. */
  addressType(ip: string): 'LOCAL' | 'BROADCAST' | 'MULTICAST' | 'UNICAST' {
    if (this.isLocal(ip)) return 'LOCAL';
    if (this.broadcast.has(canonical(ip)) || ip === '0.0.0.0') return 'BROADCAST';
    if (cidrContains('224.0.0.0/4', ip) || cidrContains('ff00::/8', ip)) return 'MULTICAST';
    return 'UNICAST';
  }

  /** Longest-prefix match in the main table of the address's family. */
  lookup(ip: string): Route | undefined {
    const family = ipFamily(ip);
    let best: { route: Route; len: number } | undefined;
    for (const r of this.routes) {
      if (routeFamily(r) !== family) continue;
      const c = parseCidr(r.dst, family);
      if (c && cidrContains(c, ip) && (!best || c.prefixLen > best.len)) best = { route: r, len: c.prefixLen };
    }
    return best?.route;
  }

  link(name: string | undefined): Link | undefined {
    return name ? this.snapshot.hostNamespace.links.find((l) => l.name === name) : undefined;
  }

  isBridge(name: string): boolean {
    return this.link(name)?.kind === 'bridge' || (this.snapshot.docker?.networks ?? []).some((n) => n.bridgeName === name);
  }

  /** The source address the kernel picks for a packet leaving `dev` towards `dst` (MASQUERADE). */
  sourceAddressFor(dst: string, dev: string): string | undefined {
    const route = this.lookup(dst);
    if (route?.dev === dev && route.prefsrc) return route.prefsrc;
    return firstAddress(this.link(dev), ipFamily(dst) ?? 4);
  }
}
