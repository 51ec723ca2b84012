// A container's live connections, from the host's conntrack table: the entries whose original
// source is one of the container's addresses (it opened the connection) or whose reply source
// is (it answers: the real destination, after any DNAT). A container sharing another's network
// namespace (`container:X`) has X's addresses. NAT shows where the reply tuple is not the
// original turned around: the destination was rewritten (DNAT, a published port) or the source
// (SNAT, MASQUERADE on the way out). The host's conntrack sees flows that cross the host's
// namespace (bridged with br_netfilter, routed, NATed), not those kept inside a namespace. Pure.
import type { ConntrackEntry, ConntrackTuple, HostSnapshot } from '../snapshot/hostSnapshot';
import { formatIp, parseIp } from '../snapshot/ipAddress';
import { socketAddress } from './socketAddress';
import { topologyOf } from './topology';

/** Connections listed per container before the rest are counted only. */
export const CONNECTIONS_SHOWN = 50;

export type NatKind = 'DNAT' | 'SNAT';

export interface ContainerConnection {
  entry: ConntrackEntry;
  /** out: the container opened it; in: it answers it. */
  direction: 'in' | 'out';
  /** What the kernel rewrote: the destination (DNAT), the source (SNAT), both, or nothing. */
  nat: NatKind[];
  /** The container at the other end, when the peer's address is one of this host's containers. */
  peer?: string;
}

export interface ContainerConnections {
  /** The first `limit` connections, in the order conntrack listed them. */
  shown: ContainerConnection[];
  /** How many more matched than are shown. */
  more: number;
  /** The addresses the entries were matched on (empty for host mode or no network). */
  addresses: string[];
  /** Why nothing can be listed (conntrack not read, no address of its own), if so. */
  unavailable?: string;
  /** The host read stopped at its limit: more of this container's connections may exist. */
  readTruncated: boolean;
}

const canonical = (text: string): string => {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : text;
};

/** The addresses conntrack would show for a container: its own endpoints', or its namespace owner's. */
function containerAddresses(snapshot: HostSnapshot, containerId: string): { addresses: string[]; why?: string } {
  const containers = snapshot.docker?.containers ?? [];
  const ownerId = topologyOf(snapshot).containers.find((c) => c.id === containerId)?.namespaceOwnerId ?? containerId;
  const owner = containers.find((c) => c.id === ownerId);
  if (!owner) return { addresses: [], why: 'container not found' };
  if (owner.modeKind === 'host') return { addresses: [], why: "uses the host's network namespace: its connections are the host's" };
  if (owner.modeKind === 'none') return { addresses: [], why: 'no network' };
  const addresses = [
    ...new Set(
      owner.endpoints
        .flatMap((e) => [e.ip, e.ipv6])
        .filter((a): a is string => !!a)
        .map(canonical),
    ),
  ];
  return addresses.length ? { addresses } : { addresses, why: 'no address on any network' };
}

function natOf(e: ConntrackEntry): NatKind[] {
  const o = e.original;
  const r = e.reply;
  const out: NatKind[] = [];
  if (canonical(r.src) !== canonical(o.dst) || (r.sport !== undefined && o.dport !== undefined && r.sport !== o.dport)) out.push('DNAT');
  if (canonical(r.dst) !== canonical(o.src) || (r.dport !== undefined && o.sport !== undefined && r.dport !== o.sport)) out.push('SNAT');
  return out;
}

interface ConntrackIndex {
  /** Entry positions by canonical original source and by canonical reply source. */
  byAddress: Map<string, number[]>;
  /** Running containers by canonical address. */
  nameOf: Map<string, string>;
}

/** Built once per snapshot (a snapshot is never changed once read): each container's lookup is then a few map reads, not a scan. */
const indexes = new WeakMap<HostSnapshot, ConntrackIndex>();
function indexOf(snapshot: HostSnapshot): ConntrackIndex {
  let index = indexes.get(snapshot);
  if (index) return index;
  const byAddress = new Map<string, number[]>();
  const add = (address: string, at: number) => {
    const list = byAddress.get(address);
    if (!list) byAddress.set(address, [at]);
    else if (list[list.length - 1] !== at) list.push(at);
  };
  (snapshot.conntrack?.entries ?? []).forEach((e, at) => {
    add(canonical(e.original.src), at);
    add(canonical(e.reply.src), at);
  });
  const nameOf = new Map<string, string>();
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running') continue;
    for (const e of c.endpoints) for (const a of [e.ip, e.ipv6]) if (a) nameOf.set(canonical(a), c.name);
  }
  index = { byAddress, nameOf };
  indexes.set(snapshot, index);
  return index;
}

/** The conntrack entries of one container, the first `limit` of them. */
export function containerConnections(snapshot: HostSnapshot, containerId: string, limit = CONNECTIONS_SHOWN): ContainerConnections {
  const { addresses, why } = containerAddresses(snapshot, containerId);
  const ct = snapshot.conntrack;
  const readTruncated = ct?.truncated ?? false;
  if (!ct) return { shown: [], more: 0, addresses, unavailable: 'conntrack was not read', readTruncated };
  if (why) return { shown: [], more: 0, addresses, unavailable: why, readTruncated };
  const mine = new Set(addresses);
  const { byAddress, nameOf } = indexOf(snapshot);
  const positions = [...new Set(addresses.flatMap((a) => byAddress.get(a) ?? []))].sort((a, b) => a - b);
  const shown: ContainerConnection[] = [];
  for (const at of positions.slice(0, limit)) {
    const entry = ct.entries[at] as ConntrackEntry;
    const out = mine.has(canonical(entry.original.src));
    // The other end: the original destination of what it opened, the original source of what it answers.
    const other = canonical(out ? entry.original.dst : entry.original.src);
    const peer = mine.has(other) ? undefined : nameOf.get(other);
    shown.push({ entry, direction: out ? 'out' : 'in', nat: natOf(entry), ...(peer ? { peer } : {}) });
  }
  return { shown, more: positions.length - shown.length, addresses, readTruncated };
}

/** "172.30.1.20:34280 → 172.30.1.10:80" */
export function tupleText(t: ConntrackTuple): string {
  const end = (ip: string, port: number | undefined) => (port === undefined ? ip : socketAddress(ip, port));
  return `${end(t.src, t.sport)} → ${end(t.dst, t.dport)}`;
}
