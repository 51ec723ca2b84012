// A view's filter: a top-level row is kept when its own text or any descendant's matches (an
// IP, a MAC, an alias, a port, a rule's text, a chain, a network's name: whatever a row says in
// its label or description). Rows on the way to a match are opened and show only the branches
// that lead to matches; a row that matches itself keeps all of its children. Children are built
// lazily by the views; the search builds them, but only so deep and so many: a big host's tree is
// searched within a bound, and the view says when the bound cut the search short.
import type { TreeNode } from './treeNode';

/** Levels below a top-level row that are searched (container > endpoint > fact is 2). */
export const FILTER_MAX_DEPTH = 4;
/** Rows looked at per search of one view. */
export const FILTER_MAX_ROWS = 50_000;

export class TreeFilter {
  /** Rows whose own text matches. */
  private readonly matched = new Set<TreeNode>();
  /** Rows with a matching row below them: shown open, their children narrowed to the matches' branches. */
  private readonly onPath = new Set<TreeNode>();
  /** Rows looked at. */
  searched = 0;
  /** The bound stopped the search: rows past it were not looked at. */
  capped = false;
  /** The top-level rows kept. */
  readonly roots: TreeNode[];

  constructor(
    readonly text: string,
    roots: TreeNode[],
    private readonly maxRows = FILTER_MAX_ROWS,
    private readonly maxDepth = FILTER_MAX_DEPTH,
  ) {
    this.roots = roots.filter((r) => this.search(r, 0));
  }

  private search(node: TreeNode, depth: number): boolean {
    if (this.searched >= this.maxRows) {
      this.capped = true;
      return false;
    }
    this.searched++;
    const self = node.filterText().includes(this.text);
    if (self) this.matched.add(node);
    let below = false;
    if (depth < this.maxDepth) {
      for (const kid of node.kids()) if (this.search(kid, depth + 1)) below = true;
    }
    if (below) this.onPath.add(node);
    return self || below;
  }

  /** Whether the row leads to a match below it (the view opens it). */
  reveals(node: TreeNode): boolean {
    return this.onPath.has(node);
  }

  /** The children shown under a row: only the branches with matches, unless the row matched itself. */
  children(node: TreeNode, kids: TreeNode[]): TreeNode[] {
    if (!this.onPath.has(node) || this.matched.has(node)) return kids;
    return kids.filter((k) => this.matched.has(k) || this.onPath.has(k));
  }
}
