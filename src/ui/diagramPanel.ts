// The diagram panel's host side: one webview panel at a time that draws a topology or a
// packet path from the live host state, redraws on Docker events, follows rule
// counters while it shows a packet path, and acts on what the webview asks (typed messages
// from src/protocol.ts, each checked with parseFromWebview).
//
// Nothing is posted before the webview says `ready`; until then only the latest message is
// kept. With retainContextWhenHidden off the page is dropped when the panel is hidden and
// says `ready` again when shown: it is then drawn afresh.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { countersOf, type CounterMemory } from '../model/ruleCounters';
import { topologyOf } from '../model/topology';
import {
  DIAGRAM_VIEW_TYPE,
  parseDiagramRequest,
  parseFromWebview,
  type DiagramChoice,
  type DiagramRequest,
  type FromWebview,
  type NodeAction,
  type RenderedDiagram,
  type ToWebview,
} from '../protocol';
import { DEFAULT_RENDER_LIMITS, DiagramRequestError, diagramChoices, renderDiagram } from '../render/diagram';
import { diagramPageHtml, makeNonce } from '../render/diagramPage';
import { exportMermaid, exportSvg } from './diagramExport';
import { pickConnection } from './explainCommand';
import { HOST_TOPOLOGY } from './diagramRequests';
import { describeTarget, sidebarLocations } from './diagramTargets';
import type { NamespaceTerminals } from './namespaceTerminals';
import type { HostState } from './hostState';
import { readSettings } from './settings';
import type { Sidebar } from './sidebar';

export interface DiagramPanelDeps {
  extensionUri: vscode.Uri;
  /** The one live host state: what the panel draws. */
  state: HostState;
  /** Only for revealing a clicked node in the trees. */
  sidebar: Sidebar;
  terminals: NamespaceTerminals;
  log: vscode.LogOutputChannel;
}

/** Owns the one diagram panel: opens it, or reveals it with a new request; restores it after a reload. */
export class DiagramPanels implements vscode.Disposable {
  private current: DiagramPanel | undefined;

  constructor(private readonly deps: DiagramPanelDeps) {}

  show(request: DiagramRequest): void {
    if (this.current) {
      this.current.reveal(request);
      return;
    }
    const panel = vscode.window.createWebviewPanel(DIAGRAM_VIEW_TYPE, 'Container Network diagram', vscode.ViewColumn.Active, {
      ...this.webviewOptions(),
      // The page is dropped while hidden and redrawn from the host's state when shown.
      retainContextWhenHidden: false,
    });
    this.adopt(panel, request);
  }

  /** The serializer's half: a panel VS Code re-created after a window reload, with the state the webview kept. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const saved = typeof state === 'object' && state !== null ? parseDiagramRequest((state as { request?: unknown }).request) : undefined;
    if (this.current) {
      // Already open (a command ran first): one panel at a time.
      panel.dispose();
      return;
    }
    panel.webview.options = this.webviewOptions();
    this.deps.log.info(`diagram: restoring the panel after a reload: ${saved ? JSON.stringify(saved) : 'no saved request, the whole host'}`);
    this.adopt(panel, saved ?? HOST_TOPOLOGY, !saved);
  }

  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(DIAGRAM_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => this.restore(panel, state),
    });
  }

  /** Scripts on; resources only from the extension's dist/webview and media folders. */
  private webviewOptions(): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.deps.extensionUri, 'media')],
    };
  }

  private adopt(panel: vscode.WebviewPanel, request: DiagramRequest, takeRequestFromPage = false): void {
    const p = new DiagramPanel(panel, request, this.deps, takeRequestFromPage);
    this.current = p;
    panel.onDidDispose(() => {
      if (this.current === p) this.current = undefined;
    });
  }

  dispose(): void {
    this.current?.dispose();
  }
}

class DiagramPanel {
  private ready = false;
  /** The latest message posted before the webview was ready. */
  private pending: ToWebview | undefined;
  /** What the webview shows now (JSON): an identical redraw is not posted again. */
  private shown: string | undefined;
  private lastDiagram: RenderedDiagram | undefined;
  /** The snapshot the last render used, and the counters it was compared with. */
  private drawn: { snapshot: HostSnapshot; baseline: CounterMemory | undefined } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Why live counters stopped (said once, in the diagram's notes), until the user refreshes. */
  private countersProblem: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private choices: { takenAt: string; list: DiagramChoice[] } | undefined;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private request: DiagramRequest,
    private readonly deps: DiagramPanelDeps,
    /** Restored without a saved request: the page's own kept state, if it has one, says what it showed. */
    private takeRequestFromPage = false,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'network.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState(() => this.visibilityChanged()),
      panel.onDidDispose(() => this.dispose()),
      deps.state.onDidChange(({ countersOnly }) => {
        if (countersOnly && this.request.kind !== 'path') return;
        if (this.panel.visible) this.render();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('containerNet.diagram') && this.updateTimer()),
    );
    deps.state.start();
    this.load();
  }

