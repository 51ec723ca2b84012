// The computed packet path against the kernel's own account of it. A network namespace of
// this test's own plays the outside host: a veth pair joins it to the host, so a real NEW TCP
// connection arrives on a real host interface and goes to the published port 8080 (api).
// A TRACE rule in raw PREROUTING and `xtables-monitor --trace` record every chain and rule
// the kernel ran for the SYN; that is compared, chain by chain and rule by rule, with
// computePacketPath on a fresh snapshot. The DNAT rule's counter is checked as well.
//
// Everything this creates carries a fixed name (namespace cnd-outside-*, veth cndo-h-*,
// rules commented cnd-trace-test) and is removed afterwards, and before starting if an
// earlier run crashed. Traffic goes only to the namespace's peer address on the host and
// to the lab's containers.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { splitRuleArgs } from '../../src/host/iptablesSave';
import { addressInBlock, cidrsOverlap, parseCidr } from '../../src/snapshot/ipAddress';
import { computePacketPath, inboundFlow, type PacketPath, type PathStep } from '../../src/model/packetPath';
import { engineMajor, requireLab, sh } from './lab';

const NS_PREFIX = 'cnd-outside-';
const VETH_PREFIX = 'cndo-h-';
const COMMENT = 'cnd-trace-test';
const MONITOR_PID_FILE = join(tmpdir(), 'cnd-trace-test.xtables-monitor.pid');
/** Private /30s to try for the link to the outside namespace; the first that overlaps nothing is used. */
const CANDIDATE_LINKS = ['10.213.77.0/30', '10.213.78.0/30', '10.231.55.0/30', '192.168.213.0/30'];
const CONNECTIONS = 3;

const suffix = randomBytes(3).toString('hex');
const ns = `${NS_PREFIX}${suffix}`;
const hostVeth = `${VETH_PREFIX}${suffix}`;
const nsVeth = `cndo-p-${suffix}`;
let hostAddr = '';
let outsideAddr = '';
/** The IPv6 ends of the same link: a ULA /64 of the test's own (checked against the host's routes). */
let hostAddr6 = '';
let outsideAddr6 = '';
let monitor: ChildProcess | undefined;
let monitorOutput = '';
let rawTableExisted = true;
let raw6TableExisted = true;

// ------------------------------------------------------------------ setup and cleanup

function tryRun(...argv: string[]): boolean {
  try {
    sh(...argv);
    return true;
  } catch {
    return false;
  }
}

function nfTablesBackend(): boolean {
  return /nf_tables/.test(sh('iptables', '-V'));
}

const IPTABLES = { 4: 'iptables', 6: 'ip6tables' } as const;

/** Deletes this test's TRACE rules (both families); returns how many there were. */
function deleteTraceRules(): number {
  let n = 0;
  for (const tool of Object.values(IPTABLES)) {
    const lines = sh(tool, '-t', 'raw', '-S', 'PREROUTING')
      .split('\n')
      .filter((l) => l.startsWith('-A ') && l.includes(`--comment ${COMMENT}`));
    for (const line of lines) sh(tool, '-t', 'raw', '-D', ...splitRuleArgs(line).slice(1));
    n += lines.length;
  }
  return n;
}

/**
 * With iptables-nft the first raw rule creates the raw table, and deleting the rule leaves it
 * behind. An empty raw table with ACCEPT policies does nothing, so removing it is safe.
 */
function dropRawTableIfEmpty(family: 4 | 6): void {
  const nftFamily = family === 6 ? 'ip6' : 'ip';
  if (!nfTablesBackend() || !tryRun('nft', 'list', 'table', nftFamily, 'raw')) return;
  const raw = sh(`${IPTABLES[family]}-save`, '-t', 'raw');
  if (!raw.includes('-A ') && !/^:\S+ (?!ACCEPT)/m.test(raw)) sh('nft', 'delete', 'table', nftFamily, 'raw');
}

/** A monitor an earlier run started and did not stop: known by the pid it wrote down, checked by its command line. */
function stopLeftoverMonitor(): void {
  if (!existsSync(MONITOR_PID_FILE)) return;
  const pid = Number(readFileSync(MONITOR_PID_FILE, 'utf8').trim());
  const cmdline = Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (cmdline.startsWith('xtables-monitor\0--trace')) process.kill(pid, 'SIGTERM');
  rmSync(MONITOR_PID_FILE, { force: true });
}

