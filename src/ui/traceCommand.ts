// "Trace Packets": the kernel's own path of a connection beside the predicted one. It changes
// netfilter (TRACE rules in the raw table for exactly that flow), so it asks first, every time;
// the rules go when the trace ends (packet or time limit), when the user cancels it, when the
// extension deactivates, and, for a run that died with the extension host, at the next start
// (activation sweeps any rule with the marker comment).
import * as vscode from 'vscode';
import { runTrace, sweepTraceRules, TraceNeedsRootError } from '../host/traceSession';
import { probeConnection } from '../host/connectionProbe';
import { ConnectionEndError, explainConnection } from '../model/explain';
import { NothingToTraceError, traceBackend, traceFlows, traceReport } from '../model/tracePlan';
import { renderTraceText } from '../render/traceText';
import type { HostState } from './hostState';
import type { InspectDocuments } from './inspectDocuments';
import { pickConnection } from './explainCommand';

export class PacketTraces implements vscode.Disposable {
  private readonly running = new Set<{ controller: AbortController; done: Promise<unknown> }>();

  constructor(
    private readonly state: HostState,
    private readonly documents: InspectDocuments,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Removes TRACE rules a trace that died with an earlier extension host left behind (root only). */
  sweepLeftovers(): void {
    if (process.getuid?.() !== 0) return;
    try {
      const n = sweepTraceRules();
      if (n) this.log.warn(`removed ${n} TRACE rule(s) an earlier trace left behind`);
    } catch (err) {
      this.log.error(`could not sweep TRACE rules: ${(err as Error).message}`);
    }
  }

  async trace(arg?: unknown): Promise<void> {
    const snapshot = await this.state.whenRead();
    if (!snapshot) return void vscode.window.showWarningMessage('The host has not been read yet: try again in a moment.');
    if (process.getuid?.() !== 0) return void vscode.window.showErrorMessage(new TraceNeedsRootError().message);
    const picked = await pickConnection(snapshot, arg, 'Trace Packets');
    if (!picked) return;
    const { from, to, protocol } = picked;
    const ipv6 = to.startsWith('[');
    let e;
    let flows;
    let backend: 'iptables' | 'nft';
    try {
      e = explainConnection(snapshot, { from, to, protocol, ...(ipv6 ? { ipv6: true } : {}) });
      flows = traceFlows(e, from === 'outside');
      backend = traceBackend(snapshot).backend;
    } catch (err) {
      if (err instanceof ConnectionEndError) return void vscode.window.showErrorMessage(`${err.message} ${err.fix}`);
      if (err instanceof NothingToTraceError) return void vscode.window.showInformationMessage(err.message);
      throw err;
    }
    const send = from === 'outside' ? undefined : 'Trace and Send One Connection';
    const choice = await vscode.window.showWarningMessage(
      backend === 'nft'
        ? `Trace ${from} -> ${to}? This adds the nftables table inet container_net_trace with ${flows.length} rule(s) marking exactly this flow (meta nftrace) and deletes it when the trace ends (5 packets or 15 s, or Cancel).`
        : `Trace ${from} -> ${to}? This inserts ${flows.length} TRACE rule(s) into the raw table for exactly this flow (comment "container-net-trace") and removes them when the trace ends (5 packets or 15 s, or Cancel).`,
      { modal: true },
      'Trace',
      ...(send ? [send] : []),
    );
    if (!choice) return;
    const controller = new AbortController();
    let probe: Promise<string> | undefined;
    const first = e.paths[0]?.path.flow;
    const pid = from === 'host' ? undefined : snapshot.docker?.containers.find((c) => c.name === from)?.pid;
    const job = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tracing ${from} -> ${to}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        return runTrace({
          flows,
          family: e.family === 6 ? 6 : 4,
          backend,
          packets: 5,
          seconds: 15,
          signal: controller.signal,
          onReady: () => {
            progress.report({ message: choice === send ? 'sending one connection…' : 'waiting for traffic (Cancel to stop)…' });
            if (choice === send && first) probe = probeConnection(pid, protocol, first.dst, first.dport ?? 0);
          },
          onPacket: (_p, n) => progress.report({ message: `${n} packet(s) traced` }),
        });
      },
    );
    const entry = { controller, done: Promise.resolve(job).catch(() => undefined) };
    this.running.add(entry);
    try {
      const result = await job;
      const report = traceReport(e, result, probe ? await probe : undefined);
      await this.documents.showText(`trace ${from} to ${to}`, `${renderTraceText(report)}\n`, 'plaintext');
    } catch (err) {
      void vscode.window.showErrorMessage(`Trace ${from} -> ${to} failed: ${(err as Error).message}`);
    } finally {
      this.running.delete(entry);
    }
  }

  /** Ends every running trace and waits for its rules to be removed. */
  async stopAll(): Promise<void> {
    const all = [...this.running];
    for (const t of all) t.controller.abort();
    await Promise.all(all.map((t) => t.done));
  }

  dispose(): void {
    void this.stopAll();
  }
}

export function registerTraceCommand(traces: PacketTraces): vscode.Disposable[] {
  return [vscode.commands.registerCommand('containerNet.trace', (arg?: unknown) => traces.trace(arg))];
}
