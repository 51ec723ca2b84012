// From an explanation to a live trace and back: the flows to mark (one per host path the
// connection takes: docker-proxy's own connection is a second one) and, once the kernel has
// answered, each path beside the first packet traced of its flow.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import type { TraceFlow, TracedPacket } from '../snapshot/kernelTrace';
import type { Explanation } from './explain';
import { compareTrace, type TraceComparison } from './traceComparison';

export class NothingToTraceError extends Error {}

/** The trace's own nft table (src/host/traceSession.ts makes it): never counted as the host's. */
const OWN_TABLE = 'container_net_trace';

/**
 * How to trace on this host: iptables TRACE rules read with xtables-monitor see iptables-nft's
 * chains only; where native nftables tables hook in too (firewalld, Docker 29's nftables
 * backend, a table of the admin's own), `meta nftrace` and `nft monitor trace`, which see all.
 */
export function traceBackend(snapshot: HostSnapshot): { backend: 'iptables' | 'nft'; why: string } {
  const native = (snapshot.nftables?.tables ?? []).filter((t) => t.origin === 'native' && t.name !== OWN_TABLE && t.chains.some((c) => c.base));
  if (native.length) return { backend: 'nft', why: `native nftables tables hook in (${native.map((t) => `${t.family} ${t.name}`).join(', ')})` };
  if (snapshot.netfilter?.backend === 'legacy') {
    throw new NothingToTraceError(
      'iptables-legacy sends TRACE output to the kernel log, not to a monitor this tool reads: switch to iptables-nft (update-alternatives --set iptables /usr/sbin/iptables-nft).',
    );
  }
  return { backend: 'iptables', why: "iptables-nft's tables only" };
}

/** The flows of the connection's host paths. `outside`: the real client's address is not known, so no -s. */
export function traceFlows(e: Explanation, outside: boolean): TraceFlow[] {
  if (e.paths.length === 0) {
    throw new NothingToTraceError(
      `${e.from} -> ${e.to} never reaches the host's netfilter${e.decidedBy ? ` (${e.decidedBy.text})` : ''}: there is nothing on the host to trace.`,
    );
  }
  return e.paths.flatMap((p, i) => {
    const f = p.path.flow;
    const flow: TraceFlow = { protocol: f.protocol === 'udp' ? 'udp' : 'tcp', dst: f.dst, chain: f.locallyGenerated ? 'OUTPUT' : 'PREROUTING' };
    if (!(outside && i === 0)) flow.src = f.src;
    if (f.dport) flow.dport = f.dport;
    // A connection the host makes to itself comes back in through lo: mark the way in too.
    return f.locallyGenerated && p.path.routing?.kind === 'local' ? [flow, { ...flow, chain: 'PREROUTING' as const }] : [flow];
  });
}

export function traceComparisons(e: Explanation, packets: TracedPacket[]): { title: string; packet?: TracedPacket; comparison?: TraceComparison }[] {
  return e.paths.map((p) => {
    const dst = p.path.flow.dst;
    const port = p.path.flow.dport;
    const packet = packets.find((x) => x.summary.includes(` -> ${dst}${port ? `:${port}` : ''}`));
    return { title: p.title, ...(packet ? { packet, comparison: compareTrace(p.path, packet) } : {}) };
  });
}

/** A finished trace: the kernel's packets beside the predicted paths, the rules that were in place. */
export interface TraceReport {
  from: string;
  to: string;
  comparisons: { title: string; packet?: TracedPacket; comparison?: TraceComparison }[];
  packets: TracedPacket[];
  rules: string[];
  ended: string;
  swept: number;
  probe?: string;
}

/** What a finished trace reports (src/render/traceText.ts prints it): the CLI and Trace Packets build it alike. */
export function traceReport(e: Explanation, result: { packets: TracedPacket[]; rules: string[]; ended: string; swept: number }, probe?: string): TraceReport {
  return {
    from: e.from,
    to: e.to,
    comparisons: traceComparisons(e, result.packets),
    packets: result.packets,
    rules: result.rules,
    ended: result.ended,
    swept: result.swept,
    ...(probe !== undefined ? { probe } : {}),
  };
}
