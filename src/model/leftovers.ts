// Leftover host state: what an earlier engine (or a network removed while the engine was down)
// left in the kernel and what it collides with. A bridge named the way Docker names its bridges
// that no Docker network owns; any bridge holding an address in a Docker network's subnet; and,
// for each Docker bridge network, the interface the kernel's routing would really send its
// traffic to, flagged when that is not the network's own bridge. Pure; flagged, never hidden.
import type { HostSnapshot, Link, NetworkInfo } from '../snapshot/hostSnapshot';
import { addressInBlock, cidrContains, cidrsOverlap, parseCidr } from '../snapshot/ipAddress';
import { HostAddressing } from './hostAddressing';

export interface StaleBridge {
  name: string;
  index: number;
  /** Its state as the kernel reports it (a portless bridge is DOWN though set up). */
  up: boolean;
  /** Its addresses, `172.30.1.1/24`. */
  addresses: string[];
  /** Docker-named (br-<12 hex>, docker0, docker_gwbridge) with no Docker network owning it. */
  unowned: boolean;
  /** Docker networks whose subnet one of its addresses falls in: `lab-net (172.30.1.0/24)`. */
  collidesWith: string[];
  /** Host routes through it. */
  routes: string[];
}

export interface SubnetRoute {
  network: string;
  subnet: string;
  /** The address the route was looked up for: a container of the network, else the subnet's second address. */
  probe: string;
  /** The network's own bridge. */
  expected: string;
  /** The interface the kernel's main table picks for the probe. */
  picked?: string;
  /** The route that decides, as `ip route` prints its prefix. */
  route?: string;
  ok: boolean;
  /** In words, for a tree item or a report line. */
  reason: string;
}

export interface HostLeftovers {
  bridges: StaleBridge[];
  subnetRoutes: SubnetRoute[];
}

/** How Docker names the bridges it creates. */
export const DOCKER_BRIDGE_NAME = /^(br-[0-9a-f]{12}|docker0|docker_gwbridge)$/;

function addressesOf(link: Link): string[] {
  return link.addresses.filter((a) => !(a.family === 'inet6' && a.local.startsWith('fe80:'))).map((a) => `${a.local}/${a.prefixLen}`);
}

/** Networks whose subnet the address (`ip/len`) lies in or overlaps. */
function collisions(address: string, networks: NetworkInfo[]): string[] {
  const block = parseCidr(address);
  const ip = address.split('/')[0] ?? '';
  const out: string[] = [];
  for (const n of networks) {
    for (const s of n.subnets) {
      const subnet = parseCidr(s.subnet);
      if (subnet && block && (cidrContains(subnet, ip) || cidrsOverlap(subnet, block))) out.push(`${n.name} (${s.subnet})`);
    }
  }
  return out;
}

export function hostLeftovers(snapshot: HostSnapshot): HostLeftovers {
  const docker = snapshot.docker;
  if (!docker) return { bridges: [], subnetRoutes: [] };
  const links = snapshot.hostNamespace.links;
  const owned = new Set(docker.networks.map((n) => n.bridgeName).filter((b): b is string => b !== undefined));
  const bridges: StaleBridge[] = [];
  for (const l of links.filter((x) => x.kind === 'bridge' && !owned.has(x.name))) {
    const addresses = addressesOf(l);
    const collidesWith = [...new Set(addresses.flatMap((a) => collisions(a, docker.networks)))];
    const unowned = DOCKER_BRIDGE_NAME.test(l.name);
    if (!unowned && collidesWith.length === 0) continue; // someone else's bridge (libvirt, lxc): not Docker's business
    bridges.push({
      name: l.name,
      index: l.index,
      // Up and carrying: a bridge with no port is admin-up yet DOWN (no carrier).
      up: l.operState === 'UP',
      addresses,
      unowned,
      collidesWith,
      routes: snapshot.hostNamespace.routes
        .filter((r) => r.dev === l.name)
        .map((r) => `${r.dst} dev ${r.dev}${r.flags?.includes('linkdown') ? ' linkdown' : ''}`),
    });
  }

  const host = new HostAddressing(snapshot);
  const subnetRoutes: SubnetRoute[] = [];
  if (snapshot.hostNamespace.routes.length > 0) {
    for (const n of docker.networks.filter((x) => x.driver === 'bridge' && x.bridgeName)) {
      for (const s of n.subnets) {
        const subnet = parseCidr(s.subnet);
        if (!subnet || subnet.family !== 4) continue;
        const member = n.containers.map((c) => c.ip).find((ip) => ip && cidrContains(subnet, ip));
        const probe = member ?? addressInBlock(subnet, 2);
        const route = host.lookup(probe);
        const expected = n.bridgeName as string;
        const picked = route?.dev;
        // Gateway mode isolated (Docker 28+, internal networks only): the bridge has no address,
        // so the host has no route to the network, by design; only a stale bridge taking it is a fault.
        const isolated =
          n.options['com.docker.network.bridge.gateway_mode_ipv4'] === 'isolated' &&
          !links.find((l) => l.name === expected)?.addresses.some((a) => a.family === 'inet');
        const stale = bridges.find((b) => b.name === picked);
        const ok = picked === expected || (isolated && !stale);
        const reason =
          isolated && !stale
            ? `gateway mode isolated: ${expected} has no address, so the host has no route to ${s.subnet} by design${picked ? ` (${probe} would go to ${picked})` : ''}`
            : picked === expected
              ? `${probe} is routed to ${expected}, the network's bridge`
              : picked
                ? `${probe} is routed to ${picked}${stale ? (stale.unowned ? ', which no Docker network owns' : ", a bridge that is not Docker's") : ''}${stale && !stale.up ? ' (down)' : ''}, not to ${expected} (route ${route?.dst} dev ${picked})`
                : `no route to ${probe}: ${expected} has no route for ${s.subnet}`;
        subnetRoutes.push({
          network: n.name,
          subnet: s.subnet,
          probe,
          expected,
          ...(picked ? { picked } : {}),
          ...(route ? { route: route.dst } : {}),
          ok,
          reason,
        });
      }
    }
  }
  return { bridges, subnetRoutes };
}

/** One line per leftover and misrouted subnet, for the CLI and reports; empty when the host is clean. */
export function leftoverLines(l: HostLeftovers): string[] {
  return [
    ...l.bridges.map(
      (b) =>
        `STALE bridge ${b.name} (${b.up ? 'up' : 'down'})${b.unowned ? ': no Docker network owns it' : ''}${b.addresses.length ? `; holds ${b.addresses.join(', ')}` : ''}${b.collidesWith.length ? `; collides with ${b.collidesWith.join(', ')}` : ''}${b.routes.length ? `; routes: ${b.routes.join('; ')}` : ''}`,
    ),
    ...l.subnetRoutes.filter((r) => !r.ok).map((r) => `MISROUTED ${r.network} ${r.subnet}: ${r.reason}`),
  ];
}
