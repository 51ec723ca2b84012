// A hostile container against the real engine and kernel: everything the extension shows or
// runs for it stays inside what it may show, in bounded time.
// The container (test-only: name cnd-hostile-*, label containernet.lab=hostile, removed after)
// is built from the lab image. Its PID 1 chroots into /evil, where /etc/resolv.conf is an
// absolute symlink to a canary file on the host holding a random token: a privileged read of
// /proc/PID/root/etc/resolv.conf shows the host's canary (the first test proves the trap
// works). The image's own nslookup is replaced by a script that prints a marker, a process
// inside calls itself docker-proxy for a host port, and its network name, labels and aliases
// carry terminal escape sequences and Mermaid/HTML syntax.
// Traffic: DNS queries to 127.0.0.11 inside the hostile container's own namespace only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { checkContainerPid } from '../../src/host/containerPid';
import { containerFromInspect, createDockerClient } from '../../src/host/dockerEngine';
import { hasControlCharacters } from '../../src/host/displayText';
import type { ContainerInfo } from '../../src/snapshot/hostSnapshot';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { hostTools, planNamespaceTerminal, type TerminalAction, type TerminalPlan } from '../../src/host/namespaceTerminal';
import { PtyProcess } from '../../src/host/ptyProcess';
import { readContainerResolvConf, resolvConfText } from '../../src/host/resolvConf';
import { buildTopology } from '../../src/model/topology';
import { nsenterIp, sh } from './lab';

const RAND = randomBytes(4).toString('hex');
const TOKEN = `cnd-canary-token-${randomBytes(16).toString('hex')}`;
const NAME = `cnd-hostile-${RAND}`;
const ESC = '\x1b]0;pwned\x07\x1b[2J';
const EVIL_NSLOOKUP = 'EVIL-NSLOOKUP-RAN';
const FAKE_PROXY_PORT = 18_000 + (parseInt(RAND.slice(0, 3), 16) % 1000);
let network = `cnd-hostile-${RAND}${ESC}`;
let canaryDir = '';
let container: ContainerInfo;

/** The engine is shared and may be restarting (or switching versions): wait for it a while. */
function waitForEngine(): void {
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      sh('docker', 'info', '--format', '{{.ServerVersion}}');
      return;
    } catch (err) {
      if (Date.now() > end) throw new Error(`the Docker engine is not reachable: ${(err as Error).message.split('\n')[0]}`);
      execFileSync('sleep', ['5']);
    }
  }
}

function inspect(name: string): ContainerInfo {
  const raw = (JSON.parse(sh('docker', 'inspect', name)) as Docker.ContainerInspectInfo[])[0];
  assert.ok(raw, `docker inspect ${name}`);
  return containerFromInspect(raw);
}

