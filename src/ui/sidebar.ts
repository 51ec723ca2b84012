// The sidebar: four tree views fed by one LiveSnapshot. Nothing is read until one of the
// views is visible; then Docker's event stream, a slow poll and the refresh button keep it
// current, with progress shown in the views while a read runs.
import * as vscode from 'vscode';
import type { ContainerInfo, HostSnapshot } from '../host/hostSnapshot';
import { pidFeaturesOffReason } from '../host/containerPid';
import { displayText } from '../host/displayText';
import { describeEndpoint } from '../host/dockerEngine';
import { LiveSnapshot } from '../host/liveSnapshot';
import { buildTopology } from '../model/topology';
import { readSettings, type Settings } from './settings';
import { SnapshotTreeProvider } from './trees/snapshotTreeProvider';
import type { TreeNode } from './trees/treeNode';
import { VIEW_SPECS } from './trees/viewSpecs';

export interface SnapshotChange {
  snapshot: HostSnapshot;
  /** Only the netfilter rules and counters were re-read. */
  countersOnly: boolean;
}

export class Sidebar implements vscode.Disposable {
  readonly providers = new Map<string, SnapshotTreeProvider>();
  readonly views = new Map<string, vscode.TreeView<TreeNode>>();
  private live: LiveSnapshot | undefined;
  private settings: Settings = readSettings();
  private readingDone: (() => void) | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly snapshotChanged = new vscode.EventEmitter<SnapshotChange>();
  /** A new snapshot (a full read, or only netfilter counters re-read by refreshCounters). */
  readonly onDidChangeSnapshot = this.snapshotChanged.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    for (const spec of VIEW_SPECS) {
      const provider = new SnapshotTreeProvider(spec);
      const view = vscode.window.createTreeView(spec.view, { treeDataProvider: provider, showCollapseAll: true });
      this.providers.set(spec.view, provider);
      this.views.set(spec.view, view);
      this.disposables.push(view, view.onDidChangeVisibility((e) => e.visible && this.start()));
      if (view.visible) this.start();
    }
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('containerNet')) return;
        const before = this.settings;
        this.settings = readSettings();
        const restart = before.dockerEndpoint !== this.settings.dockerEndpoint || before.privilegeCommand.join(' ') !== this.settings.privilegeCommand.join(' ') || before.refreshIntervalSeconds !== this.settings.refreshIntervalSeconds;
        if (restart && this.live) {
          this.stop();
          this.start();
        } else if (this.live?.current) this.show(this.live.current);
      }),
    );
  }

  start(): void {
    if (this.live) return;
    const s = this.settings;
    this.log.info(`starting: Docker ${s.dockerEndpoint || 'from DOCKER_HOST or the local socket'}, privilege "${s.privilegeCommand.join(' ')}", poll ${s.refreshIntervalSeconds} s`);
    const live = new LiveSnapshot({
      snapshot: { ...(s.dockerEndpoint ? { dockerEndpoint: s.dockerEndpoint } : {}), privilegeCommand: s.privilegeCommand },
      pollMs: s.refreshIntervalSeconds * 1000,
    });
    live.on('changed', (snapshot, reasons) => {
      this.log.info(`read in ${snapshot.tookMs} ms (${reasons.join('; ')})`);
      this.show(snapshot);
      this.snapshotChanged.fire({ snapshot, countersOnly: false });
    });
    live.on('counters', (snapshot) => this.snapshotChanged.fire({ snapshot, countersOnly: true }));
    live.on('reading', (reading) => (reading ? this.showProgress() : this.hideProgress()));
    live.on('failed', (err) => this.log.error(`read failed: ${err.message}`));
    live.on('dockerEvent', (e) => this.log.trace(`docker event: ${e.type} ${e.action} ${e.name ?? e.id}`));
    this.live = live;
    live.start();
  }

  stop(): void {
    this.live?.stop();
    this.live?.removeAllListeners();
    this.live = undefined;
    this.hideProgress();
  }

  async refresh(): Promise<void> {
    if (!this.live) this.start();
    await this.live?.refreshNow('refresh requested');
  }

  /** The latest snapshot (full read or counters re-read), if the sidebar has read anything yet. */
  get snapshot(): HostSnapshot | undefined {
    return this.live?.current;
  }

  /** Re-reads only the netfilter counters into the current snapshot (see LiveSnapshot.refreshCounters). */
  async refreshCounters(): Promise<HostSnapshot | undefined> {
    return this.live?.refreshCounters();
  }

  /** The containers of the latest read, if the sidebar has read anything yet. */
  get containers(): ContainerInfo[] | undefined {
    return this.live?.current?.docker?.containers;
  }

  private show(snapshot: HostSnapshot): void {
    const input = { snapshot, topology: buildTopology(snapshot), settings: this.settings };
    for (const p of this.providers.values()) p.update(input);
    for (const id of this.views.keys()) this.showMessage(id);
    const docker = snapshot.sources.find((s) => s.name === 'docker');
    const containers = this.views.get(VIEW_SPECS[0]?.view ?? '');
    if (containers) containers.description = docker?.state === 'ok' || docker?.state === 'partial' ? `${snapshot.docker?.containers.length ?? 0}` : 'engine not reachable';
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
    const text = await vscode.window.showInputBox({ title: 'Filter', prompt: 'Show only items whose name or description contains this text (empty clears the filter)', value: provider.filter });
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
    const filter = this.providers.get(viewId)?.filter.trim();
    const off = viewId === VIEW_SPECS[0]?.view ? pidFeaturesOffReason(describeEndpoint(this.settings.dockerEndpoint || undefined)) : undefined;
    const parts = [filter ? `Filtered by "${displayText(filter)}"` : '', off ?? ''].filter(Boolean);
    view.message = parts.length > 0 ? parts.join(' — ') : undefined;
  }

  async reveal(view: string, nodeId: string): Promise<boolean> {
    const node = this.providers.get(view)?.find(nodeId);
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
    this.stop();
    this.snapshotChanged.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
