// The sidebar's four tree providers built from a snapshot in plain Node (`vscode` is the stand-in
// of test/vscodeStandIn.ts), and helpers to walk what a view shows.
import type { HostSnapshot } from '../src/snapshot/hostSnapshot';
import { topologyOf } from '../src/model/topology';
import { SnapshotTreeProvider } from '../src/ui/trees/snapshotTreeProvider';
import type { TreeNode } from '../src/ui/trees/treeNode';
import { VIEW_SPECS } from '../src/ui/trees/viewSpecs';

export function treeProviders(snapshot: HostSnapshot): Map<string, SnapshotTreeProvider> {
  const out = new Map<string, SnapshotTreeProvider>();
  for (const spec of VIEW_SPECS) {
    const p = new SnapshotTreeProvider(spec);
    p.update({ snapshot, topology: topologyOf(snapshot), settings: { showStoppedContainers: true, showBuiltInNetworks: true } });
    out.set(spec.view, p);
  }
  return out;
}

export function treeProvider(snapshot: HostSnapshot, view: string): SnapshotTreeProvider {
  const p = treeProviders(snapshot).get(view);
  if (!p) throw new Error(`no view ${view}`);
  return p;
}

/** Every row the view shows (through getChildren: what a filter narrows is left out), breadth first. */
export function shownRows(p: SnapshotTreeProvider): TreeNode[] {
  const out: TreeNode[] = [];
  const queue = [...p.getChildren()];
  while (queue.length > 0) {
    const n = queue.shift() as TreeNode;
    out.push(n);
    queue.push(...p.getChildren(n));
  }
  return out;
}

export const labelOf = (n: TreeNode): string => {
  const l = n.item().label;
  return typeof l === 'string' ? l : (l?.label ?? '');
};

export const descriptionOf = (n: TreeNode): string => String(n.item().description ?? '');

export const tooltipOf = (n: TreeNode): string => {
  const t = n.item().tooltip;
  return typeof t === 'string' ? t : (t?.value ?? '');
};
