// The base of every node in the sidebar trees: a stable id (so expansion survives refreshes
// and reveal() can find it), a context value menus match on, children, and the data that
// "Inspect" shows and "Copy" copies.
import * as vscode from 'vscode';
import type { ContainerInfo, NetworkInfo } from '../../snapshot/hostSnapshot';
import type { PortMapping } from '../../model/topology';
import { displayBlock, displayText } from '../../host/displayText';

export interface NodeFacts {
  /** The container an nsenter terminal would enter. */
  container?: ContainerInfo;
  /** A namespace file (overlay sandbox) a terminal would enter. */
  netnsPath?: string;
  ip?: string;
  mac?: string;
  id?: string;
  /** The object shown by Inspect, as JSON. */
  inspect?: unknown;
  /** Where "Reveal Peer" goes: a node id in another view. */
  peer?: { view: string; nodeId: string };
  /** What the node stands for, typed: the commands act on this, never on contextValue strings. */
  subject?: NodeSubject;
}

export type NodeSubject = { kind: 'container'; container: ContainerInfo } | { kind: 'network'; network: NetworkInfo } | { kind: 'port'; port: PortMapping };

export abstract class TreeNode {
  parent: TreeNode | undefined;
  private childCache: TreeNode[] | undefined;

  constructor(
    readonly id: string,
    readonly contextValue: string,
  ) {}

  abstract item(): vscode.TreeItem;

  children(): TreeNode[] {
    return [];
  }

  /** Children built once per tree generation, each knowing its parent (for reveal). */
  kids(): TreeNode[] {
    if (!this.childCache) {
      this.childCache = this.children();
      for (const c of this.childCache) c.parent = this;
    }
    return this.childCache;
  }

  facts(): NodeFacts {
    return {};
  }

  /** Text the view filter matches against. */
  filterText(): string {
    const item = this.item();
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    return `${label} ${typeof item.description === 'string' ? item.description : ''}`.toLowerCase();
  }

  protected base(label: string, collapsible: boolean, expanded = false): vscode.TreeItem {
    const item = new vscode.TreeItem(
      label,
      collapsible ? (expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None,
    );
    item.id = this.id;
    item.contextValue = this.contextValue;
    return item;
  }
}

/** A leaf with a label, a description and an icon: facts like MAC, aliases, MTU. */
export class FactNode extends TreeNode {
  constructor(
    id: string,
    private readonly label: string,
    private readonly description: string,
    private readonly icon: string,
    private readonly tooltip?: string,
    private readonly nodeFacts: NodeFacts = {},
    contextValue = 'fact',
  ) {
    super(id, contextValue);
  }

  item(): vscode.TreeItem {
    const item = this.base(this.label, false);
    item.description = this.description;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    if (this.tooltip) item.tooltip = new vscode.MarkdownString(this.tooltip);
    return item;
  }

  override facts(): NodeFacts {
    return this.nodeFacts;
  }
}

/** A collapsible group of nodes ("Bridges", "FDB"). */
export class GroupNode extends TreeNode {
  constructor(
    id: string,
    private readonly label: string,
    private readonly icon: string,
    private readonly members: TreeNode[],
    private readonly description = `${members.length}`,
    private readonly expanded = false,
  ) {
    super(id, 'group');
    for (const m of members) m.parent = this;
  }

  item(): vscode.TreeItem {
    const item = this.base(this.label, this.members.length > 0, this.expanded);
    item.description = this.description;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    return item;
  }

  override children(): TreeNode[] {
    return this.members;
  }
}

/**
 * Untrusted text as an inline code span: backslash escapes do not work inside code spans,
 * so the fence is one backtick longer than the longest run of backticks in the text.
 */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\n/g, ' ')}${pad}${fence}`;
}

/** Markdown-escapes untrusted text (names, labels, rule comments) for tooltips. */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/**
 * A tree item as shown: its label, description and tooltip stripped of control characters
 * (names, labels and aliases come from containers). Every view's getTreeItem goes through this.
 */
export function displayItem(item: vscode.TreeItem): vscode.TreeItem {
  if (typeof item.label === 'string') item.label = displayText(item.label);
  else if (item.label) item.label = { ...item.label, label: displayText(item.label.label) };
  if (typeof item.description === 'string') item.description = displayText(item.description);
  if (typeof item.tooltip === 'string') item.tooltip = displayBlock(item.tooltip);
  else if (item.tooltip) {
    const safe = new vscode.MarkdownString(displayBlock(item.tooltip.value), item.tooltip.supportThemeIcons);
    safe.isTrusted = false;
    item.tooltip = safe;
  }
  return item;
}
