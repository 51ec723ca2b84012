// Reads containers and networks from the Docker engine API through dockerode.
// The endpoint is DOCKER_HOST when set, else the local socket /var/run/docker.sock.
// dockerode does not read `docker context`: a user of contexts sets DOCKER_HOST (or the
// containerNet.dockerEndpoint setting) to the context's endpoint.
import Docker from 'dockerode';
import type { ContainerEndpoint, ContainerInfo, DockerState, NetworkInfo, NetworkModeKind, OverlayPeer, PublishedPort } from '../snapshot/hostSnapshot';
import { mapLimit } from './mapLimit';
import { pidBelongsToContainerSync } from './containerPid';
import { extraHosts, nameReferences } from './nameReferences';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export function describeEndpoint(endpoint?: string): string {
  return endpoint || process.env.DOCKER_HOST || `unix://${DEFAULT_DOCKER_SOCKET}`;
}

/** Reads give up after this long: a hung engine must not hang every later refresh. */
export const DOCKER_READ_TIMEOUT_MS = 10_000;

/**
 * A client for the endpoint. `timeoutMs` bounds each request (0: none, for the event
 * stream, which is meant to stay open).
 */
export function createDockerClient(endpoint?: string, timeoutMs = DOCKER_READ_TIMEOUT_MS): Docker {
  const timeout = timeoutMs > 0 ? { timeout: timeoutMs } : {};
  // No endpoint: docker-modem's own defaults (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH).
  if (!endpoint) return new Docker(timeout);
  const e = endpoint;
  if (e.startsWith('unix://')) return new Docker({ socketPath: e.slice('unix://'.length) || DEFAULT_DOCKER_SOCKET, ...timeout });
  if (e.startsWith('/')) return new Docker({ socketPath: e, ...timeout });
  const url = new URL(e.includes('//') ? e : `tcp://${e}`);
  if (url.protocol === 'ssh:') return new Docker({ protocol: 'ssh', host: url.hostname, port: url.port || 22, username: url.username, ...timeout });
  return new Docker({ host: url.hostname, port: url.port || 2375, protocol: url.port === '2376' ? 'https' : 'http', ...timeout });
}

/** Why the engine could not be read, as a source state with the fix in words. */
export function classifyDockerError(err: unknown, endpoint: string): { state: 'unreachable' | 'needs-privilege' | 'error'; reason: string; fix: string } {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      state: 'needs-privilege',
      reason: `permission denied on ${endpoint}`,
      fix: 'Add your user to the docker group (sudo usermod -aG docker "$USER") and log in again, or run as root.',
    };
  }
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') {
    return {
      state: 'unreachable',
      reason: `the Docker engine at ${endpoint} is not reachable (${code})`,
      fix: 'Start the Docker engine (sudo systemctl start docker, or dockerd), or point DOCKER_HOST / containerNet.dockerEndpoint at a running one.',
    };
  }
  return {
    state: 'error',
    reason: `Docker API error at ${endpoint}: ${e?.message ?? String(err)}`,
    fix: 'Check the engine log (journalctl -u docker) and try again.',
  };
}

export function networkModeKind(mode: string): { kind: NetworkModeKind; target?: string } {
  if (mode === 'host') return { kind: 'host' };
  if (mode === 'none') return { kind: 'none' };
  if (mode.startsWith('container:')) return { kind: 'container', target: mode.slice('container:'.length) };
  if (mode === 'bridge' || mode === 'default' || mode === '') return { kind: 'bridge' };
  return { kind: 'user' };
}

interface RawEndpoint {
  NetworkID?: string;
  EndpointID?: string;
  IPAddress?: string;
  IPPrefixLen?: number;
  GlobalIPv6Address?: string;
  Gateway?: string;
  MacAddress?: string;
  Aliases?: string[] | null;
  DNSNames?: string[] | null;
}

function endpointsOf(networks: Record<string, RawEndpoint> | undefined): ContainerEndpoint[] {
  return Object.entries(networks ?? {}).map(([network, ep]) => ({
    network,
    networkId: ep.NetworkID ?? '',
    endpointId: ep.EndpointID ?? '',
    ip: ep.IPAddress ?? '',
    prefixLen: ep.IPPrefixLen ?? 0,
    ipv6: ep.GlobalIPv6Address ?? '',
    gateway: ep.Gateway ?? '',
    mac: ep.MacAddress ?? '',
    aliases: ep.Aliases ?? [],
    dnsNames: ep.DNSNames ?? [],
  }));
}

function portsOf(ports: Record<string, { HostIp: string; HostPort: string }[] | null> | undefined): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const [port, protocol] = key.split('/');
    for (const b of bindings ?? []) {
      out.push({ containerPort: Number(port), protocol: protocol ?? 'tcp', hostIp: b.HostIp || '0.0.0.0', hostPort: Number(b.HostPort) });
    }
  }
  return out;
}