function removeLeftovers(): void {
  stopLeftoverMonitor();
  // A crashed run's TRACE rule most likely brought the raw table too.
  if (deleteTraceRules() > 0) {
    dropRawTableIfEmpty(4);
    dropRawTableIfEmpty(6);
  }
  for (const name of sh('ip', 'netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')) {
    if (name.startsWith(NS_PREFIX)) sh('ip', 'netns', 'del', name);
  }
  for (const link of JSON.parse(sh('ip', '-j', 'link', 'show')) as { ifname: string }[]) {
    if (link.ifname.startsWith(VETH_PREFIX)) sh('ip', 'link', 'del', link.ifname);
  }
}

function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x !== undefined && y !== undefined && cidrsOverlap(x, y);
}

/** A /30 that no host route, host address or Docker network uses (the default route aside). */
function chooseLink(): string {
  const routes = (JSON.parse(sh('ip', '-j', 'route', 'show', 'table', 'all')) as { dst: string }[])
    .map((r) => r.dst)
    .filter((d) => d !== 'default' && parseCidr(d));
  const addrs = (JSON.parse(sh('ip', '-j', 'addr', 'show')) as { addr_info: { family: string; local: string; prefixlen: number }[] }[])
    .flatMap((l) => l.addr_info)
    .filter((a) => a.family === 'inet')
    .map((a) => `${a.local}/${a.prefixlen}`);
  const docker = sh(
    'docker',
    'network',
    'inspect',
    '-f',
    '{{range .IPAM.Config}}{{.Subnet}} {{end}}',
    ...sh('docker', 'network', 'ls', '-q').split('\n').filter(Boolean),
  )
    .split(/\s+/)
    .filter((s) => parseCidr(s));
  const used = [...routes, ...addrs, ...docker, '172.16.0.0/12', '10.30.0.0/16'];
  const free = CANDIDATE_LINKS.find((c) => !used.some((u) => overlaps(c, u)));
  if (!free) throw new Error(`every candidate link (${CANDIDATE_LINKS.join(', ')}) overlaps a network on this host`);
  return free;
}

function addOffset(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  if (!c) throw new Error(cidr);
  return addressInBlock(c, n);
}

function routeDev(route: string): string | undefined {
  return (JSON.parse(route) as { dev?: string }[])[0]?.dev;
}