before(() => {
  if (process.getuid?.() !== 0) throw new Error('The live tests need root. Run them as root.');
  waitForEngine();
  canaryDir = mkdtempSync(join(tmpdir(), 'cnd-canary-'));
  const canary = join(canaryDir, 'resolv.conf');
  writeFileSync(canary, `# ${TOKEN}\nnameserver 192.0.2.53\n`);
  try {
    sh('docker', 'network', 'create', '--label', 'containernet.lab=hostile', network);
  } catch {
    // An engine that refuses control characters in network names: the labels and aliases still carry them.
    network = `cnd-hostile-${RAND}`;
    sh('docker', 'network', 'create', '--label', 'containernet.lab=hostile', network);
  }
  const script = [
    'set -e',
    'B=/bin/busybox',
    '$B mkdir -p /evil/bin /evil/etc',
    '$B cp $B /evil/bin/busybox',
    'for a in sh sleep; do $B ln -s busybox /evil/bin/$a; done',
    `$B ln -s ${canary} /evil/etc/resolv.conf`,
    // What the snapshot used to read as root through /proc/PID/root/sys/class/net: a symlink to
    // the host's canary, a FIFO (a read would block for good) and endless files.
    '$B mkdir -p /evil/sys/class/net/eth0',
    `$B ln -s ${canary} /evil/sys/class/net/eth0/address`,
    '$B mkfifo /evil/sys/class/net/eth0/ifindex',
    '$B ln -s /dev/zero /evil/sys/class/net/eth0/iflink',
    '$B ln -s /dev/zero /evil/sys/class/net/eth0/mtu',
    // The image's own nslookup: a marker if anything ever runs it.
    '$B rm -f /bin/nslookup',
    `$B printf '#!/bin/sh\\necho ${EVIL_NSLOOKUP}\\n' > /bin/nslookup`,
    '$B chmod 755 /bin/nslookup',
    // A process that calls itself docker-proxy, with docker-proxy's arguments.
    `$B sh -c 'printf docker-proxy > /proc/self/comm; while :; do $B sleep 1; done' fake -proto tcp -host-ip 0.0.0.0 -host-port ${FAKE_PROXY_PORT} -container-ip 10.99.0.2 -container-port 80 &`,
    'exec $B chroot /evil /bin/sh -c "while :; do sleep 1; done"',
  ].join('\n');
  sh(
    'docker',
    'run',
    '-d',
    '--name',
    NAME,
    '--label',
    'containernet.lab=hostile',
    '--label',
    `cnd.evil=${ESC}`,
    '--label',
    'cnd.mermaid=a"]:::x --> B[<img src=x onerror=alert(1)>',
    '--network',
    network,
    '--network-alias',
    `alias${ESC}`,
    '--network-alias',
    'a"><img src=x onerror=alert(1)>',
    '--cap-add',
    'SYS_CHROOT',
    'containernet-lab/busybox:1',
    '/bin/busybox',
    'sh',
    '-c',
    script,
  );
  const end = Date.now() + 20_000;
  for (;;) {
    container = inspect(NAME);
    let link = '';
    try {
      link = sh('readlink', `/proc/${container.pid}/root/etc/resolv.conf`).trim();
    } catch {
      // not chrooted yet
    }
    if (link === canary) break;
    if (Date.now() > end)
      throw new Error(`${NAME} did not set up its trap (state ${container.state}, link ${JSON.stringify(link)}): ${sh('docker', 'logs', NAME)}`);
    execFileSync('sleep', ['0.2']);
  }
});

after(() => {
  // Only what this test made.
  try {
    sh('docker', 'rm', '-f', NAME);
  } catch {
    // never started
  }
  for (const id of sh('docker', 'network', 'ls', '-q', '--filter', 'label=containernet.lab=hostile', '--filter', `name=cnd-hostile-${RAND}`)
    .split('\n')
    .filter(Boolean)) {
    sh('docker', 'network', 'rm', id);
  }
  if (canaryDir) rmSync(canaryDir, { recursive: true, force: true });
});

