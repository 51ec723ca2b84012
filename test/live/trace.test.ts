// The live trace on the real lab: TRACE rules go in for one flow, the kernel's own path comes
// back from xtables-monitor, and the rules are gone afterwards whatever happened. The oracle
// for "nothing left behind" is iptables-save (and ip6tables-save) itself, compared without
// counters before and after: a normal end, a time limit, SIGTERM, SIGKILL followed by the next
// run's sweep, and 100 cycles in a row. The kernel's path is compared with the one predicted
// from the rules: no difference on the lab's working and failing flows.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runTrace, TRACE_MARK } from '../../src/host/traceSession';
import { requireLab, sh } from './lab';

const CLI = join(process.cwd(), 'dist', 'cli.js');

/** Both families' rules without counters, comments or generation headers. */
function rules(): string {
  const strip = (t: string) =>
    t
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, '').replace(/^(:\S+ \S+).*$/, '$1'))
      .join('\n');
  return `${strip(sh('iptables-save'))}\n--\n${strip(sh('ip6tables-save'))}`;
}

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function execFileSyncInput(file: string, args: string[], input: string): void {
  execFileSync(file, args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

let clean: string;

before(() => {
  requireLab();
  sh(process.execPath, CLI, 'trace', '--cleanup');
  clean = rules();
  assert.ok(!clean.includes(TRACE_MARK));
});

test('host -> 127.0.0.1:8080 (DNAT, docker-proxy): the kernel takes the predicted path, and no rule is left', async () => {
  const r = await cli('trace', '--from', 'host', '--to', '127.0.0.1:8080', '--yes', '--probe', '--packets', '20', '--seconds', '3', '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    comparisons: { title: string; comparison?: { differences: number; visits: { side: string }[] } }[];
    packets: unknown[];
    rules: string[];
  };
  assert.ok(report.packets.length > 0, 'the kernel traced packets');
  assert.ok(
    report.rules.every((x) => x.includes(TRACE_MARK)),
    'every inserted rule carries the marker',
  );
  const first = report.comparisons[0]?.comparison;
  assert.ok(first, `the first flow was traced: ${r.stdout.slice(0, 1500)}`);
  assert.equal(first.differences, 0, JSON.stringify(report.comparisons, null, 1).slice(0, 3000));
  assert.ok(first.visits.filter((v) => v.side === 'both').length >= 3, 'several chains agreed');
  assert.equal(rules(), clean, 'iptables-save is what it was');
});

test("client -> lone's address: dropped where the prediction says, by the rule it names", async () => {
  const lone = sh('docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'lone').trim();
  const r = await cli('trace', '--from', 'client', '--to', `${lone}:80`, '--yes', '--probe', '--packets', '1', '--seconds', '6', '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    comparisons: { comparison?: { differences: number; visits: { side: string; visit: { verdict: string; rule?: string } }[] } }[];
  };
  const c = report.comparisons[0]?.comparison;
  assert.ok(c, r.stdout.slice(0, 1500));
  assert.equal(c.differences, 0, JSON.stringify(c, null, 1).slice(0, 3000));
  const drop = c.visits.at(-1);
  assert.equal(drop?.visit.verdict, 'DROP');
  assert.ok(drop?.visit.rule && sh('iptables-save').includes(drop.visit.rule), `the dropping rule is one iptables has: ${drop?.visit.rule}`);
  assert.equal(rules(), clean);
});

test('a time limit with no traffic, and SIGTERM mid-trace: the rules are gone', async () => {
  const r = await cli('trace', '--from', 'client', '--to', '172.30.1.10:80', '--yes', '--seconds', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /time limit/);
  assert.equal(rules(), clean);
  const child = spawn(process.execPath, [CLI, 'trace', '--from', 'client', '--to', '172.30.1.10:80', '--yes', '--seconds', '30'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const until = Date.now() + 15_000;
  while (!rules().includes(TRACE_MARK) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.ok(rules().includes(TRACE_MARK), `the rule went in: ${err}`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  assert.equal(rules(), clean);
});

test('SIGKILL leaves the rule; the next trace (or --cleanup) removes it', async () => {
  const child = spawn(process.execPath, [CLI, 'trace', '--from', 'host', '--to', '172.30.1.10:80', '--yes', '--seconds', '30'], { stdio: 'ignore' });
  const until = Date.now() + 15_000;
  while (!rules().includes(TRACE_MARK) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.ok(rules().includes(TRACE_MARK));
  const monitors = sh('ps', '-o', 'pid=', '--ppid', String(child.pid)).split('\n').map(Number).filter(Boolean);
  assert.equal(monitors.length, 1, 'the CLI runs one xtables-monitor');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
  assert.ok(rules().includes(TRACE_MARK), 'a killed run cannot clean up after itself');
  // The monitor ends with the CLI (parent-death signal), not left reading the kernel's trace.
  const gone = Date.now() + 5000;
  const alive = () =>
    monitors.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  while (alive().length && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(alive(), [], 'xtables-monitor ended with the killed CLI');
  const r = await cli('trace', '--from', 'host', '--to', '172.30.1.10:80', '--yes', '--seconds', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /removed 1 TRACE rule\(s\) an earlier trace had left behind/);
  assert.equal(rules(), clean);
});

test('100 trace cycles in a row leave zero rules behind', async () => {
  for (let i = 0; i < 100; i++) {
    const result = await runTrace({
      flows: [{ protocol: 'tcp', src: '172.30.1.20', dst: '172.30.1.10', dport: 80, chain: 'PREROUTING' }],
      family: 4,
      seconds: 0.4,
    });
    assert.equal(result.rules.length, 1);
  }
  assert.equal(rules(), clean);
});

/** The whole nftables ruleset without counters (-s: stateless). */
function ruleset(): string {
  return sh('nft', '-s', 'list', 'ruleset');
}

test('a native nftables table on the way: traced with meta nftrace and nft monitor, its DROP as predicted; its table of its own gone afterwards, also after SIGKILL', async () => {
  const web2 = sh('docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'web2').trim();
  const client = sh('docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'client').trim();
  // A firewall of the admin's own, as nft writes it: made here, removed in finally.
  const table = `table inet cndt_fw {\n chain cndt_forward {\n  type filter hook forward priority 10; policy accept;\n  ip saddr ${client} ip daddr ${web2} tcp dport 80 counter drop comment "cndt-fw"\n }\n}\n`;
  execFileSyncInput('nft', ['-f', '-'], table);
  try {
    const before = ruleset();
    const r = await cli('trace', '--from', 'client', '--to', `${web2}:80`, '--yes', '--probe', '--packets', '1', '--seconds', '6', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      comparisons: { comparison?: { differences: number; visits: { side: string; visit: { table: string; verdict: string } }[] } }[];
      rules: string[];
    };
    assert.ok(
      report.rules.every((x) => x.startsWith('nft inet container_net_trace')),
      report.rules.join('\n'),
    );
    const c = report.comparisons[0]?.comparison;
    assert.ok(c, r.stdout.slice(0, 1500));
    assert.equal(c.differences, 0, JSON.stringify(c, null, 1).slice(0, 3000));
    assert.equal(c.visits.at(-1)?.visit.table, 'inet cndt_fw', 'the native table decides');
    assert.equal(c.visits.at(-1)?.visit.verdict, 'DROP');
    assert.ok(
      c.visits.some((v) => v.side === 'both' && v.visit.table === 'filter'),
      "iptables-nft's chains are in the same trace",
    );
    assert.equal(ruleset(), before, 'nft list ruleset is what it was');
    // Killed outright: the table stays until the next trace sweeps it.
    const child = spawn(process.execPath, [CLI, 'trace', '--from', 'client', '--to', `${web2}:80`, '--yes', '--seconds', '30'], { stdio: 'ignore' });
    const until = Date.now() + 15_000;
    while (!ruleset().includes('container_net_trace') && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
    assert.ok(ruleset().includes('container_net_trace'));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    assert.ok(ruleset().includes('container_net_trace'), 'a killed run cannot clean up after itself');
    const sweep = await cli('trace', '--cleanup');
    assert.equal(sweep.code, 0, sweep.stderr);
    assert.equal(ruleset(), before);
  } finally {
    try {
      sh('nft', 'delete', 'table', 'inet', 'cndt_fw');
    } catch {
      // gone already
    }
  }
  assert.equal(rules(), clean);
});
