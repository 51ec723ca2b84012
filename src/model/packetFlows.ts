// The flows a user asks about, built from a snapshot: a connection from outside to a
// published port, a container's connection out, one container to another. Pure.
import type { HostSnapshot, Link } from '../snapshot/hostSnapshot';
import { ipFamily } from '../snapshot/ipAddress';
import { outsideLink, uplinkName } from '../snapshot/uplink';
import { firstAddress } from './hostAddressing';
import type { Flow, FlowProtocol } from './packetPath';
import { findContainer } from './containerLookup';

/** The host's uplink: the interface of its default route. */
export function uplinkOf(snapshot: HostSnapshot): string | undefined {
  return uplinkName(snapshot.hostNamespace);
}

/**
 * The interface outside traffic arrives on: the default route's; on a host without one, the
 * first non-virtual interface with an IPv4 address (`noDefault` says it was guessed).
 */
export function outsideInterface(snapshot: HostSnapshot): { link: Link; noDefault: boolean } | undefined {
  return outsideLink(snapshot.hostNamespace);
}

/**
 * (a) A new connection from an outside client to a published host port: it arrives on the
 * uplink (or the interface given) addressed to that interface's own address of the client's
 * family (IPv4, or a global IPv6 address).
 */
export function inboundFlow(
  snapshot: HostSnapshot,
  opts: { client: string; hostPort: number; protocol?: 'tcp' | 'udp'; uplink?: string; hostAddress?: string; sport?: number },
): Flow {
  const uplink = opts.uplink ?? uplinkOf(snapshot);
  if (!uplink) throw new Error('the snapshot has no default route: name the interface the connection arrives on');
  const family = ipFamily(opts.client) ?? 4;
  const hostAddress =
    opts.hostAddress ??
    firstAddress(
      snapshot.hostNamespace.links.find((l) => l.name === uplink),
      family,
    );
  if (!hostAddress) throw new Error(`${uplink} has no ${family === 6 ? 'global IPv6' : 'IPv4'} address in the snapshot: give the host address`);
  const flow: Flow = { protocol: opts.protocol ?? 'tcp', src: opts.client, dst: hostAddress, dport: opts.hostPort, inInterface: uplink };
  if (opts.sport !== undefined) flow.sport = opts.sport;
  return flow;
}

interface BridgeEndpoint {
  ip: string;
  network: string;
  bridge: string;
}

/** A container's endpoints on bridge networks, each with the bridge its packets arrive on. */
function bridgeEndpoints(snapshot: HostSnapshot, container: string): BridgeEndpoint[] {
  const docker = snapshot.docker;
  if (!docker) throw new Error('the snapshot has no Docker state');
  const c = findContainer(docker.containers, container);
  if (!c) throw new Error(`no container ${container} in the snapshot`);
  const out: BridgeEndpoint[] = [];
  for (const e of c.endpoints) {
    const net = docker.networks.find((n) => n.name === e.network);
    if (e.ip && net?.driver === 'bridge' && net.bridgeName) out.push({ ip: e.ip, network: e.network, bridge: net.bridgeName });
  }
  if (out.length === 0) throw new Error(`container ${container} has no address on a bridge network`);
  return out;
}

/** (b) A container's new connection to an outside address: it arrives on its network's bridge. */
export function containerOutboundFlow(
  snapshot: HostSnapshot,
  container: string,
  opts: { dst: string; dport?: number; protocol?: FlowProtocol; network?: string; sport?: number },
): Flow {
  const eps = bridgeEndpoints(snapshot, container);
  const ep = opts.network ? eps.find((e) => e.network === opts.network) : eps[0];
  if (!ep) throw new Error(`container ${container} is not on ${opts.network}`);
  const flow: Flow = { protocol: opts.protocol ?? 'tcp', src: ep.ip, dst: opts.dst, inInterface: ep.bridge };
  if (opts.dport !== undefined) flow.dport = opts.dport;
  if (opts.sport !== undefined) flow.sport = opts.sport;
  return flow;
}

/**
 * (c) Container to container: through a network both share when there is one (the packet is
 * bridged), else from the sender's first bridge network to the receiver's first address.
 */
export function containerToContainerFlow(
  snapshot: HostSnapshot,
  from: string,
  to: string,
  opts: { dport?: number; protocol?: FlowProtocol; sport?: number } = {},
): Flow {
  const src = bridgeEndpoints(snapshot, from);
  const dst = bridgeEndpoints(snapshot, to);
  const shared = src.find((s) => dst.some((d) => d.network === s.network));
  const a = shared ?? (src[0] as BridgeEndpoint);
  const b = dst.find((d) => d.network === a.network) ?? (dst[0] as BridgeEndpoint);
  const flow: Flow = { protocol: opts.protocol ?? 'tcp', src: a.ip, dst: b.ip, inInterface: a.bridge };
  if (opts.dport !== undefined) flow.dport = opts.dport;
  if (opts.sport !== undefined) flow.sport = opts.sport;
  return flow;
}
