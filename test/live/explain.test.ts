// "Why can't A reach B?" proved against the wire. For every ordered pair of lab containers, plus
// the host and an outside client (a network namespace of this test's own, cndt-out, behind a
// veth with a route the test made), on a listening port (80) and a port with no listener (81) of
// every container address, and on the host's published ports, the verdict `explainConnection`
// predicts from the live state must equal a real connection attempt from the source's namespace
// (nsenter -n / ip netns exec, bounded timeouts, lab addresses only). A connection counts as
// reachable when the server's first bytes come back (every lab listener is an HTTP server):
// docker-proxy accepts a connection before it knows whether it can carry it on.
// The documented failures are made by the test and removed afterwards: a DOCKER-USER DROP, a
// listener bound to 127.0.0.1 inside a container, a published port with nothing listening,
// a macvlan child and its parent's host; the lab itself has the others (separate bridges,
// --internal, ICC off, none mode, the default bridge's missing DNS; on 28 routed and
// nat-unprotected gateway modes, and the raw direct-access DROP).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { explainConnection, type Explanation } from '../../src/model/explain';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { cidrContains } from '../../src/snapshot/ipAddress';
import { engineMajor, LAB_CONTAINERS, pidOf, quiet, requireLab, sh } from './lab';

const MARK = 'cndt-explain';
const OUT_NS = 'cndt-out';
const OUT_HOST_IF = 'cndt-out0';
const OUT_HOST_IP = '198.18.0.1';
const OUT_CLIENT = '198.18.0.2';
const MAC_PARENT = 'cndt-mac0';
const MAC_HOST_IP = '198.18.5.1';
const LAB_IMAGE = 'containernet-lab/busybox:1';
const EXTRA = ['cndt-loop', 'cndt-empty', 'cndt-mac1'];

// ------------------------------------------------------------------ the test's own host objects

function dockerUserRule(): string[] {
  return ['-s', '172.30.1.20', '-d', '172.30.1.12', '-p', 'tcp', '--dport', '80', '-m', 'comment', '--comment', MARK, '-j', 'DROP'];
}

function cleanUp(): void {
  for (const c of EXTRA) quiet('docker', 'rm', '-f', c);
  quiet('docker', 'network', 'rm', 'cndt-macnet');
  while (sh('iptables-save', '-t', 'filter').includes(MARK)) sh('iptables', '-D', 'DOCKER-USER', ...dockerUserRule());
  quiet('ip', 'netns', 'del', OUT_NS);
  quiet('ip', 'link', 'del', OUT_HOST_IF);
  quiet('ip', 'link', 'del', MAC_PARENT);
}

function setUp(): void {
  // The outside client: its own namespace, a veth to the host, a default route through the host.
  sh('ip', 'netns', 'add', OUT_NS);
  sh('ip', 'link', 'add', OUT_HOST_IF, 'type', 'veth', 'peer', 'name', 'cndt-out1');
  sh('ip', 'link', 'set', 'cndt-out1', 'netns', OUT_NS);
  sh('ip', 'addr', 'add', `${OUT_HOST_IP}/30`, 'dev', OUT_HOST_IF);
  sh('ip', 'link', 'set', OUT_HOST_IF, 'up');
  sh('ip', '-n', OUT_NS, 'link', 'set', 'lo', 'up');
  sh('ip', '-n', OUT_NS, 'addr', 'add', `${OUT_CLIENT}/30`, 'dev', 'cndt-out1');
  sh('ip', '-n', OUT_NS, 'link', 'set', 'cndt-out1', 'up');
  sh('ip', '-n', OUT_NS, 'route', 'add', 'default', 'via', OUT_HOST_IP);
  // Failures the lab does not have.
  sh('iptables', '-I', 'DOCKER-USER', ...dockerUserRule());
  const run = (name: string, ...args: string[]) => sh('docker', 'run', '-d', '--name', name, '--label', `${MARK}=1`, ...args);
  run('cndt-loop', '--network', 'lab-net', '--ip', '172.30.1.40', LAB_IMAGE, 'httpd', '-f', '-p', '127.0.0.1:80', '-h', '/');
  run('cndt-empty', '--network', 'lab-net', '--ip', '172.30.1.41', '-p', '8089:80', LAB_IMAGE, 'sleep', 'inf');
  // A macvlan child on a parent that holds a host address: the child cannot reach it. The parent
  // is one end of a veth pair (the dummy driver is not in every kernel, these machines' included).
  sh('ip', 'link', 'add', MAC_PARENT, 'type', 'veth', 'peer', 'name', 'cndt-mac0p');
  sh('ip', 'link', 'set', 'cndt-mac0p', 'up');
  sh('ip', 'addr', 'add', `${MAC_HOST_IP}/24`, 'dev', MAC_PARENT);
  sh('ip', 'link', 'set', MAC_PARENT, 'up');
  sh('docker', 'network', 'create', '-d', 'macvlan', '-o', `parent=${MAC_PARENT}`, '--subnet', '198.18.5.0/24', '--label', `${MARK}=1`, 'cndt-macnet');
  run('cndt-mac1', '--network', 'cndt-macnet', '--ip', '198.18.5.10', LAB_IMAGE, 'httpd', '-f', '-p', '80', '-h', '/');
}

