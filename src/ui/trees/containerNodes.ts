// Containers view: each container described by its addresses and networks, its network
// endpoints (eth0@ifN -> host vethX -> bridge), its published ports (with the DNAT rule), its
// network mode (a `container:X` sharer by X's name) and its live connections (conntrack).
import * as vscode from 'vscode';
import type { ContainerInfo } from '../../snapshot/hostSnapshot';
import type { ContainerNode as ContainerModel, Endpoint, PortMapping } from '../../model/topology';
import { FactNode, TreeNode, code, md } from './treeNode';
import type { TreeInput } from './treeInput';
import { VIEW } from './viewIds';
import { socketAddress } from '../../model/socketAddress';
import { containerNodeId, endpointNodeId, hostLinkNodeId, portNodeId } from './nodeIds';
import { containerAddressText, namespaceOwner, namespaceOwnerName, networkModeText } from '../../model/containerSummary';
import { ConnectionsNode } from './connectionNodes';

const STATE_ICON: Record<string, [string, string]> = {
  running: ['vm-running', 'testing.iconPassed'],
  exited: ['vm-outline', 'disabledForeground'],
  created: ['vm-outline', 'disabledForeground'],
  paused: ['debug-pause', 'problemsWarningIcon.foreground'],
  restarting: ['sync', 'problemsWarningIcon.foreground'],
  dead: ['error', 'problemsErrorIcon.foreground'],
};

export class ContainerNode extends TreeNode {
  constructor(
    private readonly info: ContainerInfo,
    private readonly model: ContainerModel | undefined,
    private readonly input: TreeInput,
  ) {
    super(containerNodeId(info.id), `container-${info.state === 'running' ? 'running' : 'stopped'}`);
  }

  get name(): string {
    return this.info.name;
  }

  private get containers(): ContainerInfo[] {
    return this.input.snapshot.docker?.containers ?? [];
  }

  item(): vscode.TreeItem {
    const item = this.base(this.info.name, true);
    item.description = containerAddressText(this.info, this.containers);
    const [icon, color] = STATE_ICON[this.info.state] ?? ['vm', 'foreground'];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    const eps = this.input.topology.endpoints.filter((e) => e.containerId === this.info.id);
    const lines = [
      `**${md(this.info.name)}** \`${this.info.id.slice(0, 12)}\``,
      '',
      `| | |`,
      `|---|---|`,
      `| image | ${md(this.info.image)} |`,
      `| state | ${md(this.info.state)}${this.info.pid ? `, pid ${this.info.pid}` : ''} |`,
      `| network mode | ${md(networkModeText(this.info, this.containers))} |`,
      `| DNS | ${this.model?.dns === 'embedded' ? 'embedded (127.0.0.11)' : this.model?.dns === 'none' ? 'none' : "host's resolv.conf (no embedded DNS)"} |`,
      ...(this.model?.netnsInode ? [`| netns | net:[${this.model.netnsInode}] |`] : []),
      ...eps.map((e) => `| ${md(e.network)} | ${e.ip}/${e.prefixLen} ${e.mac} |`),
    ];
    if (this.model?.flags.length) lines.push('', `Flags: ${this.model.flags.map(md).join(', ')}`);
    item.tooltip = new vscode.MarkdownString(lines.join('\n'));
    return item;
  }

  override children(): TreeNode[] {
    const out: TreeNode[] = [];
    const m = this.model;
    if (this.info.modeKind === 'host') out.push(new FactNode(`${this.id}/mode`, 'network mode: host', "shares the host's network namespace", 'home'));
    else if (this.info.modeKind === 'none') out.push(new FactNode(`${this.id}/mode`, 'network mode: none', 'loopback only', 'circle-slash'));
    else if (this.info.modeKind === 'container') {
      const target = namespaceOwner(this.info, this.containers);
      out.push(
        new FactNode(
          `${this.id}/mode`,
          `network mode: ${networkModeText(this.info, this.containers)}`,
          `shares ${namespaceOwnerName(this.info, this.containers)}'s network namespace`,
          'link',
          undefined,
          target ? { peer: { view: VIEW.containers, nodeId: containerNodeId(target.id) } } : {},
          'mode-container',
        ),
      );
    }
    for (const ep of this.input.topology.endpoints.filter((e) => e.containerId === this.info.id)) out.push(new EndpointNode(ep, this.info.pid));
    for (const p of this.input.topology.ports.filter((x) => x.containerId === this.info.id)) out.push(new PortNode(p));
    if (m?.dnsRedirect?.length) {
      out.push(
        new FactNode(
          `${this.id}/dns`,
          'DNS redirect',
          `${m.dnsRedirect.length} rules in DOCKER_OUTPUT`,
          'symbol-event',
          m.dnsRedirect.map((r) => `${code(r.spec)}`).join('\n\n'),
        ),
      );
    }
    if (this.info.state === 'running' && out.length === 0) out.push(new FactNode(`${this.id}/none`, 'no network endpoints', '', 'circle-slash'));
    if (this.info.state === 'running' && this.info.modeKind !== 'host' && this.info.modeKind !== 'none') out.push(new ConnectionsNode(this.info, this.input));
    for (const n of out) n.parent = this;
    return out;
  }