export function containerFromInspect(raw: Docker.ContainerInspectInfo): ContainerInfo {
  const mode = raw.HostConfig?.NetworkMode ?? '';
  const { kind, target } = networkModeKind(mode);
  const info: ContainerInfo = {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ''),
    image: raw.Config?.Image ?? raw.Image,
    state: raw.State?.Status ?? 'unknown',
    pid: raw.State?.Running ? (raw.State.Pid ?? 0) : 0,
    networkMode: mode,
    modeKind: kind,
    endpoints: endpointsOf(raw.NetworkSettings?.Networks as unknown as Record<string, RawEndpoint>),
    ports: portsOf(raw.NetworkSettings?.Ports as unknown as Record<string, { HostIp: string; HostPort: string }[] | null>),
    labels: raw.Config?.Labels ?? {},
  };
  if (target !== undefined) info.modeTarget = target;
  if (raw.ResolvConfPath) info.resolvConfPath = raw.ResolvConfPath;
  info.nameRefs = nameReferences(
    raw.Config?.Env,
    raw.HostConfig?.Links,
    raw.NetworkSettings?.Networks as unknown as Record<string, { Links?: string[] | null }>,
  );
  info.extraHosts = extraHosts(raw.HostConfig?.ExtraHosts);
  // Not running: the host ports it will ask for when started (the doctor's port-conflict).
  if (!raw.State?.Running)
    info.portBindings = portsOf(raw.HostConfig?.PortBindings as Record<string, { HostIp: string; HostPort: string }[] | null> | undefined);
  return info;
}

/** Stopped containers whose port bindings are read (a container that never started, or stopped). */
const BINDINGS_STATES = new Set(['created', 'exited']);

export function containerFromList(raw: Docker.ContainerInfo): ContainerInfo {
  const mode = raw.HostConfig?.NetworkMode ?? '';
  const { kind, target } = networkModeKind(mode);
  const info: ContainerInfo = {
    id: raw.Id,
    name: (raw.Names?.[0] ?? raw.Id.slice(0, 12)).replace(/^\//, ''),
    image: raw.Image,
    state: raw.State,
    pid: 0,
    networkMode: mode,
    modeKind: kind,
    endpoints: endpointsOf(raw.NetworkSettings?.Networks as unknown as Record<string, RawEndpoint>),
    ports: [],
    labels: raw.Labels ?? {},
  };
  if (target !== undefined) info.modeTarget = target;
  return info;
}

/**
 * An overlay network's `Peers` as `GET /networks/{id}` gives them (swarm mode): each a string
 * name and address, kept as the data they are. Undefined when the answer has no Peers list.
 */
export function peersFromApi(raw: unknown): OverlayPeer[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const peers: OverlayPeer[] = [];
  for (const p of raw as unknown[]) {
    const row = typeof p === 'object' && p !== null ? (p as Record<string, unknown>) : {};
    if (typeof row.Name === 'string' && typeof row.IP === 'string') peers.push({ name: row.Name, ip: row.IP });
  }
  return peers;
}

/** A network from the list (no Peers) or from its inspect (Peers, for a swarm overlay network). */
export function networkFromApi(raw: Docker.NetworkInspectInfo & { Peers?: unknown }): NetworkInfo {
  const options = raw.Options ?? {};
  const subnets = (raw.IPAM?.Config ?? []).map((c) => ({ subnet: c.Subnet ?? '', gateway: c.Gateway ?? '' }));
  const info: NetworkInfo = {
    id: raw.Id,
    name: raw.Name,
    driver: raw.Driver,
    scope: raw.Scope,
    internal: raw.Internal ?? false,
    attachable: raw.Attachable ?? false,
    ingress: raw.Ingress ?? false,
    enableIPv6: raw.EnableIPv6 ?? false,
    subnets,
    options,
    labels: raw.Labels ?? {},
    containers: Object.entries(raw.Containers ?? {}).map(([id, c]) => ({
      id,
      name: c.Name,
      ip: (c.IPv4Address ?? '').split('/')[0] ?? '',
      mac: c.MacAddress ?? '',
    })),
  };
  if (raw.Driver === 'bridge') info.bridgeName = options['com.docker.network.bridge.name'] ?? `br-${raw.Id.slice(0, 12)}`;
  const mtu = Number(options['com.docker.network.driver.mtu']);
  if (mtu > 0) info.mtu = mtu;
  const vxlan = options['com.docker.network.driver.overlay.vxlanid_list'];
  if (vxlan)
    info.vxlanIds = vxlan
      .split(',')
      .map(Number)
      .filter((n) => Number.isFinite(n));
  const peers = peersFromApi(raw.Peers);
  if (peers) info.peers = peers;
  return info;
}

/**
 * The peers of each swarm overlay network, one `GET /networks/{id}` each (the list endpoint
 * leaves them out), by network id. A network that could not be inspected is named in `notes`;
 * a host outside swarm mode, or without overlay networks, has none to read (an info note).
 */
export async function readOverlayPeers(docker: Docker, state: DockerState, notes: string[], concurrency = 4): Promise<Map<string, OverlayPeer[]>> {
  const out = new Map<string, OverlayPeer[]>();
  if (state.swarm !== 'active') {
    notes.push(`info: not a swarm node (Swarm.LocalNodeState ${state.swarm}): no overlay network has peers to read`);
    return out;
  }
  const overlays = state.networks.filter((n) => n.driver === 'overlay' && n.scope === 'swarm');
  if (overlays.length === 0) {
    notes.push('info: no swarm overlay networks');
    return out;
  }
  await mapLimit(overlays, concurrency, async (n) => {
    try {
      const peers = networkFromApi(await docker.getNetwork(n.id).inspect()).peers;
      if (peers) out.set(n.id, peers);
      else notes.push(`info: ${n.name}: its inspect lists no peers (the network is not in use on this node)`);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) notes.push(`info: network ${n.name} was removed during the read`);
      else notes.push(`${n.name}: peers not read: ${(err as Error).message ?? String(err)}`);
    }
  });
  return out;
}

