// Networks view: each Docker network with driver, subnet, gateway, bridge or VXLAN id and
// flags; its attached containers; its aliases (alias -> the containers answering to it); for bridges the MAC table (FDB) with MACs resolved to
// container names; for overlays the VXLAN device, VNI and MTU.
import * as vscode from 'vscode';
import type { NetworkInfo } from '../../snapshot/hostSnapshot';
import type { NetworkNode as NetworkModel } from '../../model/topology';
import { containerNodeId, networkNodeId } from './nodeIds';
import { FactNode, GroupNode, TreeNode, code, md } from './treeNode';
import type { TreeInput } from './treeInput';
import { VIEW } from './viewIds';
import { aliasMembersText, networkAliasGroups, type AliasGroup } from '../../model/aliasGroups';
import { aliasesGroup } from './aliasNodes';

const DRIVER_ICON: Record<string, string> = { bridge: 'type-hierarchy', overlay: 'globe', host: 'home', null: 'circle-slash', macvlan: 'plug' };

export class NetworkNode extends TreeNode {
  constructor(
    private readonly info: NetworkInfo,
    private readonly model: NetworkModel | undefined,
    private readonly input: TreeInput,
  ) {
    super(networkNodeId(info.id), `network-${info.driver}`);
  }

  /** The network's aliases; none where Docker's embedded DNS does not answer (default bridge, host, none). */
  private aliases(): AliasGroup[] {
    return networkAliasGroups(this.input.snapshot, this.info.name);
  }

  private get hasEmbeddedDns(): boolean {
    return !['bridge', 'host', 'none'].includes(this.info.name);
  }

  item(): vscode.TreeItem {
    const n = this.info;
    const item = this.base(n.name, true);
    const where = n.bridgeName ? n.bridgeName : n.vxlanIds?.length ? `VXLAN ${n.vxlanIds.join(',')}` : '';
    item.description = [
      n.driver,
      n.subnets.map((s) => s.subnet).join(' '),
      where,
      n.internal ? 'internal' : '',
      n.attachable ? 'attachable' : '',
      n.enableIPv6 ? 'IPv6' : '',
      gatewayModeText(n.options),
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon(DRIVER_ICON[n.driver] ?? 'symbol-namespace');
    item.tooltip = new vscode.MarkdownString(
      [
        `**${md(n.name)}** \`${n.id.slice(0, 12)}\``,
        '',
        `| | |`,
        `|---|---|`,
        `| driver / scope | ${md(n.driver)} / ${md(n.scope)} |`,
        ...n.subnets.map((s) => `| subnet | ${s.subnet}${s.gateway ? ` gw ${s.gateway}` : ''} |`),
        `| device | ${md(where || '-')}${this.model?.bridgeUp === false ? ' (down)' : ''} |`,
        `| MTU | ${this.model?.mtu ?? '-'} |`,
        `| internal / attachable / ingress | ${n.internal} / ${n.attachable} / ${n.ingress} |`,
        `| NAT | ${this.model?.masquerade.map((r) => `${code(r.spec)}`).join('<br>') || '-'} |`,
        ...this.aliases().map((g) => `| alias ${md(g.alias)} | ${md(aliasMembersText(g))} |`),
        ...(this.model?.flags.length ? [`| flags | ${this.model.flags.join(', ')} |`] : []),
      ].join('\n'),
    );
    return item;
  }

  override children(): TreeNode[] {
    const { snapshot, topology } = this.input;
    const out: TreeNode[] = [];
    const eps = topology.endpoints.filter((e) => e.network === this.info.name);
    const attached = eps.map(
      (e) =>
        new FactNode(
          `${this.id}/c/${e.containerId}/${e.containerInterface?.index ?? e.ip}`,
          e.containerName,
          `${e.ip}${e.ipv6 ? ` ${e.ipv6}` : ''}${e.hostVeth ? ` via ${e.hostVeth.name}` : ''}`,
          'vm',
          undefined,
          {
            ip: e.ip,
            mac: e.mac,
            peer: { view: VIEW.containers, nodeId: containerNodeId(e.containerId) },
          },
          'attached-container',
        ),
    );
    out.push(new GroupNode(`${this.id}/containers`, 'containers', 'vm', attached, `${attached.length}`, true));
    if (this.info.driver !== 'host' && this.info.driver !== 'null') out.push(aliasesGroup(this.id, this.aliases(), this.hasEmbeddedDns));
    if (this.info.bridgeName) {
      const macOwner = new Map<string, string>();
      for (const e of topology.endpoints) if (e.mac) macOwner.set(e.mac.toLowerCase(), e.containerName);
      const fdb = snapshot.hostNamespace.fdb.filter((f) => f.master === this.info.bridgeName && !f.flags.includes('self') && f.state !== 'permanent');
      out.push(
        new GroupNode(
          `${this.id}/fdb`,
          'MAC table (FDB)',
          'table',
          fdb.map(
            (f) =>
              new FactNode(
                `${this.id}/fdb/${f.mac}/${f.ifname}`,
                f.mac,
                `${macOwner.get(f.mac.toLowerCase()) ?? 'unknown'} on ${f.ifname}`,
                'symbol-constant',
                undefined,
                { mac: f.mac },
                'mac',
              ),
          ),
        ),
      );
    }
    if (this.info.driver === 'overlay') {
      const ep = eps.find((e) => e.overlay);
      if (ep?.overlay) {
        const o = ep.overlay;
        out.push(new FactNode(`${this.id}/vxlan`, 'VXLAN', `${o.vxlanDevice ?? '?'} VNI ${o.vni ?? '?'} MTU ${o.mtu ?? '?'} in ${o.sandbox}`, 'globe'));
        if (o.remoteVteps.length) out.push(new FactNode(`${this.id}/vteps`, 'remote VTEPs', o.remoteVteps.join(', '), 'remote'));
      } else {
        out.push(new FactNode(`${this.id}/vxlan`, 'VXLAN', `VNI ${this.info.vxlanIds?.join(',') ?? '?'} (no sandbox read on this host)`, 'globe'));
      }
    }
    for (const n of out) n.parent = this;
    return out;
  }

  override facts() {
    return { id: this.info.id, inspect: { network: this.info, model: this.model }, subject: { kind: 'network' as const, network: this.info } };
  }
}

/** The 28+ gateway modes worth showing (nat is the default). */
function gatewayModeText(options: Record<string, string>): string {
  const v4 = options['com.docker.network.bridge.gateway_mode_ipv4'];
  const v6 = options['com.docker.network.bridge.gateway_mode_ipv6'];
  return [v4 && v4 !== 'nat' ? `gateway ${v4}` : '', v6 && v6 !== 'nat' ? `IPv6 gateway ${v6}` : ''].filter(Boolean).join(' · ');
}