  /** The image and id are searched too: the row no longer shows the image, its hover does. */
  override filterText(): string {
    return `${super.filterText()} ${this.info.image.toLowerCase()} ${this.info.id.slice(0, 12)}`;
  }

  override facts() {
    return {
      id: this.info.id,
      ip: this.info.endpoints.find((e) => e.ip)?.ip,
      mac: this.info.endpoints.find((e) => e.mac)?.mac,
      inspect: { container: this.info, model: this.model },
      container: this.info,
      subject: { kind: 'container' as const, container: this.info },
    };
  }
}

export class EndpointNode extends TreeNode {
  constructor(
    private readonly ep: Endpoint,
    private readonly pid: number,
  ) {
    super(endpointNodeId(ep), 'endpoint');
  }

  item(): vscode.TreeItem {
    const ep = this.ep;
    const inner = ep.containerInterface ? `${ep.containerInterface.name}@if${ep.hostVeth?.index ?? ep.overlay?.sandboxVeth?.index ?? '?'}` : '?';
    const label = `${ep.network}: ${ep.ip || 'no IP'}${ep.ipv6 ? `, ${ep.ipv6}` : ''}`;
    const path = ep.overlay
      ? `${inner} → ${ep.overlay.sandboxVeth?.name ?? '?'} → ${ep.overlay.bridge ?? '?'} → ${ep.overlay.vxlanDevice ?? '?'} (VNI ${ep.overlay.vni ?? '?'})`
      : `${inner} → ${ep.hostVeth?.name ?? '?'} → ${ep.bridge ?? '?'}`;
    const item = this.base(label, true);
    item.description = path;
    item.iconPath = new vscode.ThemeIcon(ep.flags.some((f) => f.startsWith('host-peer') || f.endsWith('not-found')) ? 'warning' : 'plug');
    item.tooltip = new vscode.MarkdownString(
      [
        `**${md(ep.containerName)}** on **${md(ep.network)}** (${md(ep.driver)})`,
        '',
        `| | |`,
        `|---|---|`,
        `| IP | ${ep.ip}/${ep.prefixLen} |`,
        ...(ep.ipv6 ? [`| IPv6 | ${ep.ipv6} |`] : []),
        `| MAC | ${ep.mac} |`,
        `| gateway | ${ep.gateway ?? '-'} |`,
        `| in the container | ${ep.containerInterface ? `${md(ep.containerInterface.name)} (index ${ep.containerInterface.index}, MTU ${ep.containerInterface.mtu ?? '?'})` : 'not found'} |`,
        `| host side | ${ep.hostVeth ? `${md(ep.hostVeth.name)} (index ${ep.hostVeth.index})` : ep.overlay ? `sandbox ${md(ep.overlay.sandbox)}` : 'not found'} |`,
        `| bridge | ${md(ep.bridge ?? ep.overlay?.bridge ?? '-')} |`,
        `| uplink | ${md(ep.uplink ?? '-')} |`,
        `| NAT | ${ep.masquerade ? `${code(ep.masquerade.spec)}` : '-'} |`,
        `| aliases | ${ep.aliases.map(md).join(', ') || '-'} |`,
        `| embedded DNS | ${ep.embeddedDns ? 'yes (127.0.0.11)' : 'no'} |`,
        ...(ep.flags.length ? ['', `Flags: ${ep.flags.join(', ')}`] : []),
        '',
        `Check by hand: ${code(`nsenter -t ${this.pid || 'PID'} -n ip -d link show ${ep.containerInterface?.name ?? 'eth0'}`)}`,
      ].join('\n'),
    );
    return item;
  }

