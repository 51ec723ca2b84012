// nsenter terminals against the real lab, in a real pty: what the shell and the presets print
// inside a container's namespace is checked against docker inspect and docker exec (oracles
// that do not go through the plan), and the pty's input, resize, exit code and kill round-trip.
// Traffic: only client -> api on lab-net, and DNS to 127.0.0.11 inside api.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { containerFromInspect, createDockerClient } from '../../src/host/dockerEngine';
import { readContainerResolvConf, resolvConfText } from '../../src/host/resolvConf';
import { hostTools, planNamespaceTerminal, type TerminalAction, type TerminalPlan, type TerminalTarget } from '../../src/host/namespaceTerminal';
import { PtyProcess, ptyAvailable } from '../../src/host/ptyProcess';
import { requireLab, sh } from './lab';

const execFileP = promisify(execFile);

before(() => {
  requireLab();
  const pty = ptyAvailable();
  assert.ok(pty.ok, pty.ok ? '' : pty.reason);
});

function target(name: string): TerminalTarget {
  const raw = (JSON.parse(sh('docker', 'inspect', name)) as Docker.ContainerInspectInfo[])[0];
  assert.ok(raw, `docker inspect ${name}`);
  return { kind: 'container', container: containerFromInspect(raw) };
}

function planFor(name: string, action: TerminalAction): TerminalPlan {
  const r = planNamespaceTerminal(target(name), action, hostTools());
  if (!r.ok) assert.fail(r.error);
  return r.plan;
}

/** A started PtyProcess with its output so far, and helpers to wait on it. */
class Session {
  output = '';
  readonly exit: Promise<{ code: number; signal: string | undefined }>;
  readonly proc: PtyProcess;

  constructor(argv: readonly string[], cols = 200, rows = 50) {
    // HOME is an empty directory of the test's own: the machine's ~/.bashrc (here it runs
    // `pyenv init`, a minute under load) is the user's business, not what these tests check.
    this.proc = new PtyProcess(argv, { env: { ...process.env, HOME: EMPTY_HOME } });
    this.proc.onData((d) => (this.output += d));
    this.exit = new Promise((resolve) => this.proc.onExit((code, signal) => resolve({ code, signal })));
    this.proc.open(cols, rows);
  }