function buildOutsideHost(): void {
  const link = chooseLink();
  hostAddr = addOffset(link, 1);
  outsideAddr = addOffset(link, 2);
  sh('ip', 'netns', 'add', ns);
  sh('ip', 'link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth);
  sh('ip', 'link', 'set', nsVeth, 'netns', ns);
  sh('ip', 'addr', 'add', `${hostAddr}/30`, 'dev', hostVeth);
  sh('ip', 'link', 'set', hostVeth, 'up');
  sh('ip', '-n', ns, 'addr', 'add', `${outsideAddr}/30`, 'dev', nsVeth);
  sh('ip', '-n', ns, 'link', 'set', nsVeth, 'up');
  sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
  // IPv6 on the same link (nodad: usable at once), in a /64 no host route covers.
  const prefix6 = `fd00:c0de:${suffix.slice(0, 4)}:${suffix.slice(4)}`;
  hostAddr6 = `${prefix6}::1`;
  outsideAddr6 = `${prefix6}::2`;
  const v6Routes = (JSON.parse(sh('ip', '-j', '-6', 'route', 'show', 'table', 'all')) as { dst: string }[])
    .map((r) => r.dst)
    .filter((d) => d !== 'default' && parseCidr(d));
  const mine = parseCidr(`${prefix6}::/64`);
  assert.ok(
    mine &&
      !v6Routes.some((r) => {
        const c = parseCidr(r);
        return c !== undefined && c.prefixLen > 0 && cidrsOverlap(c, mine);
      }),
    `${prefix6}::/64 is free on this host`,
  );
  sh('ip', 'addr', 'add', `${hostAddr6}/64`, 'dev', hostVeth, 'nodad');
  sh('ip', '-n', ns, 'addr', 'add', `${outsideAddr6}/64`, 'dev', nsVeth, 'nodad');
  // Check the routes before anything is sent: both ends reach each other over the veth only.
  assert.equal(routeDev(sh('ip', '-j', 'route', 'get', outsideAddr)), hostVeth, `the host reaches ${outsideAddr} over ${hostVeth}`);
  assert.equal(routeDev(sh('ip', '-j', '-6', 'route', 'get', outsideAddr6)), hostVeth, `the host reaches ${outsideAddr6} over ${hostVeth}`);
  assert.equal(routeDev(sh('ip', '-n', ns, '-j', '-6', 'route', 'get', hostAddr6)), nsVeth, `the namespace reaches ${hostAddr6} over ${nsVeth}`);
  assert.equal(routeDev(sh('ip', '-n', ns, '-j', 'route', 'get', hostAddr)), nsVeth, `the namespace reaches ${hostAddr} over ${nsVeth}`);
  assert.ok(!sh('ip', '-n', ns, 'route', 'show').includes('default'), 'the namespace has no default route');
}

/** A TRACE rule first in raw PREROUTING (before any DROP there), for this test's outside address only. */
function addTraceRule(dst: string | undefined, dport: number, family: 4 | 6 = 4): void {
  const host = family === 6 ? 128 : 32;
  const src = family === 6 ? outsideAddr6 : outsideAddr;
  sh(
    IPTABLES[family],
    '-t',
    'raw',
    '-I',
    'PREROUTING',
    '1',
    '-s',
    `${src}/${host}`,
    ...(dst ? ['-d', `${dst}/${host}`] : []),
    '-p',
    'tcp',
    '-m',
    'tcp',
    '--dport',
    String(dport),
    '-m',
    'comment',
    '--comment',
    COMMENT,
    '-j',
    'TRACE',
  );
}

function startMonitor(family: 4 | 6 = 4): Promise<void> {
  monitorOutput = '';
  // stdbuf keeps the monitor's stdout line by line through the pipe.
  monitor = spawn('stdbuf', ['-oL', 'xtables-monitor', '--trace', `-${family}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  monitor.stdout?.on('data', (d: Buffer) => (monitorOutput += d.toString()));
  monitor.stderr?.on('data', (d: Buffer) => (monitorOutput += d.toString()));
  writeFileSync(MONITOR_PID_FILE, String(monitor.pid));
  // It prints nothing until a traced packet comes; give it time to subscribe to the trace events.
  return new Promise((resolve) => setTimeout(resolve, 700));
}

async function stopMonitor(): Promise<void> {
  const m = monitor;
  monitor = undefined;
  if (m?.pid !== undefined && m.exitCode === null && m.signalCode === null) {
    const exited = new Promise((resolve) => m.once('exit', resolve));
    process.kill(m.pid, 'SIGTERM');
    await exited;
  }
  rmSync(MONITOR_PID_FILE, { force: true });
}

async function waitFor(predicate: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

// ------------------------------------------------------------------ the kernel's trace

interface TraceEvent {
  table: string;
  chain: string;
  kind: string;
  verdict: string;
  /** For rule events: the rule as `iptables -S` prints it. */
  spec?: string;
}

/**
 * Each SYN's trace (first packet of each connection), from `xtables-monitor --trace` lines:
 *   PACKET: 2 614bb119 IN=... SRC=... DST=... SPORT=52912 DPORT=8080 SYN
 *    TRACE: 2 614bb119 nat:DOCKER:rule:0x5e:ACCEPT  -4 -t nat -A DOCKER ... -j DNAT ...
 *    TRACE: 2 614bb119 nat:POSTROUTING:policy:ACCEPT
 * The hex field is the traced packet's id: events with one id are one packet's path.
 */
function synTraces(text: string): TraceEvent[][] {
  const packets: TraceEvent[][] = [];
  let syn = false;
  let traceId: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('PACKET:')) {
      syn = / SYN\b/.test(line) && !/ ACK\b/.test(line);
      continue;
    }
    const m = /^\s*TRACE: \d+ ([0-9a-f]+) (\S+)\s*(.*)$/.exec(line);
    if (!m || !syn) continue;
    const [table = '', chain = '', kind = '', ...rest] = (m[2] as string).split(':');
    const verdict = kind === 'rule' ? rest.slice(1).join(':') : rest.join(':');
    const event: TraceEvent = { table, chain, kind, verdict };
    const spec = /^-[46] -t \S+ (-A .*)$/.exec((m[3] ?? '').trim())?.[1];
    if (spec) event.spec = spec;
    // Each traced packet has an id of its own (the hex field); a new id starts a new packet.
    if (m[1] !== traceId) {
      traceId = m[1];
      packets.push([]);
    }
    packets.at(-1)?.push(event);
  }
  return packets;
}

/** The kernel's verdict words as this project's: RETURN is printed as its number. */
function kernelVerdict(v: string): string {
  if (v === '0xfffffffb' || v === 'RETURN') return 'RETURN';
  return v.split(':')[0] ?? v;
}

/** Chain visits in order, each with how it ended: "nat DOCKER ACCEPT". */
function kernelVisits(events: TraceEvent[]): string[] {
  const visits: { key: string; verdict: string }[] = [];
  for (const e of events) {
    const key = `${e.table} ${e.chain}`;
    if (visits.at(-1)?.key !== key) visits.push({ key, verdict: '' });
    const v = e.kind === 'return' ? 'RETURN' : kernelVerdict(e.verdict);
    if (v !== 'CONTINUE') (visits.at(-1) as { verdict: string }).verdict = v;
  }
  return visits.map((v) => `${v.key} ${v.verdict}`);
}

/**
 * The computed path as the trace can show it. nf_tables traces a rule only when it matches and
 * says nothing when a user chain runs off its end (seen here: `-j DOCKER` into a chain where
 * nothing matched is followed straight by the caller's next event), so such silent visits are
 * left out and the caller's visits on either side become one. NAT verdicts are an ACCEPT to the kernel.
 */
function computedVisits(path: PacketPath): string[] {
  const asKernel = (v: string): string => (['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT'].includes(v) ? 'ACCEPT' : v);
  const silent = (s: PathStep): boolean => s.entered !== 'hook' && s.verdict === 'RETURN' && !s.rules.some((r) => r.result === 'matched');
  const visits: { key: string; verdict: string }[] = [];
  for (const s of path.steps.filter((x) => !silent(x))) {
    const key = `${s.table} ${s.chain}`;
    if (visits.at(-1)?.key === key) (visits.at(-1) as { verdict: string }).verdict = asKernel(s.verdict);
    else visits.push({ key, verdict: asKernel(s.verdict) });
  }
  return visits.map((v) => `${v.key} ${v.verdict}`);
}

function describeSteps(path: PacketPath): string[] {
  return path.steps.map(
    (s) => `${s.hook.padEnd(11)} ${s.table} ${s.chain} [${s.entered}] -> ${s.verdict}${s.next ? ` ${s.next}` : ''}${s.policy ? ' (policy)' : ''}`,
  );
}

const computedMatches = (path: PacketPath): string[] => path.steps.flatMap((s) => s.rules.filter((r) => r.result === 'matched').map((r) => r.rule.spec));
const kernelMatches = (events: TraceEvent[]): string[] => events.filter((e) => e.kind === 'rule' && e.spec).map((e) => e.spec as string);

function report(t: TestContext, kernel: string[], path: PacketPath): void {
  t.diagnostic('computed path, every step:');
  for (const line of describeSteps(path)) t.diagnostic(`  ${line}`);
  t.diagnostic('kernel trace (xtables-monitor)           | computed, as a trace can show it');
  const computed = computedVisits(path);
  for (let i = 0; i < Math.max(kernel.length, computed.length); i++) t.diagnostic(`${(kernel[i] ?? '').padEnd(41)}| ${computed[i] ?? ''}`);
}

/** iptables' (or ip6tables') own counter for a rule, by chain and position (an oracle apart from iptables-save). */
function kernelPackets(table: string, chain: string, position: number, family: 4 | 6 = 4): number {
  const row = sh(IPTABLES[family], '-t', table, '-L', chain, '-n', '-v', '-x', '--line-numbers')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[0] === String(position));
  return Number(row?.[1]);
}

// ------------------------------------------------------------------ the tests

before(() => {
  requireLab();
  removeLeftovers();
  rawTableExisted = !nfTablesBackend() || tryRun('nft', 'list', 'table', 'ip', 'raw');
  raw6TableExisted = !nfTablesBackend() || tryRun('nft', 'list', 'table', 'ip6', 'raw');
  buildOutsideHost();
});

after(async () => {
  // Every step on its own, so one failure does not leave the others behind.
  const steps: [string, () => void | Promise<void>][] = [
    ['stop xtables-monitor', stopMonitor],
    ['delete the TRACE rules', () => void deleteTraceRules()],
    ['delete the namespace', () => void (sh('ip', 'netns', 'list').includes(ns) && sh('ip', 'netns', 'del', ns))],
    ['delete the veth', () => void (tryRun('ip', 'link', 'show', hostVeth) && sh('ip', 'link', 'del', hostVeth))],
    ['drop the raw table the TRACE rules brought', () => void (!rawTableExisted && dropRawTableIfEmpty(4))],
    ['drop the ip6 raw table the TRACE rules brought', () => void (!raw6TableExisted && dropRawTableIfEmpty(6))],
  ];
  const failed: string[] = [];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      failed.push(`${what}: ${(err as Error).message}`);
    }
  }
  assert.deepEqual(failed, [], 'cleanup');
});

test("a real NEW connection to published port 8080: the kernel's TRACE path is the computed path, chain by chain", async (t) => {
  addTraceRule(undefined, 8080);
  const snapBefore = await takeSnapshot();
  const flow = inboundFlow(snapBefore, { client: outsideAddr, hostPort: 8080, uplink: hostVeth });
  assert.equal(flow.dst, hostAddr);
  const path = computePacketPath(snapBefore, flow);
  assert.equal(path.finalVerdict, 'ACCEPT');
  assert.deepEqual(path.uncertain, []);
  const dnatStep = path.steps.find((s) => s.verdict === 'DNAT');
  const dnat = dnatStep?.rules.find((r) => r.result === 'matched')?.rule;
  assert.ok(dnat, 'the computed path has a DNAT rule');
  const packetsBefore = kernelPackets(dnat.table, dnat.chain, dnat.position);
  assert.equal(dnat.packets, packetsBefore, "the snapshot's counter is the kernel's");

  await startMonitor();
  try {
    const apiIp = path.rewrittenDestination?.split(':')[0] ?? '';
    const expectedBody = sh('docker', 'exec', 'api', 'hostname').trim();
    for (let i = 0; i < CONNECTIONS; i++) {
      const body = sh('ip', 'netns', 'exec', ns, 'timeout', '5', 'busybox', 'wget', '-q', '-O', '-', `http://${hostAddr}:8080/`);
      assert.match(body, new RegExp(expectedBody), `connection ${i + 1} was answered by api (${apiIp})`);
    }
    await waitFor(() => synTraces(monitorOutput).filter((p) => p.some((e) => e.table === 'nat' && e.chain === 'POSTROUTING')).length >= CONNECTIONS, 5000);
  } finally {
    await stopMonitor();
  }

  const traces = synTraces(monitorOutput);
  assert.equal(traces.length, CONNECTIONS, `one SYN trace per connection:\n${monitorOutput}`);
  report(t, kernelVisits(traces[0] ?? []), path);
  for (const trace of traces) {
    assert.deepEqual(kernelVisits(trace), computedVisits(path), 'chain by chain');
    assert.deepEqual(kernelMatches(trace), computedMatches(path), 'the rules the kernel matched are the ones computed as matched, in order');
  }

  const snapAfter = await takeSnapshot();
  const again = computePacketPath(snapAfter, flow);
  const dnatAfter = again.steps.find((s) => s.verdict === 'DNAT')?.rules.find((r) => r.result === 'matched')?.rule;
  assert.equal(dnatAfter?.spec, dnat.spec);
  assert.equal((dnatAfter?.packets ?? 0) - dnat.packets, CONNECTIONS, 'the DNAT rule counted one packet per connection (only the first packet meets nat)');
  assert.equal(kernelPackets(dnat.table, dnat.chain, dnat.position) - packetsBefore, CONNECTIONS);
});

