// Parser for `conntrack -L` (conntrack-tools): one tracked flow per line, original and reply
// tuples, state and flags. Bounded: only the first `limit` entries are kept. On a live host the
// output is streamed (a busy host tracks millions of flows): read line by line, and at the
// limit the process group is ended, so neither time nor memory grows with the table.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConntrackEntry, ConntrackState, ConntrackTuple } from '../snapshot/hostSnapshot';
import { ParseError } from './parseError';
import type { Privilege } from './privilege';

export const CONNTRACK_ARGS = ['conntrack', '-L'];
export const DEFAULT_CONNTRACK_LIMIT = 2000;

const FAMILIES = new Set(['ipv4', 'ipv6']);

/** Takes lines one at a time; `add` says whether more are wanted (false once past the limit). */
class ConntrackCollector {
  readonly entries: ConntrackEntry[] = [];
  truncated = false;

  constructor(readonly limit: number) {}

  add(raw: string): boolean {
    const line = raw.trim();
    if (line === '' || line.startsWith('conntrack v')) return true;
    if (this.entries.length >= this.limit) {
      this.truncated = true;
      return false;
    }
    this.entries.push(parseConntrackLine(line));
    return true;
  }

  state(): ConntrackState {
    return { entries: this.entries, limit: this.limit, truncated: this.truncated };
  }
}

export function parseConntrack(text: string, limit = DEFAULT_CONNTRACK_LIMIT): ConntrackState {
  const c = new ConntrackCollector(limit);
  for (const line of text.split('\n')) if (!c.add(line)) break;
  return c.state();
}

/**
 * `conntrack -L` on the live host, streamed: the first `limit` entries are kept, and the
 * process group is ended at the limit. `total` is the kernel's own count of tracked flows
 * (nf_conntrack_count, readable by any user), so a truncated read still says how many there are.
 */
export async function readConntrack(privilege: Privilege, options: { limit?: number; timeoutMs?: number; procRoot?: string } = {}): Promise<ConntrackState> {
  const c = new ConntrackCollector(options.limit ?? DEFAULT_CONNTRACK_LIMIT);
  // conntrack exits 1 after listing on some versions: that is not a failure.
  await privilege.streamPrivileged(CONNTRACK_ARGS, (line) => c.add(line), { timeoutMs: options.timeoutMs ?? 10_000, okCodes: [0, 1] });
  const state = c.state();
  const total = await readConntrackCount(options.procRoot ?? '/proc');
  if (total !== undefined) state.total = total;
  return state;
}

async function readConntrackCount(procRoot: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(join(procRoot, 'sys/net/netfilter/nf_conntrack_count'), 'utf8')).trim());
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined; // nf_conntrack not loaded
  }
}

/** The note a truncated read leaves in the snapshot's sources. */
export function conntrackNote(state: ConntrackState): string | undefined {
  if (!state.truncated) return undefined;
  return `kept the first ${state.limit} entries${state.total !== undefined ? ` of ${state.total} (the kernel's count)` : ''}: conntrack -L was stopped at the limit`;
}

export function parseConntrackLine(line: string): ConntrackEntry {
  const f = line.split(/\s+/);
  let i = 0;
  let family = 'ipv4';
  if (FAMILIES.has(f[0] as string)) {
    family = f[0] as string;
    i = 2; // "ipv4 2"
  }
  const protocol = f[i];
  if (!protocol || !/^\d+$/.test(f[i + 1] ?? '')) throw new ParseError('conntrack', 'line does not start with a protocol and its number', line);
  i += 2;
  const entry: ConntrackEntry = { family, protocol, original: { src: '', dst: '' }, reply: { src: '', dst: '' }, flags: [] };
  if (/^\d+$/.test(f[i] ?? '')) entry.timeout = Number(f[i++]);
  if (/^[A-Z_]+$/.test(f[i] ?? '')) entry.state = f[i++];
  let tuple: ConntrackTuple = entry.original;
  let seenSrc = 0;
  for (; i < f.length; i++) {
    const field = f[i] as string;
    if (field.startsWith('[') && field.endsWith(']')) {
      entry.flags.push(field.slice(1, -1));
      continue;
    }
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    const key = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (key === 'src') {
      seenSrc++;
      if (seenSrc === 2) tuple = entry.reply;
      tuple.src = value;
    } else if (key === 'dst') tuple.dst = value;
    else if (key === 'sport') tuple.sport = Number(value);
    else if (key === 'dport') tuple.dport = Number(value);
    else if (key === 'mark') entry.mark = Number(value);
  }
  if (!entry.original.src || !entry.original.dst) throw new ParseError('conntrack', 'entry without an original tuple', line);
  return entry;
}