/** Runs a plan in a real pty to its end (bounded), and returns what it printed. */
async function runPlan(plan: TerminalPlan, ms = 15_000): Promise<{ output: string; code: number; ms: number }> {
  const started = performance.now();
  const proc = new PtyProcess(plan.argv);
  let output = '';
  proc.onData((d) => (output += d));
  const exit = new Promise<number>((resolve) => proc.onExit((code) => resolve(code)));
  proc.open(200, 50);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${plan.argv.join(' ')} still running after ${ms} ms:\n${output}`));
    }, ms);
  });
  try {
    const code = await Promise.race([exit, timeout]);
    return { output, code, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

function planFor(action: TerminalAction): TerminalPlan {
  const r = planNamespaceTerminal({ kind: 'container', container }, action, hostTools());
  if (!r.ok) assert.fail(r.error);
  assert.ok(!hasControlCharacters(r.plan.title), r.plan.title);
  assert.ok(!hasControlCharacters(r.plan.banner.replace(/\n/g, ' ')), r.plan.banner);
  assert.ok(!r.plan.banner.includes(TOKEN));
  return r.plan;
}

test("the trap is real: a privileged read through /proc/PID/root (what the resolv.conf preset did) shows the host's canary", () => {
  assert.match(sh('cat', `/proc/${container.pid}/root/etc/resolv.conf`), new RegExp(TOKEN));
  assert.match(sh('docker', 'exec', NAME, '/bin/nslookup', 'x'), new RegExp(EVIL_NSLOOKUP));
});

test("resolv.conf preset: Docker's own file, never the canary, in bounded time", async () => {
  const plan = planFor({ kind: 'resolv-conf' });
  assert.deepEqual(plan.argv, [], 'nothing runs');
  const started = performance.now();
  const read = await readContainerResolvConf(container, { endpoint: 'unix:///var/run/docker.sock', docker: createDockerClient() });
  assert.ok(performance.now() - started < 5000);
  const text = resolvConfText(read);
  assert.ok(!text.includes(TOKEN), text);
  assert.equal(read.text, sh('cat', container.resolvConfPath as string), 'what Docker wrote on the host');
  assert.match(text, /nameserver 127\.0\.0\.11/);
  // Docker's archive API (the path for users who cannot read Docker's data root) agrees.
  const viaApi = await readContainerResolvConf(
    { id: container.id, name: container.name },
    { endpoint: 'unix:///var/run/docker.sock', docker: createDockerClient() },
  );
  assert.ok(!viaApi.text.includes(TOKEN));
  assert.equal(viaApi.text, read.text);
});

test("DNS lookup preset: the host's resolver in the network namespace only; the image's nslookup never runs", async () => {
  const plan = planFor({ kind: 'dns-lookup', name: NAME });
  assert.ok(!plan.argv.includes('-m') && !plan.argv.some((a) => a.startsWith('--mount')), plan.argv.join(' '));
  const program = plan.argv[plan.argv.indexOf('--') + 1] ?? '';
  assert.ok(program.startsWith('/') && !program.includes(String(container.pid)), `a host binary: ${program}`);
  const r = await runPlan(plan);
  assert.ok(!r.output.includes(EVIL_NSLOOKUP), r.output);
  assert.ok(!r.output.includes(TOKEN), r.output);
  const ip = container.endpoints[0]?.ip;
  assert.ok(ip && r.output.includes(ip), `Docker's DNS answers ${NAME} with ${ip} (docker inspect):\n${r.output}`);
});

test('every other preset completes in bounded time and never shows the canary', async () => {
  const presets: TerminalAction[] = [
    { kind: 'preset', preset: 'ip-addr' },
    { kind: 'preset', preset: 'ip-route' },
    { kind: 'preset', preset: 'ss-listening' },
    { kind: 'preset', preset: 'iptables-save' },
  ];
  for (const action of presets) {
    const r = await runPlan(planFor(action), 10_000);
    assert.equal(r.code, 0, `${JSON.stringify(action)}:\n${r.output}`);
    assert.ok(!r.output.includes(TOKEN) && !r.output.includes(EVIL_NSLOOKUP), r.output);
  }
});

