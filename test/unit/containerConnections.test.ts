// A container's conntrack entries, selected from the captured lab's table: what it opened
// (original source) and what it answers (reply source), a sharer seeing its owner's, NAT read
// from the reply tuple, the list bounded with a count of the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConntrackEntry, HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { containerConnections, tupleText } from '../../src/model/containerConnections';
import { labSnapshot } from '../fixtures';

const idOf = (snap: HostSnapshot, name: string): string => snap.docker?.containers.find((c) => c.name === name)?.id ?? '';

const entry = (o: [string, number, string, number], r: [string, number, string, number], state = 'ESTABLISHED'): ConntrackEntry => ({
  family: 'ipv4',
  protocol: 'tcp',
  state,
  original: { src: o[0], sport: o[1], dst: o[2], dport: o[3] },
  reply: { src: r[0], sport: r[1], dst: r[2], dport: r[3] },
  flags: ['ASSURED'],
});

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine}: api answers client's connections to :80, with no NAT; client opened them`, () => {
    const snap = labSnapshot(engine);
    const api = containerConnections(snap, idOf(snap, 'api'));
    assert.equal(api.unavailable, undefined);
    assert.deepEqual(api.addresses, ['172.30.1.10']);
    const expected = (snap.conntrack?.entries ?? []).filter((e) => e.reply.src === '172.30.1.10');
    assert.ok(expected.length >= 2, 'the capture has connections to api');
    assert.equal(api.shown.length, expected.length);
    assert.equal(api.more, 0);
    for (const c of api.shown) {
      assert.equal(c.direction, 'in');
      assert.deepEqual(c.nat, []);
      assert.equal(c.entry.original.dport, 80);
    }
    const fromClient = api.shown.filter((c) => c.peer === 'client');
    assert.ok(fromClient.length >= 1);
    const client = containerConnections(snap, idOf(snap, 'client'));
    assert.ok(client.shown.every((c) => c.direction === 'out'));
    assert.ok(client.shown.some((c) => c.peer === 'api'));
    assert.equal(
      tupleText(client.shown[0]?.entry.original ?? { src: '', dst: '' })
        .split(' → ')[0]
        ?.startsWith('172.30.1.20:'),
      true,
    );
  });

  test(`${engine}: sidecar (container:api) has api's connections; host and none modes have none of their own`, () => {
    const snap = labSnapshot(engine);
    const api = containerConnections(snap, idOf(snap, 'api'));
    const sidecar = containerConnections(snap, idOf(snap, 'sidecar'));
    assert.deepEqual(
      sidecar.shown.map((c) => c.entry),
      api.shown.map((c) => c.entry),
    );
    assert.match(containerConnections(snap, idOf(snap, 'hostnet')).unavailable ?? '', /host's network namespace/);
    assert.equal(containerConnections(snap, idOf(snap, 'nonet')).unavailable, 'no network');
  });
}

test('NAT: a published port is DNAT (reply from the container), an outbound connection SNAT (reply to the host)', () => {
  const snap = labSnapshot('lab28');
  snap.conntrack?.entries.push(
    entry(['192.0.2.50', 40000, '192.0.2.2', 8080], ['172.30.1.10', 80, '192.0.2.50', 40000]),
    entry(['172.30.1.10', 51000, '203.0.113.10', 443], ['203.0.113.10', 443, '192.0.2.2', 51000]),
  );
  const api = containerConnections(snap, idOf(snap, 'api'));
  const inbound = api.shown.find((c) => c.entry.original.src === '192.0.2.50');
  assert.deepEqual(inbound?.nat, ['DNAT']);
  assert.equal(inbound?.direction, 'in');
  assert.equal(inbound?.peer, undefined);
  const outbound = api.shown.find((c) => c.entry.original.dst === '203.0.113.10');
  assert.deepEqual(outbound?.nat, ['SNAT']);
  assert.equal(outbound?.direction, 'out');
  assert.equal(tupleText(outbound?.entry.reply ?? { src: '', dst: '' }), '203.0.113.10:443 → 192.0.2.2:51000');
});

test('bounded: the first 50 are shown, the rest counted; IPv6 addresses match in any spelling', () => {
  const snap = labSnapshot('lab28');
  const entries = snap.conntrack?.entries ?? [];
  for (let i = 0; i < 120; i++) entries.push(entry(['172.30.1.20', 30000 + i, '172.30.1.10', 80], ['172.30.1.10', 80, '172.30.1.20', 30000 + i]));
  const api = containerConnections(snap, idOf(snap, 'api'));
  assert.equal(api.shown.length, 50);
  assert.ok(api.more >= 120 - 50);
  assert.equal(containerConnections(snap, idOf(snap, 'api'), 10).shown.length, 10);
  // The selection is indexed once per snapshot (a snapshot is never changed once read): a new one.
  const fresh = labSnapshot('lab28');
  const v6web = fresh.docker?.containers.find((c) => c.name === 'v6web');
  const v6 = v6web?.endpoints[0]?.ipv6;
  assert.ok(v6, 'v6web has an IPv6 address');
  fresh.conntrack?.entries.push({ ...entry(['fd00:30:6:0:0:0:0:1', 40000, v6.toUpperCase(), 80], [v6, 80, 'fd00:30:6::1', 40000]), family: 'ipv6' });
  const conns = containerConnections(fresh, v6web?.id ?? '');
  assert.equal(conns.shown.length, 1);
  assert.deepEqual(conns.shown[0]?.nat, []);
  assert.equal(tupleText(conns.shown[0]?.entry.reply ?? { src: '', dst: '' }), `[${v6}]:80 → [fd00:30:6::1]:40000`);
});

test('no conntrack read: the reason instead of an empty list', () => {
  const snap = labSnapshot('lab28');
  delete snap.conntrack;
  assert.equal(containerConnections(snap, idOf(snap, 'api')).unavailable, 'conntrack was not read');
});
