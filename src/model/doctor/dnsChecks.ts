// Name resolution: containers on the default bridge (no embedded DNS), namespaces on a
// user-defined network whose redirect to Docker's resolver (127.0.0.11) is missing, and
// network aliases that several containers answer to (round-robin sets), and containers that
// refer to another by name (a link, a host name in their environment) but share no network with it.
import type { ContainerInfo, HostSnapshot, NetworkInfo } from '../../snapshot/hostSnapshot';
import { finding, sourceRead, type Finding } from './finding';

const BUILT_IN = new Set(['bridge', 'host', 'none']);

function networkOf(snapshot: HostSnapshot, name: string): NetworkInfo | undefined {
  return snapshot.docker?.networks.find((n) => n.name === name);
}

/** The default bridge (docker0, or whatever bridge the engine was given). */
function isDefaultBridge(n: NetworkInfo | undefined, name: string): boolean {
  return n ? n.options['com.docker.network.bridge.default_bridge'] === 'true' || (n.name === 'bridge' && n.driver === 'bridge') : name === 'bridge';
}

/** Networks whose containers Docker's embedded DNS answers for: user-defined ones. */
function userNetworks(c: ContainerInfo): string[] {
  return c.endpoints.map((e) => e.network).filter((n) => !BUILT_IN.has(n));
}

function defaultBridgeDns(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running') continue;
    const onDefault = c.endpoints.filter((e) => isDefaultBridge(networkOf(snapshot, e.network), e.network));
    if (onDefault.length === 0 || userNetworks(c).length > 0) continue;
    out.push(
      finding(
        'default-bridge-dns',
        'info',
        'container',
        c.name,
        `${c.name} is on the default bridge only (${onDefault.map((e) => `${e.network} ${e.ip}`).join(', ')}): there is no embedded DNS there; its resolv.conf is a copy of the host's, so it asks the host's resolvers, which do not know container names (only --link entries in its /etc/hosts resolve)`,
        `Put it on a user-defined network to reach others by name: docker network create app && docker network connect app ${c.name}`,
      ),
    );
  }
  return out;
}

function dnsRedirectMissing(snapshot: HostSnapshot): Finding[] {
  if (!sourceRead(snapshot, 'containerDnsRules')) return [];
  const out: Finding[] = [];
  for (const ns of snapshot.containerNamespaces) {
    const c = snapshot.docker?.containers.find((x) => x.id === ns.containerId);
    if (!c || c.state !== 'running' || c.modeKind === 'host' || c.modeKind === 'container') continue;
    const user = userNetworks(c);
    if (user.length === 0 || ns.dnsRules === undefined) continue;
    const redirects = ns.dnsRules.chains.flatMap((ch) => ch.rules).filter((r) => (r.targetOptions['to-destination'] ?? '').startsWith('127.0.0.11:'));
    const protocols = new Set(redirects.map((r) => r.match.protocol ?? 'any'));
    const missing = ['udp', 'tcp'].filter((p) => !protocols.has(p) && !protocols.has('any'));
    if (missing.length === 0) continue;
    // With the nftables backend the redirect may live in nftables inside the namespace, which
    // is not read: an empty iptables nat table there proves nothing.
    if (snapshot.docker?.firewallBackend === 'nftables' && redirects.length === 0) continue;
    const chains = ns.dnsRules.chains.map((ch) => `${ch.name} (${ch.rules.length})`).join(', ');
    out.push(
      finding(
        'dns-redirect-missing',
        'error',
        'container',
        c.name,
        `${c.name} is on ${user.join(', ')}, so its resolv.conf names 127.0.0.11, but its namespace's nat table has no DNAT of ${missing.join(' and ')} port 53 to Docker's resolver (127.0.0.11:PORT)${redirects.length ? `; it has ${redirects.map((r) => r.spec).join('; ')}` : ''}; chains there: ${chains || 'none'}. Name lookups inside it time out`,
        `Restart the container so Docker re-creates the redirect (docker restart ${c.name}); if something inside it flushes its iptables (a firewall in the image, NET_ADMIN), stop that`,
      ),
    );
  }
  return out;
}

