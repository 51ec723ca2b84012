// nftables and rule attribution against the real host, each checked with an oracle that does
// not go through the code under test:
//  - a native nftables table of our own (created here, deleted in `finally`), compared with
//    `nft -j list table` read by the test itself;
//  - the lab's Docker rules: every rule naming lab-net's bridge belongs to lab-net or one of its
//    containers (per `docker network inspect`), and the rules flagged STALE are exactly those the
//    test finds stale from `iptables-save`, `ip -j link`, `docker network inspect` and the
//    engine's version (rules another engine left behind after a switch ARE stale).
// The Docker engine is shared and may be switched between versions by someone else: the test
// waits for it to answer, and retries a comparison that a rule change in between may spoil.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { findExecutable } from '../../src/host/privilege';
import { ruleOwnership } from '../../src/model/ruleOwners';
import { sh } from './lab';

function requireRootAndNft(): void {
  if (process.getuid?.() !== 0) throw new Error('The nftables live test needs root (it creates a table of its own). Run it as root.');
  if (findExecutable('nft') === undefined)
    throw new Error('nft is not installed: install nftables (apt-get install -y nftables) to run the nftables live tests');
}

/** Sends one TCP SYN to a loopback port (nothing listens: the kernel answers RST). */
function knock(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = () => {
      s.destroy();
      resolve();
    };
    s.once('error', done);
    s.once('connect', done);
    s.setTimeout(2000, done);
  });
}

interface OracleChain {
  name: string;
  type?: string;
  hook?: string;
  prio?: number;
  policy?: string;
}
interface OracleRule {
  chain: string;
  handle: number;
  comment?: string;
  expr: { counter?: { packets: number; bytes: number } }[];
}

test('a native table of our own is read as nft -j list table says: chains, hook, priority, policy, rules, counters, comment', async () => {
  requireRootAndNft();
  const name = `cnd_test_${randomBytes(4).toString('hex')}`;
  const port = 20000 + (randomBytes(2).readUInt16BE() % 20000);
  const ruleset = [
    `table inet ${name} {`,
    '  chain probe {',
    `    iifname "lo" tcp dport ${port} counter comment "cnd-marker-${name}"`,
    '  }',
    '  chain input_hook {',
    '    type filter hook input priority 10; policy accept;',
    '    jump probe',
    '  }',
    '}',
  ].join('\n');
  execFileSync('nft', ['-f', '-'], { input: ruleset, timeout: 10_000 });
  try {
    await knock(port);
    const snap = await takeSnapshot({ dnsRules: false });
    const oracle = JSON.parse(sh('nft', '-j', 'list', 'table', 'inet', name)) as { nftables: Record<string, unknown>[] };
    const status = snap.sources.find((s) => s.name === 'nftables');
    assert.equal(status?.state, 'ok', `${status?.reason ?? ''}`);
    const table = snap.nftables?.tables.find((t) => t.family === 'inet' && t.name === name);
    assert.ok(table, `table inet ${name} in the snapshot`);
    assert.equal(table.origin, 'native');
    const chains = oracle.nftables.filter((o) => 'chain' in o).map((o) => o.chain as OracleChain);
    const rules = oracle.nftables.filter((o) => 'rule' in o).map((o) => o.rule as OracleRule);
    assert.deepEqual(
      table.chains.map((c) => [c.name, c.type, c.hook, c.priority, c.policy]).sort(),
      chains.map((c) => [c.name, c.type, c.hook, c.prio, c.policy]).sort(),
    );
    assert.equal(table.chains.find((c) => c.name === 'input_hook')?.base, true);
    assert.equal(table.chains.find((c) => c.name === 'probe')?.base, false);
    const probeOracle = rules.find((r) => r.chain === 'probe');
    const probe = table.chains.find((c) => c.name === 'probe')?.rules[0];
    assert.ok(probeOracle && probe);
    assert.equal(probe.handle, probeOracle.handle);
    assert.equal(probe.comment, `cnd-marker-${name}`);
    assert.equal(probe.comment, probeOracle.comment);
    const counter = probeOracle.expr.find((e) => e.counter)?.counter;
    assert.ok(counter && counter.packets >= 1, 'our SYN to the loopback port was counted (oracle)');
    assert.equal(probe.packets, counter.packets);
    assert.equal(probe.bytes, counter.bytes);
    assert.equal(probe.text, `meta iifname "lo" tcp dport ${port} counter`);
    const jump = table.chains.find((c) => c.name === 'input_hook')?.rules[0];
    assert.equal(jump?.text, 'jump probe');
    // The host's iptables (nf_tables backend) tables are iptables-nft's, not native.
    const tablesOracle = sh('nft', 'list', 'tables').split('\n').filter(Boolean);
    for (const t of snap.nftables?.tables ?? [])
      assert.ok(tablesOracle.includes(`table ${t.family} ${t.name}`), `${t.family} ${t.name} is listed by nft list tables`);
    if (tablesOracle.includes('table ip filter') && /nf_tables/.test(sh('iptables', '--version'))) {
      assert.equal(snap.nftables?.tables.find((t) => t.family === 'ip' && t.name === 'filter')?.origin, 'iptables-nft');
    }
  } finally {
    execFileSync('nft', ['delete', 'table', 'inet', name], { timeout: 10_000 });
  }
  assert.ok(!sh('nft', 'list', 'tables').includes(name), 'our table is gone');
});

