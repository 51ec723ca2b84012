// The one live host state of the extension, for VS Code: a thin wrapper of LiveSnapshot
// (src/host, no vscode) with VS Code events and settings. It starts reading on first need
// (a view shown, a panel opened, a command run), restarts when a setting that changes how the
// host is read changes, and keeps one Topology per snapshot. The sidebar, the diagram panels,
// the diagram commands and the terminals all subscribe here; none reaches through another.
import * as vscode from 'vscode';
import type { ContainerInfo, HostSnapshot } from '../snapshot/hostSnapshot';
import { LiveSnapshot } from '../host/liveSnapshot';
import { topologyOf, type Topology } from '../model/topology';
import { readSettings, type Settings } from './settings';

export interface HostStateChange {
  snapshot: HostSnapshot;
  /** Only the netfilter rules and counters were re-read. */
  countersOnly: boolean;
}

export class HostState implements vscode.Disposable {
  private live: LiveSnapshot | undefined;
  private settingsNow: Settings = readSettings();
  private readonly changed = new vscode.EventEmitter<HostStateChange>();
  private readonly readingChanged = new vscode.EventEmitter<boolean>();
  private readonly settingsChanged = new vscode.EventEmitter<Settings>();
  private readonly disposables: vscode.Disposable[] = [];
  /** A new snapshot (a full read, or only netfilter counters re-read). */
  readonly onDidChange = this.changed.event;
  /** A read started (true) or ended (false). */
  readonly onDidChangeReading = this.readingChanged.event;
  /** Settings that change only how the state is shown (not how it is read). */
  readonly onDidChangeSettings = this.settingsChanged.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('containerNet')) return;
        const before = this.settingsNow;
        this.settingsNow = readSettings();
        const s = this.settingsNow;
        const reread =
          before.dockerEndpoint !== s.dockerEndpoint ||
          before.privilegeCommand.join(' ') !== s.privilegeCommand.join(' ') ||
          before.refreshIntervalSeconds !== s.refreshIntervalSeconds;
        if (reread && this.live) {
          this.stop();
          this.start();
        }
        this.settingsChanged.fire(s);
      }),
    );
  }

  get settings(): Settings {
    return this.settingsNow;
  }

  /** Starts reading (events, poll, a first read). Idempotent: every consumer calls it when it first needs the host. */
  start(): void {
    if (this.live) return;
    const s = this.settingsNow;
    this.log.info(
      `starting: Docker ${s.dockerEndpoint || 'from DOCKER_HOST or the local socket'}, privilege "${s.privilegeCommand.join(' ')}", poll ${s.refreshIntervalSeconds} s`,
    );
    const live = new LiveSnapshot({
      snapshot: { ...(s.dockerEndpoint ? { dockerEndpoint: s.dockerEndpoint } : {}), privilegeCommand: s.privilegeCommand },
      pollMs: s.refreshIntervalSeconds * 1000,
    });
    live.on('changed', (snapshot, reasons) => {
      this.log.info(`read in ${snapshot.tookMs} ms (${reasons.join('; ')})`);
      this.changed.fire({ snapshot, countersOnly: false });
    });
    live.on('counters', (snapshot) => this.changed.fire({ snapshot, countersOnly: true }));
    live.on('reading', (reading) => this.readingChanged.fire(reading));
    live.on('failed', (err) => this.log.error(`read failed: ${err.message}`));
    live.on('dockerEvent', (e) => this.log.trace(`docker event: ${e.type} ${e.action} ${e.name ?? e.id}`));
    this.live = live;
    live.start();
  }

  private stop(): void {
    this.live?.stop();
    this.live?.removeAllListeners();
    this.live = undefined;
    this.readingChanged.fire(false);
  }

  /** A read the user asked for (an earlier refusal of the privilege command is retried). */
  async refresh(): Promise<void> {
    this.start();
    await this.live?.refreshNow('refresh requested');
  }

  /** Re-reads only the netfilter counters into the current snapshot. */
  async refreshCounters(): Promise<HostSnapshot | undefined> {
    return this.live?.refreshCounters();
  }

  /** The latest snapshot, if anything was read yet. */
  get snapshot(): HostSnapshot | undefined {
    return this.live?.current;
  }

  /** The latest snapshot's topology: built once per snapshot, shared by every consumer. */
  get topology(): Topology | undefined {
    const s = this.snapshot;
    return s ? topologyOf(s) : undefined;
  }

  /** The containers of the latest read. */
  get containers(): ContainerInfo[] | undefined {
    return this.snapshot?.docker?.containers;
  }

  /** The latest snapshot, starting the reads and waiting (with progress) for the first one if needed. */
  async whenRead(timeoutMs = 60_000): Promise<HostSnapshot | undefined> {
    this.start();
    if (this.snapshot) return this.snapshot;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Reading the host…' },
      () =>
        new Promise<HostSnapshot | undefined>((resolve) => {
          const done = (s: HostSnapshot | undefined): void => {
            clearTimeout(timer);
            sub.dispose();
            resolve(s);
          };
          const sub = this.onDidChange((e) => done(e.snapshot));
          const timer = setTimeout(() => done(this.snapshot), timeoutMs);
        }),
    );
  }

  dispose(): void {
    this.stop();
    this.changed.dispose();
    this.readingChanged.dispose();
    this.settingsChanged.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
