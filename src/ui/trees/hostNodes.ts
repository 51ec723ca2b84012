// Host view: bridges, veth pairs (with the container on the other end), vxlan devices,
// uplinks, their MTU and state, and the sysctls that matter.
import * as vscode from 'vscode';
import type { Link } from '../../snapshot/hostSnapshot';
import { endpointNodeId } from './containerNodes';
import { FactNode, GroupNode, TreeNode, code, md } from './treeNode';
import type { TreeInput } from './treeInput';
import { VIEW } from './viewIds';

export function hostLinkNodeId(index: number): string {
  return `h/link/${index}`;
}

export class LinkNode extends TreeNode {
  constructor(
    private readonly link: Link,
    private readonly description: string,
    private readonly peer?: { view: string; nodeId: string },
  ) {
    super(hostLinkNodeId(link.index), `link-${link.kind}`);
  }

  item(): vscode.TreeItem {
    const l = this.link;
    const item = this.base(l.name, false);
    item.description = `${this.description}${this.description ? ' · ' : ''}MTU ${l.mtu} · ${l.operState.toLowerCase()}`;
    const icon = l.kind === 'bridge' ? 'type-hierarchy' : l.kind === 'veth' ? 'arrow-swap' : l.kind === 'vxlan' ? 'globe' : 'circuit-board';
    item.iconPath = new vscode.ThemeIcon(icon, l.operState === 'DOWN' ? new vscode.ThemeColor('disabledForeground') : undefined);
    item.tooltip = new vscode.MarkdownString(
      [
        `**${md(l.name)}** (${md(l.kind)}, index ${l.index})`,
        '',
        `| | |`,
        `|---|---|`,
        `| state | ${md(l.operState)} ${l.flags.join(',')} |`,
        `| MTU | ${l.mtu} |`,
        `| MAC | ${l.mac ?? '-'} |`,
        `| master | ${md(l.master ?? '-')} |`,
        ...(l.linkIndex !== undefined ? [`| peer | index ${l.linkIndex}${l.linkNetnsId !== undefined ? ` in netns id ${l.linkNetnsId}` : ''} |`] : []),
        ...(l.vxlan ? [`| VXLAN | id ${l.vxlan.id}, port ${l.vxlan.port ?? '-'} |`] : []),
        ...l.addresses.map((a) => `| ${a.family} | ${a.local}/${a.prefixLen} |`),
        '',
        `Check by hand: ${code(`ip -d link show ${l.name}`)}`,
      ].join('\n'),
    );
    return item;
  }

  override facts() {
    return { mac: this.link.mac, ip: this.link.addresses.find((a) => a.family === 'inet')?.local, inspect: this.link, ...(this.peer ? { peer: this.peer } : {}) };
  }
}

export function hostRoots(input: TreeInput): TreeNode[] {
  const { snapshot, topology } = input;
  const links = snapshot.hostNamespace.links;
  const networkOfBridge = new Map((snapshot.docker?.networks ?? []).filter((n) => n.bridgeName).map((n) => [n.bridgeName as string, n.name]));
  const bridges = links.filter((l) => l.kind === 'bridge').map((l) => {
    const ports = links.filter((p) => p.master === l.name).length;
    const v4 = l.addresses.find((a) => a.family === 'inet');
    return new LinkNode(l, [networkOfBridge.get(l.name), v4 ? `${v4.local}/${v4.prefixLen}` : '', `${ports} ports`].filter(Boolean).join(' · '));
  });
  const veths = links.filter((l) => l.kind === 'veth').map((l) => {
    const ep = topology.endpoints.find((e) => e.hostVeth?.index === l.index);
    if (ep) {
      return new LinkNode(l, `${ep.containerName}:${ep.containerInterface?.name ?? '?'} · ${l.master ?? 'no bridge'}`, {
        view: VIEW.containers,
        nodeId: endpointNodeId(ep),
      });
    }
    const unmatched = topology.unmatched.find((u) => u.kind === 'host-veth' && u.name === l.name);
    return new LinkNode(l, `${l.master ?? 'no bridge'} · ${unmatched ? 'not a container' : '?'}`);
  });
  const vxlans = [
    ...links.filter((l) => l.kind === 'vxlan').map((l) => new LinkNode(l, `VNI ${l.vxlan?.id ?? '?'}`)),
    ...snapshot.overlaySandboxes.flatMap((s) =>
      s.links.filter((l) => l.kind === 'vxlan').map((l) => new FactNode(`h/sbox/${s.name}/${l.name}`, l.name, `VNI ${l.vxlan?.id ?? '?'} · MTU ${l.mtu} · in ${s.name}`, 'globe', undefined, { netnsPath: s.path }, 'sandbox')),
    ),
  ];
  const uplinks = topology.uplinks.map((u) => {
    const l = links.find((x) => x.index === u.index);
    const addrs = (l?.addresses ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixLen}`);
    return new FactNode(`h/uplink/${u.index}`, u.name, [`default route`, ...addrs, `MTU ${u.mtu ?? '?'}`, l?.operState.toLowerCase() ?? ''].filter(Boolean).join(' · '), 'cloud');
  });
  const sysctls = Object.entries(snapshot.hostNamespace.sysctls).map(
    ([k, v]) => new FactNode(`h/sysctl/${k}`, k, v, k === 'net.ipv4.ip_forward' && v !== '1' ? 'warning' : 'settings-gear', k === 'net.ipv4.ip_forward' && v !== '1' ? 'IP forwarding is off: containers cannot reach beyond the host. Fix: `sysctl -w net.ipv4.ip_forward=1`' : undefined),
  );
  return [
    new GroupNode('h/bridges', 'Bridges', 'type-hierarchy', bridges, `${bridges.length}`, true),
    new GroupNode('h/veths', 'veth pairs', 'arrow-swap', veths),
    new GroupNode('h/vxlan', 'VXLAN devices', 'globe', vxlans),
    new GroupNode('h/uplinks', 'Uplinks', 'cloud', uplinks, `${uplinks.length}`, true),
    new GroupNode('h/sysctls', 'Sysctls', 'settings-gear', sysctls, `${sysctls.length}`, true),
  ];
}

