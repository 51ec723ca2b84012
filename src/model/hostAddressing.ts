// What the host knows about addresses, as the evaluator needs it: which are local, the
// address type of one (addrtype), the route to one (longest prefix of the main table, or the
// connected subnets when the snapshot has no routes). Pure.
import type { HostSnapshot, Link, Route } from '../host/hostSnapshot';
import { cidrContains, parseCidr } from '../host/ipv4';

/** The first IPv4 address of a link. */
export function firstIpv4(link: Link | undefined): string | undefined {
  return link?.addresses.find((a) => a.family === 'inet')?.local;
}

/** The host's own addresses, broadcast addresses and routes, as the kernel's fib would answer. */
export class HostAddressing {
  private readonly local: string[];
  private readonly broadcast: Set<string>;
  readonly routes: Route[];
  readonly routesFromSnapshot: boolean;

  constructor(private readonly snapshot: HostSnapshot) {
    const inet = snapshot.hostNamespace.links.flatMap((l) => l.addresses.filter((a) => a.family === 'inet').map((a) => ({ link: l, a })));
    this.local = inet.map((x) => x.a.local);
    this.broadcast = new Set(['255.255.255.255']);
    for (const { a } of inet) {
      if (a.prefixLen < 31) this.broadcast.add(lastAddress(a.local, a.prefixLen));
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
        const c = a.family === 'inet' ? parseCidr(`${a.local}/${a.prefixLen}`) : undefined;
        if (c) out.push({ dst: `${numberToIpv4(c.base)}/${c.prefixLen}`, dev: l.name, prefsrc: a.local });
      }
    }
    for (const n of this.snapshot.docker?.networks ?? []) {
      if (!n.bridgeName) continue;
      for (const s of n.subnets) if (s.subnet && !out.some((r) => r.dst === s.subnet)) out.push({ dst: s.subnet, dev: n.bridgeName });
    }
    return out;
  }

  isLocal(ip: string): boolean {
    return cidrContains('127.0.0.0/8', ip) || this.local.includes(ip);
  }

  /** The kernel's address type (addrtype match): looked up in the local table, else unicast. */
  addressType(ip: string): 'LOCAL' | 'BROADCAST' | 'MULTICAST' | 'UNICAST' {
    if (this.isLocal(ip)) return 'LOCAL';
    if (this.broadcast.has(ip) || ip === '0.0.0.0') return 'BROADCAST';
    if (cidrContains('224.0.0.0/4', ip)) return 'MULTICAST';
    return 'UNICAST';
  }

  /** Longest-prefix match in the main table. */
  lookup(ip: string): Route | undefined {
    let best: { route: Route; len: number } | undefined;
    for (const r of this.routes) {
      const c = parseCidr(r.dst);
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
    return firstIpv4(this.link(dev));
  }
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function lastAddress(ip: string, prefixLen: number): string {
  const c = parseCidr(`${ip}/${prefixLen}`);
  return c ? numberToIpv4(c.base + 2 ** (32 - prefixLen) - 1) : ip;
}
