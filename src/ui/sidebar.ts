// The sidebar: five tree views (Containers, Networks, Host, Netfilter, and the doctor's
// Problems with a badge counting errors and warnings) over the one live host state
// (HostState). Reading starts when one of the views is first shown (or anything else first
// needs the host); the views follow every new snapshot, with progress shown in them while a
// read runs.
import * as vscode from 'vscode';
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { pidFeaturesOffReason } from '../host/containerPid';
import { displayText } from '../host/displayText';
import { describeEndpoint } from '../host/dockerEngine';
import { topologyOf } from '../model/topology';
import type { HostState } from './hostState';
import { SnapshotTreeProvider } from './trees/snapshotTreeProvider';
import { problemsBadge } from './trees/problemNodes';
import type { TreeNode } from './trees/treeNode';
import { VIEW } from './trees/viewIds';
import { VIEW_SPECS } from './trees/viewSpecs';

export class Sidebar implements vscode.Disposable {
  readonly providers = new Map<string, SnapshotTreeProvider>();
  readonly views = new Map<string, vscode.TreeView<TreeNode>>();
  private readingDone: (() => void) | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly state: HostState,
    private readonly log: vscode.LogOutputChannel,
  ) {
    for (const spec of VIEW_SPECS) {
      const provider = new SnapshotTreeProvider(spec);
      const view = vscode.window.createTreeView(spec.view, { treeDataProvider: provider, showCollapseAll: true });
      this.providers.set(spec.view, provider);
      this.views.set(spec.view, view);
      this.disposables.push(
        view,
        view.onDidChangeVisibility((e) => e.visible && state.start()),
      );
      if (view.visible) state.start();
    }
    this.disposables.push(
      state.onDidChange(({ snapshot, countersOnly }) => countersOnly || this.show(snapshot)),
      state.onDidChangeSettings(() => state.snapshot && this.show(state.snapshot)),
      state.onDidChangeReading((reading) => (reading ? this.showProgress() : this.hideProgress())),
    );
    if (state.snapshot) this.show(state.snapshot);
  }

  private show(snapshot: HostSnapshot): void {
    const input = { snapshot, topology: topologyOf(snapshot), settings: this.state.settings };
    for (const p of this.providers.values()) p.update(input);
    for (const id of this.views.keys()) this.showMessage(id);
    const docker = snapshot.sources.find((s) => s.name === 'docker');
    const containers = this.views.get(VIEW_SPECS[0]?.view ?? '');
    if (containers)
      containers.description = docker?.state === 'ok' || docker?.state === 'partial' ? `${snapshot.docker?.containers.length ?? 0}` : 'engine not reachable';
    // The count of errors and warnings, on the view and (summed by VS Code) on the activity-bar entry.
    const problems = this.views.get(VIEW.problems);
    if (problems) problems.badge = problemsBadge(snapshot);
  }

  private showProgress(): void {
    if (this.readingDone) return;
    const done = new Promise<void>((resolve) => (this.readingDone = resolve));
    for (const spec of VIEW_SPECS) void vscode.window.withProgress({ location: { viewId: spec.view } }, () => done);
  }

  private hideProgress(): void {
    this.readingDone?.();
    this.readingDone = undefined;
  }

  async filter(viewId: string): Promise<void> {
    const provider = this.providers.get(viewId);
    const view = this.views.get(viewId);
    if (!provider || !view) return;
    const text = await vscode.window.showInputBox({
      title: 'Filter',
      prompt: 'Show only rows that say this, or whose children do: a name, IP, MAC, alias, port, rule text, chain or network (empty clears the filter)',
      value: provider.filter,
    });
    if (text === undefined) return;
    provider.setFilter(text);
    this.showMessage(viewId);
  }

  /**
   * A view's message: its filter, and on the Containers view why terminals and captures are
   * off when the Docker endpoint is not this host's (its pids mean nothing here).
   */
  private showMessage(viewId: string): void {
    const view = this.views.get(viewId);
    if (!view) return;
    const provider = this.providers.get(viewId);
    const filter = provider?.filter.trim();
    const search = provider?.filterSearch;
    const off = viewId === VIEW_SPECS[0]?.view ? pidFeaturesOffReason(describeEndpoint(this.state.settings.dockerEndpoint || undefined)) : undefined;
    const parts = [
      filter ? `Filtered by "${displayText(filter)}"${search?.capped ? ` (only the first ${search.searched} rows searched)` : ''}` : '',
      off ?? '',
    ].filter(Boolean);
    view.message = parts.length > 0 ? parts.join(' — ') : undefined;
  }

  async reveal(view: string, nodeId: string): Promise<boolean> {
    const provider = this.providers.get(view);
    let node = provider?.find(nodeId);
    if (provider && node && !provider.shows(node)) {
      // The view's filter hides it: clear the filter rather than fail to show what was asked for.
      provider.setFilter('');
      this.showMessage(view);
      node = provider.find(nodeId);
    }
    const tree = this.views.get(view);
    if (!node || !tree) {
      this.log.warn(`reveal: ${nodeId} not found in ${view}`);
      return false;
    }
    try {
      // A collapsed or never-shown view builds its tree as it opens; a reveal racing that
      // sometimes leaves the node's parents collapsed. Open the view first.
      if (!tree.visible) await vscode.commands.executeCommand(`${view}.focus`);
      await tree.reveal(node, { select: true, focus: true, expand: true });
    } catch (err) {
      this.log.error(`reveal ${nodeId} in ${view}: ${(err as Error).message}`);
      throw err;
    }
    return true;
  }

  dispose(): void {
    this.hideProgress();
    for (const d of this.disposables) d.dispose();
  }
}
