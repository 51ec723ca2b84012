// The host's way out: the interface of its default route (the uplink), and the interface a
// VXLAN device's encapsulated packets leave by (its own `dev`, else the uplink). The host reader
// runs ethtool on these and the doctor reasons about them: one rule for both.
import type { HostNamespace, Link } from './hostSnapshot';

/** Interfaces that are never the way out on their own. */
const VIRTUAL_KINDS = new Set(['veth', 'bridge', 'vxlan', 'loopback', 'dummy', 'tun', 'ipip', 'sit', 'wireguard']);

/** The interface of the default route. */
export function uplinkName(ns: Pick<HostNamespace, 'routes'>): string | undefined {
  return ns.routes.find((r) => r.dst === 'default' && r.dev)?.dev;
}

/**
 * The interface outside traffic arrives on: the default route's; on a host without one, the
 * first non-virtual interface with an IPv4 address (`noDefault` says it was guessed).
 */
export function outsideLink(ns: Pick<HostNamespace, 'links' | 'routes'>): { link: Link; noDefault: boolean } | undefined {
  const uplink = uplinkName(ns);
  const byRoute = uplink ? ns.links.find((l) => l.name === uplink) : undefined;
  if (byRoute) return { link: byRoute, noDefault: false };
  const any = ns.links.find((l) => !VIRTUAL_KINDS.has(l.kind) && l.name !== 'lo' && l.addresses.some((a) => a.family === 'inet'));
  return any ? { link: any, noDefault: true } : undefined;
}

/** The host interface a VXLAN device's packets leave by: the device's own `dev` when set (and on the host), else the uplink. */
export function vxlanUnderlay(ns: Pick<HostNamespace, 'links' | 'routes'>, vxlan: Link): Link | undefined {
  const dev = vxlan.vxlan?.dev;
  return (dev ? ns.links.find((l) => l.name === dev) : undefined) ?? outsideLink(ns)?.link;
}
