import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerEvent } from '../../src/host/dockerEvents';
import { clampInterval, LiveSnapshot, MIN_REFRESH_SECONDS } from '../../src/host/liveSnapshot';
import { createDockerClient } from '../../src/host/dockerEngine';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { labSnapshot } from '../fixtures';
import { Privilege } from '../../src/host/privilege';

test('Docker events: container and network changes kept, exec and health noise dropped', () => {
  assert.deepEqual(parseDockerEvent({ Type: 'container', Action: 'start', Actor: { ID: 'abc', Attributes: { name: 'api' } }, time: 5 }), {
    type: 'container',
    action: 'start',
    id: 'abc',
    name: 'api',
    time: 5,
  });
  assert.equal(parseDockerEvent({ Type: 'network', Action: 'connect', Actor: { ID: 'n1' } })?.action, 'connect');
  assert.equal(parseDockerEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: 'abc' } }), undefined);
  assert.equal(parseDockerEvent({ Type: 'container', Action: 'health_status: healthy', Actor: { ID: 'abc' } }), undefined);
  assert.equal(parseDockerEvent({ Type: 'image', Action: 'pull' }), undefined);
  assert.equal(parseDockerEvent('garbage'), undefined);
});

test('LiveSnapshot: bursts of refresh requests coalesce into one read; reads never overlap', async () => {
  let reads = 0;
  const deferred: boolean[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  // The read is replaced (the engine is not needed to test scheduling); the Docker client is
  // created but never connected because start() is not called.
  const live = new LiveSnapshot({
    debounceMs: 20,
    pollMs: 0,
    docker: createDockerClient('unix:///nonexistent.sock'),
    read: async (options): Promise<HostSnapshot> => {
      reads++;
      deferred.push(options.dnsRules === false && options.namespaceLinks === false);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      return labSnapshot();
    },
  });
  const reasons: string[][] = [];
  live.on('changed', (_s, r) => reasons.push(r));
  for (let i = 0; i < 10; i++) live.requestRefresh(`event ${i}`);
  await new Promise((r) => setTimeout(r, 150));
  // Ten requests within the debounce window: one read, the first picture without the
  // per-container reads, and right after it the read that completes it.
  assert.equal(reads, 2, 'one read for the ten requests, one that completes the first picture');
  assert.deepEqual(deferred, [true, false]);
  assert.equal(reasons[0]?.length, 10);
  assert.match(reasons[1]?.join(' ') ?? '', /completing the first read/);
  await Promise.all([live.refresh('a'), live.refresh('b'), live.refresh('c')]);
  assert.equal(maxInFlight, 1);
  assert.ok(reads <= 4, `reads: ${reads}`);
  live.stop();
});

test('counters-only re-reads: one privileged iptables-save per tick, whatever the number of containers or callers', async () => {
  const calls: string[][] = [];
  const iptables = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
  const privilege = new Privilege(
    'sudo',
    async (argv) => {
      calls.push([...argv]);
      return { stdout: iptables, stderr: '', code: 0 };
    },
    ['sudo', '-n'],
    'alice',
  );
  const big = labSnapshot();
  const template = big.docker?.containers[0];
  assert.ok(big.docker && template);
  for (let i = 0; i < 300; i++) big.docker.containers.push({ ...template, id: `${i}`.padStart(64, '0'), name: `c${i}` });
  const live = new LiveSnapshot({ pollMs: 0, docker: createDockerClient('unix:///nonexistent.sock'), snapshot: { privilege }, read: async () => big });
  await live.refresh('first');
  await Promise.all([live.refreshCounters(), live.refreshCounters(), live.refreshCounters()]);
  assert.equal(calls.length, 1, 'three panels asking at once share one read');
  assert.match(calls[0]?.join(' ') ?? '', /^sudo -n \S*iptables-save -c$/);
  await live.refreshCounters();
  assert.equal(calls.length, 2, 'the next tick: one more');
  live.stop();
});

test('interval settings: 0 or nonsense is off, anything else at least the minimum', () => {
  assert.equal(clampInterval(0.001, MIN_REFRESH_SECONDS), 5);
  assert.equal(clampInterval(30, MIN_REFRESH_SECONDS), 30);
  for (const off of [0, -1, Number.NaN, Infinity, '1', undefined]) assert.equal(clampInterval(off, MIN_REFRESH_SECONDS), 0, String(off));
});
