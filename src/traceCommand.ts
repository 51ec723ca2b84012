// `container-net trace --from SRC --to DST [--udp] [--ipv6] [--packets N] [--seconds S]
// [--probe] --yes`: the connection's live path as the kernel reports it, beside the predicted
// one. It changes netfilter (TRACE rules in the raw table, marked, removed when it ends), so it
// never runs without --yes; SIGINT and SIGTERM end it cleanly, and a killed run's rules are
// swept by the next trace (or `trace --cleanup`).
import { probeConnection } from './host/connectionProbe';
import { runTrace, sweepTraceRules, TraceNeedsRootError } from './host/traceSession';
import { findContainer } from './model/containerLookup';
import { explainConnection } from './model/explain';
import { traceBackend, traceFlows, traceReport } from './model/tracePlan';
import { topologyOf } from './model/topology';
import { renderTraceText } from './render/traceText';
import type { TraceReport } from './model/tracePlan';
import type { HostSnapshot } from './snapshot/hostSnapshot';

export interface TraceArgs {
  from: string;
  to: string;
  protocol: 'tcp' | 'udp';
  ipv6: boolean;
  packets: number;
  seconds: number;
  probe: boolean;
}

/** The pid whose network namespace the source is (undefined: the host's own). */
function sourcePid(snapshot: HostSnapshot, from: string): number | undefined {
  if (from === 'host') return undefined;
  const c = findContainer(snapshot.docker?.containers, from);
  if (!c) return undefined;
  const ownerId = topologyOf(snapshot).containers.find((x) => x.id === c.id)?.namespaceOwnerId ?? c.id;
  const owner = snapshot.docker?.containers.find((x) => x.id === ownerId) ?? c;
  return owner.modeKind === 'host' ? undefined : owner.pid;
}

export function cleanupTraces(): string {
  if (process.getuid?.() !== 0) throw new TraceNeedsRootError();
  const n = sweepTraceRules();
  return n ? `removed ${n} TRACE rule(s) left by an earlier trace` : 'no TRACE rule of container-net is in place';
}

export async function traceConnection(snapshot: HostSnapshot, args: TraceArgs, log: (line: string) => void): Promise<TraceReport> {
  const e = explainConnection(snapshot, { from: args.from, to: args.to, protocol: args.protocol, ...(args.ipv6 ? { ipv6: true } : {}) });
  const flows = traceFlows(e, args.from === 'outside');
  if (args.probe && args.from === 'outside')
    throw new Error('--probe cannot send from outside: send the traffic from an outside client, then the trace shows it');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let probe: Promise<string> | undefined;
  try {
    const result = await runTrace({
      flows,
      family: e.family === 6 ? 6 : 4,
      backend: traceBackend(snapshot).backend,
      packets: args.packets,
      seconds: args.seconds,
      signal: controller.signal,
      onReady: () => {
        log(
          `TRACE rules in place; ${args.probe ? 'sending one connection' : `waiting for traffic (${args.packets} packets or ${args.seconds} s, Ctrl+C to stop)`}`,
        );
        if (args.probe) {
          // To the destination as the source addresses it (before any DNAT or docker-proxy).
          const first = e.paths[0]?.path.flow;
          probe = probeConnection(sourcePid(snapshot, args.from), args.protocol, first?.dst ?? '', first?.dport ?? 0);
        }
      },
    });
    return traceReport(e, result, probe ? await probe : undefined);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export { renderTraceText };
