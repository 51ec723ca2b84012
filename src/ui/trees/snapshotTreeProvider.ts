// One provider per view, all built the same way from the latest snapshot: the roots for the
// view, with an item on top for each source that could not be read, and an optional filter
// that searches rows and their children (treeFilter.ts) and opens the way to what it finds.
import * as vscode from 'vscode';
import { problemNodes } from './sourceProblemNode';
import { FactNode, displayItem, type TreeNode } from './treeNode';
import { TreeFilter } from './treeFilter';
import type { TreeInput } from './treeInput';

export interface TreeViewSpec {
  view: string;
  /** The sources this view depends on: a failure of one shows as an item. */
  sources: string[];
  roots(input: TreeInput): TreeNode[];
  /** Shown when the view has nothing (and nothing failed). */
  emptyLabel: string;
}

export class SnapshotTreeProvider implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private input: TreeInput | undefined;
  private roots: TreeNode[] = [];
  filter = '';
  /** The search of the current filter, while there is one. */
  private search: TreeFilter | undefined;

  constructor(readonly spec: TreeViewSpec) {}

  update(input: TreeInput): void {
    this.input = input;
    this.rebuild();
  }

  setFilter(text: string): void {
    this.filter = text.trim().toLowerCase();
    this.rebuild();
  }

  private rebuild(): void {
    const input = this.input;
    if (!input) return;
    const problems = problemNodes(this.spec.view, input.snapshot.sources, this.spec.sources);
    let roots = this.spec.roots(input);
    this.search = this.filter ? new TreeFilter(this.filter, roots) : undefined;
    if (this.search) roots = this.search.roots;
    if (roots.length === 0 && problems.length === 0) {
      const searched = this.search?.capped ? ` in the first ${this.search.searched} rows` : '';
      roots = [new FactNode(`${this.spec.view}/empty`, this.filter ? `nothing matches "${this.filter}"${searched}` : this.spec.emptyLabel, '', 'info')];
    }
    this.roots = [...problems, ...roots];
    this.changed.fire(undefined);
  }

  /** What the filter's search says: how many rows it looked at, and whether its bound stopped it. */
  get filterSearch(): { searched: number; capped: boolean } | undefined {
    return this.search ? { searched: this.search.searched, capped: this.search.capped } : undefined;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = node.item();
    const search = this.search;
    if (search) {
      // VS Code keeps a row's open or closed state by its id and applies collapsibleState only to
      // an id it has not seen: under a filter the ids are the filter's own, so the rows leading to
      // a match open when the filter is set, and the user's choices still hold while it stays.
      item.id = `${item.id ?? node.id}?filter=${search.text}`;
      if (search.reveals(node) && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
        item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
      }
    }
    return displayItem(item);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!this.input) return [];
    if (!node) return this.roots;
    return this.search ? this.search.children(node, node.kids()) : node.kids();
  }

  /** Whether a node is shown under the current filter (every node is, without one). */
  shows(node: TreeNode): boolean {
    for (let n: TreeNode | undefined = node; n; n = n.parent) {
      const siblings: TreeNode[] = n.parent ? this.getChildren(n.parent) : this.roots;
      if (!siblings.includes(n)) return false;
    }
    return true;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  /** Finds a node by id, building children as needed (for reveal). */
  find(id: string): TreeNode | undefined {
    const queue = [...this.roots];
    for (let seen = 0; queue.length > 0 && seen < 20_000; seen++) {
      const n = queue.shift() as TreeNode;
      if (n.id === id) return n;
      queue.push(...n.kids());
    }
    return undefined;
  }
}
