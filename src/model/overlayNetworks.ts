// Which overlay sandbox serves which Docker overlay network: Docker names a network's sandbox
// `<n>-<network id prefix>` (under /var/run/docker/netns); the VXLAN id (vxlanid_list) is the
// fallback when the name says nothing.
import type { HostSnapshot, NetworkInfo, OverlaySandbox } from '../snapshot/hostSnapshot';

/** The sandbox of an overlay network, by its name's network id prefix. */
export function networkSandbox(network: NetworkInfo, sandboxes: readonly OverlaySandbox[]): OverlaySandbox | undefined {
  const prefix = network.id.slice(0, 10);
  return sandboxes.find((s) => new RegExp(`^\\d+-${prefix}`).test(s.name));
}

/** The Docker network an overlay sandbox serves: `1-<network id prefix>`, else by VNI. */
export function sandboxNetwork(snapshot: HostSnapshot, sb: OverlaySandbox, vni: number | undefined): NetworkInfo | undefined {
  const nets = (snapshot.docker?.networks ?? []).filter((n) => n.driver === 'overlay');
  const prefix = /^\d+-([0-9a-z]+)$/.exec(sb.name)?.[1];
  return (prefix ? nets.find((n) => n.id.startsWith(prefix)) : undefined) ?? nets.find((n) => vni !== undefined && n.vxlanIds?.includes(vni));
}
