// Which diagrams the commands offer and how they are named: the pickers' entries (from
// diagramChoices), the request for a tree item, the fix shown when a request names something
// the host does not have, and the file name an exported SVG is saved under. Pure: no vscode.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import type { DiagramChoice, DiagramRequest, PathRequest, TopologyScope } from '../protocol';

/** The whole host first, then each network, then each running container (diagramChoices' order). */
export function topologyChoices(choices: DiagramChoice[]): DiagramChoice[] {
  return choices.filter((c) => c.request.kind === 'topology');
}

const PATH_ORDER: Record<PathRequest['kind'], number> = { inbound: 0, outbound: 1, dns: 2 };

/** Packet paths, published ports first; only those of `container` when it is given. */
export function pathChoices(choices: DiagramChoice[], container?: string): DiagramChoice[] {
  const paths = choices.flatMap((c) => (c.request.kind === 'path' ? [{ choice: c, path: c.request.path }] : []));
  return paths
    .filter(({ path }) => container === undefined || (path.kind !== 'inbound' && path.container === container))
    .map((p, i) => ({ ...p, i }))
    .sort((a, b) => PATH_ORDER[a.path.kind] - PATH_ORDER[b.path.kind] || a.i - b.i)
    .map(({ choice }) => choice);
}

export function topologyRequest(scope: TopologyScope): DiagramRequest {
  return { kind: 'topology', scope, filter: '' };
}

export const HOST_TOPOLOGY: DiagramRequest = topologyRequest({ kind: 'host' });

/** The inbound path of a published port, or undefined for a protocol the path model does not follow (sctp). */
export function inboundRequest(hostPort: number, protocol: string, ipv6 = false): DiagramRequest | undefined {
  if (protocol !== 'tcp' && protocol !== 'udp') return undefined;
  if (!Number.isInteger(hostPort) || hostPort <= 0 || hostPort > 65535) return undefined;
  return { kind: 'path', path: { kind: 'inbound', hostPort, protocol, ...(ipv6 ? { ipv6: true } : {}) } };
}

/** What the user can do when a request names something absent or unusable on this host. */
export function requestErrorFix(snapshot: HostSnapshot, request: DiagramRequest): string {
  const containers = snapshot.docker?.containers ?? [];
  const containerFix = (name: string, what: string): string => {
    const c = containers.find((x) => x.name === name);
    if (!c) return `There is no container named ${name} on this host (removed or renamed?): pick another ${what}.`;
    if (c.state !== 'running') return `Container ${name} is not running (${c.state}): start it (docker start ${name}) or pick another ${what}.`;
    return `Pick another ${what}, or refresh if ${name} changed since the last read.`;
  };
  if (request.kind === 'topology') {
    const scope = request.scope;
    if (scope.kind === 'container') return containerFix(scope.container, 'container');
    if (scope.kind === 'network') {
      return (snapshot.docker?.networks ?? []).some((n) => n.name === scope.network)
        ? 'Pick another scope, or refresh if the network changed since the last read.'
        : `There is no network named ${scope.network} on this host (removed?): pick another scope.`;
    }
    return 'Refresh: the host could not be drawn from the last read.';
  }
  const path = request.path;
  if (path.kind === 'inbound') {
    return `No running container publishes ${path.protocol} port ${path.hostPort} on this host: pick a published port from the list (docker ps shows them), or publish it with -p ${path.hostPort}:PORT.`;
  }
  const c = containers.find((x) => x.name === path.container);
  if (c?.state === 'running' && path.kind === 'outbound' && !c.endpoints.some((e) => e.ip)) {
    return `Container ${path.container} has no address on a bridge network (network mode ${c.networkMode || 'default'}): its packets do not take this path. Pick another container.`;
  }
  if (c?.state === 'running' && path.kind === 'dns') {
    return `Container ${path.container} does not use Docker's embedded DNS (only containers on user-defined networks do): pick another container.`;
  }
  return containerFix(path.container, 'flow');
}

function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** `topology-<host>-<time>.svg` or `packet-path-<host>-<time>.svg`, safe as a file name anywhere. */
export function diagramFileName(request: DiagramRequest, hostname: string, date: Date, ext = 'svg'): string {
  const host = hostname.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[.]+/, '').slice(0, 64) || 'host';
  return `${request.kind === 'topology' ? 'topology' : 'packet-path'}-${host}-${stamp(date)}.${ext}`;
}