test("a connection from outside straight to lone (published nowhere) dies where the engine drops it (20.10: FORWARD's policy; 28: the raw direct-access DROP), as computed", async (t) => {
  const snap0 = await takeSnapshot();
  const lone = snap0.docker?.containers.find((c) => c.name === 'lone')?.endpoints[0]?.ip;
  assert.ok(lone);
  // A route to lone alone: the namespace can reach nothing else.
  sh('ip', '-n', ns, 'route', 'add', `${lone}/32`, 'via', hostAddr);
  assert.equal(routeDev(sh('ip', '-n', ns, '-j', 'route', 'get', lone)), nsVeth);
  addTraceRule(lone, 80);
  const snap = await takeSnapshot();
  const path = computePacketPath(snap, { protocol: 'tcp', src: outsideAddr, dst: lone, dport: 80, inInterface: hostVeth });
  assert.equal(path.finalVerdict, 'DROP');
  const last = path.steps.at(-1);
  if (engineMajor() >= 28) {
    // Docker 28 drops packets for a container's address that arrive on any interface but its
    // bridge before routing, in raw PREROUTING; the oracle is iptables' own listing.
    const drop = last?.rules.filter((r) => r.result === 'matched').at(-1)?.rule;
    assert.equal(`${last?.table} ${last?.chain}`, 'raw PREROUTING');
    assert.notEqual(last?.policy, true);
    assert.ok(drop && drop.spec.endsWith('-j DROP') && drop.spec.includes(`-d ${lone}/32 `), `the deciding rule: ${drop?.spec}`);
    assert.ok(sh('iptables', '-t', 'raw', '-S', 'PREROUTING').split('\n').includes(drop.spec), `iptables -t raw -S has: ${drop.spec}`);
  } else {
    assert.equal(`${last?.table} ${last?.chain}`, 'filter FORWARD');
    assert.equal(last?.policy, true);
  }

  await startMonitor();
  try {
    // Dropped: wget gets no answer; the SYN is retransmitted after a second, and traced again.
    assert.equal(tryRun('ip', 'netns', 'exec', ns, 'timeout', '2', 'busybox', 'wget', '-q', '-O', '-', `http://${lone}/`), false);
    await waitFor(() => synTraces(monitorOutput).length >= 1, 3000);
  } finally {
    await stopMonitor();
  }
  const traces = synTraces(monitorOutput);
  assert.ok(traces.length >= 1, `traced:\n${monitorOutput}`);
  report(t, kernelVisits(traces[0] ?? []), path);
  for (const trace of traces) {
    assert.deepEqual(kernelVisits(trace), computedVisits(path));
    assert.deepEqual(kernelMatches(trace), computedMatches(path));
  }
});

