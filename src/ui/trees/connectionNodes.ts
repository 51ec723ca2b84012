// Containers view: a running container's live connections, from the host's conntrack table
// (selected in src/model/containerConnections.ts): each entry's original and reply tuples, its
// state, the container at the other end, and the NAT the kernel applied when the reply is not
// the original turned around. Bounded: the first CONNECTIONS_SHOWN, then a row counting the rest.
import * as vscode from 'vscode';
import type { ContainerInfo } from '../../snapshot/hostSnapshot';
import { sourceStatus } from '../../snapshot/hostSnapshot';
import { containerConnections, tupleText, type ContainerConnection, type ContainerConnections } from '../../model/containerConnections';
import { socketAddress } from '../../model/socketAddress';
import { containerNodeId } from './nodeIds';
import { FactNode, TreeNode, code, md } from './treeNode';
import type { TreeInput } from './treeInput';

const SEEN_BY_HOST =
  "The host's conntrack table: flows that cross the host's namespace (bridged, routed or NATed). Connections kept inside the container's own namespace (to itself, to 127.0.0.1) are not in it.";

export class ConnectionsNode extends TreeNode {
  private selected: ContainerConnections | undefined;

  constructor(
    private readonly container: ContainerInfo,
    private readonly input: TreeInput,
  ) {
    super(`${containerNodeId(container.id)}/connections`, 'connections');
  }

  private connections(): ContainerConnections {
    this.selected ??= containerConnections(this.input.snapshot, this.container.id);
    return this.selected;
  }

  item(): vscode.TreeItem {
    const c = this.connections();
    const count = c.shown.length + c.more;
    const item = this.base('Connections', c.shown.length > 0);
    const status = sourceStatus(this.input.snapshot, 'conntrack');
    if (c.unavailable === 'conntrack was not read') {
      item.description = `conntrack not read${status ? `: ${status.state}` : ''}`;
      item.tooltip = new vscode.MarkdownString(
        [`**conntrack was not read**`, md(status?.reason ?? ''), status?.fix ? `**What to do:** ${md(status.fix)}` : ''].filter(Boolean).join('\n\n'),
      );
    } else if (c.unavailable) {
      item.description = c.unavailable;
    } else {
      item.description = `${count === 0 ? 'none' : `${count}`} in conntrack${c.readTruncated ? ' (the host read stopped at its limit: maybe more)' : ''}`;
      item.tooltip = new vscode.MarkdownString(
        [
          `Live connections of **${md(this.container.name)}** (${c.addresses.map(md).join(', ')})`,
          SEEN_BY_HOST,
          `Check by hand: ${code(`conntrack -L -s ${c.addresses[0] ?? 'ADDR'}`)} and ${code(`conntrack -L -r ${c.addresses[0] ?? 'ADDR'}`)}`,
        ].join('\n\n'),
      );
    }
    item.iconPath = new vscode.ThemeIcon('pulse');
    return item;
  }

  override children(): TreeNode[] {
    const c = this.connections();
    const out: TreeNode[] = c.shown.map((x) => new ConnectionNode(this.id, x));
    if (c.more > 0) {
      const addr = c.addresses[0] ?? 'ADDR';
      out.push(
        new FactNode(
          `${this.id}/more`,
          `${c.more} more`,
          `not listed: conntrack -L -s ${addr} / -r ${addr} lists them`,
          'ellipsis',
          `Only the first ${c.shown.length} connections are listed. On the host: ${code(`conntrack -L -s ${addr}`)} (opened by it), ${code(`conntrack -L -r ${addr}`)} (answered by it).`,
        ),
      );
    }
    return out;
  }

  override facts() {
    return { inspect: this.connections() };
  }
}

export class ConnectionNode extends TreeNode {
  constructor(
    parentId: string,
    private readonly connection: ContainerConnection,
  ) {
    const o = connection.entry.original;
    super(`${parentId}/${connection.entry.protocol}/${o.src}:${o.sport ?? ''}>${o.dst}:${o.dport ?? ''}`, 'connection');
  }

  item(): vscode.TreeItem {
    const { entry: e, nat, peer, direction } = this.connection;
    const item = this.base(`${e.protocol} ${tupleText(e.original)}`, false);
    item.description = [
      e.state ?? '',
      peer ? `${direction === 'out' ? 'to' : 'from'} ${peer}` : '',
      nat.length ? nat.join('+') : '',
      `reply ${tupleText(e.reply)}`,
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon(nat.length ? 'arrow-swap' : direction === 'out' ? 'arrow-right' : 'arrow-left');
    const at = (ip: string, port: number | undefined) => md(port === undefined ? ip : socketAddress(ip, port));
    const natText = [
      nat.includes('DNAT')
        ? `**DNAT**: the destination was rewritten: sent to ${at(e.original.dst, e.original.dport)}, answered by ${at(e.reply.src, e.reply.sport)}`
        : '',
      nat.includes('SNAT')
        ? `**SNAT**: the source was rewritten: sent from ${at(e.original.src, e.original.sport)}, the reply goes to ${at(e.reply.dst, e.reply.dport)}`
        : '',
    ].filter(Boolean);
    item.tooltip = new vscode.MarkdownString(
      [
        `${direction === 'out' ? 'Opened by this container' : 'Answered by this container'}${peer ? ` (${direction === 'out' ? 'to' : 'from'} **${md(peer)}**)` : ''}`,
        '',
        `| | |`,
        `|---|---|`,
        `| original | ${md(`${e.protocol} ${tupleText(e.original)}`)} |`,
        `| reply | ${md(`${e.protocol} ${tupleText(e.reply)}`)} |`,
        `| state | ${md(e.state ?? '-')}${e.timeout !== undefined ? `, expires in ${e.timeout} s` : ''} |`,
        ...(e.flags.length ? [`| flags | ${e.flags.map(md).join(', ')} |`] : []),
        ...(e.mark ? [`| mark | ${e.mark} |`] : []),
        ...(natText.length ? ['', ...natText] : ['', 'No NAT: the reply is the original turned around.']),
      ].join('\n'),
    );
    return item;
  }

  override facts() {
    return { ip: this.connection.direction === 'out' ? this.connection.entry.original.dst : this.connection.entry.original.src, inspect: this.connection };
  }
}
