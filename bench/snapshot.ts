// Benchmark: the host snapshot against the floor and the naive way, for N extra containers.
//   node dist/bench/snapshot.js [N ...]        (default 10 50 100; root; lab up)
// For each N it scales the lab (test/lab/scale N), then, interleaving the three in one run so
// they see the same machine load, times R rounds of:
//   snapshot  takeSnapshot() in-process, cold (every source, as root, nothing cached);
//   warm      the same with the previous snapshot passed in, as the sidebar refreshes;
//   first     the live state's first picture: cold without what costs a process per container
//             (the DNS redirect rules, the interfaces read inside each namespace as root);
//   floor     the bare reads the snapshot cannot avoid, as commands one after another:
//             docker inspect <all containers>, docker network inspect <all networks>,
//             ip -j -d link, iptables-save -c;
//   naive     one docker inspect plus one nsenter ip -j addr per running container.
// Medians go into BENCHMARKS.md between the markers. Ratios matter more than milliseconds.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { takeSnapshot } from '../src/host/hostSnapshotReader';
import { median, writeBenchSection } from './benchmarksFile';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROOT = process.cwd();

function run(argv: string[]): string {
  const [file, ...args] = argv;
  return execFileSync(file as string, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

function timeMs(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

interface Row {
  n: number;
  containers: number;
  running: number;
  snapshot: number;
  warm: number;
  noDns: number;
  floor: number;
  naive: number;
  dockerSource: number;
  namespaces: number;
  snapshotKb: number;
  heapMb: number;
}

async function measure(n: number): Promise<Row> {
  run([join(ROOT, 'test', 'lab', 'scale'), String(n)]);
  const ids = run(['docker', 'ps', '-aq']).split('\n').filter(Boolean);
  const runningIds = run(['docker', 'ps', '-q']).split('\n').filter(Boolean);
  const networks = run(['docker', 'network', 'ls', '-q']).split('\n').filter(Boolean);
  const pids = run(['docker', 'inspect', '-f', '{{.State.Pid}} {{.HostConfig.NetworkMode}}', ...runningIds])
    .split('\n')
    .filter(Boolean)
    .filter((l) => !/ (host|container:)/.test(l))
    .map((l) => l.split(' ')[0] as string);
  const snap: number[] = [];
  const warm: number[] = [];
  const noDns: number[] = [];
  const floor: number[] = [];
  const naive: number[] = [];
  const dockerSource: number[] = [];
  const namespaces: number[] = [];
  let snapshotKb = 0;
  let heapMb = 0;
  await takeSnapshot(); // warm-up: module loading, first socket connection
  for (let r = 0; r < ROUNDS; r++) {
    let taken: Awaited<ReturnType<typeof takeSnapshot>> | undefined;
    snap.push(await timeAsync(async () => (taken = await takeSnapshot())));
    dockerSource.push(taken?.sources.find((s) => s.name === 'docker')?.ms ?? 0);
    namespaces.push(taken?.sources.find((s) => s.name === 'containerNamespaces')?.ms ?? 0);
    snapshotKb = Math.round(JSON.stringify(taken).length / 1024);
    const previous = taken;
    warm.push(await timeAsync(() => takeSnapshot(previous ? { previous } : {})));
    noDns.push(await timeAsync(() => takeSnapshot({ dnsRules: false, namespaceLinks: false })));
    heapMb = Math.max(heapMb, process.memoryUsage().heapUsed / 2 ** 20);
    floor.push(
      timeMs(() => run(['docker', 'inspect', ...ids])) +
        timeMs(() => run(['docker', 'network', 'inspect', ...networks])) +
        timeMs(() => run(['ip', '-j', '-d', 'link', 'show'])) +
        timeMs(() => run(['iptables-save', '-c'])),
    );
    naive.push(
      timeMs(() => {
        for (const id of runningIds) run(['docker', 'inspect', id]);
        for (const pid of pids) run(['nsenter', '-t', pid, '-n', 'ip', '-j', 'addr', 'show']);
      }),
    );
  }
  return {
    n,
    containers: ids.length,
    running: runningIds.length,
    snapshot: median(snap),
    warm: median(warm),
    noDns: median(noDns),
    floor: median(floor),
    naive: median(naive),
    dockerSource: median(dockerSource),
    namespaces: median(namespaces),
    snapshotKb,
    heapMb: Math.round(heapMb),
  };
}

function table(rows: Row[]): string {
  const f = (x: number) => x.toFixed(0);
  const lines = [
    '| extra N | containers (running) | cold ms | warm ms | first picture ms | floor ms | naive ms | cold / floor | first / floor | warm / floor | naive / warm | docker source ms (cold) | namespaces ms (cold) | JSON KiB | heap MiB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.n} | ${r.containers} (${r.running}) | ${f(r.snapshot)} | ${f(r.warm)} | ${f(r.noDns)} | ${f(r.floor)} | ${f(r.naive)} | ${(r.snapshot / r.floor).toFixed(2)} | ${(r.noDns / r.floor).toFixed(2)} | ${(r.warm / r.floor).toFixed(2)} | ${(r.naive / r.warm).toFixed(1)} | ${f(r.dockerSource)} | ${f(r.namespaces)} | ${r.snapshotKb} | ${r.heapMb} |`,
    );
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first && last && last.running > first.running) {
    const per = (a: number, b: number) => ((b - a) / (last.running - first.running)).toFixed(2);
    lines.push(
      '',
      `Marginal cost per running container (N=${first.n} to N=${last.n}): cold ${per(first.snapshot, last.snapshot)} ms, warm ${per(first.warm, last.warm)} ms, first picture ${per(first.noDns, last.noDns)} ms, floor ${per(first.floor, last.floor)} ms, naive ${per(first.naive, last.naive)} ms.`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run the benchmark as root with the lab up (test/lab/up)');
  const ns = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => Number.isInteger(x) && x >= 0);
  const rows: Row[] = [];
  try {
    for (const n of ns.length ? ns : [10, 50, 100]) {
      process.stderr.write(`N=${n}: scaling and measuring ${ROUNDS} rounds...\n`);
      rows.push(await measure(n));
      process.stderr.write(`${JSON.stringify(rows[rows.length - 1])}\n`);
    }
  } finally {
    run([join(ROOT, 'test', 'lab', 'scale'), '0']);
  }
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${ROUNDS} rounds per N, medians; lab of 14 containers plus N.`;
  writeBenchSection('snapshot-bench', `${stamp}\n\n${table(rows)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
