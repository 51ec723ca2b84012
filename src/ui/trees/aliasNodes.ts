// Networks view: a network's aliases (src/model/aliasGroups.ts), each with the containers that
// answer to it; several make a round-robin set (the embedded DNS returns every address, in turn).
import * as vscode from 'vscode';
import { aliasMembersText, type AliasGroup } from '../../model/aliasGroups';
import { containerNodeId } from './nodeIds';
import { FactNode, GroupNode, TreeNode, md } from './treeNode';
import { VIEW } from './viewIds';

export class AliasNode extends TreeNode {
  constructor(
    networkNodeId: string,
    private readonly group: AliasGroup,
  ) {
    super(`${networkNodeId}/alias/${group.alias}`, 'alias');
  }

  item(): vscode.TreeItem {
    const g = this.group;
    const item = this.base(g.alias, true);
    item.description = aliasMembersText(g);
    item.iconPath = new vscode.ThemeIcon('tag');
    item.tooltip = new vscode.MarkdownString(aliasTooltip(g));
    return item;
  }

  override children(): TreeNode[] {
    return this.group.members.map(
      (m) =>
        new FactNode(
          `${this.id}/c/${m.containerId}`,
          m.containerName,
          [m.ip, m.ipv6].filter(Boolean).join(' '),
          'vm',
          undefined,
          { ...(m.ip ? { ip: m.ip } : {}), peer: { view: VIEW.containers, nodeId: containerNodeId(m.containerId) } },
          'attached-container',
        ),
    );
  }

  override facts() {
    return { inspect: this.group };
  }
}

/** Markdown for an alias: who answers, and how the embedded DNS hands the addresses out. */
export function aliasTooltip(g: AliasGroup): string {
  const members = g.members.map((m) => `${md(m.containerName)} ${md([m.ip, m.ipv6].filter(Boolean).join(' '))}`).join(', ');
  return g.roundRobin
    ? `**${md(g.alias)}** on ${md(g.network)}: ${g.members.length} containers answer (round robin: Docker's embedded DNS returns every address, in turn): ${members}`
    : `**${md(g.alias)}** on ${md(g.network)}: ${members}`;
}

/** The "Aliases" group under a network: one row per alias, or why there are none. */
export function aliasesGroup(networkNodeId: string, groups: AliasGroup[], embeddedDns: boolean): TreeNode {
  const rows = groups.map((g) => new AliasNode(networkNodeId, g));
  return new GroupNode(
    `${networkNodeId}/aliases`,
    'Aliases',
    'tag',
    rows,
    embeddedDns ? (rows.length ? `${rows.length}` : 'none') : 'no embedded DNS on this network',
    rows.length > 0,
  );
}
