// Overlay and macvlan: macvlan (and ipvlan) children cannot talk to their parent interface's
// host, by the kernel's design; worth knowing before someone debugs it for a day, unless the
// host has its own child of that parent (a shim) and routes the containers' addresses through it.
import type { HostSnapshot } from '../../snapshot/hostSnapshot';
import { HostAddressing } from '../hostAddressing';
import { finding, type Finding } from './finding';

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
  return macvlanHostIsolation(snapshot);
}
