// `container-net watch --json` against the real engine: the first line is the host's state
// (its running containers are the ones `docker ps` lists), then `docker run` and `docker rm -f`
// of a container of the test's own each give their line, and SIGINT ends it with status 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { requireLab, sh } from './lab';

const name = `cnd-watch-${randomBytes(3).toString('hex')}`;
let child: ChildProcess | undefined;
const lines: Record<string, unknown>[] = [];

function until<T>(what: string, find: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const v = find();
      if (v !== undefined) return resolve(v);
      if (Date.now() > end) return reject(new Error(`${what} within ${ms} ms; lines: ${JSON.stringify(lines.map((l) => `${l.kind} ${l.subject ?? ''}`))}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

before(() => {
  requireLab();
  child = spawn(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), 'watch', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let at: number;
    while ((at = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, at);
      buf = buf.slice(at + 1);
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
});

after(() => {
  try {
    sh('docker', 'rm', '-f', name);
  } catch {
    // already gone (the test removes it)
  }
  if (child?.exitCode === null) child.kill('SIGKILL');
});

test('watch: the state first, then docker run and docker rm -f as they happen, SIGINT ends it with 0', async () => {
  const state = await until('the state line', () => lines.find((l) => l.kind === 'state'));
  const running = new Set(sh('docker', 'ps', '--format', '{{.Names}}').split('\n').filter(Boolean));
  const shown = (state.containers as { name: string; state: string }[]).filter((c) => c.state === 'running').map((c) => c.name);
  assert.deepEqual(new Set(shown), running, 'the running containers are the ones docker ps lists');

  sh('docker', 'run', '-d', '--name', name, '--network', 'lab-net', '--dns', '127.0.0.1', 'containernet-lab/busybox:1', 'sleep', 'inf');
  const ip = sh('docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name).trim();
  await until('container-added', () => lines.find((l) => l.kind === 'container-added' && l.subject === name));
  const ep = await until('endpoint-added', () => lines.find((l) => l.kind === 'endpoint-added' && l.subject === name));
  assert.match(String(ep.detail), new RegExp(`lab-net ${ip.replace(/\./g, '\\.')} via veth`), 'its address as docker inspect has it, and its veth');

  sh('docker', 'rm', '-f', name);
  await until('container-removed', () => lines.find((l) => l.kind === 'container-removed' && l.subject === name));

  const code = new Promise<number | null>((resolve) => child?.once('exit', (c) => resolve(c)));
  child?.kill('SIGINT');
  assert.equal(await code, 0);
});
