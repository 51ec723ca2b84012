// Parser for `conntrack -L` (conntrack-tools): one tracked flow per line, original and reply
// tuples, state and flags. Bounded: only the first `limit` entries are kept.
import type { ConntrackEntry, ConntrackState, ConntrackTuple } from './hostSnapshot';
import { ParseError } from './parseError';

export const CONNTRACK_ARGS = ['conntrack', '-L'];
export const DEFAULT_CONNTRACK_LIMIT = 2000;

const FAMILIES = new Set(['ipv4', 'ipv6']);

export function parseConntrack(text: string, limit = DEFAULT_CONNTRACK_LIMIT): ConntrackState {
  const entries: ConntrackEntry[] = [];
  let truncated = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('conntrack v')) continue;
    if (entries.length >= limit) {
      truncated = true;
      break;
    }
    entries.push(parseConntrackLine(line));
  }
  return { entries, limit, truncated };
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
