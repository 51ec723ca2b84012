// Name resolution: containers on the default bridge (no embedded DNS), namespaces on a
// user-defined network whose redirect to Docker's resolver (127.0.0.11) is missing, and
// network aliases that several containers answer to (round-robin sets).
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
  return [...defaultBridgeDns(snapshot), ...dnsRedirectMissing(snapshot), ...aliasGroups(snapshot)];
}
