import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { batchError, batchParts, runFixedBatch, runPerItemBatch } from '../../src/host/commandBatch';
import { CommandError, runCommand, type CommandResult } from '../../src/host/commandRunner';
import { Privilege } from '../../src/host/privilege';

function out(r: CommandResult | CommandError | undefined): CommandResult {
  if (!r || r instanceof CommandError) assert.fail(`expected a result, got ${String(r)}`);
  return r;
}

/** Processes whose command line holds `word` (the oracle: /proc itself). */
function processesWith(word: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').includes(word)) found.push(Number(e));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a fixed batch gives each command its own output and status', async () => {
  const [a, b, c] = await runFixedBatch(runCommand, [['printf', '%s\\n', 'one two'], ['sh', '-c', 'echo oops >&2; exit 3'], ['no-such-tool-cnd']]);
  assert.deepEqual(a, { stdout: 'one two\n', stderr: '', code: 0 });
  assert.equal(out(b).code, 3);
  assert.match(out(b).stdout, /oops/);
  assert.equal(batchError(['sh'], b as never)?.kind, 'exit');
  assert.equal(out(c).code, 127);
  assert.equal(batchError(['no-such-tool-cnd'], c as never)?.kind, 'missing-tool');
});

test('output that imitates the marker cannot split a batch', async () => {
  const [a, b] = await runFixedBatch(runCommand, [
    ['printf', '%s\\n', '@@cnd-batch-0000@@ 0'],
    ['printf', 'ok'],
  ]);
  assert.equal(out(a).stdout, '@@cnd-batch-0000@@ 0\n');
  assert.equal(out(b).stdout, 'ok');
});

test('per-item batches pass items as arguments, never as script text', async () => {
  const hostile = ['plain', 'with space', 'quote\'"$(echo injected)`id`', '--net=x'];
  const rows = await runPerItemBatch(
    runCommand,
    [
      ['printf', '[%s]', '{}'],
      ['printf', '<%s>', 'pre={}'],
    ],
    hostile,
  );
  assert.deepEqual(
    rows.map((r) => r.map((x) => out(x).stdout)),
    hostile.map((h) => [`[${h}]`, `<pre=${h}>`]),
  );
  assert.deepEqual(await runPerItemBatch(runCommand, [['true']], []), []);
});

test("the marker needs the batch's own nonce; output after the last marker is not a part", () => {
  assert.deepEqual(batchParts('x\n@@m@@ 0\nhalf', '@@m@@'), [{ output: 'x', code: 0 }]);
  // A marker-like text without the batch's own nonce is just output.
  assert.deepEqual(batchParts('a @@m@@ 0\n@@cnd-batch-x@@ 0\n\n@@m@@ 3\n', '@@m@@'), [{ output: 'a @@m@@ 0\n@@cnd-batch-x@@ 0\n', code: 3 }]);
});

test("a timeout ends the batch's whole process group: its child sleeping past the timeout is not left behind", async () => {
  const word = `31.${process.pid}${Date.now() % 1000}`; // a sleep length nothing else uses
  const results = await runFixedBatch(
    runCommand,
    [
      ['printf', 'first'],
      ['sleep', word],
      ['printf', 'never'],
    ],
    { timeoutMs: 400 },
  );
  // The finished command keeps its result; the running one names itself; the rest were not run.
  assert.equal(out(results[0]).stdout, 'first');
  const slow = results[1];
  assert.ok(slow instanceof CommandError && slow.kind === 'timeout' && slow.message.startsWith(`sleep ${word}:`), String(slow));
  const never = results[2];
  assert.ok(never instanceof CommandError && /not run/.test(never.message), String(never));
  await settle(300);
  assert.deepEqual(processesWith(word), [], 'no sleep left behind');
});

test("root batches: a chunk that times out keeps the other chunks' results, naming what failed", async () => {
  const word = `32.${process.pid}${Date.now() % 1000}`;
  const root = new Privilege('root', runCommand, ['sudo', '-n'], 'root');
  // Two chunks of two: [a, b] and [slow, d].
  const rows = await root.runPrivilegedEach(
    [['sh', '-c', `[ "$0" = slow ] && exec sleep ${word}; echo "ok $0"`, '{}']],
    ['a', 'b', 'slow', 'd'],
    { timeoutMs: 500 },
    2,
  );
  assert.equal(out(rows[0]?.[0]).stdout, 'ok a\n');
  assert.equal(out(rows[1]?.[0]).stdout, 'ok b\n');
  const slow = rows[2]?.[0];
  assert.ok(slow instanceof CommandError && slow.kind === 'timeout' && slow.message.includes(' slow: '), String(slow));
  const d = rows[3]?.[0];
  assert.ok(d instanceof CommandError && / d: not run/.test(d.message), String(d));
  await settle(300);
  assert.deepEqual(processesWith(word), []);
});