test('routed gateway mode (28+): a connection from outside straight to routed1 is accepted with no NAT, as computed and as TRACE shows', async (t) => {
  if (engineMajor() < 28) {
    // The difference between the engines, asserted: 20.10 has no gateway modes, so the lab makes no routed network there.
    assert.equal(sh('docker', 'network', 'ls', '--filter', 'name=^lab-routed$', '--format', '{{.Name}}').trim(), '');
    t.diagnostic('Docker 20.10 has no gateway modes: the lab has no routed network on this engine');
    return;
  }
  const snap0 = await takeSnapshot();
  const routed = snap0.docker?.containers.find((c) => c.name === 'routed1')?.endpoints[0]?.ip;
  assert.ok(routed);
  sh('ip', '-n', ns, 'route', 'add', `${routed}/32`, 'via', hostAddr);
  assert.equal(routeDev(sh('ip', '-n', ns, '-j', 'route', 'get', routed)), nsVeth);
  addTraceRule(routed, 80);
  const snap = await takeSnapshot();
  const path = computePacketPath(snap, { protocol: 'tcp', src: outsideAddr, dst: routed, dport: 80, inInterface: hostVeth });
  assert.equal(path.finalVerdict, 'ACCEPT');
  assert.equal(path.rewrittenDestination, undefined, 'no DNAT in routed mode');
  await startMonitor();
  try {
    const body = sh('ip', 'netns', 'exec', ns, 'timeout', '5', 'busybox', 'wget', '-q', '-O', '-', `http://${routed}/`);
    assert.match(body, /routed1/);
    await waitFor(() => synTraces(monitorOutput).some((p) => p.some((e) => e.table === 'nat' && e.chain === 'POSTROUTING')), 5000);
  } finally {
    await stopMonitor();
  }
  const traces = synTraces(monitorOutput);
  assert.ok(traces.length >= 1, `traced:\n${monitorOutput}`);
  report(t, kernelVisits(traces[0] ?? []), path);
  assert.deepEqual(kernelVisits(traces[0] ?? []), computedVisits(path));
  assert.deepEqual(kernelMatches(traces[0] ?? []), computedMatches(path));
});