  /** Resolves when the output after `from` matches `re`; fails after `ms`. */
  async waitFor(re: RegExp, from = 0, ms = 10_000): Promise<RegExpExecArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.output.slice(from));
      if (m) return m;
      if (Date.now() > end) {
        this.proc.kill();
        assert.fail(`no ${re} within ${ms} ms; output:\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async exited(ms = 10_000): Promise<{ code: number; signal: string | undefined }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.proc.kill('SIGKILL');
        reject(new Error(`still running after ${ms} ms; output:\n${this.output}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const EMPTY_HOME = mkdtempSync(join(tmpdir(), 'cnd-pty-home-'));
after(() => rmSync(EMPTY_HOME, { recursive: true, force: true }));

const PROMPT = /\(netns:api\)[^\n]*[#$] $/;

test("a shell in api's namespace: `ip -j addr` typed into it shows the addresses docker inspect gives", async () => {
  const s = new Session(planFor('api', { kind: 'shell' }).argv);
  await s.waitFor(PROMPT);
  s.proc.write('ip -j addr\n');
  s.proc.write('exit\n');
  assert.equal((await s.exited()).code, 0);
  const line = /^\[\{.*\}\]\r?$/m.exec(s.output)?.[0];
  assert.ok(line, `JSON line in:\n${s.output}`);
  const links = JSON.parse(line) as { ifname: string; address?: string; addr_info?: { family: string; local: string; prefixlen: number }[] }[];
  const inside = links
    .filter((l) => l.ifname !== 'lo')
    .flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${l.address} ${a.local}/${a.prefixlen}`))
    .sort();
  const networks = JSON.parse(sh('docker', 'inspect', '-f', '{{json .NetworkSettings.Networks}}', 'api')) as Record<
    string,
    { IPAddress: string; IPPrefixLen: number; MacAddress: string }
  >;
  const docker = Object.values(networks)
    .map((n) => `${n.MacAddress} ${n.IPAddress}/${n.IPPrefixLen}`)
    .sort();
  assert.deepEqual(inside, docker);
  assert.ok(links.some((l) => l.ifname === 'lo' && l.addr_info?.some((a) => a.local === '127.0.0.1')));
});

test("the ss -tlnp preset shows api's httpd listening on :80", async () => {
  const s = new Session(planFor('api', { kind: 'preset', preset: 'ss-listening' }).argv);
  assert.equal((await s.exited()).code, 0);
  assert.match(s.output, /LISTEN\s.*:80\s.*users:\(\("(httpd|busybox|lab-httpd)"/, s.output);
});

test('the resolv.conf action shows what docker exec cat shows; the lookup of web finds web1..3 as inspect has them', async () => {
  // Nothing runs for resolv.conf: the extension reads Docker's file on the host.
  const plan = planFor('api', { kind: 'resolv-conf' });
  assert.deepEqual(plan.argv, []);
  const t = target('api');
  if (t.kind !== 'container') assert.fail('api is a container');
  const read = await readContainerResolvConf(t.container, { endpoint: 'unix:///var/run/docker.sock', docker: createDockerClient() });
  assert.equal(resolvConfText(read), sh('docker', 'exec', 'api', 'cat', '/etc/resolv.conf'));
  // Docker's archive API (what a user who cannot read Docker's data root gets) says the same.
  const viaApi = await readContainerResolvConf({ id: t.container.id, name: 'api' }, { endpoint: 'unix:///var/run/docker.sock', docker: createDockerClient() });
  assert.match(viaApi.source, /archive/);
  assert.equal(viaApi.text, read.text);

  const d = new Session(planFor('api', { kind: 'dns-lookup', name: 'web' }).argv);
  assert.equal((await d.exited()).code, 0);
  const found = [...d.output.matchAll(/^Address:\s*(172\.\S+)\r?$/gm)].map((m) => m[1]).sort();
  const expected = ['web1', 'web2', 'web3']
    .map((n) => sh('docker', 'inspect', '-f', '{{(index .NetworkSettings.Networks "lab-net").IPAddress}}', n).trim())
    .sort();
  assert.deepEqual(found, expected, d.output);
});

test('a capture in api sees the SYN of a request the client container makes', async () => {
  const clientIp = sh('docker', 'inspect', '-f', '{{(index .NetworkSettings.Networks "lab-net").IPAddress}}', 'client').trim();
  const apiIp = sh('docker', 'inspect', '-f', '{{(index .NetworkSettings.Networks "lab-net").IPAddress}}', 'api').trim();
  const plan = planFor('api', { kind: 'capture', iface: 'eth0', count: 1, filter: ['tcp port 80 and tcp[tcpflags] & tcp-syn != 0'] });
  const s = new Session(plan.argv);
  await s.waitFor(/listening on eth0/);
  await execFileP('docker', ['exec', 'client', 'timeout', '5', 'wget', '-q', '-O', '/dev/null', 'http://api/'], { timeout: 15_000 });
  assert.equal((await s.exited()).code, 0);
  const syn = new RegExp(`IP ${clientIp.replace(/\./g, '\\.')}\\.\\d+ > ${apiIp.replace(/\./g, '\\.')}\\.80: Flags \\[S\\]`);
  assert.match(s.output, syn);
});

test('a stopped container: the plan says it is not running', () => {
  const name = `cnd-term-${process.pid}`;
  try {
    sh('docker', 'run', '-d', '--name', name, '--label', 'containernet.lab=1', 'containernet-lab/busybox:1', 'true');
    sh('docker', 'wait', name);
    const r = planNamespaceTerminal(target(name), { kind: 'shell' }, hostTools());
    assert.deepEqual(r, { ok: false, error: `container ${name} is not running (state: exited); start it first` });
  } finally {
    sh('docker', 'rm', '-f', name);
  }
});

test('input, resize and exit code round-trip through the pty; after exit nothing throws', async () => {
  const s = new Session(planFor('api', { kind: 'shell' }).argv, 80, 24);
  await s.waitFor(PROMPT);
  let mark = s.output.length;
  s.proc.write('stty size\n');
  await s.waitFor(/^24 80\r?$/m, mark);
  await s.waitFor(PROMPT, mark);
  s.proc.resize(100, 30);
  mark = s.output.length;
  s.proc.write('stty size\n');
  await s.waitFor(/^30 100\r?$/m, mark);
  s.proc.write('exit 7\n');
  assert.deepEqual(await s.exited(), { code: 7, signal: undefined });
  assert.equal(s.proc.running, false);
  s.proc.write('echo too late\n');
  s.proc.resize(10, 10);
  s.proc.kill();
});

test('kill() ends the process it started (and only that)', async () => {
  const bystander = new Session(['/bin/sleep', '30']);
  const s = new Session(planFor('api', { kind: 'shell' }).argv);
  await s.waitFor(PROMPT);
  const pid = s.proc.pid;
  assert.ok(pid);
  s.proc.kill();
  const { signal } = await s.exited();
  assert.equal(signal, 'SIGHUP');
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  assert.equal(bystander.proc.running, true, 'another pty process is untouched');
  bystander.proc.kill('SIGTERM');
  assert.equal((await bystander.exited()).signal, 'SIGTERM');
  new PtyProcess(['/bin/true']).kill(); // never opened: nothing to kill, no throw
});

test("sidecar (container:api) lands in api's namespace; an overlay sandbox opens by its path", async () => {
  const plan = planFor('sidecar', { kind: 'preset', preset: 'ip-addr' });
  assert.ok(
    plan.notes.some((n) => /sidecar uses --network container:/.test(n)),
    plan.notes.join('\n'),
  );
  const s = new Session(plan.argv);
  assert.equal((await s.exited()).code, 0);
  const apiIp = sh('docker', 'inspect', '-f', '{{(index .NetworkSettings.Networks "lab-net").IPAddress}}', 'api').trim();
  assert.match(s.output, new RegExp(`inet ${apiIp.replace(/\./g, '\\.')}/`));

  const id = sh('docker', 'network', 'inspect', '-f', '{{.Id}}', 'lab-overlay').trim();
  const sandbox = sh('ls', '/var/run/docker/netns')
    .split('\n')
    .find((n) => /^\d+-/.test(n) && id.startsWith(n.replace(/^\d+-/, '')));
  assert.ok(sandbox, `overlay sandbox for ${id}`);
  const r = planNamespaceTerminal({ kind: 'netns', path: `/var/run/docker/netns/${sandbox}` }, { kind: 'preset', preset: 'ip-addr' }, hostTools());
  if (!r.ok) assert.fail(r.error);
  const o = new Session(r.plan.argv);
  assert.equal((await o.exited()).code, 0);
  // The oracle: the same namespace file listed by ip directly; the overlay's bridge and vxlan device are there.
  const names = (JSON.parse(sh('nsenter', `--net=/var/run/docker/netns/${sandbox}`, 'ip', '-j', 'link')) as { ifname: string }[]).map((l) => l.ifname);
  assert.ok(names.some((n) => n.startsWith('vxlan')));
  for (const n of names) assert.match(o.output, new RegExp(`: ${n}[@:]`), o.output);
  assert.match(o.output, /: br0: /);
});
