// The kernel's trace as xtables-monitor printed it on the lab (Docker 28, iptables-nft),
// captured in test/fixtures/trace/: parsed, grouped into packets (a packet the host sends to
// itself and receives again through lo is one packet), and compared with a predicted path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelTraceCollector, parseKernelTraceLine, parseNftTraceLine } from '../../src/host/kernelTrace';
import { nftTraceScript, traceRuleArgs } from '../../src/host/traceSession';
import { compareTrace, kernelVisits } from '../../src/model/traceComparison';
import type { PacketPath } from '../../src/model/packetPath';
import { fixture } from '../fixtures';

function collect(file: string, marker: string): KernelTraceCollector {
  const c = new KernelTraceCollector(marker);
  for (const line of fixture('trace', file).split('\n')) c.add(parseKernelTraceLine(line));
  return c;
}

test('lines: packets, rule events with their spec, policies; anything else is not a trace line', () => {
  const p = parseKernelTraceLine('PACKET: 2 cf1b2c62 OUT=br-00a93848e539 SRC=172.30.1.1 DST=172.30.1.10 LEN=60 DF SPORT=54844 DPORT=80 SYN ');
  assert.deepEqual(p?.kind === 'packet' && [p.id, p.fields.DST, p.fields.DPORT, p.flags.includes('SYN')], ['cf1b2c62', '172.30.1.10', '80', true]);
  const r = parseKernelTraceLine(' TRACE: 2 cf1b2c62 nat:PREROUTING:rule:0x3:JUMP:DOCKER  -4 -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER');
  assert.ok(r?.kind === 'trace');
  assert.deepEqual([r.table, r.chain, r.what, r.verdict, r.target], ['nat', 'PREROUTING', 'rule', 'JUMP', 'DOCKER']);
  const pol = parseKernelTraceLine(' TRACE: 2 cf1b2c62 raw:OUTPUT:policy:ACCEPT ');
  assert.ok(pol?.kind === 'trace' && pol.what === 'policy' && pol.verdict === 'ACCEPT');
  const ret = parseKernelTraceLine(' TRACE: 2 5f9a675e nat:DOCKER:return:');
  assert.ok(ret?.kind === 'trace' && ret.what === 'return' && ret.verdict === 'RETURN');
  assert.equal(parseKernelTraceLine('EVENT: -4 -t raw -A OUTPUT -j TRACE'), undefined);
  assert.equal(parseKernelTraceLine(' TRACE: 2 x raw:OUTPUT:bogus:ACCEPT'), undefined);
});

test('packets start at the marked TRACE rule (the kernel reuses ids); the rule itself is not part of the path', () => {
  const c = collect('xtables-monitor-host-to-api.txt', 'cndt-trace-probe');
  assert.equal(c.packets.length, 6);
  assert.match(c.packets[0]?.summary ?? '', /^172\.30\.1\.1:54844 -> 172\.30\.1\.10:80 out br-00a93848e539 SYN$/);
  assert.deepEqual(
    kernelVisits(c.packets[0]?.events ?? []).map((v) => `${v.table} ${v.chain} ${v.verdict}`),
    ['raw OUTPUT ACCEPT', 'nat OUTPUT ACCEPT', 'nat POSTROUTING ACCEPT'],
  );
  assert.ok(
    c.packets.slice(1).every((p) => p.events.length === 1),
    'later packets of the connection pass raw only',
  );
});

test('a packet to 127.0.0.1 goes out and comes back in through lo under a new id: one packet', () => {
  const c = collect('xtables-monitor-loopback.txt', 'cndt-x');
  const syn = c.packets[0];
  assert.match(syn?.summary ?? '', /out lo SYN/);
  assert.deepEqual(
    kernelVisits(syn?.events ?? []).map((v) => `${v.table} ${v.chain}`),
    ['raw OUTPUT', 'nat OUTPUT', 'nat POSTROUTING', 'raw PREROUTING'],
  );
});

test('comparison: aligned chain by chain; an empty ACCEPT chain only predicted is not a difference; an extra kernel step is', () => {
  const c = collect('xtables-monitor-host-to-api.txt', 'cndt-trace-probe');
  const step = (table: string, chain: string, rules = 0) => ({
    table,
    chain,
    hook: 'OUTPUT' as const,
    entered: 'hook' as const,
    rules: Array.from({ length: rules }, () => ({ rule: { table, chain, position: 1, spec: '-A X' }, result: 'not-matched' as const })),
    verdict: 'ACCEPT' as const,
    policy: true,
  });
  const path = {
    flow: { protocol: 'tcp', src: '172.30.1.1', dst: '172.30.1.10', dport: 80, locallyGenerated: true },
    steps: [step('raw', 'OUTPUT'), step('nat', 'OUTPUT', 1), step('filter', 'OUTPUT'), step('nat', 'POSTROUTING', 2)],
    finalVerdict: 'ACCEPT',
    uncertain: [],
    notes: [],
  } as unknown as PacketPath;
  const same = compareTrace(path, c.packets[0]!);
  assert.equal(same.differences, 0);
  assert.deepEqual(
    same.visits.map((v) => `${v.side}${v.optional ? '?' : ''} ${v.visit.table} ${v.visit.chain}`),
    ['both raw OUTPUT', 'both nat OUTPUT', 'predicted? filter OUTPUT', 'both nat POSTROUTING'],
  );
  const short = { ...path, steps: path.steps.filter((s) => s.table !== 'nat' || s.chain !== 'OUTPUT') } as PacketPath;
  const diff = compareTrace(short, c.packets[0]!);
  assert.equal(diff.differences, 1);
  assert.ok(diff.visits.some((v) => v.side === 'kernel' && v.visit.chain === 'OUTPUT' && v.visit.table === 'nat'));
});

