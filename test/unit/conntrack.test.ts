import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { conntrackNote, parseConntrack, parseConntrackLine, readConntrack } from '../../src/host/conntrack';
import { runCommand } from '../../src/host/commandRunner';
import { Privilege } from '../../src/host/privilege';
import { fixture } from '../fixtures';
import { tempDir } from '../tempDir';

test('conntrack -L from the lab: tuples, state, flags', () => {
  const text = fixture('lab', 'conntrack.txt');
  const state = parseConntrack(text);
  assert.equal(state.entries.length, text.split('\n').filter((l) => l.trim()).length);
  const lab = state.entries.find((e) => e.original.dst.startsWith('172.30.1.') && e.original.dport === 80);
  assert.ok(lab, 'a flow to a lab-net container on port 80');
  assert.equal(lab.protocol, 'tcp');
  assert.equal(lab.reply.src, lab.original.dst);
});

test('UNREPLIED udp, extended format, limit', () => {
  const udp = parseConntrackLine(
    'udp      17 29 src=172.30.1.20 dst=127.0.0.11 sport=41000 dport=53 [UNREPLIED] src=127.0.0.11 dst=172.30.1.20 sport=53 dport=41000 mark=0 use=1',
  );
  assert.equal(udp.state, undefined);
  assert.equal(udp.timeout, 29);
  assert.deepEqual(udp.flags, ['UNREPLIED']);
  assert.deepEqual(udp.reply, { src: '127.0.0.11', dst: '172.30.1.20', sport: 53, dport: 41000 });
  const ext = parseConntrackLine(
    'ipv4     2 tcp      6 117 TIME_WAIT src=172.17.0.2 dst=10.30.9.3 sport=45678 dport=80 src=10.30.9.3 dst=172.17.0.2 sport=80 dport=45678 [ASSURED] mark=0 use=1',
  );
  assert.equal(ext.family, 'ipv4');
  assert.equal(ext.state, 'TIME_WAIT');
  const many = Array.from(
    { length: 5 },
    (_, i) => `tcp 6 10 ESTABLISHED src=10.0.0.${i} dst=10.0.0.9 sport=1 dport=2 src=10.0.0.9 dst=10.0.0.${i} sport=2 dport=1`,
  ).join('\n');
  const limited = parseConntrack(`${many}\nconntrack v1.4.7 (conntrack-tools): 5 flow entries have been shown.\n`, 3);
  assert.equal(limited.entries.length, 3);
  assert.equal(limited.truncated, true);
  assert.equal(parseConntrack(many, 5).truncated, false);
  assert.throws(() => parseConntrackLine('garbage here'), /conntrack: line does not start with a protocol/);
});

// The one place a fake tool is used: a `conntrack` first on PATH that prints 1,000,000 entries
// (a busy host's table, which this machine does not have), to prove the live read streams the
// output, stops the process group at the limit and says so, in bounded time and memory. The
// real conntrack is read by the live tests.
test('readConntrack: 1,000,000 entries from a fake conntrack are cut at the limit, its process group ended, the truncation reported', async (t) => {
  const dir = tempDir(t, 'cnd-fake-conntrack-');
  const line =
    'tcp      6 431999 ESTABLISHED src=172.30.1.20 dst=172.30.1.10 sport=40000 dport=80 src=172.30.1.10 dst=172.30.1.20 sport=80 dport=40000 [ASSURED] mark=0 use=1';
  writeFileSync(
    join(dir, 'conntrack'),
    `#!/bin/sh\n# fake conntrack for ${dir}\nyes '${line}' | head -n 1000000\necho 'conntrack v1.4.7 (conntrack-tools): 1000000 flow entries have been shown.' >&2\n`,
  );
  chmodSync(join(dir, 'conntrack'), 0o755);
  const savedPath = process.env.PATH;
  process.env.PATH = `${dir}:${savedPath}`;
  try {
    const root = new Privilege('root', runCommand, ['sudo', '-n'], 'root');
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const state = await readConntrack(root, { limit: 2000, timeoutMs: 20_000 });
    const ms = performance.now() - started;
    assert.equal(state.entries.length, 2000);
    assert.equal(state.truncated, true);
    assert.equal(state.limit, 2000);
    assert.match(conntrackNote(state) ?? '', /kept the first 2000 entries.*stopped at the limit/);
    assert.ok(ms < 3000, `stopped at the limit, not after a million lines: ${ms.toFixed(0)} ms`);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'memory does not grow with the output');
    await new Promise((r) => setTimeout(r, 300));
    const left = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .filter((e) => {
        try {
          return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(dir) || readFileSync(`/proc/${e}/cmdline`, 'utf8').includes('sport=40000 dport=80');
        } catch {
          return false;
        }
      });
    assert.deepEqual(left, [], 'the fake conntrack, yes and head are gone');
    // Under the limit: everything, not truncated.
    writeFileSync(join(dir, 'conntrack'), `#!/bin/sh\nprintf '%s\\n' '${line}' '${line}'\n`);
    const small = await readConntrack(root, { limit: 2000 });
    assert.equal(small.entries.length, 2);
    assert.equal(small.truncated, false);
    assert.equal(conntrackNote(small), undefined);
  } finally {
    process.env.PATH = savedPath;
  }
});
