// A live trace: TRACE rules in the raw table scoped to exactly one flow, the kernel's trace
// read from `xtables-monitor --trace`, and the rules removed again whatever happens: when the
// packet or time limit is reached, when the caller aborts, on the process's exit, and (for a
// run that was killed outright) by the sweep every new trace and the extension's start run
// first, which removes any rule carrying the marker comment. Root only: it changes netfilter.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { splitRuleArgs } from './iptablesSave';
import { endProcessGroup } from './commandRunner';
import { findExecutable } from './privilege';
import { KernelTraceCollector, parseKernelTraceLine, parseNftTraceLine } from './kernelTrace';
import { ipFamily } from '../snapshot/ipAddress';
import type { TraceFlow, TracedPacket } from '../snapshot/kernelTrace';

/** Every rule a trace inserts carries this in its comment; the sweep removes any rule that does. */
export const TRACE_MARK = 'container-net-trace';

export interface TraceOptions {
  flows: TraceFlow[];
  family: 4 | 6;
  /**
   * iptables: TRACE rules in the raw table, read with xtables-monitor (iptables-nft only).
   * nft: `meta nftrace set 1` in a table of the trace's own, read with `nft monitor trace`:
   * needed where the flow crosses native nftables tables, which xtables-monitor does not show.
   */
  backend?: 'iptables' | 'nft';
  /** Stop after this many traced packets (default 5). */
  packets?: number;
  /** Stop after this many seconds (default 10). */
  seconds?: number;
  signal?: AbortSignal;
  /** Called once the rules are in and the kernel is being read: send the traffic now. */
  onReady?: () => void;
  onPacket?: (p: TracedPacket, count: number) => void;
}

export interface TraceResult {
  packets: TracedPacket[];
  /** The rules inserted, as `iptables -S` prints them. */
  rules: string[];
  ended: 'packets' | 'timeout' | 'aborted' | 'monitor-exited';
  /** Rules of earlier runs found and removed before this one started. */
  swept: number;
}

const tool = (family: 4 | 6) => (family === 6 ? 'ip6tables' : 'iptables');

function run(argv: string[]): string {
  return execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
}

/** The arguments after `-t raw -I|-D CHAIN` for one flow. */
export function traceRuleArgs(flow: TraceFlow, marker: string): string[] {
  return [
    '-p',
    flow.protocol,
    ...(flow.src ? ['-s', flow.src] : []),
    '-d',
    flow.dst,
    ...(flow.dport ? ['--dport', String(flow.dport)] : []),
    '-m',
    'comment',
    '--comment',
    marker,
    '-j',
    'TRACE',
  ];
}

/** The nft mode's own table: every trace rule lives in it, and deleting it removes them all. */
export const NFT_TRACE_TABLE = 'container_net_trace';

/**
 * The nft script of one trace: its table, a chain on prerouting and one on output just before
 * the raw table (-300), and one rule per flow. Every value is checked (addresses parse as
 * addresses, ports are numbers, the marker is ours): nothing from the host is spliced in as is.
 */
export function nftTraceScript(flows: TraceFlow[], family: 4 | 6, marker: string): string {
  if (!/^[\w .-]+$/.test(marker)) throw new Error(`unexpected marker ${marker}`);
  const ip = family === 6 ? 'ip6' : 'ip';
  const rule = (f: TraceFlow): string => {
    for (const a of [f.src, f.dst]) if (a !== undefined && ipFamily(a) !== family) throw new Error(`${a} is not an IPv${family} address`);
    if (f.dport !== undefined && !(Number.isInteger(f.dport) && f.dport > 0 && f.dport < 65536)) throw new Error(`bad port ${f.dport}`);
    return [
      `meta l4proto ${f.protocol}`,
      ...(f.src ? [`${ip} saddr ${f.src}`] : []),
      `${ip} daddr ${f.dst}`,
      ...(f.dport ? [`${f.protocol} dport ${f.dport}`] : []),
      `meta nftrace set 1 comment "${marker}"`,
    ].join(' ');
  };
  const chain = (name: string, hook: string, which: TraceFlow['chain']) =>
    `  chain ${name} {\n    type filter hook ${hook} priority -350; policy accept;\n${flows
      .filter((f) => f.chain === which)
      .map((f) => `    ${rule(f)}\n`)
      .join('')}  }\n`;
  return `table inet ${NFT_TRACE_TABLE} {\n${chain('trace_pre', 'prerouting', 'PREROUTING')}${chain('trace_out', 'output', 'OUTPUT')}}\n`;
}

function deleteNftTraceTable(): boolean {
  try {
    run(['nft', 'list', 'table', 'inet', NFT_TRACE_TABLE]);
  } catch {
    return false; // not there (or no nft): nothing to remove
  }
  run(['nft', 'delete', 'table', 'inet', NFT_TRACE_TABLE]);
  return true;
}

/** Removes every rule whose comment carries TRACE_MARK from the raw tables of both families; returns how many. */
export function sweepTraceRules(): number {
  let removed = 0;
  for (const family of [4, 6] as const) {
    let text: string;
    try {
      text = run([`${tool(family)}-save`, '-t', 'raw']);
    } catch {
      continue; // no such table or tool: nothing of ours can be there
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('-A ') || !line.includes(TRACE_MARK)) continue;
      const args = splitRuleArgs(line);
      run([tool(family), '-w', '-t', 'raw', '-D', ...args.slice(1)]);
      removed++;
    }
  }
  if (deleteNftTraceTable()) removed++;
  return removed;
}

