// The Docker event stream's bounds: opening it gives up after its connect timeout (an engine
// that accepts and never answers), and a line longer than any event is dropped, not buffered.
// The engine is a stand-in object here (its getEvents only); the live tests use the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { DockerEventStream, MAX_EVENT_LINE, type DockerEvent } from '../../src/host/dockerEvents';

test('opening the event stream times out and is retried', async () => {
  let calls = 0;
  const hanging = {
    getEvents: (opts: { abortSignal?: AbortSignal }) => {
      calls++;
      return new Promise((_, reject) => opts.abortSignal?.addEventListener('abort', () => reject(new Error('aborted'))));
    },
  } as unknown as Docker;
  const stream = new DockerEventStream(hanging, 50, 100);
  const dropped = new Promise<Error | undefined>((resolve) => stream.once('disconnected', resolve));
  stream.start();
  const err = await dropped;
  assert.match(err?.message ?? '', /did not open within 100 ms/);
  await new Promise((r) => setTimeout(r, 400));
  stream.stop();
  assert.ok(calls >= 2, `retried: ${calls} attempts`);
});

test('an endless line is dropped without being held; the events after it still arrive', async () => {
  const pipe = new PassThrough();
  const docker = { getEvents: async () => pipe } as unknown as Docker;
  const stream = new DockerEventStream(docker, 50, 1000);
  const events: DockerEvent[] = [];
  stream.on('event', (e) => events.push(e));
  const connected = new Promise<void>((resolve) => stream.once('connected', resolve));
  stream.start();
  await connected;
  const junk = 'x'.repeat(64 * 1024);
  for (let i = 0; i < (4 * MAX_EVENT_LINE) / junk.length; i++) pipe.write(junk);
  pipe.write('still the same line\n');
  pipe.write(`${JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'abc', Attributes: { name: 'api' } }, time: 1 })}\n`);
  await new Promise((r) => setTimeout(r, 50));
  stream.stop();
  assert.equal(stream.skippedLines, 1);
  assert.deepEqual(
    events.map((e) => `${e.name} ${e.action}`),
    ['api start'],
  );
});
