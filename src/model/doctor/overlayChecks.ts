// Overlay and macvlan: an overlay peer this node has no VXLAN forwarding entry for (its
// containers cannot be reached), offload settings known to break VXLAN on the interface it
// leaves by, and macvlan (and ipvlan) children that cannot talk to their parent interface's
// host, by the kernel's design: worth knowing before someone debugs it for a day, unless the
// host has its own child of that parent (a shim) and routes the containers' addresses through it.
import type { FdbEntry, HostSnapshot, Link, NetworkInfo, OverlayPeer } from '../../snapshot/hostSnapshot';
import { formatIp, parseIp } from '../../snapshot/ipAddress';
import { vxlanUnderlay } from '../../snapshot/uplink';
import { HostAddressing } from '../hostAddressing';
import { sandboxNetwork } from '../overlayNetworks';
import { finding, sourceRead, type Finding } from './finding';
import { featureState, OFFLOAD_HAZARDS } from './offloadHazards';

/** An address in one text form (Docker's and iproute2's may differ for IPv6); undefined when it is none. */
function canonicalIp(text: string | undefined): string | undefined {
  const ip = text === undefined ? undefined : parseIp(text);
  return ip ? formatIp(ip) : undefined;
}

/** This node's addresses: its swarm address and every address of the host's interfaces. */
function localAddresses(snapshot: HostSnapshot): Set<string> {
  const all = [snapshot.docker?.nodeAddr, ...snapshot.hostNamespace.links.flatMap((l) => l.addresses.map((a) => a.local))];
  return new Set(all.map(canonicalIp).filter((a): a is string => a !== undefined));
}

/** What a VXLAN FDB holds towards remote VTEPs, in words: "192.0.2.3 (2 MACs), 192.0.2.4 (1 MAC)". */
function fdbSummary(entries: readonly FdbEntry[]): string {
  const macs = new Map<string, number>();
  for (const e of entries) macs.set(e.dst as string, (macs.get(e.dst as string) ?? 0) + 1);
  return [...macs].map(([dst, n]) => `${dst} (${n} MAC${n === 1 ? '' : 's'})`).join(', ');
}

/**
 * Every peer an overlay network lists, other than this node, needs at least one FDB entry on
 * the network's VXLAN device(s) with its address as `dst`: Docker writes one per remote
 * container when the gossip tells it about them. None means frames to that node's containers
 * have nowhere to go.
 */
function vxlanFdbMissing(snapshot: HostSnapshot): Finding[] {
  if (!sourceRead(snapshot, 'overlayPeers')) return [];
  const local = localAddresses(snapshot);
  const out: Finding[] = [];
  for (const sb of snapshot.overlaySandboxes) {
    // A network with several subnets has a VXLAN device per subnet: a peer needs an entry on one of them.
    const devices = new Map<NetworkInfo, Link[]>();
    for (const vx of sb.links.filter((l) => l.kind === 'vxlan')) {
      const net = sandboxNetwork(snapshot, sb, vx.vxlan?.id);
      if (net?.peers) devices.set(net, [...(devices.get(net) ?? []), vx]);
    }
    for (const [net, vxlans] of devices) {
      const names = new Set(vxlans.map((v) => v.name));
      const entries = sb.fdb.filter((f) => names.has(f.ifname) && canonicalIp(f.dst) !== undefined);
      const vteps = new Set(entries.map((f) => canonicalIp(f.dst)));
      const peers = (net.peers as OverlayPeer[]).filter((p) => canonicalIp(p.ip) !== undefined);
      const peerIps = new Set(peers.map((p) => canonicalIp(p.ip)));
      const remote = peers.filter((p) => !local.has(canonicalIp(p.ip) as string));
      // VTEPs no listed peer has: nodes joined with --data-path-addr are reached at an address the peer list does not show.
      const strangers = [...vteps].filter((v) => v !== undefined && !peerIps.has(v) && !local.has(v));
      const device = vxlans.map((v) => v.name).join(', ');
      const listed = peers.map((p) => `${p.name} ${p.ip}${local.has(canonicalIp(p.ip) as string) ? ' (this node)' : ''}`).join(', ');
      const has =
        entries.length > 0
          ? `${device}'s FDB has remote entries for ${fdbSummary(entries)}`
          : `${device}'s FDB has no entry with a remote VTEP at all (no container of another node is known here)`;
      for (const peer of remote) {
        if (vteps.has(canonicalIp(peer.ip))) continue;
        const evidence =
          `${net.name} lists peer ${peer.name} (${peer.ip}), but ${device} in sandbox ${sb.name} has no FDB entry with dst ${peer.ip}: ` +
          `frames for that node's containers have no VTEP to go to. ${has}; the peers listed: ${listed}`;
        out.push(
          strangers.length > 0
            ? finding(
                'vxlan-fdb-missing',
                'warning',
                'network',
                net.name,
                `${evidence}. The FDB names VTEPs that no listed peer has (${strangers.join(', ')}): if the nodes joined with --data-path-addr, the FDB holds those data-path addresses, which the peer list does not show`,
                `Find which node has ${strangers.join(', ')}: if it is ${peer.name} (its data-path address), nothing is missing. Otherwise: ${fdbFix(net.name, peer)}`,
              )
            : finding('vxlan-fdb-missing', 'error', 'network', net.name, evidence, fdbFix(net.name, peer)),
        );
      }
    }
  }
  return out;
}

