// What "Explain Connection" offers to pick: the sources (the host, an outside client, each
// running container) and, for a source, the destinations worth asking about: every port
// something listens on in a container's namespace (by the container's name, as a user would
// type it) and every published host port, addressed the way that source would reach it.
// Pure: the quick picks in src/ui show these.
import type { ContainerInfo, HostSnapshot } from '../snapshot/hostSnapshot';
import { outsideInterface } from './packetFlows';
import { socketAddress } from './socketAddress';
import { topologyOf } from './topology';
import { containerAddressText } from './containerSummary';

export interface ConnectionChoice {
  label: string;
  description?: string;
  /** What `explain` takes: SRC for a source, DST for a destination. */
  value: string;
  protocol: 'tcp' | 'udp';
}

const USER_NETWORK = (name: string) => !['bridge', 'host', 'none'].includes(name);

const addresses = (c: ContainerInfo) => c.endpoints.flatMap((e) => [e.ip, e.ipv6].filter((x): x is string => !!x)).join(', ');

export function connectionSources(snapshot: HostSnapshot): ConnectionChoice[] {
  const out: ConnectionChoice[] = [
    { label: 'host', description: "the host's own network namespace", value: 'host', protocol: 'tcp' },
    { label: 'outside', description: 'a client arriving on the uplink', value: 'outside', protocol: 'tcp' },
  ];
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running') continue;
    out.push({ label: c.name, description: addresses(c) || containerAddressText(c, snapshot.docker?.containers ?? []), value: c.name, protocol: 'tcp' });
  }
  return out;
}

/** The destinations for `source` (a value of connectionSources), listeners first, then published host ports. */
export function connectionDestinations(snapshot: HostSnapshot, source: string): ConnectionChoice[] {
  const containers = snapshot.docker?.containers ?? [];
  const topo = topologyOf(snapshot);
  const from = containers.find((c) => c.name === source);
  const out: ConnectionChoice[] = [];
  const seen = new Set<string>();
  const add = (c: ConnectionChoice) => {
    const key = `${c.value}/${c.protocol}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  };
  for (const ns of snapshot.containerNamespaces) {
    const owner = containers.find((c) => c.id === ns.containerId);
    if (!owner || owner.state !== 'running' || owner.name === source) continue;
    const sharers = containers.filter((c) => c.id !== owner.id && topo.containers.find((t) => t.id === c.id)?.namespaceOwnerId === owner.id);
    // By name where the source's embedded DNS knows it (a user-defined network in common), else by address.
    const byName = !from || from.endpoints.some((e) => USER_NETWORK(e.network) && owner.endpoints.some((o) => o.network === e.network));
    const ip = owner.endpoints.find((e) => e.ip)?.ip;
    for (const l of ns.listeners ?? []) {
      if (l.address.startsWith('127.0.0.11')) continue; // Docker's embedded DNS, inside every namespace
      const value = byName || !ip ? `${owner.name}:${l.port}` : socketAddress(ip, l.port);
      add({
        label: value === `${owner.name}:${l.port}` ? value : `${owner.name}:${l.port} (${value})`,
        description: `${l.protocol} ${socketAddress(l.address, l.port)}${sharers.length ? ` (shared with ${sharers.map((s) => s.name).join(', ')})` : ''}`,
        value,
        protocol: l.protocol,
      });
    }
  }
  const gateway = from?.endpoints.find((e) => e.gateway && !e.gateway.includes(':'))?.gateway;
  const uplink = outsideInterface(snapshot)?.link.addresses.find((a) => a.family === 'inet')?.local;
  for (const c of containers) {
    for (const p of c.ports) {
      if (!p.hostPort || (p.protocol !== 'tcp' && p.protocol !== 'udp')) continue;
      const bound = p.hostIp && p.hostIp !== '0.0.0.0' && p.hostIp !== '::' ? p.hostIp : undefined;
      const ip = bound ?? (source === 'host' ? (p.hostIp === '::' ? '::1' : '127.0.0.1') : source === 'outside' ? uplink : gateway);
      if (!ip) continue;
      add({
        label: socketAddress(ip, p.hostPort),
        description: `${p.protocol}: published by ${c.name} (-> ${p.containerPort})`,
        value: socketAddress(ip, p.hostPort),
        protocol: p.protocol,
      });
    }
  }
  return out;
}