/** The networks a container is on: for `container:X`, X's. */
function networksOf(snapshot: HostSnapshot, c: ContainerInfo): string[] {
  let owner = c;
  if (c.modeKind === 'container' && c.modeTarget) {
    const t = c.modeTarget;
    owner = snapshot.docker?.containers.find((x) => x.id === t || x.id.startsWith(t) || x.name === t) ?? c;
  }
  return owner.endpoints.map((e) => e.network).filter((n) => n !== 'none' && n !== 'host');
}

/** Whether a name refers to a container: its name, id prefix, or an alias on one of its networks. */
function answersTo(c: ContainerInfo, name: string): boolean {
  const n = name.toLowerCase();
  return (
    c.name.toLowerCase() === n ||
    (n.length >= 12 && c.id.startsWith(n)) ||
    c.endpoints.some((e) => e.aliases.some((a) => a.toLowerCase() === n) || e.dnsNames.some((a) => a.toLowerCase() === n))
  );
}

function noSharedNetwork(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  const all = snapshot.docker?.containers ?? [];
  for (const c of all) {
    if (c.state !== 'running' || !c.nameRefs?.length) continue;
    const mine = new Set(networksOf(snapshot, c));
    const pinned = new Set((c.extraHosts ?? []).map((h) => h.name.toLowerCase()));
    const reported = new Set<string>();
    for (const ref of c.nameRefs) {
      if (pinned.has(ref.name) || reported.has(ref.name)) continue;
      const targets = all.filter((t) => t.id !== c.id && t.modeTarget !== c.id && c.modeTarget !== t.id && answersTo(t, ref.name));
      if (targets.length === 0) continue; // not a container's name: a host elsewhere
      if (targets.some((t) => networksOf(snapshot, t).some((n) => mine.has(n)))) continue;
      reported.add(ref.name);
      const where = targets.map((t) => `${t.name} (${networksOf(snapshot, t).join(', ') || t.networkMode || 'no network'})`).join(', ');
      const mode = c.modeKind === 'host' ? 'the host network' : c.modeKind === 'none' ? 'no network (none)' : [...mine].join(', ') || 'no network';
      const join = targets.flatMap((t) => networksOf(snapshot, t)).find((n) => !BUILT_IN.has(n));
      const hostMode = targets.find((t) => t.modeKind === 'host');
      out.push(
        finding(
          'no-shared-network',
          'warning',
          'container',
          c.name,
          `${c.name} refers to ${ref.name} (${ref.via}${ref.alias ? `, as ${ref.alias}` : ''}), which is ${where}; ${c.name} is on ${mode}: they share no network, so ${ref.name} does not resolve from ${c.name} and no route joins them`,
          join
            ? `Connect ${c.name} to a network ${ref.name} is on: docker network connect ${join} ${c.name} (or put both in one compose network)`
            : hostMode
              ? `${hostMode.name} uses the host's network, which Docker cannot connect to a network: reach it by the host's address from ${c.name} (--add-host ${ref.name}:host-gateway)`
              : `Put both on one user-defined network: docker network create app && docker network connect app ${c.name} && docker network connect app ${targets[0]?.name ?? ref.name}`,
        ),
      );
    }
  }
  return out;
}

function aliasGroups(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  const groups = new Map<string, { network: string; alias: string; members: string[] }>();
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running') continue;
    for (const e of c.endpoints) {
      if (BUILT_IN.has(e.network)) continue;
      for (const alias of new Set([...e.aliases, ...e.dnsNames])) {
        if (alias === c.name || c.id.startsWith(alias)) continue;
        const key = `${e.network}\u0000${alias}`;
        const g = groups.get(key) ?? { network: e.network, alias, members: [] };
        g.members.push(`${c.name} ${e.ip || e.ipv6}`);
        groups.set(key, g);
      }
    }
  }
  for (const g of groups.values()) {
    if (g.members.length < 2) continue;
    out.push(
      finding(
        'alias-round-robin',
        'info',
        'network',
        g.network,
        `${g.alias} on ${g.network} is a round-robin set of ${g.members.length}: ${g.members.join(', ')}; the embedded DNS answers with all of them, rotated, and clients that cache the first answer stick to one`,
        `Nothing to fix; to spread load evenly use a client that re-resolves, or a load balancer in front`,
      ),
    );
  }
  return out;
}

export function dnsChecks(snapshot: HostSnapshot): Finding[] {
  return [...defaultBridgeDns(snapshot), ...dnsRedirectMissing(snapshot), ...noSharedNetwork(snapshot), ...aliasGroups(snapshot)];
}