test('the TRACE rule matches exactly the flow and carries the marker', () => {
  assert.deepEqual(traceRuleArgs({ protocol: 'tcp', src: '172.30.1.20', dst: '172.30.2.10', dport: 80, chain: 'PREROUTING' }, 'container-net-trace 1-x'), [
    '-p',
    'tcp',
    '-s',
    '172.30.1.20',
    '-d',
    '172.30.2.10',
    '--dport',
    '80',
    '-m',
    'comment',
    '--comment',
    'container-net-trace 1-x',
    '-j',
    'TRACE',
  ]);
});

test('a forwarded packet is traced under a new id after routing (Docker 20.10 lab): still one packet, up to its DROP', () => {
  const c = collect('xtables-monitor-forward-drop.txt', 'cndt-y');
  assert.deepEqual(
    kernelVisits(c.packets[0]?.events ?? []).map((v) => `${v.table} ${v.chain} ${v.verdict}`),
    [
      'raw PREROUTING ACCEPT',
      'nat PREROUTING ACCEPT',
      'filter FORWARD JUMP DOCKER-USER',
      'filter DOCKER-USER RETURN',
      'filter FORWARD JUMP DOCKER-ISOLATION-STAGE-1',
      'filter DOCKER-ISOLATION-STAGE-1 JUMP DOCKER-ISOLATION-STAGE-2',
      'filter DOCKER-ISOLATION-STAGE-2 DROP',
    ],
  );
  assert.equal(c.packets[1]?.events.at(-1)?.verdict, 'DROP', 'the retransmitted SYN is a packet of its own');
});

test('nft monitor trace: iptables-nft chains by their iptables table, native tables by family and name; a rule the monitor knows only by handle still marks the packet', () => {
  const c = new KernelTraceCollector('container-net-trace probe', 'inet container_net_trace');
  for (const line of fixture('trace', 'nft-monitor-native-drop.txt').split('\n')) c.add(parseNftTraceLine(line));
  assert.deepEqual(
    kernelVisits(c.packets[0]?.events ?? []).map((v) => `${v.table} ${v.chain} ${v.verdict}`),
    [
      'raw PREROUTING ACCEPT',
      'nat PREROUTING ACCEPT',
      'filter FORWARD JUMP DOCKER-USER',
      'filter DOCKER-USER RETURN',
      'filter FORWARD JUMP DOCKER-ISOLATION-STAGE-1',
      'filter DOCKER-ISOLATION-STAGE-1 RETURN',
      'filter FORWARD JUMP DOCKER',
      'filter FORWARD ACCEPT',
      'inet cndt_fw cndt_forward DROP',
    ],
  );
  const byHandle = new KernelTraceCollector('never in the text', 'inet container_net_trace');
  for (const line of fixture('trace', 'nft-monitor-unknown-handle.txt').split('\n')) byHandle.add(parseNftTraceLine(line));
  assert.ok(byHandle.packets.length >= 1);
  assert.ok(
    byHandle.packets[0]?.events.every((e) => e.table !== 'inet container_net_trace'),
    "the trace's own table is not the host's path",
  );
});

test("nft mode's script: one chain per hook before raw, values checked, nothing spliced in unchecked", () => {
  const script = nftTraceScript([{ protocol: 'tcp', src: '172.30.1.20', dst: '172.30.1.12', dport: 80, chain: 'PREROUTING' }], 4, 'container-net-trace 1-x');
  assert.match(script, /^table inet container_net_trace \{/);
  assert.match(script, /type filter hook prerouting priority -350;/);
  assert.match(script, /meta l4proto tcp ip saddr 172\.30\.1\.20 ip daddr 172\.30\.1\.12 tcp dport 80 meta nftrace set 1 comment "container-net-trace 1-x"/);
  assert.throws(() => nftTraceScript([{ protocol: 'tcp', dst: '1.2.3.4; flush ruleset', chain: 'OUTPUT' }], 4, 'm'), /not an IPv4 address/);
  assert.throws(() => nftTraceScript([{ protocol: 'tcp', dst: '1.2.3.4', chain: 'OUTPUT' }], 4, 'x" ; flush ruleset'), /unexpected marker/);
});
