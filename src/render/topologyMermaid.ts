// The host's topology as the reference draws it: each container's network namespace as a
// subgraph holding its interfaces (eth0 with addresses), joined by its veth pair to the host
// veth on the bridge (with the gateway address), NAT (MASQUERADE) between the bridge and the
// uplink, published ports on the edge they enter by (uplink -> DNAT -> container), overlay
// sandboxes with br0 and the VXLAN device (VNI, MTU, remote VTEPs). Pure.
//
// Two levels of detail (TopologyDetail): `full` draws all of the above; `compact` (the whole
// host's default) a line per container interface (name, address, published ports), the bridge
// with its way out on one node and the uplink once, so a whole host reads at Fit. Leftover
// state (a bridge no network owns, a subnet routed elsewhere) is drawn and said first at both.
//
// Large hosts: per network at most `maxContainersPerNetwork` containers are drawn one by one
// (those with published ports first); the rest of that network becomes one group node. If the
// text still exceeds Mermaid's limits the cap is halved until it fits, so a host with hundreds
// of containers still gives a diagram, never a Mermaid error.
import type { HostSnapshot, Link } from '../snapshot/hostSnapshot';
import type { ContainerNode, Endpoint, NetworkNode, OverlayJoin, PortMapping, Topology } from '../model/topology';
import { topologyDetail, type NodeTarget, type TopologyDetail, type TopologyScope } from '../model/diagramRequest';
import type { RenderLimits, RenderedDiagram } from './renderedDiagram';
import { DiagramRequestError } from '../model/pathRequests';
import { outsideInterface } from '../model/packetFlows';
import { FlowchartBuilder, escapeLabel, labelLines } from './mermaidText';
import { formatBytes } from './packetPathMermaid';
import { socketAddress } from '../model/socketAddress';
import { findContainer } from '../model/containerLookup';
import { leftoverLines, type HostLeftovers } from '../model/leftovers';

export interface TopologyRenderOptions {
  /** Case-insensitive text matched against container names, images, IPs and network names. */
  filter?: string;
  limits: RenderLimits;
  maxContainersPerNetwork?: number;
  /** Default: compact for the whole host, full for a network or a container (see TopologyDetail). */
  detail?: TopologyDetail;
}

interface Selection {
  containers: ContainerNode[];
  endpoints: Endpoint[];
  networks: NetworkNode[];
  ports: PortMapping[];
  notes: string[];
}

function matches(filter: string, ...values: (string | undefined)[]): boolean {
  return values.some((v) => v !== undefined && v.toLowerCase().includes(filter));
}

function select(topo: Topology, scope: TopologyScope, rawFilter: string): Selection {
  const running = topo.containers.filter((c) => c.state === 'running');
  const notes: string[] = [];
  let containers: ContainerNode[];
  let endpoints: Endpoint[];
  let networks: NetworkNode[];
  if (scope.kind === 'network') {
    const net = topo.networks.find((n) => n.name === scope.network || n.id === scope.network);
    if (!net) throw new DiagramRequestError(`There is no network ${scope.network} on this host.`, 'Pick another network: it may have been removed.');
    networks = [net];
    endpoints = topo.endpoints.filter((e) => e.networkId === net.id);
    containers = running.filter((c) => endpoints.some((e) => e.containerId === c.id));
  } else if (scope.kind === 'container') {
    const c = findContainer(topo.containers, scope.container);
    if (!c)
      throw new DiagramRequestError(`There is no container ${scope.container} on this host.`, 'Pick another container: it may have been removed or renamed.');
    if (c.state !== 'running')
      throw new DiagramRequestError(`Container ${c.name} is not running (state: ${c.state}).`, `Start it (docker start ${c.name}) or pick another container.`);
    // The namespace it really uses: the container, the one whose namespace it uses, and every
    // other container in that namespace.
    containers = running.filter((x) => x.id === c.id || x.id === c.namespaceOwnerId || x.namespaceOwnerId === c.namespaceOwnerId);
    endpoints = topo.endpoints.filter((e) => e.containerId === c.namespaceOwnerId);
    networks = topo.networks.filter((n) => endpoints.some((e) => e.networkId === n.id));
  } else {
    containers = running;
    endpoints = topo.endpoints;
    networks = topo.networks.filter((n) => n.bridge || n.endpointCount > 0 || n.driver === 'overlay');
  }
  const filter = rawFilter.trim().toLowerCase();
  if (filter) {
    const before = containers.length;
    const netMatch = new Set(networks.filter((n) => matches(filter, n.name, ...n.subnets, n.bridge)).map((n) => n.id));
    const keep = new Set(
      containers
        .filter(
          (c) => matches(filter, c.name, c.image) || endpoints.some((e) => e.containerId === c.id && (matches(filter, e.ip) || netMatch.has(e.networkId))),
        )
        .map((c) => c.id),
    );
    // A container sharing a kept namespace is kept with it.
    for (const c of containers) if (c.namespaceOwnerId !== c.id && keep.has(c.namespaceOwnerId)) keep.add(c.id);
    containers = containers.filter((c) => keep.has(c.id));
    endpoints = endpoints.filter((e) => keep.has(e.containerId));
    networks = networks.filter((n) => netMatch.has(n.id) || endpoints.some((e) => e.networkId === n.id));
    notes.push(`filter "${rawFilter.trim()}": ${containers.length} of ${before} running containers`);
  }
  const ids = new Set(containers.map((c) => c.id));
  const ports = topo.ports.filter((p) => ids.has(p.containerId));
  return { containers, endpoints, networks, ports, notes };
}

