// What every benchmark script shares: the median of its rounds, and its section of
// BENCHMARKS.md, written between `<!-- NAME:start -->` and `<!-- NAME:end -->` markers.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Replaces the section `name` of BENCHMARKS.md (in the current folder) with `body`, and prints it. */
export function writeBenchSection(name: string, body: string): void {
  const section = `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`;
  const file = join(process.cwd(), 'BENCHMARKS.md');
  const current = readFileSync(file, 'utf8');
  const start = current.indexOf(`<!-- ${name}:start -->`);
  const end = current.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`BENCHMARKS.md has no ${name} markers`);
  writeFileSync(file, current.slice(0, start) + section + current.slice(end + `<!-- ${name}:end -->`.length));
  process.stdout.write(`${section}\n`);
}
