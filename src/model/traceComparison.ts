// The kernel's path of a traced packet beside the predicted one: both as a list of chain
// visits (table, chain, how it left), aligned (longest common subsequence), differences marked.
// A built-in chain with no rules and an ACCEPT policy may not exist in the kernel at all
// (iptables-nft creates base chains only when used), and the kernel does not report falling
// off the end of a user chain: predicted alone, neither is a difference.
import type { KernelTraceEvent, TracedPacket } from '../snapshot/kernelTrace';
import type { PacketPath } from './packetPath';

export interface ChainVisit {
  table: string;
  chain: string;
  /** ACCEPT, DROP, REJECT, JUMP X, GOTO X, RETURN. */
  verdict: string;
  /** The rule that decided, when a rule did (as iptables -S prints it). */
  rule?: string;
}

export interface ComparedVisit {
  visit: ChainVisit;
  /** both: the kernel did what was predicted; predicted / kernel: only one of them has it. */
  side: 'both' | 'predicted' | 'kernel';
  /** Predicted alone but not a difference (an empty built-in chain iptables-nft never made). */
  optional?: boolean;
}

export interface TraceComparison {
  visits: ComparedVisit[];
  differences: number;
}

export function predictedVisits(path: PacketPath): ChainVisit[] {
  return path.steps.map((s) => {
    const matched = s.rules.filter((r) => r.result === 'matched').at(-1);
    const verdict = s.verdict === 'JUMP' || s.verdict === 'GOTO' ? `${s.verdict} ${s.next ?? ''}`.trim() : String(s.verdict);
    return { table: s.table, chain: s.chain, verdict, ...(matched && !s.policy ? { rule: matched.rule.spec } : {}) };
  });
}

/** Kernel events as chain visits: a CONTINUE (a LOG, a MARK) does not leave the chain and is left out. */
export function kernelVisits(events: KernelTraceEvent[]): ChainVisit[] {
  const out: ChainVisit[] = [];
  for (const e of events) {
    if (e.verdict === 'CONTINUE') continue;
    const verdict = e.verdict === 'JUMP' || e.verdict === 'GOTO' ? `${e.verdict} ${e.target ?? ''}`.trim() : e.verdict;
    const rule = e.spec?.replace(/^-[46]\s+-t\s+\S+\s+/, '');
    out.push({ table: e.table, chain: e.chain, verdict, ...(e.what === 'rule' && rule ? { rule } : {}) });
  }
  return out;
}

const same = (a: ChainVisit, b: ChainVisit) => a.table === b.table && a.chain === b.chain && a.verdict === b.verdict;

export function compareTrace(path: PacketPath, packet: TracedPacket): TraceComparison {
  const p = predictedVisits(path);
  const k = kernelVisits(packet.events);
  // Predicted visits the kernel may not report: an empty built-in ACCEPT chain (never made by
  // iptables-nft), and falling off the end of a user chain (no rule matched: an implicit return).
  const optional = new Set(
    path.steps
      .filter(
        (s) =>
          (s.policy && s.rules.length === 0 && s.verdict === 'ACCEPT' && s.entered === 'hook') ||
          (s.verdict === 'RETURN' && !s.rules.some((r) => r.result === 'matched')),
      )
      .map((s) => `${s.table} ${s.chain} ${s.verdict}`),
  );
  // Longest common subsequence of the two lists.
  const n = p.length;
  const m = k.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      (lcs[i] as number[])[j] = same(p[i] as ChainVisit, k[j] as ChainVisit)
        ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
        : Math.max((lcs[i + 1] as number[])[j] as number, (lcs[i] as number[])[j + 1] as number);
  const visits: ComparedVisit[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && same(p[i] as ChainVisit, k[j] as ChainVisit)) {
      visits.push({ visit: k[j] as ChainVisit, side: 'both' });
      i++;
      j++;
    } else if (j >= m || (i < n && ((lcs[i + 1] as number[])[j] as number) >= ((lcs[i] as number[])[j + 1] as number))) {
      const v = p[i] as ChainVisit;
      visits.push({ visit: v, side: 'predicted', ...(optional.has(`${v.table} ${v.chain} ${v.verdict}`) ? { optional: true } : {}) });
      i++;
    } else {
      visits.push({ visit: k[j] as ChainVisit, side: 'kernel' });
      j++;
    }
  }
  return { visits, differences: visits.filter((v) => v.side !== 'both' && !v.optional).length };
}