function cidrOf(link: Link | undefined): string[] {
  return (link?.addresses ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixLen}`);
}

/** The uplinks: every default route's interface, else the guessed outside interface. */
function uplinks(snapshot: HostSnapshot, topo: Topology): { link: Link; noDefault: boolean }[] {
  const links = snapshot.hostNamespace.links;
  const found = topo.uplinks.map((u) => links.find((l) => l.name === u.name)).filter((l): l is Link => !!l);
  if (found.length > 0) return found.map((link) => ({ link, noDefault: false }));
  const outside = outsideInterface(snapshot);
  return outside ? [outside] : [];
}

function masqueradeText(n: NetworkNode): string[] {
  return n.masquerade.map((r) => `${r.spec.replace(/^-A \S+ /, '')} (${r.packets} pkts, ${formatBytes(r.bytes)})`);
}

/** Compact: how a bridge network's traffic leaves, as a line of the bridge's node. */
function egressPhrase(n: NetworkNode, uplink: string | undefined): string {
  if (n.internal) return 'internal: no way out';
  const to = uplink ? ` to ${uplink}` : '';
  if (n.masquerade.length > 0) return `MASQUERADE${to} (${n.masquerade.reduce((sum, r) => sum + r.packets, 0)} pkts)`;
  return n.gatewayMode === 'routed' ? `routed${to}, no NAT` : `routed out${to}, no MASQUERADE rule`;
}

/** A published port as one short phrase (compact detail): `:8080 -> 80`, the host address when it is not a wildcard, the fault when nothing carries it. */
function portPhrase(p: PortMapping): string {
  if (p.hostPort === 0) return `${p.containerPort}${p.protocol === 'tcp' ? '' : `/${p.protocol}`} open (${p.carriedBy ?? 'no host port'})`;
  const host = p.hostIp && p.hostIp !== '0.0.0.0' && p.hostIp !== '::' ? socketAddress(p.hostIp, p.hostPort) : `:${p.hostPort}`;
  const carried = p.dnatRules.length > 0 || p.carriedBy ? '' : ' (no DNAT rule)';
  return `${host} -> ${p.containerPort}${p.protocol === 'tcp' ? '' : `/${p.protocol}`}${carried}`;
}

class TopologyDrawing {
  readonly fc = new FlowchartBuilder('TB');
  readonly nodes: Record<string, NodeTarget> = {};
  readonly notes: string[] = [];
  private readonly bridgeIds = new Map<string, string>();
  private readonly endpointIds = new Map<Endpoint, string>();
  private readonly containerIndex = new Map<string, number>();
  private uplinkId: string | undefined;

  constructor(
    private readonly snapshot: HostSnapshot,
    private readonly topo: Topology,
    private readonly sel: Selection,
    private readonly cap: number,
    private readonly showDns: boolean,
    private readonly compact: boolean,
    private readonly scope: TopologyScope,
  ) {}

  private link(name: string): Link | undefined {
    return this.snapshot.hostNamespace.links.find((l) => l.name === name);
  }

  private cindex(id: string): number {
    let i = this.containerIndex.get(id);
    if (i === undefined) {
      i = this.containerIndex.size;
      this.containerIndex.set(id, i);
    }
    return i;
  }

  /**
   * Leftover state that concerns the drawing: on the whole host every stale bridge and
   * misrouted subnet; for a network or a container, those of its networks (a bridge colliding
   * with one, or the one its subnet is routed to instead of its own).
   */
  leftovers(): HostLeftovers {
    const all = this.topo.leftovers;
    if (this.scope.kind === 'host') return all;
    const names = new Set(this.sel.networks.map((n) => n.name));
    const subnetRoutes = all.subnetRoutes.filter((r) => names.has(r.network));
    const misroutedTo = new Set(subnetRoutes.filter((r) => !r.ok).map((r) => r.picked));
    const bridges = all.bridges.filter((b) => misroutedTo.has(b.name) || b.collidesWith.some((c) => names.has(c.replace(/ \([^)]*\)$/, ''))));
    return { bridges, subnetRoutes };
  }

  /** Which containers of each network are drawn one by one; the rest are grouped. */
  private split(): { drawn: Set<string>; grouped: Map<NetworkNode, ContainerNode[]> } {
    const drawn = new Set<string>();
    const grouped = new Map<NetworkNode, ContainerNode[]>();
    const hasPorts = new Set(this.sel.ports.map((p) => p.containerId));
    const byId = new Map(this.sel.containers.map((c) => [c.id, c]));
    // Containers with no endpoint on a network of the selection (host, none modes; interfaces
    // Docker does not know) are always drawn; those sharing another's namespace follow it below.
    const nets = new Set(this.sel.networks.map((n) => n.id));
    for (const c of this.sel.containers) {
      if (!c.sharesNamespaceWith && !this.sel.endpoints.some((e) => e.containerId === c.id && nets.has(e.networkId))) drawn.add(c.id);
    }
    for (const n of this.sel.networks) {
      const members = [...new Set(this.sel.endpoints.filter((e) => e.networkId === n.id).map((e) => e.containerId))]
        .map((id) => byId.get(id))
        .filter((c): c is ContainerNode => !!c)
        .sort((a, b) => Number(hasPorts.has(b.id)) - Number(hasPorts.has(a.id)) || a.name.localeCompare(b.name));
      let shown = members.filter((c) => drawn.has(c.id)).length;
      const rest: ContainerNode[] = [];
      for (const c of members) {
        if (drawn.has(c.id)) continue;
        if (shown < this.cap) {
          drawn.add(c.id);
          shown++;
        } else rest.push(c);
      }
      if (rest.length > 0) grouped.set(n, rest);
    }
    // A container grouped on one network but drawn for another is drawn (its other endpoints with it).
    for (const [n, rest] of grouped) {
      const still = rest.filter((c) => !drawn.has(c.id));
      if (still.length > 0) grouped.set(n, still);
      else grouped.delete(n);
    }
    // A container in another's namespace is drawn inside that one's box, or counted in its group.
    for (const c of this.sel.containers.filter((x) => x.sharesNamespaceWith)) {
      const owner = this.sel.containers.find((o) => o.id === c.namespaceOwnerId && o.id !== c.id);
      if (!owner || drawn.has(owner.id)) {
        drawn.add(c.id);
        continue;
      }
      const group = [...grouped].find(([, rest]) => rest.some((x) => x.id === owner.id));
      if (group) group[1].push(c);
      else drawn.add(c.id);
    }
    return { drawn, grouped };
  }

  /** The uplink drawn inside one box (each box has its own, so no edge leaves a box). */
  private uplinkIn(box: string, ups: { link: Link; noDefault: boolean }[]): string | undefined {
    const up = ups[0];
    if (!up) return undefined;
    const id = this.fc.node(
      `U${box}`,
      'rect',
      this.compact
        ? labelLines([`${up.link.name} ${cidrOf(up.link)[0] ?? ''} (uplink${up.noDefault ? ', no default route' : ''})`])
        : labelLines([`${up.link.name} (uplink${up.noDefault ? ', no default route' : ''})`, ...cidrOf(up.link)]),
      'uplink',
    );
    this.nodes[id] = { kind: 'hostInterface', name: up.link.name };
    return id;
  }

  /** One container's interface on one network: its namespace as a node (name, interface, addresses, MAC, who shares it). */
  private endpointNode(c: ContainerNode, e: Endpoint): string {
    const ci = this.cindex(c.id);
    const k = this.sel.endpoints.filter((x) => x.containerId === c.id).indexOf(e);
    const iface = e.containerInterface ? `${e.containerInterface.name}@if${e.hostVeth?.index ?? e.overlay?.sandboxVeth?.index ?? '?'}` : 'interface not found';
    const sharers = this.sel.containers.filter((x) => x.id !== c.id && x.namespaceOwnerId === c.id).map((x) => x.name);
    const others = this.sel.endpoints.filter((x) => x.containerId === c.id && x !== e).map((x) => x.network);
    const problem = e.flags.some((f) => f.endsWith('not-found') || f === 'bridge-mismatch');
    if (this.compact) {
      // One line for the interface; its published ports, sharers and faults only when it has them.
      const ports = [...new Set(this.portsAt(e).map(portPhrase))];
      const mtu = e.containerInterface?.mtu && e.containerInterface.mtu !== 1500 ? ` MTU ${e.containerInterface.mtu}` : '';
      const id = this.fc.node(
        `E${ci}x${k}`,
        'rect',
        labelLines([
          `${c.name} ${e.ip || (e.containerInterface ? e.containerInterface.name : 'interface not found')}${mtu}`,
          ports.length ? `${ports.slice(0, 3).join(', ')}${ports.length > 3 ? ` +${ports.length - 3}` : ''}` : undefined,
          sharers.length ? `+ ${sharers.join(', ')} (container:${c.name})` : undefined,
          problem ? e.flags.join(', ') : undefined,
        ]),
        problem ? 'problem' : 'iface',
      );
      this.nodes[id] = { kind: 'container', id: c.id, name: c.name, running: true };
      this.endpointIds.set(e, id);
      return id;
    }
    const id = this.fc.node(
      `E${ci}x${k}`,
      'rect',
      labelLines([
        `${c.name} ${iface}`,
        `${e.ip}/${e.prefixLen}`,
        e.ipv6,
        e.mac,
        e.containerInterface?.mtu && e.containerInterface.mtu !== 1500 ? `MTU ${e.containerInterface.mtu}` : undefined,
        sharers.length ? `+ ${sharers.join(', ')} (container:${c.name})` : undefined,
        others.length ? `also on ${others.join(', ')}` : undefined,
        e.flags.length ? `flags: ${e.flags.join(', ')}` : undefined,
      ]),
      problem ? 'problem' : 'iface',
    );
    this.nodes[id] = { kind: 'container', id: c.id, name: c.name, running: true };
    this.endpointIds.set(e, id);
    // The DNS redirect inside the namespace: drawn when one container is shown (on a whole host it would double every box).
    if (this.showDns && c.dnsRedirect && c.dnsRedirect.length > 0 && !this.fc.has(`D${ci}`)) {
      const dnat =
        c.dnsRedirect.find((r) => r.spec.includes('-p udp') && r.spec.includes('DNAT')) ??
        c.dnsRedirect.find((r) => r.spec.includes('DNAT')) ??
        c.dnsRedirect[0];
      const to = dnat ? /--to-destination (\S+)/.exec(dnat.spec)?.[1] : undefined;
      const proto = dnat ? /-p (\w+)/.exec(dnat.spec)?.[1] : undefined;
      const d = this.fc.node(
        `D${ci}`,
        'hexagon',
        labelLines([`DNS redirect (nat ${dnat?.chain ?? 'DOCKER_OUTPUT'})`, to ? `${proto ?? ''} 127.0.0.11:53 -> ${to}`.trim() : dnat?.spec]),
        'nat',
      );
      this.fc.edge(id, d, escapeLabel(`inside ${c.name}`), 'dotted');
    }
    return id;
  }

  /** A group node for the containers of a network not drawn one by one. */
  private groupNode(n: NetworkNode, rest: ContainerNode[], to: string | undefined): void {
    const names = rest.map((c) => c.name);
    const id = this.fc.node(
      `G${this.groups++}`,
      'subroutine',
      labelLines([
        `${rest.length} more container${rest.length === 1 ? '' : 's'} on ${n.name}`,
        `${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''}`,
        'filter or open the network to see them',
      ]),
      'group',
    );
    this.nodes[id] = { kind: 'network', id: n.id, name: n.name };
    if (to) this.fc.edge(id, to, escapeLabel(`${rest.length} veth pairs`), 'line');
    this.notes.push(
      `${rest.length} of the containers on ${n.name} are drawn as one group (${names.slice(0, 3).join(', ')}...): filter by name to see them one by one`,
    );
  }

  private groups = 0;

  /** Published ports of the containers drawn in a box: they enter by that box's uplink and are DNATed to the container's address. */
  private portEdges(net: NetworkNode, uplink: string | undefined): void {
    for (const p of this.sel.ports) {
      const endpoint = this.portEndpoint(p);
      const target = endpoint && endpoint.networkId === net.id ? this.endpointIds.get(endpoint) : undefined;
      if (!target) continue;
      this.portsDrawn.add(p);
      if (this.compact) continue; // written in the container's node
      const dnat = p.dnatRules[0];
      const label = `${p.protocol} ${socketAddress(p.hostIp || '0.0.0.0', p.hostPort)} -> ${p.dnatTarget ?? socketAddress(p.containerIp, p.containerPort)}${dnat ? ` DNAT (${dnat.packets} pkts)` : p.carriedBy ? ` (${p.carriedBy})` : ' (no DNAT rule)'}${p.proxy ? ', docker-proxy' : ''}`;
      if (!uplink) {
        this.notes.push(`published ${label} for ${p.containerName}: not drawn (no uplink)`);
        continue;
      }
      // Drawn from the container to the uplink without an arrowhead (the label gives the direction).
      this.fc.edge(target, uplink, escapeLabel(label), 'thickLine');
    }
  }

  private readonly portsDrawn = new Set<PortMapping>();

  /** The drawn interface a published port is DNATed to: the one with its address, else the container's interface on its first network. */
  private portEndpoint(p: PortMapping): Endpoint | undefined {
    const mine = this.sel.endpoints.filter((e) => e.containerId === p.containerId);
    const first = this.firstNetworkOf(p.containerId);
    return mine.find((e) => e.ip === p.containerIp && this.sel.networks.some((n) => n.id === e.networkId)) ?? mine.find((e) => e.networkId === first);
  }

  /** The published ports that enter by one interface (its container's, DNATed to its address). */
  private portsAt(e: Endpoint): PortMapping[] {
    return this.sel.ports.filter((p) => p.containerId === e.containerId && this.portEndpoint(p) === e);
  }

  private firstNetworkOf(containerId: string): string | undefined {
    return this.sel.endpoints.find((e) => e.containerId === containerId && this.sel.networks.some((n) => n.id === e.networkId))?.networkId;
  }

  /**
   * One box per network (its containers, their veths, the bridge, NAT, the uplink), a box for
   * the host's own namespace (host-mode containers) and one for containers with no network;
   * no edge leaves a box, so Mermaid lays each out on its own (top to bottom) and the boxes are
   * packed in rows, held in place by invisible links.
   */
  draw(): void {
    const { drawn, grouped } = this.split();
    const fc = this.fc;
    const hostname = this.snapshot.host.hostname;
    const ups = uplinks(this.snapshot, this.topo);
    const boxes: Box[] = [];
    const own = (c: ContainerNode): boolean => drawn.has(c.id) && c.modeKind !== 'host' && !c.sharesNamespaceWith;

    this.sel.networks.forEach((n, i) => {
      const members = this.sel.containers.filter((c) => own(c) && this.sel.endpoints.some((e) => e.containerId === c.id && e.networkId === n.id));
      const rest = grouped.get(n) ?? [];
      // An overlay with nothing of it on this host (swarm's ingress on a node running no service task) is not drawn.
      if (!n.bridge && members.length === 0 && rest.length === 0) return;
      const box = `NET${i}`;
      const kind = n.bridge ? (n.internal ? 'internal bridge' : 'bridge') : n.driver;
      const title = this.compact
        ? `${n.name}${n.subnets.length ? ` ${n.subnets.join(', ')}` : ''}${kind === 'bridge' ? '' : ` (${kind})`}`
        : `network ${n.name} (${kind}${n.subnets.length ? ` ${n.subnets.join(', ')}` : ''})`;
      const draw = (): void =>
        fc.subgraph(
          box,
          escapeLabel(title),
          () => {
            let hub: string | undefined;
            if (n.bridge) {
              const bridge = n.bridge;
              const gw = cidrOf(this.link(bridge));
              // Its subnet routed elsewhere (a leftover bridge holding it): said on the bridge itself.
              const misrouted = this.topo.leftovers.subnetRoutes.find((r) => r.network === n.name && !r.ok);
              const misroute = misrouted ? `MISROUTED: ${misrouted.probe} goes to ${misrouted.picked ?? 'no route'}` : undefined;
              hub = fc.node(
                `B${i}`,
                'rect',
                this.compact
                  ? labelLines([`${bridge} ${gw[0] ?? n.gateway ?? ''}${n.bridgeUp === false ? ' (down)' : ''}`, egressPhrase(n, ups[0]?.link.name), misroute])
                  : labelLines([
                      `${bridge} (bridge${n.bridgeUp === false ? ', down' : ''})`,
                      `network ${n.name}${n.internal ? ' (internal)' : ''}`,
                      gw.length ? `gateway ${gw.join(', ')}` : n.gateway ? `gateway ${n.gateway}` : undefined,
                      misroute,
                    ]),
                misroute ? 'problem' : n.internal ? 'internal' : 'bridge',
              );
              this.nodes[hub] = { kind: 'network', id: n.id, name: n.name };
              this.bridgeIds.set(n.id, hub);
            }
            let vx: string | undefined;
            let join: OverlayJoin | undefined;
            if (n.driver === 'overlay') {
              join = this.sel.endpoints.find((e) => e.networkId === n.id && drawn.has(e.containerId) && e.overlay)?.overlay;
              if (join) {
                const device = join.vxlanDevice ?? 'vxlan device not found';
                const vni = `VNI ${join.vni ?? n.vxlanIds.join(', ')}${join.mtu ? ` MTU ${join.mtu}` : ''}`;
                // Compact: br0 and the VXLAN device in one node.
                hub = fc.node(
                  `OB${i}`,
                  'rect',
                  this.compact
                    ? labelLines([
                        `${join.bridge ?? 'br0'} in sandbox ${join.sandbox}`,
                        `${device} ${vni}`,
                        join.remoteVteps.length ? `${join.remoteVteps.length} remote VTEP(s)` : undefined,
                      ])
                    : labelLines([`${join.bridge ?? 'br0'} (bridge in sandbox ${join.sandbox})`, n.subnets.join(', ')]),
                  this.compact ? 'vxlan' : 'bridge',
                );
                this.nodes[hub] = { kind: 'network', id: n.id, name: n.name };
                if (!this.compact) {
                  vx = fc.node(
                    `OX${i}`,
                    'rect',
                    labelLines([
                      device,
                      vni,
                      join.remoteVteps.length ? `remote VTEPs: ${join.remoteVteps.join(', ')}` : 'no remote VTEPs in the FDB (single node)',
                    ]),
                    'vxlan',
                  );
                  fc.edge(hub, vx, undefined, 'line');
                }
              }
            }
            for (const c of members) {
              for (const e of this.sel.endpoints.filter((x) => x.containerId === c.id && x.networkId === n.id)) {
                const ep = this.endpointNode(c, e);
                // The veth pair is the line from the namespace to the bridge, labelled with its host end.
                const peer = e.hostVeth ?? e.overlay?.sandboxVeth;
                const label =
                  peer && !this.compact
                    ? escapeLabel(
                        `${peer.name}@if${e.containerInterface?.index ?? '?'}${peer.mtu && peer.mtu !== e.containerInterface?.mtu ? ` MTU ${peer.mtu}` : ''}`,
                      )
                    : undefined;
                if (!hub) continue;
                const line = fc.edge(ep, hub, label, 'line');
                // A host veth is an interface of the host: its label reveals it, as a node would.
                if (e.hostVeth && label) this.nodes[line] = { kind: 'hostInterface', name: e.hostVeth.name };
              }
            }
            if (rest.length > 0) this.groupNode(n, rest, hub);
            // Compact: the way out is a line of the bridge's node, the uplink drawn once in the host's box.
            const uplink = this.compact || n.internal || (!n.bridge && !vx) ? undefined : this.uplinkIn(box, ups);
            if (n.bridge && hub && uplink) {
              if (n.masquerade.length > 0) {
                const nat = fc.node(`N${i}`, 'hexagon', labelLines(['NAT (MASQUERADE)', ...masqueradeText(n)]), 'nat');
                const r = n.masquerade[0];
                if (r) this.nodes[nat] = { kind: 'rule', table: r.table, chain: r.chain, position: r.position, spec: r.spec };
                fc.edge(hub, nat);
                fc.edge(nat, uplink, 'routed out');
              } else fc.edge(hub, uplink, escapeLabel(n.gatewayMode === 'routed' ? 'routed, no NAT' : 'routed out'));
            }
            if (vx && uplink && join)
              fc.edge(vx, uplink, escapeLabel(`VXLAN UDP 4789${join.remoteVteps.length ? ` to ${join.remoteVteps.length} VTEP(s)` : ''}`), 'dotted');
            this.portEdges(n, uplink);
          },
          'box',
          'TB',
        );
      const units = members.length + (rest.length ? 1 : 0);
      boxes.push({
        id: box,
        width: this.compact ? Math.max(units, title.length / TITLE_CHARS_PER_UNIT) : Math.max(units, n.masquerade.length > 0 ? 2 : 1),
        draw,
      });
    });

    // Leftover bridges (no Docker network owns them, or they hold a Docker subnet's address): flagged, never hidden.
    const stale = this.leftovers().bridges;
    if (stale.length > 0) {
      const draw = (): void =>
        fc.subgraph(
          'STALE',
          escapeLabel('leftover state: no Docker network owns these'),
          () => {
            stale.forEach((b, k) => {
              const id = fc.node(
                `S${k}`,
                'rect',
                labelLines([
                  `STALE ${b.name} (${b.up ? 'up' : 'down'})`,
                  b.addresses.length ? b.addresses.join(', ') : 'no address',
                  b.collidesWith.length ? `collides with ${b.collidesWith.join(', ')}` : undefined,
                  this.compact || b.routes.length === 0 ? undefined : `routes: ${b.routes.join('; ')}`,
                ]),
                'problem',
              );
              this.nodes[id] = { kind: 'hostInterface', name: b.name };
            });
          },
          'box',
          'TB',
        );
      boxes.push({ id: 'STALE', width: stale.length, draw });
    }

    // The host's own namespace: its uplink and the containers that share it (network mode host).
    const hostMode = this.sel.containers.filter((c) => c.modeKind === 'host');
    if (hostMode.length > 0 || this.sel.networks.length === 0 || (this.compact && ups.length > 0)) {
      const draw = (): void =>
        fc.subgraph(
          'HOSTNS',
          escapeLabel(`host network namespace: ${hostname}`),
          () => {
            const up = this.uplinkIn('H', ups);
            for (const c of hostMode) {
              const id = fc.node(
                `H${this.cindex(c.id)}`,
                'stadium',
                labelLines(this.compact ? [`${c.name} (network mode host)`] : [c.name, 'network mode host: shares this namespace']),
                'container',
              );
              this.nodes[id] = { kind: 'container', id: c.id, name: c.name, running: true };
              if (up) fc.edge(id, up, undefined, 'line');
            }
          },
          'box',
          'TB',
        );
      boxes.push({ id: 'HOSTNS', width: Math.max(1, hostMode.length), draw });
    }
    // Containers with no interface on a drawn network (network mode none, or interfaces Docker does not know).
    const alone = this.sel.containers.filter((c) => own(c) && !this.sel.endpoints.some((e) => e.containerId === c.id));
    if (alone.length > 0) {
      const draw = (): void =>
        fc.subgraph(
          'NONET',
          escapeLabel('no network: loopback only'),
          () => {
            for (const c of alone) {
              const ci = this.cindex(c.id);
              const sharers = this.sel.containers.filter((x) => x.id !== c.id && x.namespaceOwnerId === c.id).map((x) => x.name);
              const id = fc.node(
                `E${ci}x0`,
                'rect',
                labelLines(
                  this.compact
                    ? [`${c.name}: lo only`, sharers.length ? `+ ${sharers.join(', ')}` : undefined]
                    : [`${c.name}: lo only`, `network mode ${c.modeKind}`, sharers.length ? `shared with ${sharers.join(', ')}` : undefined],
                ),
                'iface',
              );
              this.nodes[id] = { kind: 'container', id: c.id, name: c.name, running: true };
            }
          },
          'box',
          'TB',
        );
      boxes.push({ id: 'NONET', width: alone.length, draw });
    }
    // Rows of boxes: each row a borderless subgraph (its boxes side by side), the rows one under the other.
    const rows = packRows(boxes, this.compact ? COMPACT_MEASURE : FULL_MEASURE);
    rows.forEach((row, r) => {
      if (rows.length === 1) for (const b of row) b.draw();
      else fc.subgraph(`ROW${r}`, ' ', () => row.forEach((b) => b.draw()), 'row', 'TB');
      if (r > 0) fc.edge(`ROW${r - 1}`, `ROW${r}`, undefined, 'invisible');
    });
    for (const p of this.sel.ports) {
      if (!this.portsDrawn.has(p))
        this.notes.push(`published ${p.protocol}/${p.hostPort} for ${p.containerName}: not drawn (container grouped or its interface not found)`);
    }
    if (ups.length === 0) this.notes.push("no uplink: the host has no interface with an IPv4 address besides Docker's");
  }
}

/** Width of one unit of a box (a container's node) and height of a row of boxes, in px as Mermaid draws them: for packing only. */
export interface BoxMeasure {
  unitWidth: number;
  rowHeight: number;
  /** A box's padding and the space beside it, in units, added to every box's width (default 0). */
  boxMargin?: number;
}
const FULL_MEASURE: BoxMeasure = { unitWidth: 260, rowHeight: 900 };
const COMPACT_MEASURE: BoxMeasure = { unitWidth: 190, rowHeight: 340, boxMargin: 0.5 };
/** Compact: a box is at least as wide as its title, about this many characters per container node's width. */
const TITLE_CHARS_PER_UNIT = 26;
const PANEL = { width: 1264, height: 680 };

/** A box of the drawing (a network, the host's namespace, containers without a network): its width in container nodes, and how to draw it. */
interface Box {
  id: string;
  width: number;
  draw: () => void;
}

/**
 * Packs boxes (in order) into rows so the whole reads best in a panel of about 1280x800: the
 * number of rows that gives the largest zoom at Fit, estimated from each box's width in
 * container nodes.
 */
export function packRows<T extends { width: number }>(boxes: T[], measure: BoxMeasure = FULL_MEASURE): T[][] {
  if (boxes.length < 2) return [boxes];
  const margin = measure.boxMargin ?? 0;
  const width = (row: T[]): number => row.reduce((s, b) => s + b.width + margin, 0);
  const partition = new BalancedPartition(boxes.map((b) => b.width + margin));
  let best: { rows: T[][]; fit: number } | undefined;
  for (let r = 1; r <= boxes.length; r++) {
    const rows = partition.rows(r).map(([i, j]) => boxes.slice(i, j));
    const widest = Math.max(...rows.map(width));
    const fit = Math.min(PANEL.width / (widest * measure.unitWidth), PANEL.height / (rows.length * measure.rowHeight));
    if (!best || fit > best.fit + 1e-9) best = { rows, fit };
  }
  return best?.rows ?? [boxes];
}

/**
 * Splits widths, in order, into k rows so the widest row is as narrow as it can be (linear
 * partition by dynamic programming), for every k at once: the table is filled once, O(n^3).
 */
class BalancedPartition {
  /** cost[k][j]: the widest row when the first j widths make k rows; cut[k][j]: where the last of them starts. */
  private readonly cut: number[][] = [];

  constructor(widths: number[]) {
    const n = widths.length;
    const prefix = [0];
    for (const w of widths) prefix.push((prefix.at(-1) as number) + w);
    let previous = Array.from({ length: n + 1 }, (_, j) => (j === 0 ? 0 : Infinity));
    this.cut.push(Array.from({ length: n + 1 }, () => 0));
    for (let k = 1; k <= n; k++) {
      const cost = [0];
      const from = [0];
      for (let j = 1; j <= n; j++) {
        cost[j] = Infinity;
        from[j] = 0;
        for (let i = k - 1; i < j; i++) {
          const c = Math.max(previous[i] as number, (prefix[j] as number) - (prefix[i] as number));
          if (c < (cost[j] as number)) {
            cost[j] = c;
            from[j] = i;
          }
        }
      }
      this.cut.push(from);
      previous = cost;
    }
  }

  /** The rows for `r` rows, as [start, end) index pairs; no empty row. */
  rows(r: number): [number, number][] {
    const out: [number, number][] = [];
    let j = (this.cut[0] as number[]).length - 1;
    for (let k = r; k >= 1 && j > 0; k--) {
      const i = (this.cut[k] as number[])[j] as number;
      out.unshift([i, j]);
      j = i;
    }
    return out.filter(([i, e]) => e > i);
  }
}

export function renderTopologyMermaid(snapshot: HostSnapshot, topo: Topology, scope: TopologyScope, options: TopologyRenderOptions): RenderedDiagram {
  const sel = select(topo, scope, options.filter ?? '');
  const title =
    scope.kind === 'host'
      ? `Topology: ${snapshot.host.hostname}`
      : scope.kind === 'network'
        ? `Topology: network ${scope.network}`
        : `Topology: container ${scope.container}`;
  // Stay well inside Mermaid's limits: the webview adds nothing to the text.
  const maxChars = Math.floor(options.limits.maxTextSize * 0.9);
  const maxEdges = Math.floor(options.limits.maxEdges * 0.9);
  let cap = Math.max(0, Math.floor(options.maxContainersPerNetwork ?? 12)) || 0;
  const detail = topologyDetail({ scope, ...(options.detail ? { detail: options.detail } : {}) });
  // The title names a level of detail other than the scope's own (it is the tab's name).
  const titled = detail === topologyDetail({ scope }) ? title : `${title}${detail === 'full' ? ', every interface' : ', compact'}`;
  for (;;) {
    const d = new TopologyDrawing(snapshot, topo, sel, cap, scope.kind === 'container', detail === 'compact', scope);
    d.draw();
    const mermaid = d.fc.text(TOPOLOGY_CLASSES);
    if ((mermaid.length <= maxChars && d.fc.edgeCount <= maxEdges) || !(cap > 0)) {
      const notes = [...sel.notes, ...d.notes, ...topo.limits.map((l) => `not read: ${l}`)];
      if (detail === 'compact' && sel.containers.length > 0)
        notes.push(
          'compact: a line per interface. Veth pairs, MACs and port edges: Open topology on a container or network, or pick "whole host, every interface"',
        );
      if (mermaid.length > maxChars || d.fc.edgeCount > maxEdges)
        notes.unshift('even grouped, this host exceeds the diagram limits: use the filter or pick one network');
      if (sel.containers.length === 0) notes.unshift('no running containers in this scope');
      // Leftover state is the first thing said: what is stale and where traffic goes astray.
      const lines = leftoverLines(d.leftovers());
      const leftovers = [...lines.filter((l) => l.startsWith('MISROUTED')), ...lines.filter((l) => !l.startsWith('MISROUTED'))];
      const summary = leftovers.length
        ? `${leftovers.slice(0, 2).join(' · ')}${leftovers.length > 2 ? ` (and ${leftovers.length - 2} more: the Host view lists them)` : ''}`
        : undefined;
      return {
        title: titled,
        mermaid,
        nodes: d.nodes,
        moved: [],
        stats: { nodes: d.fc.nodeCount, edges: d.fc.edgeCount, chars: mermaid.length },
        notes,
        ...(summary ? { summary } : {}),
      };
    }
    cap = Math.floor(cap / 2);
  }
}

/** Class names the panel's stylesheet colours from the theme; the definitions here only set widths. */
export const TOPOLOGY_CLASSES: Record<string, string> = {
  uplink: 'stroke-width:2px',
  bridge: 'stroke-width:2px',
  internal: 'stroke-width:2px,stroke-dasharray:4',
  nat: 'stroke-width:1px',
  veth: 'stroke-width:1px',
  iface: 'stroke-width:1px',
  container: 'stroke-width:1px',
  vxlan: 'stroke-width:2px',
  group: 'stroke-width:1px,stroke-dasharray:4',
  problem: 'stroke-width:3px',
  box: 'stroke-width:1px',
  row: 'fill:none,stroke:none',
};
