// One entry for every diagram the panel and the CLI draw: a request (topology scope or a
// flow) against a snapshot gives Mermaid text plus what each node stands for. Pure.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { buildTopology } from '../model/topology';
import type { CounterMemory } from '../model/ruleCounters';
import type { DiagramChoice, DiagramRequest } from '../model/diagramRequest';
import type { RenderLimits, RenderedDiagram } from './renderedDiagram';
import { renderTopologyMermaid } from './topologyMermaid';
import { renderPacketPathMermaid } from './packetPathMermaid';
import { pathForRequest } from '../model/pathRequests';

/** Mermaid's own defaults (maxTextSize 50000, maxEdges 500): what the webview initialises it with. */
export const DEFAULT_RENDER_LIMITS: RenderLimits = { maxTextSize: 50_000, maxEdges: 500 };

export interface DiagramOptions {
  /** Rule counters of the previous read: rules whose counter moved since are marked `moved`. */
  previousCounters?: CounterMemory;
  limits?: RenderLimits;
  /** Containers drawn one by one per network before the rest of that network is grouped (default 12). */
  maxContainersPerNetwork?: number;
}

export { DiagramRequestError } from '../model/pathRequests';

export function renderDiagram(snapshot: HostSnapshot, request: DiagramRequest, options: DiagramOptions = {}): RenderedDiagram {
  const limits = options.limits ?? DEFAULT_RENDER_LIMITS;
  if (request.kind === 'topology') {
    return renderTopologyMermaid(snapshot, buildTopology(snapshot), request.scope, {
      filter: request.filter,
      limits,
      ...(request.detail ? { detail: request.detail } : {}),
      ...(options.maxContainersPerNetwork !== undefined ? { maxContainersPerNetwork: options.maxContainersPerNetwork } : {}),
    });
  }
  const requested = pathForRequest(snapshot, request.path);
  return renderPacketPathMermaid(requested, options.previousCounters);
}

/** What the pickers offer for this host: the whole host, each network, each container; each published port, outbound and DNS flow. */
export function diagramChoices(snapshot: HostSnapshot): DiagramChoice[] {
  const topo = buildTopology(snapshot);
  const out: DiagramChoice[] = [
    { label: 'Topology: whole host', description: 'a line per interface', request: { kind: 'topology', scope: { kind: 'host' }, filter: '' } },
    {
      label: 'Topology: whole host, every interface',
      description: 'veth pairs, MACs, published ports as edges',
      request: { kind: 'topology', scope: { kind: 'host' }, filter: '', detail: 'full' },
    },
  ];
  for (const n of topo.networks) {
    out.push({
      label: `Topology: network ${n.name}`,
      description: n.subnets.join(', ') || n.driver,
      request: { kind: 'topology', scope: { kind: 'network', network: n.name }, filter: '' },
    });
  }
  for (const c of topo.containers.filter((c) => c.state === 'running')) {
    out.push({
      label: `Topology: container ${c.name}`,
      description: c.image,
      request: { kind: 'topology', scope: { kind: 'container', container: c.name }, filter: '' },
    });
  }
  const seen = new Set<string>();
  for (const p of topo.ports) {
    const key = `${p.protocol}/${p.hostPort}/${p.family}`;
    // A routed network's port has no host port; an IPv6 binding is worth a path of its own
    // only where the engine has an ip6tables DNAT for it.
    if (seen.has(key) || p.hostPort === 0 || (p.protocol !== 'tcp' && p.protocol !== 'udp') || (p.family === 6 && p.dnatRules.length === 0)) continue;
    seen.add(key);
    out.push({
      label: `Packet path: ${p.protocol}${p.family === 6 ? '6' : ''} :${p.hostPort} -> ${p.containerName}:${p.containerPort}`,
      description: p.family === 6 ? 'new inbound IPv6 connection to a published port (ip6tables)' : 'new inbound connection to a published port',
      request: { kind: 'path', path: { kind: 'inbound', hostPort: p.hostPort, protocol: p.protocol, ...(p.family === 6 ? { ipv6: true } : {}) } },
    });
  }
  for (const c of topo.containers.filter((c) => c.state === 'running')) {
    const info = snapshot.docker?.containers.find((x) => x.id === c.id);
    const onBridge = info?.endpoints.some((e) => e.ip && snapshot.docker?.networks.find((n) => n.name === e.network)?.driver === 'bridge');
    if (onBridge) {
      out.push({
        label: `Packet path: ${c.name} -> outside (tcp 443)`,
        description: 'a new outbound connection and its MASQUERADE',
        request: { kind: 'path', path: { kind: 'outbound', container: c.name, dst: OUTSIDE_EXAMPLE, dport: 443, protocol: 'tcp' } },
      });
    }
    if (c.dns === 'embedded') {
      out.push({
        label: `Packet path: ${c.name} DNS -> 127.0.0.11`,
        description: "the redirect to Docker's embedded resolver",
        request: { kind: 'path', path: { kind: 'dns', container: c.name } },
      });
    }
  }
  return out;
}

/** The documentation address (RFC 5737 TEST-NET-3) an outbound path is drawn to when no address is given: never contacted. */
export const OUTSIDE_EXAMPLE = '203.0.113.10';
