// Capture files: made new by the extension in a private folder (so tcpdump, as root, never
// opens a symlink someone put there), and a running capture ended at its size and time limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createCaptureFile, watchCaptureLimits } from '../../src/host/captureFile';
import { tempDir } from '../tempDir';

test('createCaptureFile: a new empty regular file in a new 0700 folder', async (t) => {
  const ws = tempDir(t, 'cnd-ws-');
  const file = await createCaptureFile(ws, 'stamp');
  assert.ok(lstatSync(file).isFile());
  assert.equal(lstatSync(file).size, 0);
  assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
  assert.match(file, /\/capture-stamp-\w{6}\/capture\.pcap$/);
  const again = await createCaptureFile(ws, 'stamp');
  assert.notEqual(dirname(again), dirname(file), 'each capture its own folder');
});

test('watchCaptureLimits: stops once when the file passes its size, or when the time is up; cancel stops watching', async (t) => {
  const dir = tempDir(t, 'cnd-cap-');
  const file = join(dir, 'capture.pcap');
  writeFileSync(file, '');
  const reasons: string[] = [];
  watchCaptureLimits({ file, bytes: 1000, seconds: 60 }, (r) => reasons.push(r), 20);
  writeFileSync(file, 'x'.repeat(2000));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(reasons.length, 1);
  assert.match(reasons[0] ?? '', /reached 2000 bytes \(the limit is 1000\)/);
  const timed: string[] = [];
  watchCaptureLimits({ file: join(dir, 'none.pcap'), bytes: 1000, seconds: 0.05 }, (r) => timed.push(r), 20);
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(timed, ['ran 0.05 s (the capture time limit)']);
  const cancelled: string[] = [];
  const cancel = watchCaptureLimits({ file, bytes: 1000, seconds: 0.05 }, (r) => cancelled.push(r), 20);
  cancel();
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(cancelled, []);
});
