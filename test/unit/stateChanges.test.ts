// What `watch` reports between two reads, on the lab fixture changed the way Docker events change a host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateChanges } from '../../src/model/stateChanges';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { labSnapshot } from '../fixtures';

const kinds = (before: HostSnapshot, after: HostSnapshot, counters = false) => stateChanges(before, after, { counters }).map((c) => `${c.kind} ${c.subject}`);

test('the same read twice: nothing changed', () => {
  assert.deepEqual(stateChanges(labSnapshot(), labSnapshot(), { counters: true }), []);
});

test('a container stopped, one removed, one renamed, one re-addressed', () => {
  const before = labSnapshot();
  const after = labSnapshot();
  const docker = after.docker;
  assert.ok(docker);
  const web2 = docker.containers.find((c) => c.name === 'web2');
  const client = docker.containers.find((c) => c.name === 'client');
  const lone = docker.containers.find((c) => c.name === 'lone');
  assert.ok(web2 && client && lone);
  web2.state = 'exited';
  web2.pid = 0;
  docker.containers = docker.containers.filter((c) => c.name !== 'web3');
  client.name = 'client-renamed';
  (lone.endpoints[0] as { ip: string }).ip = '172.30.2.99';
  const got = kinds(before, after);
  for (const want of [
    'container-stopped web2',
    'container-removed web3',
    'container-renamed client-renamed',
    'endpoint-changed lone',
    'endpoint-removed web2',
  ]) {
    assert.ok(got.includes(want), `${want} in ${got.join(', ')}`);
  }
  const change = stateChanges(before, after).find((c) => c.kind === 'endpoint-changed');
  assert.match(change?.detail ?? '', /172\.30\.2\.10 .* -> lab-other 172\.30\.2\.99/);
});

test('a port published, the engine lost and back', () => {
  const before = labSnapshot();
  const after = labSnapshot();
  after.docker?.containers.find((c) => c.name === 'web1')?.ports.push({ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 9999 });
  assert.ok(kinds(before, after).includes('port-published web1'));
  const lost = labSnapshot();
  delete lost.docker;
  const docker = lost.sources.find((s) => s.name === 'docker');
  assert.ok(docker);
  docker.state = 'unreachable';
  docker.reason = 'connect ENOENT /var/run/docker.sock';
  const down = stateChanges(before, lost);
  assert.deepEqual(
    down.map((c) => `${c.kind} ${c.subject}`),
    ['source-changed docker'],
    'no "removed" line per container when the engine is gone',
  );
  assert.match(down[0]?.detail ?? '', /ok -> unreachable: connect ENOENT/);
  assert.deepEqual(kinds(lost, before), ['source-changed docker']);
});

test('counters: only on request, one line per rule whose counter moved', () => {
  const before = labSnapshot();
  const after = labSnapshot();
  const rule = after.netfilter?.tables
    .find((t) => t.name === 'nat')
    ?.chains.find((c) => c.name === 'DOCKER')
    ?.rules.find((r) => r.target === 'DNAT');
  assert.ok(rule);
  rule.packets += 3;
  assert.deepEqual(kinds(before, after), []);
  const moved = stateChanges(before, after, { counters: true });
  assert.equal(moved.length, 1);
  assert.equal(moved[0]?.kind, 'counter-moved');
  assert.match(moved[0]?.detail ?? '', new RegExp(`${rule.packets - 3} -> ${rule.packets} packets`));
});

test('identical twin rules in one chain (an engine switched in place adds its own): each is compared with itself', () => {
  const snap = labSnapshot();
  const forward = snap.netfilter?.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'FORWARD');
  const first = forward?.rules[0];
  assert.ok(forward && first);
  forward.rules.push({ ...first, position: forward.rules.length + 1, packets: first.packets + 1000 });
  assert.deepEqual(stateChanges(snap, labSnapshotWith(snap), { counters: true }), [], 'the same read twice: nothing moved');
  const after = labSnapshotWith(snap);
  const twin = after.netfilter?.tables
    .find((t) => t.name === 'filter')
    ?.chains.find((c) => c.name === 'FORWARD')
    ?.rules.at(-1);
  assert.ok(twin);
  twin.packets += 1;
  const moved = stateChanges(snap, after, { counters: true });
  assert.deepEqual(
    moved.map((c) => c.subject),
    [`filter FORWARD #${twin.position}`],
    'only the twin that moved',
  );
});

function labSnapshotWith(s: HostSnapshot): HostSnapshot {
  return JSON.parse(JSON.stringify(s)) as HostSnapshot;
}
