import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerEvent } from '../../src/host/dockerEvents';
import { LiveSnapshot } from '../../src/host/liveSnapshot';
import { createDockerClient } from '../../src/host/dockerEngine';
import type { HostSnapshot } from '../../src/host/hostSnapshot';
import { labSnapshot } from '../fixtures';

test('Docker events: container and network changes kept, exec and health noise dropped', () => {
  assert.deepEqual(parseDockerEvent({ Type: 'container', Action: 'start', Actor: { ID: 'abc', Attributes: { name: 'api' } }, time: 5 }), {
    type: 'container', action: 'start', id: 'abc', name: 'api', time: 5,
  });
  assert.equal(parseDockerEvent({ Type: 'network', Action: 'connect', Actor: { ID: 'n1' } })?.action, 'connect');
  assert.equal(parseDockerEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: 'abc' } }), undefined);
  assert.equal(parseDockerEvent({ Type: 'container', Action: 'health_status: healthy', Actor: { ID: 'abc' } }), undefined);
  assert.equal(parseDockerEvent({ Type: 'image', Action: 'pull' }), undefined);
  assert.equal(parseDockerEvent('garbage'), undefined);
});

test('LiveSnapshot: bursts of refresh requests coalesce into one read; reads never overlap', async () => {
  let reads = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  // The read is replaced (the engine is not needed to test scheduling); the Docker client is
  // created but never connected because start() is not called.
  const live = new LiveSnapshot({
    debounceMs: 20,
    pollMs: 0,
    docker: createDockerClient('unix:///nonexistent.sock'),
    read: async (): Promise<HostSnapshot> => {
      reads++;
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
  assert.equal(reads, 1, 'ten requests within the debounce window: one read');
  assert.equal(reasons[0]?.length, 10);
  await Promise.all([live.refresh('a'), live.refresh('b'), live.refresh('c')]);
  assert.equal(maxInFlight, 1);
  assert.ok(reads <= 3, `reads: ${reads}`);
  live.stop();
});
