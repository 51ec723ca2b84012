// Addressing: a Docker network's subnet overlapping a host route or address (a VPN, a LAN,
// a leftover bridge) or another Docker network, and containers whose address changed since
// the previous snapshot while a rule or another container's /etc/hosts entry still names the old one.
import type { HostSnapshot, NetworkInfo } from '../../snapshot/hostSnapshot';
import { cidrsOverlap, parseCidr } from '../../snapshot/ipAddress';
import { hostLeftovers } from '../leftovers';
import { finding, type Finding } from './finding';

function family(cidr: string): 4 | 6 {
  return cidr.includes(':') ? 6 : 4;
}

function overlap(a: string, b: string): boolean {
  const fa = family(a);
  if (fa !== family(b)) return false;
  const x = parseCidr(a, fa);
  const y = parseCidr(b, fa);
  return x !== undefined && y !== undefined && cidrsOverlap(x, y);
}

function subnetOverlap(snapshot: HostSnapshot): Finding[] {
  const docker = snapshot.docker;
  if (!docker) return [];
  const out: Finding[] = [];
  const nets = docker.networks.filter((n) => n.subnets.some((s) => s.subnet));
  const bridgeOwner = new Map(nets.filter((n) => n.bridgeName).map((n) => [n.bridgeName as string, n]));
  const leftovers = hostLeftovers(snapshot);
  const misrouted = new Set<string>();
  for (const r of leftovers.subnetRoutes) {
    if (r.ok) continue;
    misrouted.add(`${r.network} ${r.subnet}`);
    out.push(
      finding(
        'subnet-overlap',
        'error',
        'network',
        r.network,
        `${r.network}'s subnet ${r.subnet}: ${r.reason}. Traffic to its containers from the host and through published ports goes the wrong way`,
        r.picked && leftovers.bridges.some((b) => b.name === r.picked)
          ? `Remove the leftover bridge (ip link delete ${r.picked}), or move ${r.network} to a free subnet`
          : `Remove or narrow the overlapping route${r.route ? ` (ip route del ${r.route}${r.picked ? ` dev ${r.picked}` : ''})` : ''}, or re-create ${r.network} on a free subnet (docker network create --subnet ...)`,
      ),
    );
  }
  // Host routes (a VPN, a LAN) overlapping a network's subnet, even where the bridge still wins.
  for (const n of nets) {
    for (const s of n.subnets) {
      if (!s.subnet) continue;
      if (misrouted.has(`${n.name} ${s.subnet}`)) continue;
      for (const r of snapshot.hostNamespace.routes) {
        if (r.dst === 'default' || r.dst.startsWith('fe80:') || (r.table && r.table !== 'main')) continue;
        if (r.dev && r.dev === n.bridgeName) continue;
        // A macvlan or ipvlan network shares its parent's LAN: the parent's route to it is the design.
        if (r.dev && (n.driver === 'macvlan' || n.driver === 'ipvlan') && r.dev === n.options.parent) continue;
        // A host route (`ip -j route` gives 10.8.0.1 for 10.8.0.1/32).
        const dst = r.dst.includes('/') ? r.dst : `${r.dst}/${r.dst.includes(':') ? 128 : 32}`;
        const owner = r.dev ? bridgeOwner.get(r.dev) : undefined;
        if (owner && owner.name !== n.name && owner.subnets.some((x) => x.subnet === r.dst)) continue; // another network's own route: reported below
        if (!overlap(dst, s.subnet)) continue;
        out.push(
          finding(
            'subnet-overlap',
            'warning',
            'network',
            n.name,
            `${n.name}'s subnet ${s.subnet} overlaps the host route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}: hosts in the overlap are unreachable from ${n.name}'s containers (their replies would go to the bridge), and whichever route is more specific wins for the host`,
            `Move ${n.name} to a subnet nothing else uses (docker network create --subnet ...; or default-address-pools in daemon.json), or narrow the other route`,
          ),
        );
      }
    }
  }
  // Docker networks overlapping each other (possible across scopes, or after a hand edit).
  const pairs: [NetworkInfo, string, NetworkInfo, string][] = [];
  for (let i = 0; i < nets.length; i++) {
    for (let j = i + 1; j < nets.length; j++) {
      const a = nets[i] as NetworkInfo;
      const b = nets[j] as NetworkInfo;
      for (const sa of a.subnets)
        for (const sb of b.subnets) if (sa.subnet && sb.subnet && overlap(sa.subnet, sb.subnet)) pairs.push([a, sa.subnet, b, sb.subnet]);
    }
  }
  for (const [a, sa, b, sb] of pairs) {
    out.push(
      finding(
        'subnet-overlap',
        'warning',
        'network',
        a.name,
        `${a.name} (${a.driver}, ${sa}) overlaps ${b.name} (${b.driver}, ${sb}): the host has one route for the overlap, so one of them is unreachable from the host and the other's containers cannot reach the first's addresses`,
        `Re-create one of them on a free subnet (docker network create --subnet ...)`,
      ),
    );
  }
  return out;
}