  reveal(request: DiagramRequest): void {
    this.setRequest(request);
    this.panel.reveal();
  }

  /** A fresh page: a new nonce, the webview's own resource URIs. It says `ready` when its script ran. */
  private load(): void {
    const webview = this.panel.webview;
    this.ready = false;
    webview.html = diagramPageHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(randomBytes),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview', 'diagram.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'diagram.css')).toString(),
    });
    this.render();
    this.updateTimer();
  }

  private setRequest(request: DiagramRequest): void {
    this.request = request;
    this.render();
    this.updateTimer();
  }

  private post(message: ToWebview): void {
    if (this.disposed) return;
    if (!this.ready) {
      this.pending = message;
      return;
    }
    const key = JSON.stringify(message);
    if (key === this.shown) return;
    this.shown = key;
    void this.panel.webview.postMessage(message).then(
      (delivered) => {
        // Not delivered (the page went away meanwhile): it will say `ready` again and be drawn then.
        if (!delivered && this.shown === key) this.shown = undefined;
      },
      (err: Error) => this.deps.log.warn(`diagram: post failed: ${err.message}`),
    );
  }

  /** Draws the current request from the latest snapshot and posts it (or why it cannot be drawn). */
  private render(): void {
    if (this.disposed) return;
    const snapshot = this.deps.state.snapshot;
    if (!snapshot) {
      this.post({ type: 'busy', message: 'Reading the host…' });
      return;
    }
    // Counters are compared with the previous read shown; a redraw of the same read keeps its highlights.
    const baseline = this.drawn?.snapshot === snapshot ? this.drawn.baseline : this.drawn ? countersOf(this.drawn.snapshot) : undefined;
    const started = performance.now();
    let diagram: RenderedDiagram;
    try {
      diagram = renderDiagram(snapshot, this.request, { limits: DEFAULT_RENDER_LIMITS, ...(baseline ? { previousCounters: baseline } : {}) });
    } catch (err) {
      const e = err as Error;
      this.lastDiagram = undefined;
      this.deps.log.warn(`diagram: ${e instanceof DiagramRequestError ? '' : 'render failed: '}${e.message}`);
      this.panel.title = 'Container Network diagram';
      this.post({
        type: 'error',
        message: e.message,
        fix:
          e instanceof DiagramRequestError && e.fix
            ? e.fix
            : 'Refresh the diagram; if it keeps failing, run "Container Network: Open Host Snapshot" and attach it to a bug report with this message.',
      });
      return;
    }
    this.drawn = { snapshot, baseline };
    if (this.countersProblem && this.request.kind === 'path') diagram = { ...diagram, notes: [...diagram.notes, this.countersProblem] };
    this.lastDiagram = diagram;
    this.panel.title = diagram.title;
    this.deps.log.debug(
      `diagram: ${diagram.title}: ${diagram.stats.nodes} nodes, ${diagram.stats.edges} edges, ${diagram.moved.length} moved, in ${(performance.now() - started).toFixed(1)} ms`,
    );
    this.post({
      type: 'diagram',
      request: this.request,
      diagram,
      takenAt: snapshot.countersReadAt ?? snapshot.takenAt,
      choices: this.choicesFor(snapshot),
      limits: DEFAULT_RENDER_LIMITS,
    });
  }

  /** The pickers' entries depend on Docker's state only: a counters-only read (same takenAt) reuses them. */
  private choicesFor(snapshot: HostSnapshot): DiagramChoice[] {
    if (this.choices?.takenAt !== snapshot.takenAt) this.choices = { takenAt: snapshot.takenAt, list: diagramChoices(snapshot) };
    return this.choices.list;
  }

  private visibilityChanged(): void {
    // A hidden page is dropped (retainContextWhenHidden: false); shown again, it says `ready` anew.
    if (!this.panel.visible) {
      this.ready = false;
      this.shown = undefined;
      this.pending = undefined; // drawn afresh when it is shown again
    }
    this.updateTimer();
  }

  /** Live counters: only while the panel is visible and shows a packet path, and nothing refused them. */
  private updateTimer(): void {
    if (this.disposed) return;
    const seconds = readSettings().counterRefreshSeconds;
    // A DNS path is drawn from the rules inside the container's namespace, which the counters-only read does not cover.
    const hostPath = this.request.kind === 'path' && this.request.path.kind !== 'dns';
    const want = this.panel.visible && hostPath && seconds > 0 && !this.countersProblem;
    if (this.timer) clearInterval(this.timer);
    this.timer = want ? setInterval(() => void this.tick(), seconds * 1000) : undefined;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const snapshot = this.deps.state.snapshot;
      if (snapshot && !snapshot.netfilter) {
        const nf = snapshot.sources.find((s) => s.name === 'netfilter');
        this.stopCounters(`Live rule counters are off: netfilter was not read${nf?.reason ? ` (${nf.reason})` : ''}.${nf?.fix ? ` ${nf.fix}` : ''}`);
        return;
      }
      await this.deps.state.refreshCounters(); // a new snapshot arrives through onDidChange
    } catch (err) {
      this.stopCounters(`Live rule counters are off: ${(err as Error).message.split('\n')[0]}. Refresh the diagram to try again.`);
    } finally {
      this.ticking = false;
    }
  }

  private stopCounters(problem: string): void {
    this.deps.log.warn(`diagram: ${problem}`);
    this.countersProblem = problem;
    this.updateTimer();
    this.render();
  }

  private receive(raw: unknown): void {
    const message = parseFromWebview(raw);
    if (!message) {
      this.deps.log.warn(`diagram: ignored a message the host does not understand: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    void this.handle(message).catch((err: Error) => {
      this.deps.log.error(`diagram: ${message.type}: ${err.message}`);
      void vscode.window.showErrorMessage(`Diagram: ${err.message}`);
    });
  }

  private async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        this.shown = undefined;
        // Whatever was queued may be older than the snapshot now (snapshots are not drawn while
        // hidden): draw afresh. The host's request is the one drawn (a command may have changed
        // it while the page was hidden); the page's kept state counts only for a panel restored without one.
        this.pending = undefined;
        if (this.takeRequestFromPage && message.state) {
          this.takeRequestFromPage = false;
          this.setRequest(message.state.request);
        } else this.render();
        this.takeRequestFromPage = false;
        return;
      }
      case 'request':
        this.setRequest(message.request);
        return;
      case 'refresh':
        this.countersProblem = undefined;
        this.post({ type: 'busy', message: 'Reading the host…' });
        await this.deps.state.refresh();
        this.render();
        this.updateTimer();
        return;
      case 'pickConnection': {
        const snapshot = this.deps.state.snapshot;
        if (!snapshot) {
          void vscode.window.showInformationMessage('The host has not been read yet: try again in a moment.');
          return;
        }
        const picked = await pickConnection(snapshot, undefined, 'Draw a connection');
        if (picked) this.setRequest({ kind: 'path', path: { kind: 'connection', from: picked.from, to: picked.to, protocol: picked.protocol } });
        return;
      }
      case 'nodeAction':
        return this.nodeAction(message.nodeId, message.action);
      case 'exportMermaid':
        if (this.lastDiagram) await exportMermaid(this.lastDiagram);
        return;
      case 'exportSvg':
        await exportSvg(message.svg, this.request, this.deps.state.snapshot?.host.hostname ?? 'host', this.deps.log);
        return;
      case 'rendered':
        this.deps.log.debug(`diagram: drawn in the webview in ${message.ms.toFixed(0)} ms, ${message.nodes} nodes`);
        return;
      case 'renderFailed':
        this.deps.log.warn(`diagram: the webview could not draw the diagram: ${message.message}`);
        return;
    }
  }

  private async nodeAction(nodeId: string, action: NodeAction): Promise<void> {
    const nodes = this.lastDiagram?.nodes;
    const target = nodes && Object.hasOwn(nodes, nodeId) ? nodes[nodeId] : undefined;
    if (!target) {
      this.deps.log.warn(`diagram: ${action} on ${nodeId}, which the diagram shown does not have`);
      return;
    }
    if (action === 'open') {
      if (target.kind === 'container' && !target.running)
        void vscode.window.showInformationMessage(`Container ${target.name} is not running: it has no network namespace to draw.`);
      else if (target.kind === 'container') this.setRequest({ kind: 'topology', scope: { kind: 'container', container: target.name }, filter: '' });
      else if (target.kind === 'network') this.setRequest({ kind: 'topology', scope: { kind: 'network', network: target.name }, filter: '' });
      else void vscode.window.showInformationMessage(`A topology opens for a container or a network, not for ${describeTarget(target)}.`);
      return;
    }
    if (action === 'terminal') {
      if (target.kind === 'container' && target.running) void this.deps.terminals.shellIn(target.name);
      else void vscode.window.showInformationMessage(`A shell opens only in a running container's namespace, not for ${describeTarget(target)}.`);
      return;
    }
    const snapshot = this.deps.state.snapshot;
    const topology = snapshot ? topologyOf(snapshot) : undefined;
    for (const { view, nodeId: treeId } of sidebarLocations(target, snapshot, topology)) {
      if (await this.deps.sidebar.reveal(view, treeId)) return;
    }
    void vscode.window.showInformationMessage(`The sidebar does not list ${describeTarget(target)} (it may be filtered out or hidden by a setting).`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
