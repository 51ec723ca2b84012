// The two ends of a connection a user asks about, read from what they typed and found in a
// snapshot: a source (a container, the host, or an outside client) and a destination (a
// container by name, an address, or a port on the host), each with the network namespace
// whose routes, rules and sockets decide. Pure; errors say what to type instead.
import type { ContainerInfo, ContainerNamespace, HostSnapshot } from '../snapshot/hostSnapshot';
import { ipFamily, parseIp, formatIp, type IpFamily } from '../snapshot/ipAddress';
import { findContainer } from './containerLookup';
import { HostAddressing } from './hostAddressing';
import { outsideInterface } from './packetFlows';
import { OUTSIDE_CLIENT, OUTSIDE_CLIENT6 } from './pathRequests';
import { topologyOf } from './topology';

/** A request that cannot be answered as typed; `fix` says what to type instead. */
export class ConnectionEndError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/** A running container and the container whose network namespace it lives in (itself, or X of `container:X`). */
export interface ContainerEnd {
  container: ContainerInfo;
  owner: ContainerInfo;
  namespace?: ContainerNamespace;
}

export type SourceEnd =
  | ({ kind: 'container' } & ContainerEnd)
  /** A process on the host (also a container in the host's network namespace: `host` mode). */
  | { kind: 'host'; container?: ContainerInfo }
  /** A client beyond the host: `address`, arriving on `inInterface`. */
  | { kind: 'outside'; address: string; inInterface: string; documentation: boolean; note?: string };

export type DestinationEnd =
  /** By name: the address depends on what the source can resolve. */
  | ({ kind: 'container'; port: number } & ContainerEnd)
  /** A network alias (`--network-alias`): each container answering to it, on the network where it does. */
  | { kind: 'alias'; name: string; port: number; members: (ContainerEnd & { network: string })[] }
  | { kind: 'address'; address: string; port: number };

const USAGE_FIX =
  'SRC: a container (name, id or id prefix), `host`, `outside`, or an outside client address. DST: CONTAINER:PORT, IP:PORT, [IPv6]:PORT, or a host port such as 127.0.0.1:8080.';

function runningContainer(snapshot: HostSnapshot, ref: string): ContainerEnd {
  const c = findContainer(snapshot.docker?.containers, ref);
  if (!c) throw new ConnectionEndError(`There is no container ${ref} on this host.`, `Check the name (docker ps); ${USAGE_FIX}`);
  if (c.state !== 'running') throw new ConnectionEndError(`Container ${c.name} is not running (state: ${c.state}).`, `Start it: docker start ${c.name}`);
  const ownerId = topologyOf(snapshot).containers.find((x) => x.id === c.id)?.namespaceOwnerId ?? c.id;
  const owner = snapshot.docker?.containers.find((x) => x.id === ownerId) ?? c;
  const namespace = snapshot.containerNamespaces.find((n) => n.containerId === owner.id);
  return { container: c, owner, ...(namespace ? { namespace } : {}) };
}

/** The container one of whose endpoints has this address (IPv4 or IPv6), and the endpoint. */
export function containerWithAddress(snapshot: HostSnapshot, address: string): ContainerInfo | undefined {
  const want = parseIp(address);
  if (!want) return undefined;
  const same = (ip: string) => {
    const v = ip ? parseIp(ip) : undefined;
    return v !== undefined && v.family === want.family && v.value === want.value;
  };
  return (snapshot.docker?.containers ?? []).find((c) => c.state === 'running' && c.endpoints.some((e) => same(e.ip) || same(e.ipv6)));
}

/** The running containers that answer to `name` as a network alias, with the network where they do. */
function aliasMembers(snapshot: HostSnapshot, name: string): (ContainerEnd & { network: string })[] {
  const out: (ContainerEnd & { network: string })[] = [];
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running') continue;
    for (const e of c.endpoints) {
      if (e.aliases.includes(name) || e.dnsNames.includes(name)) out.push({ ...runningContainer(snapshot, c.id), network: e.network });
    }
  }
  return out;
}

export function parseSource(snapshot: HostSnapshot, text: string, family: IpFamily): SourceEnd {
  const t = text.trim();
  if (t === 'host') return { kind: 'host' };
  if (t === 'outside') {
    const out = outsideInterface(snapshot);
    if (!out)
      throw new ConnectionEndError('The host has no interface outside traffic could arrive on.', "Check the host's addresses and routes (ip addr, ip route).");
    return {
      kind: 'outside',
      address: family === 6 ? OUTSIDE_CLIENT6 : OUTSIDE_CLIENT,
      inInterface: out.link.name,
      documentation: true,
      note: `${family === 6 ? OUTSIDE_CLIENT6 : OUTSIDE_CLIENT} is a documentation address standing for any outside client, arriving on ${out.link.name}${out.noDefault ? ' (the host has no default route: guessed)' : ''}; nothing is sent`,
    };
  }
  const ip = parseIp(t);
  if (ip) {
    const address = formatIp(ip);
    const owner = containerWithAddress(snapshot, address);
    if (owner) return parseSource(snapshot, owner.name, family);
    const host = new HostAddressing(snapshot);
    if (host.isLocal(address)) return { kind: 'host' };
    const back = host.lookup(address)?.dev;
    if (!back)
      throw new ConnectionEndError(
        `The host has no route back to ${address}: a client there could not be answered.`,
        'Give an address the host routes (ip route get ADDRESS).',
      );
    return {
      kind: 'outside',
      address,
      inInterface: back,
      documentation: false,
      note: `a client at ${address} arrives on ${back}, the interface the host routes it through`,
    };
  }
  const end = runningContainer(snapshot, t);
  if (end.owner.modeKind === 'host') return { kind: 'host', container: end.container };
  return { kind: 'container', ...end };
}

export function parseDestination(snapshot: HostSnapshot, text: string): DestinationEnd {
  const t = text.trim();
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(t) ?? /^([^:\s]+):(\d{1,5})$/.exec(t);
  if (!m) throw new ConnectionEndError(`${JSON.stringify(text)} is not a destination with a port.`, USAGE_FIX);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new ConnectionEndError(`${port} is not a port (1-65535).`, USAGE_FIX);
  const where = m[1] as string;
  const ip = parseIp(where);
  if (ip) return { kind: 'address', address: formatIp(ip), port };
  if (where.includes(':')) throw new ConnectionEndError(`${JSON.stringify(where)} is not an address.`, USAGE_FIX);
  if (!findContainer(snapshot.docker?.containers, where)) {
    const members = aliasMembers(snapshot, where);
    if (members.length) return { kind: 'alias', name: where, port, members };
  }
  return { kind: 'container', port, ...runningContainer(snapshot, where) };
}

/** The family the user asked for, or the one a typed address has. */
export function requestedFamily(to: string, ipv6: boolean | undefined): IpFamily {
  if (ipv6) return 6;
  const bracket = /^\[([^\]]+)\]:/.exec(to.trim());
  return bracket ? (ipFamily(bracket[1] as string) ?? 4) : 4;
}
