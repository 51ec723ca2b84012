// Who answers to which network alias: for each network Docker's embedded DNS serves, each alias
// (`--network-alias`, a compose service name) with the running containers that answer to it.
// Several containers on one alias make a round-robin set: the embedded DNS returns all of their
// addresses, in turn. A container's own name and id are not aliases here (every container
// answers to those). Pure: the Networks view, its hovers and `container-net topology` show these.
import type { ContainerEndpoint, ContainerInfo, HostSnapshot } from '../snapshot/hostSnapshot';

/** Networks where Docker's embedded DNS does not answer: no alias resolves there. */
const NO_EMBEDDED_DNS = new Set(['bridge', 'host', 'none']);

export interface AliasMember {
  containerId: string;
  containerName: string;
  /** The member's address on the alias's network ('' when it has none). */
  ip: string;
  ipv6?: string;
}

export interface AliasGroup {
  network: string;
  alias: string;
  /** Sorted by container name. */
  members: AliasMember[];
  /** More than one container answers: the embedded DNS hands out every address, in turn. */
  roundRobin: boolean;
}

/** The names an endpoint answers to besides its container's own name and id. */
export function endpointAliases(container: Pick<ContainerInfo, 'id' | 'name'>, endpoint: Pick<ContainerEndpoint, 'aliases' | 'dnsNames'>): string[] {
  const own = (a: string) => a === container.name || (/^[0-9a-f]{12,64}$/.test(a) && container.id.startsWith(a));
  return [...new Set([...endpoint.aliases, ...endpoint.dnsNames])].filter((a) => a !== '' && !own(a));
}

/** Worked out once per snapshot (a snapshot is never changed once read): every network's row asks. */
const computed = new WeakMap<HostSnapshot, AliasGroup[]>();

/** Every alias group of the host, by network then alias; only running containers answer. */
export function aliasGroups(snapshot: HostSnapshot): AliasGroup[] {
  let groups = computed.get(snapshot);
  if (!groups) {
    groups = groupAliases(snapshot);
    computed.set(snapshot, groups);
  }
  return groups;
}

function groupAliases(snapshot: HostSnapshot): AliasGroup[] {
  const groups = new Map<string, AliasGroup>();
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running') continue;
    for (const e of c.endpoints) {
      if (NO_EMBEDDED_DNS.has(e.network)) continue;
      for (const alias of endpointAliases(c, e)) {
        const key = `${e.network}\u0000${alias}`;
        let g = groups.get(key);
        if (!g) {
          g = { network: e.network, alias, members: [], roundRobin: false };
          groups.set(key, g);
        }
        if (g.members.some((m) => m.containerId === c.id)) continue;
        g.members.push({ containerId: c.id, containerName: c.name, ip: e.ip, ...(e.ipv6 ? { ipv6: e.ipv6 } : {}) });
      }
    }
  }
  const out = [...groups.values()];
  for (const g of out) {
    g.members.sort((a, b) => a.containerName.localeCompare(b.containerName));
    g.roundRobin = g.members.length > 1;
  }
  return out.sort((a, b) => a.network.localeCompare(b.network) || a.alias.localeCompare(b.alias));
}

/** The alias groups of one network. */
export function networkAliasGroups(snapshot: HostSnapshot, network: string): AliasGroup[] {
  return aliasGroups(snapshot).filter((g) => g.network === network);
}

/** "web1 172.30.1.11, web2 172.30.1.12 (round robin)": the members as one line. */
export function aliasMembersText(g: AliasGroup): string {
  const members = g.members.map((m) => `${m.containerName}${m.ip ? ` ${m.ip}` : ''}${m.ipv6 ? ` ${m.ipv6}` : ''}`).join(', ');
  return `${members}${g.roundRobin ? ' (round robin)' : ''}`;
}
