import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchError, runFixedBatch, runPerItemBatch, splitBatchOutput } from '../../src/host/commandBatch';
import { runCommand } from '../../src/host/commandRunner';

test('a fixed batch gives each command its own output and status', async () => {
  const [a, b, c] = await runFixedBatch(runCommand, [['printf', '%s\\n', 'one two'], ['sh', '-c', 'echo oops >&2; exit 3'], ['no-such-tool-cnd']]);
  assert.deepEqual(a, { stdout: 'one two\n', stderr: '', code: 0 });
  assert.equal(b?.code, 3);
  assert.match(b?.stdout ?? '', /oops/);
  assert.equal(batchError(['sh'], b as never)?.kind, 'exit');
  assert.equal(c?.code, 127);
  assert.equal(batchError(['no-such-tool-cnd'], c as never)?.kind, 'missing-tool');
});

test('output that imitates the marker cannot split a batch', async () => {
  const [a, b] = await runFixedBatch(runCommand, [['printf', '%s\\n', '@@cnd-batch-0000@@ 0'], ['printf', 'ok']]);
  assert.equal(a?.stdout, '@@cnd-batch-0000@@ 0\n');
  assert.equal(b?.stdout, 'ok');
});

test('per-item batches pass items as arguments, never as script text', async () => {
  const hostile = ['plain', 'with space', "quote'\"$(echo injected)`id`", '--net=x'];
  const rows = await runPerItemBatch(runCommand, [['printf', '[%s]', '{}'], ['printf', '<%s>', 'pre={}']], hostile);
  assert.deepEqual(
    rows.map((r) => r.map((x) => x.stdout)),
    hostile.map((h) => [`[${h}]`, `<pre=${h}>`]),
  );
  assert.deepEqual(await runPerItemBatch(runCommand, [['true']], []), []);
});

test('a batch cut short is an error, not a silent short answer', () => {
  assert.throws(() => splitBatchOutput('x\n@@m@@ 0\n', 2, '@@m@@'), /batch ended after 1 of 2 commands/);
  // A marker-like text without the batch's own nonce is just output.
  assert.deepEqual(splitBatchOutput('a @@m@@ 0\n@@cnd-batch-x@@ 0\n\n@@m@@ 3\n', 1, '@@m@@'), [{ output: 'a @@m@@ 0\n@@cnd-batch-x@@ 0\n', code: 3 }]);
});
