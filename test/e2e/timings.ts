// Timings measured while the e2e tests run (not asserted: these machines are noisy). They go
// to test-results/e2e-timings.json; BENCHMARKS.md quotes them with the date of the run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = join(process.cwd(), 'test-results', 'e2e-timings.json');

export function recordTiming(name: string, ms: number): void {
  mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
  let all: Record<string, number> = {};
  try {
    all = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, number>;
  } catch {
    // first timing of the run
  }
  all[name] = Math.round(ms);
  writeFileSync(FILE, `${JSON.stringify(all, null, 2)}\n`);
  process.stderr.write(`timing: ${name}: ${Math.round(ms)}\n`);
}