function fdbFix(network: string, peer: OverlayPeer): string {
  return (
    `This node did not learn ${peer.name}'s endpoints through the overlay's gossip: check that TCP and UDP 7946 (gossip) and UDP 4789 (VXLAN, or the swarm's data path port) ` +
    `pass between this node and ${peer.ip} in both directions (host firewalls, security groups), and IP protocol 50 (ESP) for an encrypted overlay; ` +
    `then have the entries written again: docker network disconnect ${network} CONTAINER && docker network connect ${network} CONTAINER, or restart the task (docker service update --force SERVICE)`
  );
}

/** Offload settings documented to break VXLAN (OFFLOAD_HAZARDS) on the interface an overlay's VXLAN leaves by. */
function vxlanOffload(snapshot: HostSnapshot): Finding[] {
  if (!sourceRead(snapshot, 'offloads') || !snapshot.offloads) return [];
  const carried = new Map<string, string[]>();
  // Whether anything leaves encapsulated yet: a remote VTEP in some FDB on that underlay.
  const remote = new Set<string>();
  const local = localAddresses(snapshot);
  for (const sb of snapshot.overlaySandboxes) {
    for (const vx of sb.links.filter((l) => l.kind === 'vxlan')) {
      const underlay = vxlanUnderlay(snapshot.hostNamespace, vx);
      if (!underlay || underlay.kind === 'veth') continue;
      const net = sandboxNetwork(snapshot, sb, vx.vxlan?.id);
      carried.set(underlay.name, [...(carried.get(underlay.name) ?? []), `${net?.name ?? sb.name} (${vx.name} in ${sb.name})`]);
      const dsts = [...sb.fdb.filter((f) => f.ifname === vx.name).map((f) => f.dst), vx.vxlan?.remote];
      if (dsts.some((d) => d !== undefined && !local.has(canonicalIp(d) ?? d))) remote.add(underlay.name);
    }
  }
  const out: Finding[] = [];
  for (const [ifname, overlays] of carried) {
    const read = snapshot.offloads.find((o) => o.ifname === ifname);
    if (!read?.driver) continue;
    for (const hazard of OFFLOAD_HAZARDS.filter((h) => h.driver === read.driver)) {
      const on = hazard.features.filter((f) => featureState(read.features[f])?.on);
      if (on.length === 0) continue;
      const changeable = on.filter((f) => !featureState(read.features[f])?.fixed);
      const fixed = on.filter((f) => featureState(read.features[f])?.fixed);
      const fixes: string[] = [];
      if (changeable.length > 0)
        fixes.push(
          `ethtool -K ${ifname} ${changeable.map((f) => `${f} off`).join(' ')} (on every node whose adapter is ${read.driver}). ` +
            `It lasts until the next boot: to keep it, set it in the interface's configuration, e.g. nmcli connection modify CONNECTION ${changeable.map((f) => `ethtool.feature-${f} off`).join(' ')}`,
        );
      if (fixed.length > 0)
        fixes.push(
          `${fixed.join(', ')} ${fixed.length > 1 ? 'are' : 'is'} fixed on by the ${read.driver} driver here: ethtool cannot switch ${fixed.length > 1 ? 'them' : 'it'} off; give the VM another virtual adapter type (E1000E) or update the driver and the hypervisor`,
        );
      // On one node nothing leaves encapsulated yet: worth knowing, not yet biting.
      const bites = remote.has(ifname);
      out.push(
        finding(
          'vxlan-offload',
          bites ? 'warning' : 'info',
          'interface',
          ifname,
          `${ifname} (driver ${read.driver}) carries the VXLAN traffic of ${overlays.join(', ')} and has ${on.map((f) => `${f}: ${read.features[f]}`).join(', ')}: ${hazard.why} (documented in ${hazard.source})${bites ? '' : '; no remote VTEP is known yet (a single node: nothing leaves encapsulated), so it bites once another node joins'}`,
          fixes.join('; '),
        ),
      );
    }
  }
  return out;
}

