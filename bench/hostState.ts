// Benchmark: the reasoning side of the live host state, from the fixtures (no root, no lab).
//   npm run bench:state
// - joins: building the topology of the lab plus one container publishing P ports, each with
//   its DNAT rule in nat DOCKER and its ACCEPT in filter DOCKER (P = 100, 1,000, 10,000);
//   medians of ROUNDS builds. Joining ports to rules is indexed by protocol and port.
// - heap: 1,000 refreshes of a host of the lab plus 300 containers (a new snapshot object each
//   time, as a live read gives), each with its topology (topologyOf) and the changes since the
//   previous one (stateChanges), as the extension and `watch` do; heap used after a forced GC,
//   every 250 refreshes. Run with --expose-gc (the npm script does).
// - rules: parsing an iptables-save of 1,000 to 100,000 rules, the topology, the rule owners and
//   a packet path through them (a refresh must stay responsive with a huge blocklist).
// Results go into BENCHMARKS.md between the state-bench markers.
import { cpus } from 'node:os';
import type { HostSnapshot, Rule } from '../src/snapshot/hostSnapshot';
import { stateChanges } from '../src/model/stateChanges';
import { buildTopology, topologyOf } from '../src/model/topology';
import { fixture, labSnapshot } from '../test/fixtures';
import { parseIptablesSave } from '../src/host/iptablesSave';
import { ruleOwnership } from '../src/model/ruleOwners';
import { computePacketPath, inboundFlow } from '../src/model/packetPath';
import { scaledLabSnapshot } from '../test/scaledSnapshot';
import { median, writeBenchSection } from './benchmarksFile';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function rule(
  table: string,
  chain: string,
  position: number,
  spec: string,
  target: string,
  match: Rule['match'],
  targetOptions: Record<string, string> = {},
): Rule {
  return { table, chain, position, spec, args: spec.split(' '), match, target, targetOptions, modules: ['tcp'], packets: 0, bytes: 0 };
}

/** The lab with api publishing `ports` more TCP ports, each with its DNAT and filter ACCEPT, as Docker writes them. */
function withPorts(ports: number): HostSnapshot {
  const s = labSnapshot();
  const api = s.docker?.containers.find((c) => c.name === 'api');
  const ip = api?.endpoints[0]?.ip;
  const nat = s.netfilter?.tables.find((t) => t.name === 'nat')?.chains.find((c) => c.name === 'DOCKER');
  const filter = s.netfilter?.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'DOCKER');
  if (!api || !ip || !nat || !filter) throw new Error('lab fixture: api, nat DOCKER or filter DOCKER missing');
  for (let i = 0; i < ports; i++) {
    const hostPort = 20_000 + i;
    const containerPort = 10_000 + i;
    api.ports.push({ containerPort, protocol: 'tcp', hostIp: '0.0.0.0', hostPort });
    nat.rules.push(
      rule(
        'nat',
        'DOCKER',
        nat.rules.length + 1,
        `-A DOCKER ! -i br-x -p tcp -m tcp --dport ${hostPort} -j DNAT --to-destination ${ip}:${containerPort}`,
        'DNAT',
        { protocol: 'tcp', dport: String(hostPort), inInterface: 'br-x', inInterfaceNegated: true },
        { 'to-destination': `${ip}:${containerPort}` },
      ),
    );
    filter.rules.push(
      rule('filter', 'DOCKER', filter.rules.length + 1, `-A DOCKER -d ${ip}/32 ! -i br-x -o br-x -p tcp -m tcp --dport ${containerPort} -j ACCEPT`, 'ACCEPT', {
        protocol: 'tcp',
        dport: String(containerPort),
        destination: `${ip}/32`,
      }),
    );
  }
  return s;
}

function joins(): string[] {
  const lines = ['| published ports | topology ms (median) | ports joined to their DNAT |', '|---:|---:|---:|'];
  for (const p of [100, 1_000, 10_000]) {
    const snap = withPorts(p);
    const times: number[] = [];
    let joined = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const started = performance.now();
      const topo = buildTopology(snap);
      times.push(performance.now() - started);
      joined = topo.ports.filter((x) => x.containerName === 'api' && x.dnatRules.length > 0).length;
    }
    lines.push(`| ${p.toLocaleString('en')} | ${median(times).toFixed(1)} | ${joined.toLocaleString('en')} |`);
  }
  return lines;
}