export interface DockerReadResult {
  state: DockerState;
  /** Containers that went away between the list and the inspect. */
  vanished: string[];
}

/**
 * Whether a running container's inspect from the previous read still holds: same main
 * process (alive, and in the container's own cgroup, so not restarted or a reused pid), same
 * name, and the same addresses on the same networks as the list reports now. Then the
 * inspect call, the costliest per-container read of the engine, is skipped.
 */
export function previousStillValid(prev: ContainerInfo | undefined, item: Docker.ContainerInfo, procRoot = '/proc'): prev is ContainerInfo {
  if (!prev || prev.pid <= 0 || item.State !== 'running') return false;
  if ((item.Names?.[0] ?? '').replace(/^\//, '') !== prev.name) return false;
  const now = Object.entries((item.NetworkSettings?.Networks ?? {}) as Record<string, RawEndpoint>)
    .map(([n, e]) => `${n}=${e.IPAddress ?? ''}/${e.MacAddress ?? ''}`)
    .sort()
    .join(' ');
  const before = prev.endpoints
    .map((e) => `${e.network}=${e.ip}/${e.mac}`)
    .sort()
    .join(' ');
  if (now !== before) return false;
  return pidBelongsToContainerSync(prev.pid, item.Id, procRoot);
}

/**
 * Docker's state: version, info, containers (inspected, or kept from `previous` while unchanged)
 * and networks. `onContainer` hears of each container as soon as it is known, so reads that
 * need only it (its namespace in /proc) overlap with the inspects still under way.
 */
export async function readDocker(
  docker: Docker,
  endpoint: string,
  concurrency = 16,
  previous?: DockerState,
  procRoot = '/proc',
  onContainer?: (c: ContainerInfo) => void,
): Promise<DockerReadResult> {
  const [version, info, list, networks] = await Promise.all([
    docker.version(),
    docker.info() as Promise<{ Swarm?: { LocalNodeState?: string; NodeAddr?: string }; FirewallBackend?: { Driver?: string } }>,
    docker.listContainers({ all: true }),
    docker.listNetworks(),
  ]);
  const vanished: string[] = [];
  const before = new Map((previous?.containers ?? []).map((c) => [c.id, c]));
  const containers = await mapLimit(list, concurrency, async (item) => {
    const prev = before.get(item.Id);
    if (item.State !== 'running') {
      const listed = containerFromList(item);
      if (!BINDINGS_STATES.has(item.State)) return listed;
      // A container's port bindings are fixed when it is created: inspect it once, then keep them.
      if (prev && prev.state !== 'running' && prev.portBindings) return { ...listed, portBindings: prev.portBindings };
      try {
        const inspected = containerFromInspect(await docker.getContainer(item.Id).inspect());
        return inspected.portBindings ? { ...listed, portBindings: inspected.portBindings } : listed;
      } catch {
        return listed; // gone or unreadable: the list entry is all there is
      }
    }
    if (previousStillValid(prev, item, procRoot)) {
      onContainer?.(prev);
      return prev;
    }
    try {
      const c = containerFromInspect(await docker.getContainer(item.Id).inspect());
      onContainer?.(c);
      return c;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        vanished.push((item.Names?.[0] ?? item.Id).replace(/^\//, ''));
        return undefined;
      }
      throw err;
    }
  });
  return {
    state: {
      endpoint,
      version: version.Version,
      apiVersion: version.ApiVersion,
      swarm: info.Swarm?.LocalNodeState ?? 'unknown',
      ...(typeof info.Swarm?.NodeAddr === 'string' && info.Swarm.NodeAddr !== '' ? { nodeAddr: info.Swarm.NodeAddr } : {}),
      ...(info.FirewallBackend?.Driver ? { firewallBackend: info.FirewallBackend.Driver } : {}),
      containers: containers.filter((c): c is ContainerInfo => c !== undefined).sort((a, b) => a.name.localeCompare(b.name)),
      networks: networks.map(networkFromApi).sort((a, b) => a.name.localeCompare(b.name)),
    },
    vanished,
  };
}
