// Host view: bridges, veth pairs (with the container on the other end), vxlan devices,
// uplinks, their MTU and state, and the sysctls that matter.
import * as vscode from 'vscode';
import type { Link } from '../../snapshot/hostSnapshot';
import { endpointNodeId, hostLinkNodeId, uplinkNodeId } from './nodeIds';
import { FactNode, GroupNode, TreeNode, code, md } from './treeNode';
import type { TreeInput } from './treeInput';
import { VIEW } from './viewIds';

export class LinkNode extends TreeNode {
  constructor(
    private readonly link: Link,
    private readonly description: string,
    private readonly peer?: { view: string; nodeId: string },
    /** Leftover state: why this link is flagged (a bridge no network owns, one colliding with a network's subnet). */
    private readonly stale?: string,
  ) {
    super(hostLinkNodeId(link.index), `link-${link.kind}`);
  }

  item(): vscode.TreeItem {
    const l = this.link;
    const item = this.base(l.name, false);
    item.description = `${this.stale ? 'STALE · ' : ''}${this.description}${this.description ? ' · ' : ''}MTU ${l.mtu} · ${l.operState.toLowerCase()}`;
    const icon = l.kind === 'bridge' ? 'type-hierarchy' : l.kind === 'veth' ? 'arrow-swap' : l.kind === 'vxlan' ? 'globe' : 'circuit-board';
    item.iconPath = this.stale
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon(icon, l.operState === 'DOWN' ? new vscode.ThemeColor('disabledForeground') : undefined);
    item.tooltip = new vscode.MarkdownString(
      [
        `**${md(l.name)}** (${md(l.kind)}, index ${l.index})`,
        ...(this.stale ? ['', `**STALE**: ${md(this.stale)}`] : []),
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
    return {
      mac: this.link.mac,
      ip: this.link.addresses.find((a) => a.family === 'inet')?.local,
      inspect: this.link,
      ...(this.peer ? { peer: this.peer } : {}),
    };
  }
}

export function hostRoots(input: TreeInput): TreeNode[] {
  const { snapshot, topology } = input;
  const links = snapshot.hostNamespace.links;
  const networkOfBridge = new Map((snapshot.docker?.networks ?? []).filter((n) => n.bridgeName).map((n) => [n.bridgeName as string, n.name]));
  const staleBridges = new Map(topology.leftovers.bridges.map((b) => [b.name, b]));
  const bridges = links
    .filter((l) => l.kind === 'bridge')
    .map((l) => {
      const ports = links.filter((p) => p.master === l.name).length;
      const v4 = l.addresses.find((a) => a.family === 'inet');
      const stale = staleBridges.get(l.name);
      const why =
        stale &&
        [
          stale.unowned ? 'no Docker network owns it' : 'not a Docker bridge',
          stale.collidesWith.length ? `holds an address of ${stale.collidesWith.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ');
      return new LinkNode(
        l,
        [
          networkOfBridge.get(l.name),
          v4 ? `${v4.local}/${v4.prefixLen}` : '',
          `${ports} ports`,
          stale?.collidesWith.length ? `collides with ${stale.collidesWith.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
        undefined,
        why || undefined,
      );
    });
  const routes = snapshot.hostNamespace.routes.map((r, i) => {
    const stale = r.dev ? staleBridges.get(r.dev) : undefined;
    const text = `${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'}${r.metric ? ` metric ${r.metric}` : ''}${r.flags?.length ? ` ${r.flags.join(' ')}` : ''}${r.table && r.table !== 'main' ? ` table ${r.table}` : ''}`;
    return new FactNode(
      `h/route/${i}`,
      r.dst,
      `${stale ? 'STALE · ' : ''}${text}`,
      stale ? 'warning' : 'arrow-right',
      stale ? `Through ${md(stale.name)}, which ${stale.unowned ? 'no Docker network owns' : 'is not a Docker bridge'}.` : undefined,
      { inspect: r },
    );
  });
  const misrouted = topology.leftovers.subnetRoutes.filter((r) => !r.ok).length;
  const subnets = topology.leftovers.subnetRoutes.map(
    (r) =>
      new FactNode(
        `h/subnet/${r.network}/${r.subnet}`,
        `${r.subnet} (${r.network})`,
        `${r.ok ? '' : 'MISROUTED · '}-> ${r.picked ?? 'no route'}`,
        r.ok ? 'pass' : 'warning',
        md(r.reason),
        { inspect: r },
      ),
  );
  const veths = links
    .filter((l) => l.kind === 'veth')
    .map((l) => {
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
      s.links
        .filter((l) => l.kind === 'vxlan')
        .map(
          (l) =>
            new FactNode(
              `h/sbox/${s.name}/${l.name}`,
              l.name,
              `VNI ${l.vxlan?.id ?? '?'} · MTU ${l.mtu} · in ${s.name}`,
              'globe',
              undefined,
              { netnsPath: s.path },
              'sandbox',
            ),
        ),
    ),
  ];
  const uplinks = topology.uplinks.map((u) => {
    const l = links.find((x) => x.index === u.index);
    const addrs = (l?.addresses ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixLen}`);
    return new FactNode(
      uplinkNodeId(u.index),
      u.name,
      [`default route`, ...addrs, `MTU ${u.mtu ?? '?'}`, l?.operState.toLowerCase() ?? ''].filter(Boolean).join(' · '),
      'cloud',
    );
  });
  const sysctls = Object.entries(snapshot.hostNamespace.sysctls).map(
    ([k, v]) =>
      new FactNode(
        `h/sysctl/${k}`,
        k,
        v,
        k === 'net.ipv4.ip_forward' && v !== '1' ? 'warning' : 'settings-gear',
        k === 'net.ipv4.ip_forward' && v !== '1'
          ? 'IP forwarding is off: containers cannot reach beyond the host. Fix: `sysctl -w net.ipv4.ip_forward=1`'
          : undefined,
      ),
  );
  return [
    new GroupNode('h/bridges', 'Bridges', 'type-hierarchy', bridges, `${bridges.length}${staleBridges.size ? ` · ${staleBridges.size} stale` : ''}`, true),
    // Open by itself only when something is misrouted: then it is the first thing to see.
    new GroupNode(
      'h/subnets',
      'Docker subnets: the interface the kernel routes them to',
      misrouted ? 'warning' : 'symbol-namespace',
      subnets,
      misrouted ? `${misrouted} misrouted` : `${subnets.length}, all to their bridge`,
      misrouted > 0,
    ),
    new GroupNode('h/routes', 'Routes', 'arrow-right', routes, `${routes.length}`),
    new GroupNode('h/veths', 'veth pairs', 'arrow-swap', veths),
    new GroupNode('h/vxlan', 'VXLAN devices', 'globe', vxlans),
    new GroupNode('h/uplinks', 'Uplinks', 'cloud', uplinks, `${uplinks.length}`, true),
    new GroupNode('h/sysctls', 'Sysctls', 'settings-gear', sysctls, `${sysctls.length}`, true),
  ];
}