/** The lab's rules plus `extra` DROP rules in filter DOCKER-USER (a big blocklist), as iptables-save prints them. */
function bigRuleset(extra: number): string {
  const text = fixture('lab', 'iptables-save.txt');
  const lines: string[] = [];
  for (let i = 0; i < extra; i++)
    lines.push(`[0:0] -A DOCKER-USER -s 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 -m comment --comment "block ${i}" -j DROP`);
  // Before the chain's RETURN, so a packet through FORWARD is checked against every one.
  const ret = /^\[\d+:\d+\] -A DOCKER-USER -j RETURN$/m;
  if (!ret.test(text)) throw new Error('lab fixture: no DOCKER-USER RETURN rule');
  return text.replace(ret, (line) => `${lines.join('\n')}\n${line}`);
}

function rules(): string[] {
  const lines = ['| rules | parse iptables-save ms | topology ms | rule owners ms | packet path :8080 ms |', '|---:|---:|---:|---:|---:|'];
  for (const extra of [1_000, 10_000, 100_000]) {
    const text = bigRuleset(extra);
    const t: Record<'parse' | 'topo' | 'owners' | 'path', number[]> = { parse: [], topo: [], owners: [], path: [] };
    let count = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let started = performance.now();
      const netfilter = parseIptablesSave(text);
      t.parse.push(performance.now() - started);
      count = netfilter.tables.reduce((n, x) => n + x.chains.reduce((m, c) => m + c.rules.length, 0), 0);
      const snap = { ...labSnapshot(), netfilter };
      started = performance.now();
      buildTopology(snap);
      t.topo.push(performance.now() - started);
      started = performance.now();
      ruleOwnership(snap);
      t.owners.push(performance.now() - started);
      started = performance.now();
      const path = computePacketPath(snap, inboundFlow(snap, { client: '198.51.100.20', hostPort: 8080 }));
      t.path.push(performance.now() - started);
      const checked = path.steps.find((x) => x.chain === 'DOCKER-USER')?.rules.length ?? 0;
      if (path.finalVerdict !== 'ACCEPT' || path.uncertain.length > 0 || checked < extra)
        throw new Error(`path through ${extra} rules: ${path.finalVerdict}, ${checked} DOCKER-USER rules evaluated, ${path.uncertain.join('; ')}`);
    }
    lines.push(
      `| ${count.toLocaleString('en')} | ${median(t.parse).toFixed(0)} | ${median(t.topo).toFixed(0)} | ${median(t.owners).toFixed(0)} | ${median(t.path).toFixed(0)} |`,
    );
  }
  return lines;
}

function heap(): string[] {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:state)');
  const base = scaledLabSnapshot(300);
  const text = JSON.stringify(base);
  const lines = ['| refreshes | heap used MiB (after GC) |', '|---:|---:|'];
  let previous: HostSnapshot | undefined;
  let changes = 0;
  for (let i = 0; i <= 1000; i++) {
    const snap = JSON.parse(text) as HostSnapshot;
    snap.takenAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    topologyOf(snap);
    if (previous) changes += stateChanges(previous, snap).length;
    previous = snap;
    if (i % 250 === 0) {
      gc();
      lines.push(`| ${i} | ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} |`);
    }
  }
  if (changes !== 0) throw new Error(`identical reads reported ${changes} changes`);
  return lines;
}

function main(): void {
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${ROUNDS} rounds, medians.`;
  writeBenchSection(
    'state-bench',
    `${stamp}\n\nJoining published ports to their rules:\n\n${joins().join('\n')}\n\nA host with a huge ruleset (the lab plus N DROP rules in DOCKER-USER): what a refresh costs the extension host's thread, and a packet path through it:\n\n${rules().join('\n')}\n\nHeap over 1,000 refreshes of a host of ${14 + 300} containers:\n\n${heap().join('\n')}`,
  );
}

main();