  override children(): TreeNode[] {
    const ep = this.ep;
    const out: TreeNode[] = [
      new FactNode(
        `${this.id}/if`,
        'container interface',
        ep.containerInterface ? `${ep.containerInterface.name} (index ${ep.containerInterface.index})` : 'not found',
        'symbol-interface',
      ),
    ];
    if (ep.hostVeth) {
      out.push(
        new FactNode(
          `${this.id}/veth`,
          'host veth',
          `${ep.hostVeth.name} (index ${ep.hostVeth.index})`,
          'arrow-swap',
          undefined,
          { peer: { view: VIEW.host, nodeId: hostLinkNodeId(ep.hostVeth.index) } },
          'veth-ref',
        ),
      );
    }
    if (ep.bridge) out.push(new FactNode(`${this.id}/bridge`, 'bridge', ep.bridge, 'type-hierarchy'));
    if (ep.overlay) {
      out.push(
        new FactNode(
          `${this.id}/vxlan`,
          'vxlan',
          `${ep.overlay.vxlanDevice ?? '?'} VNI ${ep.overlay.vni ?? '?'} MTU ${ep.overlay.mtu ?? '?'} in ${ep.overlay.sandbox}`,
          'globe',
        ),
      );
    }
    out.push(new FactNode(`${this.id}/mac`, 'MAC', ep.mac || '-', 'symbol-constant', undefined, { mac: ep.mac }, 'mac'));
    if (ep.aliases.length) out.push(new FactNode(`${this.id}/aliases`, 'aliases', ep.aliases.join(', '), 'tag'));
    if (ep.uplink) out.push(new FactNode(`${this.id}/uplink`, 'uplink', ep.uplink, 'cloud'));
    if (ep.flags.length) out.push(new FactNode(`${this.id}/flags`, 'flags', ep.flags.join(', '), 'warning'));
    for (const n of out) n.parent = this;
    return out;
  }

  override facts() {
    return {
      ip: this.ep.ip,
      mac: this.ep.mac,
      inspect: this.ep,
      ...(this.ep.hostVeth ? { peer: { view: VIEW.host, nodeId: hostLinkNodeId(this.ep.hostVeth.index) } } : {}),
    };
  }
}

export class PortNode extends TreeNode {
  constructor(private readonly port: PortMapping) {
    super(portNodeId(port), 'port');
  }

  item(): vscode.TreeItem {
    const p = this.port;
    const item = this.base(`${socketAddress(p.hostIp, p.hostPort)} → ${p.containerPort}/${p.protocol}`, false);
    item.description = p.dnatRules[0]
      ? `DNAT to ${p.dnatTarget} (${p.dnatRules[0].packets} pkts)`
      : p.flags.length
        ? p.flags.join(', ')
        : p.carriedBy === 'routed'
          ? 'routed: no NAT, port open to the container'
          : p.carriedBy === 'docker-proxy'
            ? `docker-proxy to ${socketAddress(p.containerIp, p.containerPort)}`
            : 'DNAT not read';
    item.iconPath = new vscode.ThemeIcon(p.flags.length ? 'warning' : 'arrow-right');
    item.tooltip = new vscode.MarkdownString(
      [
        `**Published port** ${socketAddress(p.hostIp, p.hostPort)} → ${md(p.containerName)} ${socketAddress(p.containerIp, p.containerPort)}/${p.protocol}`,
        '',
        ...p.dnatRules.map((r) => `DNAT (${r.table} ${r.chain} #${r.position}, ${r.packets} pkts / ${r.bytes} bytes): ${code(r.spec)}`),
        p.filterAccept ? `Filter: ${code(p.filterAccept.spec)}` : '',
        p.masquerade ? `NAT out: ${code(p.masquerade.spec)}` : '',
        p.proxy ? `docker-proxy pid ${p.proxy.pid} listens on ${socketAddress(p.proxy.hostIp, p.proxy.hostPort)}` : '',
        p.carriedBy === 'routed' ? 'Routed gateway mode: the container port is opened in the firewall, no DNAT.' : '',
        p.flags.length ? `Flags: ${p.flags.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    return item;
  }

  override facts() {
    return { ip: this.port.containerIp, inspect: this.port, subject: { kind: 'port' as const, port: this.port } };
  }
}
