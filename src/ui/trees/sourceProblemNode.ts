// One item per source that could not be read: what failed and what to do. Never an empty
// tree that looks like an empty host.
import * as vscode from 'vscode';
import { sourceFailed, type SourceStatus } from '../../snapshot/hostSnapshot';
import { TreeNode, md } from './treeNode';

const TITLES: Record<string, string> = {
  unreachable: 'Docker engine not reachable',
  'needs-privilege': 'needs privilege',
  'missing-tool': 'tool missing',
  error: 'could not be read',
};

export class SourceProblemNode extends TreeNode {
  constructor(
    private readonly view: string,
    readonly status: SourceStatus,
  ) {
    super(`${view}/problem/${status.name}`, `problem-${status.state}`);
  }

  get title(): string {
    return this.status.name === 'docker' && this.status.state === 'unreachable'
      ? (TITLES.unreachable as string)
      : `${this.status.name}: ${TITLES[this.status.state] ?? this.status.state}`;
  }

  item(): vscode.TreeItem {
    const item = this.base(this.title, false);
    item.description = this.status.fix ?? this.status.reason ?? '';
    item.iconPath = new vscode.ThemeIcon(this.status.state === 'needs-privilege' ? 'lock' : 'warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.tooltip = new vscode.MarkdownString(
      `**${md(this.title)}**\n\n${md(this.status.reason ?? '')}\n\n${this.status.fix ? `**What to do:** ${md(this.status.fix)}` : ''}`,
    );
    return item;
  }
}

/** Problem nodes for the given sources, in order, for those not read. */
export function problemNodes(view: string, sources: SourceStatus[], names: string[]): SourceProblemNode[] {
  return sources.filter((s) => names.includes(s.name) && sourceFailed(s)).map((s) => new SourceProblemNode(view, s));
}
