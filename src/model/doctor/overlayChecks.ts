// Overlay and macvlan: macvlan (and ipvlan) children cannot talk to their parent interface's
// host, by the kernel's design; worth knowing before someone debugs it for a day.
import type { HostSnapshot } from '../../snapshot/hostSnapshot';
import { finding, type Finding } from './finding';

function macvlanHostIsolation(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  for (const n of snapshot.docker?.networks ?? []) {
    if (n.driver !== 'macvlan' && n.driver !== 'ipvlan') continue;
    const members = (snapshot.docker?.containers ?? []).filter((c) => c.state === 'running' && c.endpoints.some((e) => e.network === n.name));
    if (members.length === 0) continue;
    const parent = n.options.parent ?? '(its parent interface)';
    const shim = `${n.driver === 'macvlan' ? 'macvlan' : 'ipvlan'}-shim`;
    out.push(
      finding(
        'macvlan-host-isolation',
        'info',
        'network',
        n.name,
        `${n.name} is a ${n.driver} network on ${parent}: its containers (${members.map((c) => c.name).join(', ')}) and this host cannot reach each other through ${parent}, by the kernel's design (the parent does not receive its children's frames); other machines on the LAN reach them`,
        `If the host must reach them, give it its own ${n.driver} interface on ${parent}: ip link add ${shim} link ${parent} type ${n.driver} mode ${n.driver === 'macvlan' ? 'bridge' : 'l2'}; ip addr add ADDRESS/32 dev ${shim}; ip link set ${shim} up; ip route add SUBNET dev ${shim}`,
      ),
    );
  }
  return out;
}

export function overlayChecks(snapshot: HostSnapshot): Finding[] {
  return macvlanHostIsolation(snapshot);
}