export class TraceNeedsRootError extends Error {
  constructor() {
    super('A live trace inserts TRACE rules into netfilter: it needs root. Run it as root (sudo), or use explain, which reads only.');
  }
}

/** Runs one trace; the rules are gone when the promise settles, whichever way it settles. */
export async function runTrace(opts: TraceOptions): Promise<TraceResult> {
  if (process.getuid?.() !== 0) throw new TraceNeedsRootError();
  const swept = sweepTraceRules();
  const marker = `${TRACE_MARK} ${process.pid}-${Date.now().toString(36)}`;
  const want = opts.packets ?? 5;
  const nft = opts.backend === 'nft';
  const collector = new KernelTraceCollector(marker, nft ? `inet ${NFT_TRACE_TABLE}` : undefined);
  const inserted: { chain: string; args: string[] }[] = [];
  let nftTable = false;
  const remove = (): void => {
    if (nftTable) {
      try {
        deleteNftTraceTable();
      } catch {
        // the sweep of the next trace removes it
      }
      nftTable = false;
    }
    while (inserted.length) {
      const r = inserted.pop() as { chain: string; args: string[] };
      try {
        run([tool(opts.family), '-w', '-t', 'raw', '-D', r.chain, ...r.args]);
      } catch {
        // already gone; the sweep below catches anything left
      }
    }
  };
  // Last resort for an exit this code does not see coming (an uncaught exception, process.exit).
  const onExit = (): void => {
    remove();
  };
  process.on('exit', onExit);
  let monitor: ChildProcess | undefined;
  try {
    // setpriv --pdeathsig: the monitor ends with this process even when it is killed outright.
    // stdbuf -oL: xtables-monitor writes to a pipe here, which would hold its lines back in 4 KiB blocks.
    const monitorArgv = nft ? ['nft', 'monitor', 'trace'] : ['xtables-monitor', '--trace', opts.family === 6 ? '-6' : '-4'];
    const argv = findExecutable('stdbuf') ? ['stdbuf', '-oL', ...monitorArgv] : monitorArgv;
    const withDeathSignal = findExecutable('setpriv') ? ['setpriv', '--pdeathsig', 'KILL', '--', ...argv] : argv;
    monitor = spawn(withDeathSignal[0] as string, withDeathSignal.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = monitor;
    const ended = await new Promise<TraceResult['ended']>((resolve, reject) => {
      let settled = false;
      const finish = (how: TraceResult['ended']): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(how);
      };
      const onAbort = (): void => finish('aborted');
      if (opts.signal?.aborted) return finish('aborted');
      opts.signal?.addEventListener('abort', onAbort);
      const timer = setTimeout(() => finish('timeout'), (opts.seconds ?? 10) * 1000);
      child.once('error', (err) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(`xtables-monitor could not be started (${err.message}): install iptables (nf_tables backend)`));
        }
      });
      child.once('exit', () => finish('monitor-exited'));
      let partial = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (d: string) => {
        partial += d;
        let nl: number;
        while ((nl = partial.indexOf('\n')) >= 0) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          const before = collector.packets.length;
          collector.add(nft ? parseNftTraceLine(line) : parseKernelTraceLine(line));
          if (collector.packets.length > before && before > 0) opts.onPacket?.(collector.packets[before - 1] as TracedPacket, before);
        }
        if (partial.length > 1 << 20) partial = '';
        // The last packet's events come within moments: the 500 ms after the finish take them in.
        if (collector.packets.length >= want) finish('packets');
      });
      // The monitor subscribes as it starts; the rules go in once it has had a moment to.
      setTimeout(() => {
        if (settled) return;
        try {
          if (nft) {
            execFileSync('nft', ['-f', '-'], { input: nftTraceScript(opts.flows, opts.family, marker), stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 });
            nftTable = true;
          } else
            for (const flow of opts.flows) {
              const args = traceRuleArgs(flow, marker);
              run([tool(opts.family), '-w', '-t', 'raw', '-I', flow.chain, ...args]);
              inserted.push({ chain: flow.chain, args });
            }
        } catch (err) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(`could not insert the TRACE rule: ${(err as Error).message}`));
          return;
        }
        opts.onReady?.();
      }, 300);
    });
    // Events of the last packet may still be on their way: a moment more, then stop reading.
    if (ended !== 'aborted') await new Promise((r) => setTimeout(r, 500));
    const rules = nft
      ? nftTraceScript(opts.flows, opts.family, marker)
          .split('\n')
          .filter((l) => l.includes('nftrace'))
          .map((l) => `nft inet ${NFT_TRACE_TABLE}: ${l.trim()}`)
      : inserted.map((r) => `iptables -t raw -A ${r.chain} ${r.args.join(' ')}`);
    return { packets: collector.packets.slice(0, want), rules, ended, swept };
  } finally {
    remove();
    process.off('exit', onExit);
    if (monitor) endProcessGroup(monitor);
  }
}
