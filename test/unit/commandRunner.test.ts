import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandError, looksLikePermissionError, runCommand, streamCommand } from '../../src/host/commandRunner';
import { Privilege } from '../../src/host/privilege';

test('runCommand: output, missing tool, exit status, timeout; arguments are never shell-split', async () => {
  assert.equal((await runCommand(['printf', '%s', 'a b; echo injected'])).stdout, 'a b; echo injected');
  await assert.rejects(runCommand(['no-such-tool-cnd']), (e: unknown) => e instanceof CommandError && e.kind === 'missing-tool');
  await assert.rejects(
    runCommand(['sh', '-c', 'echo boom >&2; exit 3']),
    (e: unknown) => e instanceof CommandError && e.kind === 'exit' && /exit 3: boom/.test(e.message),
  );
  await assert.rejects(runCommand(['sleep', '5'], { timeoutMs: 100 }), (e: unknown) => e instanceof CommandError && e.kind === 'timeout');
  assert.equal((await runCommand(['sh', '-c', 'exit 1'], { okCodes: [0, 1] })).code, 1);
  await assert.rejects(
    runCommand(['sh', '-c', 'echo "iptables-save: Permission denied (you must be root)" >&2; exit 1']),
    (e: unknown) => e instanceof CommandError && e.kind === 'permission',
  );
  assert.ok(looksLikePermissionError('sudo: a password is required'));
  // conntrack exits 1 on success too; a refusal with that code is still a refusal.
  await assert.rejects(
    runCommand(['sh', '-c', 'echo "conntrack v1.4.7: Operation not permitted" >&2; exit 1'], { okCodes: [0, 1] }),
    (e: unknown) => e instanceof CommandError && e.kind === 'permission',
  );
});

test('privilege layer: none refuses with a remedy; sudo is remembered as refused', async () => {
  const none = new Privilege('none', runCommand, ['sudo', '-n'], 'alice');
  await assert.rejects(none.runPrivileged(['iptables-save']), (e: unknown) => e instanceof CommandError && e.kind === 'permission');
  assert.match(none.remedy(), /alice ALL=\(root\) NOPASSWD: \S*iptables-save/);
  // A "privilege command" that always refuses, as sudo -n does without a sudoers rule.
  const calls: string[][] = [];
  const refusing = new Privilege(
    'sudo',
    async (argv) => {
      calls.push([...argv]);
      throw new CommandError('permission', argv, 'sudo: a password is required');
    },
    ['sudo', '-n'],
    'alice',
  );
  await assert.rejects(refusing.runPrivileged(['sh', '-c', 'true']));
  assert.equal(refusing.usable, false);
  await assert.rejects(refusing.runPrivileged(['sh', '-c', 'true']), /refused/);
  assert.equal(calls.length, 1, 'not asked again after a refusal');
  assert.equal(calls[0]?.[0], 'sudo');
  assert.match(calls[0]?.[2] ?? '', /\/sh$/, 'tools resolved to absolute paths for sudoers rules');
});

test('runCommand: output past the bound ends the process group and keeps what fit; streamCommand stops where asked', async () => {
  let error: unknown;
  try {
    await runCommand(['sh', '-c', 'yes cnd-bounded-output'], { maxBuffer: 1000, timeoutMs: 5000 });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof CommandError && error.kind === 'too-much-output', String(error));
  assert.equal(error.result?.stdout.length, 1000);
  const seen: string[] = [];
  const r = await streamCommand(['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "line $i"; done'], (l) => seen.push(l) < 5, { timeoutMs: 5000 });
  assert.equal(r.stopped, true);
  assert.deepEqual(seen, ['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  const all = await streamCommand(['printf', 'a\nb\nlast'], () => true);
  assert.deepEqual([all.lines, all.stopped, all.code], [3, false, 0]);
  await assert.rejects(
    streamCommand(['sleep', '5'], () => true, { timeoutMs: 100 }),
    (e: unknown) => e instanceof CommandError && e.kind === 'timeout',
  );
  await assert.rejects(
    streamCommand(['no-such-tool-cnd'], () => true),
    (e: unknown) => e instanceof CommandError && e.kind === 'missing-tool',
  );
});
