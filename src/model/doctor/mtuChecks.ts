// MTU: a network (or its bridge) with a larger MTU than the host's way out, an overlay whose
// MTU plus VXLAN's 50 bytes (70 over IPv6) does not fit the underlay, and a container
// interface whose MTU differs from the bridge it is plugged into.
import type { HostSnapshot, Link, NetworkInfo } from '../../snapshot/hostSnapshot';
import { vxlanUnderlay } from '../../snapshot/uplink';
import { sandboxNetwork } from '../overlayNetworks';
import { outsideInterface } from '../packetFlows';
import { topologyOf } from '../topology';
import { finding, type Finding } from './finding';

/** Docker's default MTU for networks it creates, whatever the uplink's. */
const DOCKER_DEFAULT_MTU = 1500;
const MTU_OPTION = 'com.docker.network.driver.mtu';

function linkNamed(snapshot: HostSnapshot, name: string | undefined): Link | undefined {
  return name ? snapshot.hostNamespace.links.find((l) => l.name === name) : undefined;
}

/** Set by whoever created the network (the default bridge records 1500 even when nobody set it). */
function explicitMtu(n: NetworkInfo): number | undefined {
  const v = Number(n.options[MTU_OPTION]);
  if (!(v > 0)) return undefined;
  if (n.options['com.docker.network.bridge.default_bridge'] === 'true' && v === DOCKER_DEFAULT_MTU) return undefined;
  return v;
}

function mtuExceedsUplink(snapshot: HostSnapshot): Finding[] {
  const uplink = outsideInterface(snapshot)?.link;
  if (!uplink) return [];
  const out: Finding[] = [];
  const byDefault: string[] = [];
  for (const n of snapshot.docker?.networks ?? []) {
    if (n.driver !== 'bridge' || !n.bridgeName || n.internal) continue;
    const bridge = linkNamed(snapshot, n.bridgeName);
    const mtu = explicitMtu(n) ?? n.mtu ?? bridge?.mtu;
    if (mtu === undefined || mtu <= uplink.mtu) continue;
    const set = explicitMtu(n);
    if (set !== undefined && set > uplink.mtu) {
      out.push(
        finding(
          'mtu-exceeds-uplink',
          'warning',
          'network',
          n.name,
          `${n.name} was created with ${MTU_OPTION}=${set}, larger than the uplink ${uplink.name}'s MTU ${uplink.mtu}: full-size packets of its containers must be fragmented or are dropped where DF is set (large responses stall, small ones work)`,
          `Re-create the network with --opt ${MTU_OPTION}=${uplink.mtu} (or lower), or raise ${uplink.name}'s MTU if the path allows it`,
        ),
      );
    } else {
      byDefault.push(`${n.name} ${mtu}`);
    }
  }
  if (byDefault.length > 0) {
    out.push(
      finding(
        'mtu-exceeds-uplink',
        'info',
        'interface',
        uplink.name,
        `the uplink ${uplink.name} has MTU ${uplink.mtu}, and ${byDefault.join(', ')} ${byDefault.length > 1 ? 'use' : 'uses'} Docker's default MTU ${DOCKER_DEFAULT_MTU} (not set on the network): TCP to the outside adapts through path MTU discovery, but if ICMP "fragmentation needed" is filtered on the way, large transfers stall`,
        `If large transfers from containers hang, create the networks with --opt ${MTU_OPTION}=${uplink.mtu} (or set "mtu": ${uplink.mtu} in daemon.json for the default bridge)`,
      ),
    );
  }
  return out;
}

function overlayMtu(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  for (const sb of snapshot.overlaySandboxes) {
    for (const vx of sb.links.filter((l) => l.kind === 'vxlan')) {
      const underlay = vxlanUnderlay(snapshot.hostNamespace, vx);
      if (!underlay) continue;
      const v6 = (vx.vxlan?.local ?? vx.vxlan?.remote ?? '').includes(':');
      const overhead = v6 ? 70 : 50;
      if (vx.mtu + overhead <= underlay.mtu) continue;
      const net = sandboxNetwork(snapshot, sb, vx.vxlan?.id);
      const peers = [...new Set(sb.fdb.filter((f) => f.ifname === vx.name && f.dst).map((f) => f.dst as string))];
      if (vx.vxlan?.remote) peers.push(vx.vxlan.remote);
      const name = net?.name ?? sb.name;
      const arithmetic = `${vx.mtu} (overlay MTU, ${vx.name} in sandbox ${sb.name}) + ${overhead} (VXLAN over IPv${v6 ? 6 : 4}: outer ${v6 ? 'IPv6 40' : 'IPv4 20'} + UDP 8 + VXLAN 8 + inner Ethernet 14) = ${vx.mtu + overhead} > ${underlay.mtu} (${underlay.name}'s MTU)`;
      const fix = `Create the overlay with --opt ${'com.docker.network.driver.mtu'}=${underlay.mtu - overhead} (underlay ${underlay.mtu} - ${overhead}), or raise the underlay's MTU to ${vx.mtu + overhead}`;
      out.push(
        peers.length > 0
          ? finding(
              'overlay-mtu',
              'warning',
              'network',
              name,
              `${arithmetic}: full-size packets to the remote VTEPs (${peers.join(', ')}) do not fit once encapsulated; small packets pass, large responses stall`,
              fix,
            )
          : finding(
              'overlay-mtu',
              'info',
              'network',
              name,
              `${arithmetic}; no remote VTEP is known yet (a single node: nothing leaves encapsulated), but once another node joins, full-size packets between nodes will not fit`,
              fix,
            ),
      );
    }
  }
  return out;
}

function mtuMismatch(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  for (const e of topologyOf(snapshot).endpoints) {
    {
      const inner = e.containerInterface;
      const bridge = linkNamed(snapshot, e.bridge);
      if (!inner?.mtu || !e.hostVeth || !bridge || bridge.mtu === inner.mtu) continue;
      out.push(
        finding(
          'mtu-mismatch',
          'warning',
          'container',
          e.containerName,
          `${e.containerName}'s ${inner.name} on ${e.network} has MTU ${inner.mtu}, but the bridge it is plugged into, ${bridge.name} (through ${e.hostVeth.name}${e.hostVeth.mtu ? `, MTU ${e.hostVeth.mtu}` : ''}), has MTU ${bridge.mtu}: frames larger than the smaller MTU are dropped on the way, silently`,
          `Give both ends the network's MTU: re-create the container (its MTU comes from the network), or ip link set dev ${bridge.name} mtu ${inner.mtu} if the bridge is the odd one`,
        ),
      );
    }
  }
  return out;
}

export function mtuChecks(snapshot: HostSnapshot): Finding[] {
  return [...mtuExceedsUplink(snapshot), ...overlayMtu(snapshot), ...mtuMismatch(snapshot)];
}