// ------------------------------------------------------------------ Docker rules of the lab

/** Waits for the shared engine (someone may be switching it between versions). */
async function engineVersion(): Promise<string> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      return sh('docker', 'version', '-f', '{{.Server.Version}}').trim();
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`The Docker engine did not answer for 5 minutes: start it or run test/lab/up (${(err as Error).message.split('\n')[0]})`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

interface OracleNetwork {
  Name: string;
  Id: string;
  Driver: string;
  Options?: Record<string, string>;
  Containers?: Record<string, { Name: string; IPv4Address: string }>;
}

/** What the test itself knows of the host, from the tools directly. */
function hostFacts() {
  const ids = sh('docker', 'network', 'ls', '-q').split('\n').filter(Boolean);
  const nets = JSON.parse(sh('docker', 'network', 'inspect', ...ids)) as OracleNetwork[];
  const bridgeOf = (n: OracleNetwork) => n.Options?.['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`;
  const links = new Set((JSON.parse(sh('ip', '-j', 'link', 'show')) as { ifname: string }[]).map((l) => l.ifname));
  const addresses = new Set(nets.flatMap((n) => Object.values(n.Containers ?? {}).map((c) => c.IPv4Address.split('/')[0])));
  // Overlay endpoints' docker_gwbridge side is not listed per network on every engine: the namespaces have it.
  for (const id of sh('docker', 'ps', '-q').split('\n').filter(Boolean)) {
    const pid = sh('docker', 'inspect', '-f', '{{.State.Pid}}', id).trim();
    if (pid === '0') continue;
    try {
      for (const l of JSON.parse(sh('nsenter', '-t', pid, '-n', 'ip', '-j', 'addr', 'show')) as { addr_info: { family: string; local: string }[] }[]) {
        for (const a of l.addr_info) if (a.family === 'inet') addresses.add(a.local);
      }
    } catch {
      // host-mode or gone meanwhile: nothing of its own
    }
  }
  const published = new Set(
    sh('docker', 'ps', '--format', '{{.Ports}}')
      .split(/[\n,]/)
      .map((p) => /^\s*([\d.]+):(\d+)->/.exec(p))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]}:${m[2]}`),
  );
  return { nets, bridgeOf, links, addresses, published };
}

/** The rules the test itself calls stale, as "table spec", from iptables-save text and the facts above. */
function oracleStale(saveText: string, facts: ReturnType<typeof hostFacts>, major: number): Set<string> {
  const out = new Set<string>();
  const dockerBridges = new Set(facts.nets.filter((n) => n.Driver === 'bridge').map(facts.bridgeOf));
  let table = '';
  for (const line of saveText.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    if (!line.startsWith('-A ')) continue;
    const t = line.split(/\s+/);
    const chain = t[1] ?? '';
    const after = (opt: string) => {
      const i = t.indexOf(opt);
      return i >= 0 ? t[i + 1] : undefined;
    };
    const target = after('-j');
    const ifaces = [after('-i'), after('-o')].filter((x): x is string => x !== undefined && !x.endsWith('+'));
    const docker = chain.startsWith('DOCKER') && chain !== 'DOCKER-USER';
    const rawDrop = table === 'raw' && chain === 'PREROUTING' && target === 'DROP' && line.includes(' ! -i ') && /-d [\d.]+\/32/.test(line);
    const masq = table === 'nat' && chain === 'POSTROUTING' && target === 'MASQUERADE';
    const key = `${table} ${line}`;
    // Layout of another engine version.
    if (
      major >= 28 &&
      table === 'filter' &&
      chain === 'FORWARD' &&
      (target === 'DOCKER' ||
        target === 'DOCKER-ISOLATION-STAGE-1' ||
        ifaces.some((i) => dockerBridges.has(i) || /^(br-[0-9a-f]{12}|docker0|docker_gwbridge)$/.test(i)))
    )
      out.add(key);
    if (
      major < 28 &&
      table === 'filter' &&
      (['DOCKER-FORWARD', 'DOCKER-BRIDGE', 'DOCKER-CT', 'DOCKER-INTERNAL'].includes(chain) || (chain === 'FORWARD' && target === 'DOCKER-FORWARD'))
    )
      out.add(key);
    if (major < 28 && rawDrop) out.add(key);
    if (major >= 29 && table === 'filter' && chain.startsWith('DOCKER-ISOLATION-STAGE')) out.add(key);
    if (out.has(key)) continue;
    // An interface the host does not have.
    const dockerLike = (i: string) => /^(br-[0-9a-f]{12}|docker0|docker_gwbridge)$/.test(i);
    if (ifaces.some((i) => i !== 'lo' && !facts.links.has(i) && (docker || rawDrop || masq || dockerLike(i)))) {
      out.add(key);
      continue;
    }
    // An address no container has (DNAT target, direct-access DROP, published-port ACCEPT).
    const to = after('--to-destination')?.split(':')[0];
    const dst = /-d ([\d.]+)\/32/.exec(line)?.[1];
    if (to && !facts.addresses.has(to)) out.add(key);
    else if (rawDrop && after('-i') !== 'lo' && dst && !facts.addresses.has(dst)) out.add(key);
    else if (rawDrop && after('-i') === 'lo' && dst && !facts.published.has(`${dst}:${after('--dport')}`)) out.add(key);
    else if (table === 'filter' && chain === 'DOCKER' && target === 'ACCEPT' && dst && after('--dport') && !facts.addresses.has(dst)) out.add(key);
  }
  return out;
}

/**
 * A rule of our own shaped like Docker's direct-access DROP, for a bridge no host has and a
 * TEST-NET-1 address nobody uses: it must be flagged STALE. Removed in `finally`.
 */
const PLANTED = ['-t', 'raw', 'PREROUTING', '-d', '192.0.2.254/32', '!', '-i', 'br-c0ffee000000', '-j', 'DROP'];
const planted = (op: '-A' | '-D') => ['iptables', PLANTED[0] as string, PLANTED[1] as string, op, ...PLANTED.slice(2)];

test(
  "the lab's Docker rules: lab-net's rules belong to lab-net or its containers; STALE is exactly what the host says is stale",
  { timeout: 600_000 },
  async () => {
    if (process.getuid?.() !== 0) throw new Error('The live tests need root. Run them as root.');
    await engineVersion();
    sh(...planted('-A'));
    try {
      await compareWithHost();
    } finally {
      sh(...planted('-D'));
    }
  },
);

async function compareWithHost(): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const version = await engineVersion();
      const major = Number(version.split('.')[0]);
      const snap = await takeSnapshot({ dnsRules: false });
      const save = sh('iptables-save');
      const facts = hostFacts();
      const labNet = facts.nets.find((n) => n.Name === 'lab-net');
      if (!labNet) throw new Error('network lab-net does not exist: the lab is not up (run test/lab/up)');
      const bridge = facts.bridgeOf(labNet);
      const members = new Map(Object.values(labNet.Containers ?? {}).map((c) => [c.IPv4Address.split('/')[0], c.Name]));
      const owners = ruleOwnership(snap);
      let checked = 0;
      for (const [rule, owner] of owners.iptables) {
        const lab = rule.args.includes(bridge);
        const inScope =
          (rule.table === 'filter' && ['DOCKER-FORWARD', 'DOCKER-BRIDGE', 'DOCKER-CT', 'DOCKER'].includes(rule.chain)) ||
          (rule.table === 'raw' && rule.chain === 'PREROUTING');
        if (!lab || !inScope || (major < 28 && rule.chain !== 'DOCKER')) continue;
        checked++;
        if (owner.kind === 'container') {
          assert.equal(owner.network, 'lab-net', `${rule.spec}: ${owner.by}`);
          assert.ok([...members.values()].includes(owner.name ?? ''), `${rule.spec}: ${owner.name} is on lab-net per docker network inspect`);
          const addr = /-d ([\d.]+)\/32/.exec(rule.spec)?.[1];
          if (addr) assert.equal(members.get(addr), owner.name, `${rule.spec}: ${addr} is ${owner.name}'s per docker network inspect`);
        } else {
          assert.deepEqual([owner.kind, owner.name], ['network', 'lab-net'], `${rule.spec}: ${owner.kind} ${owner.name ?? ''} (${owner.by})`);
        }
      }
      assert.ok(checked >= (major >= 28 ? 5 : 1), `rules naming ${bridge} were checked (${checked})`);
      const expected = oracleStale(save, facts, major);
      // IPv4 iptables rules only: the oracle reads iptables-save (not ip6tables-save, not nft).
      const flagged = new Set(owners.stale.filter((s) => !/^(ip|ip6|inet|ip6tables) /.test(s.rule)).map((s) => s.rule.replace(/^(\S+) \S+ #\d+: /, '$1 ')));
      assert.deepEqual([...flagged].sort(), [...expected].sort(), 'the rules flagged STALE are those the host shows to be stale');
      assert.ok(flagged.has(`raw -A PREROUTING -d 192.0.2.254/32 ! -i br-c0ffee000000 -j DROP`), 'our planted rule for a missing bridge is STALE');
      return;
    } catch (err) {
      // A rule changed between the snapshot and the oracle reads (the engine is shared): read again.
      lastError = err;
      if (attempt < 3) await new Promise((r) => setTimeout(r, 10_000));
    }
  }
  throw lastError;
}
