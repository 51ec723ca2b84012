// Without root, the number of privileged calls per refresh does not grow with the number of
// containers. The lab user (cndlab) gets exactly the sudoers line the extension offers (pinned
// arguments; checked by visudo), `container-net watch` runs as that user with a privilege command
// that logs each call before handing it to `sudo -n`, and a refresh (triggered by a network of
// the test's own) is counted with the lab alone and with 100 more containers. Everything the
// test makes (sudoers file, wrapper, network, bench containers) is removed afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../../src/host/privilege';
import { sudoersLine } from '../../src/host/sudoersRule';
import { requireLab, sh } from './lab';

const SUDOERS = '/etc/sudoers.d/cnd-test-sudocount';
const NETWORK = 'cnd-sudocount-net';
const dir = mkdtempSync(join(tmpdir(), 'cnd-sudocount-'));
const log = join(dir, 'calls.log');
const wrapper = join(dir, 'count-sudo');
const cli = join(dir, 'cli.js');

function removeNetwork(): void {
  try {
    sh('docker', 'network', 'rm', NETWORK);
  } catch {
    // not there
  }
}

before(() => {
  requireLab();
  chmodSync(dir, 0o755);
  const line = sudoersLine('cndlab', (t) => findExecutable(t) ?? `/usr/sbin/${t}`);
  writeFileSync(SUDOERS, `${line}\n`, { mode: 0o440 });
  execFileSync('visudo', ['-cf', SUDOERS], { stdio: 'ignore' });
  // The privilege command: log one line per call, then sudo with the same arguments.
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> ${log}\nexec sudo "$@"\n`, { mode: 0o755 });
  writeFileSync(log, '', { mode: 0o666 });
  chmodSync(log, 0o666);
  copyFileSync(join(process.cwd(), 'dist', 'cli.js'), cli);
  chmodSync(cli, 0o644);
  removeNetwork();
});

after(() => {
  removeNetwork();
  rmSync(SUDOERS, { force: true });
  execFileSync(join(process.cwd(), 'test', 'lab', 'scale'), ['0'], { stdio: 'ignore', timeout: 300_000 });
  rmSync(dir, { recursive: true, force: true });
});

/** Privileged calls of one refresh after the first read, with `extra` bench containers running. */
async function callsPerRefresh(extra: number): Promise<{ calls: string[]; running: number }> {
  execFileSync(join(process.cwd(), 'test', 'lab', 'scale'), [String(extra)], { stdio: 'ignore', timeout: 300_000 });
  const running = sh('docker', 'ps', '-q').split('\n').filter(Boolean).length;
  // As cndlab with its groups (docker), through setpriv, which execs node in its place: the
  // watch gets SIGINT itself and ends, so no earlier watcher adds its calls to the count.
  const child: ChildProcess = spawn(
    'setpriv',
    ['--reuid=cndlab', '--regid=cndlab', '--init-groups', '--', process.execPath, cli, 'watch', '--json', '--privilege-command', `${wrapper} -n`],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const until = async (what: string, ok: () => boolean, ms = 60_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`${what} within ${ms} ms; watch printed: ${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await until('the first read', () => out.includes('"kind":"state"'));
    // The reads that follow the first one (each new namespace's DNS rules, once) settle: wait
    // until the log has not grown for 3 s, so the count holds one refresh and nothing else.
    let size = -1;
    let stableSince = Date.now();
    await until(
      'the reads after the first one to settle',
      () => {
        const now = readFileSync(log, 'utf8').length;
        if (now !== size) {
          size = now;
          stableSince = Date.now();
        }
        return Date.now() - stableSince >= 3000;
      },
      180_000,
    );
    writeFileSync(log, '');
    sh('docker', 'network', 'create', '--label', 'containernet.lab=1', NETWORK);
    await until('the refresh after the network appeared', () => out.includes(`"subject":"${NETWORK}"`));
    await new Promise((r) => setTimeout(r, 500));
    return { calls: readFileSync(log, 'utf8').split('\n').filter(Boolean), running };
  } finally {
    child.kill('SIGINT');
    await exited;
    removeNetwork();
  }
}

test('without root: privileged calls per refresh are the same with the lab alone and with 100 more containers', async (t) => {
  assert.ok(existsSync(wrapper));
  const small = await callsPerRefresh(0);
  const big = await callsPerRefresh(100);
  t.diagnostic(`${small.running} running: ${small.calls.length} calls (${small.calls.join(' | ')})`);
  t.diagnostic(`${big.running} running: ${big.calls.length} calls (${big.calls.join(' | ')})`);
  assert.ok(big.running >= small.running + 100, 'the bench containers run');
  assert.ok(small.calls.length > 0, 'the refresh went through the privilege command');
  assert.equal(big.calls.length, small.calls.length, 'one refresh, the same privileged calls, whatever the number of containers');
  assert.ok(!big.calls.some((c) => / -t [0-9]+ /.test(c)), 'no per-container nsenter on a refresh (unchanged namespaces keep their DNS rules)');
});