test('snapshot and CLI: the look-alike docker-proxy is left out; names, labels and aliases print without control characters', async () => {
  const snapshot = await takeSnapshot({ dnsRules: false });
  assert.ok(!snapshot.dockerProxies.some((p) => p.hostPort === FAKE_PROXY_PORT), 'not believed');
  const proxyNotes = snapshot.sources.find((s) => s.name === 'dockerProxy')?.notes ?? [];
  assert.ok(
    proxyNotes.some((n) => n.includes(`(host port ${FAKE_PROXY_PORT}) but is not Docker's`)),
    proxyNotes.join('\n'),
  );
  const mine = snapshot.docker?.containers.find((c) => c.name === NAME);
  assert.equal(mine?.labels['cnd.evil'], ESC, 'the data itself is kept as Docker has it');
  const cli = join(process.cwd(), 'dist', 'cli.js');
  const outputs = {
    topology: execFileSync('node', [cli, 'topology', '--no-dns-rules'], { encoding: 'utf8', timeout: 60_000 }),
    mermaid: execFileSync('node', [cli, 'topology', '--mermaid', '--container', NAME, '--no-dns-rules'], { encoding: 'utf8', timeout: 60_000 }),
    snapshot: execFileSync('node', [cli, 'snapshot', '--no-dns-rules'], { encoding: 'utf8', timeout: 60_000 }),
    json: execFileSync('node', [cli, 'snapshot', '--json', '--no-dns-rules'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 }),
  };
  for (const [what, out] of Object.entries(outputs)) {
    assert.ok(!hasControlCharacters(out.replace(/[\n\t]/g, ' ')), `${what} has control characters`);
    assert.ok(!out.includes(TOKEN), what);
  }
  assert.ok(outputs.topology.includes(NAME), 'the container is listed');
  if (network !== `cnd-hostile-${RAND}`) assert.ok(outputs.topology.includes(`cnd-hostile-${RAND}?]0;pwned??[2J`), 'the hostile network name, made inert');
  assert.ok(!outputs.mermaid.includes('<img'), 'HTML in aliases and labels is escaped in Mermaid');
  const fromJson = (JSON.parse(outputs.json) as { docker: { containers: ContainerInfo[] } }).docker.containers.find((c) => c.name === NAME);
  assert.deepEqual(
    fromJson?.endpoints[0]?.aliases.filter((a) => a.startsWith('alias')),
    [`alias${ESC}`],
    'JSON keeps the data exactly',
  );
});

test("pid check against the kernel: the hostile container's pid is its own, not another container's; a remote endpoint turns it off", async () => {
  const local = 'unix:///var/run/docker.sock';
  assert.deepEqual(await checkContainerPid(container, local), { ok: true });
  const other = sh('docker', 'ps', '-q', '--no-trunc', '--filter', 'label=containernet.lab=1')
    .split('\n')
    .find((id) => id && id !== container.id);
  if (other) assert.equal((await checkContainerPid({ ...container, id: other }, local)).ok, false, 'its pid does not pass for another container');
  assert.equal((await checkContainerPid({ ...container, pid: process.pid }, local)).ok, false, 'an unrelated local process does not pass for it');
  const remote = await checkContainerPid(container, 'tcp://127.0.0.1:2375');
  assert.ok(!remote.ok && /not this host's local socket/.test(remote.reason));
});

test(
  "the namespace read never goes through the container's own files: symlinks to the host, a FIFO and endless files under its /sys change nothing",
  { timeout: 120_000 },
  async () => {
    // The trap is in place where the old reader looked (as root).
    assert.equal(sh('readlink', `/proc/${container.pid}/root/sys/class/net/eth0/address`).trim(), join(canaryDir, 'resolv.conf'));
    const snap = await takeSnapshot();
    assert.ok(!JSON.stringify(snap).includes(TOKEN), 'the canary appears nowhere in the snapshot');
    const ns = snap.containerNamespaces.find((n) => n.containerId === container.id);
    assert.ok(ns, "the hostile container's namespace was read");
    const eth0 = ns.links.find((l) => l.name === 'eth0');
    const inside = nsenterIp(container.pid, 'link', 'show').find((l) => l.ifname === 'eth0');
    assert.ok(eth0 && inside);
    assert.equal(eth0.index, inside.ifindex);
    // Paired with its real veth, as the kernel says (eth0's peer index from inside its namespace).
    const ep = buildTopology(snap).endpoints.find((e) => e.containerId === container.id && e.containerInterface?.name === 'eth0');
    assert.equal(ep?.hostVeth?.index, inside.link_index);
    assert.deepEqual(
      ep?.flags.filter((f) => f.startsWith('host-peer')),
      [],
    );
  },
);
