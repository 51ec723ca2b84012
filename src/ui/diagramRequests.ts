// Which diagrams the commands offer and how they are named: the pickers' entries (from
// diagramChoices), the request for a tree item, and the file name an exported SVG is saved
// under. Pure: no vscode. (The fix for a request the host cannot answer is the model's own:
// DiagramRequestError.fix.)
import type { DiagramChoice, DiagramRequest, PathRequest, TopologyScope } from '../protocol';

/** The whole host first, then each network, then each running container (diagramChoices' order). */
export function topologyChoices(choices: DiagramChoice[]): DiagramChoice[] {
  return choices.filter((c) => c.request.kind === 'topology');
}

const PATH_ORDER: Record<PathRequest['kind'], number> = { inbound: 0, connection: 1, outbound: 2, dns: 3 };

/** Packet paths, published ports first; only those of `container` when it is given. */
export function pathChoices(choices: DiagramChoice[], container?: string): DiagramChoice[] {
  const paths = choices.flatMap((c) => (c.request.kind === 'path' ? [{ choice: c, path: c.request.path }] : []));
  return paths
    .filter(({ path }) => container === undefined || ('container' in path && path.container === container) || ('from' in path && path.from === container))
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

function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** `topology-<host>-<time>.svg` or `packet-path-<host>-<time>.svg`, safe as a file name anywhere. */
export function diagramFileName(request: DiagramRequest, hostname: string, date: Date, ext = 'svg'): string {
  const host =
    hostname
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^[.]+/, '')
      .slice(0, 64) || 'host';
  return `${request.kind === 'topology' ? 'topology' : 'packet-path'}-${host}-${stamp(date)}.${ext}`;
}
