// One provider per view, all built the same way from the latest snapshot: the roots for the
// view, with an item on top for each source that could not be read, and an optional filter.
import * as vscode from 'vscode';
import { problemNodes } from './sourceProblemNode';
import { FactNode, displayItem, type TreeNode } from './treeNode';
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
    if (this.filter) roots = roots.filter((r) => r.filterText().includes(this.filter));
    if (roots.length === 0 && problems.length === 0) {
      roots = [new FactNode(`${this.spec.view}/empty`, this.filter ? `nothing matches "${this.filter}"` : this.spec.emptyLabel, '', 'info')];
    }
    this.roots = [...problems, ...roots];
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return displayItem(node.item());
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!this.input) return [];
    return node ? node.kids() : this.roots;
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