function macvlanHostIsolation(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  for (const n of snapshot.docker?.networks ?? []) {
    if (n.driver !== 'macvlan' && n.driver !== 'ipvlan') continue;
    const members = (snapshot.docker?.containers ?? []).filter((c) => c.state === 'running' && c.endpoints.some((e) => e.network === n.name));
    if (members.length === 0) continue;
    const parent = n.options.parent ?? '(its parent interface)';
    const shim = `${n.driver === 'macvlan' ? 'macvlan' : 'ipvlan'}-shim`;
    // A host-side child of the same parent (a shim) that the host's route to a member uses: the
    // host reaches that member through it. Only the members no shim serves are reported.
    const parentLink = snapshot.hostNamespace.links.find((l) => l.name === parent);
    const host = new HostAddressing(snapshot);
    const viaShim = (ip: string): string | undefined => {
      const dev = ip ? host.lookup(ip)?.dev : undefined;
      const l = dev ? host.link(dev) : undefined;
      return l && l.kind === n.driver && parentLink && l.linkIndex === parentLink.index && l.operState !== 'DOWN' ? l.name : undefined;
    };
    const served = members.filter((c) => c.endpoints.filter((e) => e.network === n.name).every((e) => viaShim(e.ip) !== undefined));
    if (served.length === members.length) continue;
    const shims = [...new Set(served.flatMap((c) => c.endpoints.filter((e) => e.network === n.name).map((e) => viaShim(e.ip))))];
    const unserved = members.filter((c) => !served.includes(c));
    out.push(
      finding(
        'macvlan-host-isolation',
        'info',
        'network',
        n.name,
        `${n.name} is a ${n.driver} network on ${parent}: its containers (${unserved.map((c) => `${c.name} ${c.endpoints.find((e) => e.network === n.name)?.ip ?? ''}`.trim()).join(', ')}) and this host cannot reach each other through ${parent}, by the kernel's design (the parent does not receive its children's frames); other machines on the LAN reach them${served.length ? `; ${served.map((c) => c.name).join(', ')} ${served.length === 1 ? 'is' : 'are'} reached through ${shims.join(', ')}` : ''}`,
        `If the host must reach them, give it its own ${n.driver} interface on ${parent}: ip link add ${shim} link ${parent} type ${n.driver} mode ${n.driver === 'macvlan' ? 'bridge' : 'l2'}; ip addr add ADDRESS/32 dev ${shim}; ip link set ${shim} up; ip route add ${unserved[0]?.endpoints.find((e) => e.network === n.name)?.ip || 'CONTAINER-ADDRESS'}/32 dev ${shim} (a route per container, or the subnet when ${parent} holds no address in it)`,
      ),
    );
  }
  return out;
}

export function overlayChecks(snapshot: HostSnapshot): Finding[] {
  return [...vxlanFdbMissing(snapshot), ...vxlanOffload(snapshot), ...macvlanHostIsolation(snapshot)];
}