// ------------------------------------------------------------------ the wire

type Outcome = 'open' | 'refused' | 'timeout' | 'closed' | string;

/** Runs in the source's namespace: connects to each target, sends an HTTP request, waits for bytes. */
const PROBE = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
const one = (t) => new Promise((resolve) => {
  let done = false;
  const end = (r) => { if (!done) { done = true; s.destroy(); resolve(r); } };
  const s = net.connect({ host: t.host, port: t.port });
  const timer = setTimeout(() => end(connected ? 'closed' : 'timeout'), 2000);
  let connected = false;
  s.on('connect', () => { connected = true; s.write('GET / HTTP/1.0\\r\\n\\r\\n'); });
  s.on('data', () => { clearTimeout(timer); end('open'); });
  s.on('end', () => { clearTimeout(timer); end('closed'); });
  s.on('error', (e) => { clearTimeout(timer); end(e.code === 'ECONNREFUSED' ? 'refused' : e.code || 'error'); });
});
Promise.all(targets.map(one)).then((r) => process.stdout.write(JSON.stringify(r)));
`;

interface Source {
  label: string;
  /** The command prefix that enters the source's network namespace. */
  enter: string[];
}

function probe(source: Source, targets: { host: string; port: number }[]): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const argv = [...source.enter, process.execPath, '-e', PROBE, JSON.stringify(targets)];
    execFile(argv[0] as string, argv.slice(1), { timeout: 30_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) reject(new Error(`probe from ${source.label}: ${err.message}`));
      else resolve(JSON.parse(stdout) as Outcome[]);
    });
  });
}

// ------------------------------------------------------------------ the pairs

interface Pair {
  from: string;
  source: Source;
  to: string;
  host: string;
  port: number;
}

function containerAddresses(snapshot: HostSnapshot): { name: string; ip: string }[] {
  const out: { name: string; ip: string }[] = [];
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running' || !(LAB_CONTAINERS.includes(c.name) || EXTRA.includes(c.name))) continue;
    for (const e of c.endpoints) if (e.ip) out.push({ name: c.name, ip: e.ip });
  }
  return out;
}

function pairs(snapshot: HostSnapshot): Pair[] {
  const sources: { from: string; source: Source }[] = [
    { from: 'host', source: { label: 'host', enter: [] } },
    { from: OUT_CLIENT, source: { label: 'outside', enter: ['ip', 'netns', 'exec', OUT_NS] } },
  ];
  for (const name of [...LAB_CONTAINERS, ...EXTRA]) {
    sources.push({ from: name, source: { label: name, enter: ['nsenter', '-t', String(pidOf(name)), '-n'] } });
  }
  const addresses = containerAddresses(snapshot);
  const labNetGateway = '172.30.1.1';
  const out: Pair[] = [];
  for (const s of sources) {
    const targets: { host: string; port: number }[] = [];
    for (const a of addresses) for (const port of [80, 81]) targets.push({ host: a.ip, port });
    if (s.from === 'host') for (const port of [8080, 8081, 8082, 8089]) targets.push({ host: '127.0.0.1', port });
    else if (s.from === OUT_CLIENT) for (const port of [8080, 8081, 8082, 8086, 8087, 8088, 8089]) targets.push({ host: OUT_HOST_IP, port });
    else targets.push({ host: labNetGateway, port: 8080 }, { host: MAC_HOST_IP, port: 8080 });
    for (const t of targets) out.push({ from: s.from, source: s.source, to: `${t.host}:${t.port}`, host: t.host, port: t.port });
  }
  return out;
}

// ------------------------------------------------------------------ what may be sent

interface RouteJson {
  dst: string;
  gateway?: string;
}

function routesOf(enter: string[]): RouteJson[] {
  const argv = [...enter, 'ip', '-j', 'route', 'show', 'table', 'all'];
  return JSON.parse(sh(...argv)) as RouteJson[];
}

const covers = (r: RouteJson, ip: string) => r.dst !== 'default' && cidrContains(r.dst.includes('/') ? r.dst : `${r.dst}/32`, ip);

/**
 * Whether a probe to `ip` from the source stays on this machine: the source has a connected
 * route to it, or the host has a route to it that is not its default. Anything else would leave
 * through the uplink (an overlay address seen from outside the overlay, say), and is never sent.
 */
function staysHere(sourceRoutes: RouteJson[], hostRoutes: RouteJson[], ip: string): boolean {
  if (sourceRoutes.some((r) => !r.gateway && covers(r, ip))) return true;
  return hostRoutes.some((r) => covers(r, ip));
}

async function wire(list: Pair[]): Promise<Map<Pair, Outcome>> {
  const bySource = new Map<string, Pair[]>();
  for (const p of list) bySource.set(p.source.label, [...(bySource.get(p.source.label) ?? []), p]);
  const result = new Map<Pair, Outcome>();
  const groups = [...bySource.values()];
  // A few sources at a time: each probe holds one socket per target for at most 2 s.
  for (let i = 0; i < groups.length; i += 6) {
    await Promise.all(
      groups.slice(i, i + 6).map(async (g) => {
        const outcomes = await probe(
          g[0]!.source,
          g.map((p) => ({ host: p.host, port: p.port })),
        );
        g.forEach((p, j) => result.set(p, outcomes[j] as Outcome));
      }),
    );
  }
  return result;
}

// ------------------------------------------------------------------ the tests

let snapshot: HostSnapshot;

before(async () => {
  requireLab();
  cleanUp();
  setUp();
  snapshot = await takeSnapshot();
});

after(cleanUp);

function explain(from: string, to: string, ipv6 = false): Explanation {
  return explainConnection(snapshot, { from, to, ...(ipv6 ? { ipv6: true } : {}) });
}

test('every ordered pair of lab containers, the host and an outside client: the predicted verdict is what a real connection does', async () => {
  const hostRoutes = routesOf([]);
  const routes = new Map<string, RouteJson[]>();
  const all = pairs(snapshot);
  const list: Pair[] = [];
  const held: Pair[] = [];
  for (const p of all) {
    if (!routes.has(p.source.label)) routes.set(p.source.label, routesOf(p.source.enter));
    (staysHere(routes.get(p.source.label)!, hostRoutes, p.host) ? list : held).push(p);
  }
  // Held back (never sent): the container behind the address is not on the way, so the answer
  // must be "blocked" (by the route, or by a rule before it), whatever lies beyond the uplink.
  for (const p of held) {
    const e = explain(p.from, p.to);
    assert.equal(e.verdict, 'blocked', `${p.source.label} -> ${p.to} would leave through the uplink; predicted ${e.verdict} (${e.decidedBy?.text ?? ''})`);
    assert.ok(['route', 'rule', 'policy', 'medium'].includes(e.decidedBy?.kind ?? ''), `${p.source.label} -> ${p.to}: ${e.decidedBy?.text ?? ''}`);
  }
  const outcomes = await wire(list);
  const disagree: string[] = [];
  for (const p of list) {
    const e = explain(p.from, p.to);
    const got = outcomes.get(p);
    const reachable = got === 'open';
    if (e.verdict === 'unknown' || (e.verdict === 'reachable') !== reachable) {
      disagree.push(`${p.source.label} -> ${p.to}: predicted ${e.verdict}${e.decidedBy ? ` (${e.decidedBy.text})` : ''}, the wire says ${got}`);
    }
  }
  const agree = list.length - disagree.length;
  for (const d of disagree) console.log(`disagree: ${d}`);
  console.log(
    `explain on Docker ${engineMajor()}: ${agree} of ${list.length} pairs agree (${held.length} more predicted blocked by the route and not sent: they would leave through the uplink)`,
  );
  assert.deepEqual(disagree, [], `${disagree.length} of ${list.length} pairs disagree`);
  // Both verdicts occur: the lab has working and failing pairs.
  const verdicts = new Set(list.map((p) => outcomes.get(p) === 'open'));
  assert.deepEqual([...verdicts].sort(), [false, true]);
});

test('IPv6: the host to v6web over IPv6 and to its published port on [::1], predicted as connected', async () => {
  const list = [
    { to: '[fd00:30:6::10]:80', host: 'fd00:30:6::10', port: 80 },
    { to: '[fd00:30:6::10]:81', host: 'fd00:30:6::10', port: 81 },
    { to: '[::1]:8086', host: '::1', port: 8086 },
  ];
  const outcomes = await probe({ label: 'host', enter: [] }, list);
  list.forEach((t, i) => {
    const e = explain('host', t.to, true);
    assert.equal(
      e.verdict === 'reachable',
      outcomes[i] === 'open',
      `host -> ${t.to}: predicted ${e.verdict} (${e.decidedBy?.text ?? ''}), the wire says ${outcomes[i]}`,
    );
  });
});

test('the documented failures name the step that decides', () => {
  const decided = (from: string, to: string) => {
    const e = explain(from, to);
    assert.equal(e.verdict, 'blocked', `${from} -> ${to}: ${e.verdict}`);
    return e.decidedBy!;
  };
  // Different bridges: Docker's isolation rules.
  assert.match(decided('client', '172.30.2.10:80').text, /ISOLATION|DROP/);
  // --internal: either no default route inside the container, or (where the engine gives one)
  // the rule that drops whatever leaves the internal network's bridge for another subnet.
  const internal = decided('vault', '172.30.1.10:80');
  const internalNet = snapshot.docker?.networks.find((n) => n.name === 'lab-internal');
  assert.ok(
    internal.kind === 'route' || (internal.kind === 'rule' && (internal.spec ?? '').includes(internalNet?.bridgeName ?? '?')),
    `vault -> api: ${internal.kind}: ${internal.text}`,
  );
  // ICC off: a rule dropping lab-noicc's bridge to itself.
  const icc = decided('icc1', '172.30.4.12:80');
  assert.ok(icc.kind === 'rule' || icc.kind === 'policy', icc.text);
  // The test's own DOCKER-USER DROP.
  const user = decided('client', '172.30.1.12:80');
  assert.equal(user.chain, 'DOCKER-USER');
  assert.match(user.spec ?? '', new RegExp(MARK));
  // Listening on 127.0.0.1 only; a published port with nothing listening behind it.
  assert.match(decided('client', '172.30.1.40:80').text, /127\.0\.0\.1:80 only/);
  assert.equal(decided('host', '127.0.0.1:8089').kind, 'listener');
  // A macvlan child and its parent's host.
  assert.equal(decided('cndt-mac1', `${MAC_HOST_IP}:8080`).kind, 'medium');
  // None mode.
  assert.equal(decided('nonet', '172.30.1.10:80').kind, 'route');
  if (engineMajor() >= 28) {
    // Docker 28: direct access from outside to an unpublished container port is dropped in raw PREROUTING.
    const raw = decided(OUT_CLIENT, '172.30.1.11:80');
    assert.equal(raw.table, 'raw', raw.text);
  }
});

test("names: what the explanation resolves is what the container's own resolver answers (nslookup through 127.0.0.11)", () => {
  const cases: [string, string][] = [
    ['client', 'web1'],
    ['client', 'web'],
    ['client', 'lone'],
    ['legacy', 'api'],
    ['dual', 'vault'],
    ['client', 'sidecar'],
    ['ov1', 'ov2'],
  ];
  for (const [from, name] of cases) {
    const e = explain(from, `${name}:80`);
    const resolve = e.steps.find((s) => s.kind === 'resolve');
    let answered: string[] = [];
    try {
      const out = sh('docker', 'exec', from, 'nslookup', name);
      // After the server's own lines, every "Address:" line is an answer (an alias has several).
      answered = [
        ...out
          .split(/Name:/)
          .slice(1)
          .join('\n')
          .matchAll(/Address(?: \d+)?:\s*([0-9.]+)(?![0-9.:])/g),
      ].map((m) => m[1] as string);
    } catch {
      answered = []; // NXDOMAIN: nslookup exits non-zero
    }
    assert.equal(
      resolve?.ok === true,
      answered.length > 0,
      `${from} -> ${name}: explanation says "${resolve?.text}", nslookup answered [${answered.join(', ')}]`,
    );
    if (answered.length) assert.ok(answered.includes(e.target!.split(':')[0]!), `${from} -> ${name}: ${e.target} not among ${answered.join(', ')}`);
  }
});
