// What a user asks to see: a topology scope or a packet-path flow, and what a drawn node stands
// for. The model and the renderers work from these; src/protocol.ts carries them to the webview.

/** Which part of the host a topology diagram shows. Names, not ids: they survive a container's re-creation. */
export type TopologyScope = { kind: 'host' } | { kind: 'network'; network: string } | { kind: 'container'; container: string };

/** Which flow a packet-path diagram follows. */
export type PathRequest =
  /** A new connection from outside to a published host port (arriving on the uplink). */
  | { kind: 'inbound'; hostPort: number; protocol: 'tcp' | 'udp'; ipv6?: boolean }
  /** A container's new connection to an address outside its networks (its MASQUERADE). */
  | { kind: 'outbound'; container: string; dst: string; dport: number; protocol: 'tcp' | 'udp' }
  /** A container's DNS query to Docker's embedded resolver at 127.0.0.11 (the redirect inside its namespace). */
  | { kind: 'dns'; container: string }
  /**
   * Any connection a user names, as `container-net explain` takes it: from a container, `host`
   * or `outside`, to CONTAINER:PORT, IP:PORT or a host port. Drawn as the host path that decides
   * it, with the explanation's verdict and deciding step on top.
   */
  | { kind: 'connection'; from: string; to: string; protocol: 'tcp' | 'udp'; ipv6?: boolean };

/**
 * How much a topology draws of each namespace. `compact`: a line per container interface (name,
 * address, published ports), bridge, NAT and uplink a line each, no veth labels: what fits a
 * whole host in a panel. `full`: every interface with its addresses, MAC, MTU and veth pair, and
 * published ports as edges from the uplink. Absent: compact for the whole host, full for a
 * network or a container.
 */
export type TopologyDetail = 'compact' | 'full';

export type DiagramRequest = { kind: 'topology'; scope: TopologyScope; filter: string; detail?: TopologyDetail } | { kind: 'path'; path: PathRequest };

/** The level of detail a topology request is drawn at. */
export function topologyDetail(request: { scope: TopologyScope; detail?: TopologyDetail }): TopologyDetail {
  return request.detail ?? (request.scope.kind === 'host' ? 'compact' : 'full');
}

/** What a node of a rendered diagram stands for: what a click on it can act on. */
export type NodeTarget =
  | { kind: 'container'; id: string; name: string; running: boolean }
  | { kind: 'network'; id: string; name: string }
  | { kind: 'hostInterface'; name: string }
  | { kind: 'rule'; table: string; chain: string; position: number; spec: string }
  | { kind: 'chain'; table: string; chain: string }
  | { kind: 'port'; containerName: string; hostPort: number; protocol: string };

/** One entry of the scope / flow picker. */
export interface DiagramChoice {
  label: string;
  description?: string;
  request: DiagramRequest;
}