/** Where a rule or entry still names an address: iptables specs and native nft rules. */
function rulesNaming(snapshot: HostSnapshot, ip: string): string[] {
  const word = new RegExp(`(^|[^0-9a-f.:])${ip.replace(/[.]/g, '\\.')}(?![0-9])`, 'i');
  const out: string[] = [];
  for (const state of [snapshot.netfilter, snapshot.netfilter6]) {
    for (const t of state?.tables ?? [])
      for (const c of t.chains) for (const r of c.rules) if (word.test(r.spec)) out.push(`${r.table} ${r.chain} #${r.position}: ${r.spec}`);
  }
  for (const t of snapshot.nftables?.tables ?? []) {
    if (t.origin !== 'native') continue;
    for (const c of t.chains) for (const r of c.rules) if (word.test(r.text)) out.push(`${t.family} ${t.name} ${c.name} handle ${r.handle}: ${r.text}`);
  }
  return out;
}

/** Containers whose /etc/hosts pins an address (their --add-host entries). */
function hostsEntriesNaming(snapshot: HostSnapshot, ip: string): string[] {
  const out: string[] = [];
  for (const c of snapshot.docker?.containers ?? [])
    for (const h of c.extraHosts ?? []) if (h.ip === ip) out.push(`${c.name}'s /etc/hosts entry ${h.name} ${h.ip} (--add-host)`);
  return out;
}

function ipChanged(snapshot: HostSnapshot, previous: HostSnapshot | undefined): Finding[] {
  if (!previous?.docker || !snapshot.docker) return [];
  const out: Finding[] = [];
  for (const c of snapshot.docker.containers) {
    if (c.state !== 'running') continue;
    const before = previous.docker.containers.find((p) => p.id === c.id) ?? previous.docker.containers.find((p) => p.name === c.name);
    if (!before) continue;
    for (const e of c.endpoints) {
      const old = before.endpoints.find((x) => x.network === e.network);
      for (const key of ['ip', 'ipv6'] as const) {
        const was = old?.[key];
        const now = e[key];
        if (!was || !now || was === now) continue;
        const holder = snapshot.docker.containers.find((x) => x.id !== c.id && x.endpoints.some((y) => y[key] === was));
        const naming = [...rulesNaming(snapshot, was), ...hostsEntriesNaming(snapshot, was)];
        const since = `since the previous snapshot (${previous.takenAt})`;
        const evidence = `${c.name}'s address on ${e.network} changed from ${was} to ${now} ${since}${holder ? `; ${was} now belongs to ${holder.name}` : ''}`;
        out.push(
          naming.length > 0
            ? finding(
                'ip-changed',
                'warning',
                'container',
                c.name,
                `${evidence}, but ${naming.length === 1 ? 'a rule or hosts entry still names' : `${naming.length} rules or hosts entries still name`} the old address: ${naming.join('; ')}`,
                `Update the rule or entry to ${now} (an --add-host entry: re-create that container), or better match on the container's name or network instead of its address; a fixed address: docker network connect --ip ${now} ${e.network} ${c.name}`,
              )
            : finding(
                'ip-changed',
                'info',
                'container',
                c.name,
                `${evidence}; no rule on the host names the old address, but clients that hard-coded it now miss`,
                `Refer to ${c.name} by name (Docker's DNS on a user-defined network), or give it a fixed address (--ip)`,
              ),
        );
      }
    }
  }
  return out;
}

export function addressingChecks(snapshot: HostSnapshot, previous?: HostSnapshot): Finding[] {
  return [...subnetOverlap(snapshot), ...ipChanged(snapshot, previous)];
}
