// Benchmark: from `docker run -d` returning to the container running in the live state, as
// `container-net watch --json` reports it (the same LiveSnapshot the extension uses).
//   npm run bench:watch [-- N...]      root, lab up (test/lab/up); default N = 0 and 100
// For each N it scales the lab to N extra running containers (test/lab/scale N), starts
// `watch --json`, then ROUNDS times runs a small container of its own and times from the
// moment `docker run` returns to the line saying it runs (container-added running, or
// container-started); then removes it. Medians go into BENCHMARKS.md between the watch-bench
// markers. The lab is scaled back to 0 at the end.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { median, writeBenchSection } from './benchmarksFile';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROOT = process.cwd();

function run(argv: string[]): string {
  const [file, ...args] = argv;
  return execFileSync(file as string, args, { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'inherit'] });
}

interface Line {
  kind: string;
  subject?: string;
  detail?: string;
  at: number;
}

async function measure(n: number): Promise<{ n: number; running: number; latencies: number[] }> {
  run([join(ROOT, 'test', 'lab', 'scale'), String(n)]);
  const running = run(['docker', 'ps', '-q']).split('\n').filter(Boolean).length;
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'watch', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let at: number;
    while ((at = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, at);
      buf = buf.slice(at + 1);
      if (text.trim()) lines.push({ ...(JSON.parse(text) as Omit<Line, 'at'>), at: performance.now() });
    }
  });
  const until = async (what: string, ok: (l: Line) => boolean, ms = 30_000): Promise<Line> => {
    const end = performance.now() + ms;
    for (;;) {
      const l = lines.find(ok);
      if (l) return l;
      if (performance.now() > end) throw new Error(`${what}: not seen within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const latencies: number[] = [];
  try {
    await until('the state line', (l) => l.kind === 'state', 120_000);
    await new Promise((r) => setTimeout(r, 1500)); // let the first reads settle
    for (let i = 0; i < ROUNDS; i++) {
      const name = `cnd-bench-watch-${randomBytes(3).toString('hex')}`;
      run(['docker', 'run', '-d', '--name', name, '--network', 'lab-net', '--dns', '127.0.0.1', 'containernet-lab/busybox:1', 'sleep', 'inf']);
      const returned = performance.now();
      const seen = await until(
        `${name} running`,
        (l) => l.subject === name && ((l.kind === 'container-added' && /^running/.test(l.detail ?? '')) || l.kind === 'container-started'),
      );
      latencies.push(Math.max(0, seen.at - returned));
      run(['docker', 'rm', '-f', name]);
      await until(`${name} removed`, (l) => l.subject === name && l.kind === 'container-removed');
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    child.kill('SIGINT');
  }
  return { n, running, latencies };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root with the lab up (test/lab/up)');
  const ns = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => Number.isInteger(x) && x >= 0);
  const rows: Awaited<ReturnType<typeof measure>>[] = [];
  try {
    for (const n of ns.length ? ns : [0, 100]) {
      process.stderr.write(`N=${n}: ${ROUNDS} rounds...\n`);
      rows.push(await measure(n));
      process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    }
  } finally {
    run([join(ROOT, 'test', 'lab', 'scale'), '0']);
  }
  const table = [
    '| extra N | running containers | median ms | min ms | max ms |',
    '|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) => `| ${r.n} | ${r.running} | ${median(r.latencies).toFixed(0)} | ${Math.min(...r.latencies).toFixed(0)} | ${Math.max(...r.latencies).toFixed(0)} |`,
    ),
  ];
  const engine = run(['docker', 'version', '--format', '{{.Server.Version}}']).trim();
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Docker ${engine}, ${ROUNDS} rounds per N.`;
  writeBenchSection('watch-bench', `${stamp}\n\n${table.join('\n')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
