import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from '../../src/commandLine';
import { FIXTURES } from '../fixtures';

const CLI = join(process.cwd(), 'dist', 'cli.js');

test('argument parsing', () => {
  assert.deepEqual(parseArgs(['snapshot', '--json', '--out', 'x.json']), { command: 'snapshot', json: true, out: 'x.json' });
  assert.deepEqual(parseArgs(['topology', '--privilege-command', 'doas -n']).privilegeCommand, ['doas', '-n']);
  assert.throws(() => parseArgs(['snapshot', '--out']), /--out needs a value/);
  assert.throws(() => parseArgs(['--frob']), /unknown option --frob/);
});

test('the built CLI: --help, usage errors, topology of a saved snapshot', () => {
  assert.match(execFileSync('node', [CLI, '--help'], { encoding: 'utf8' }), /container-net snapshot \[--json\]/);
  const bad = spawnSync('node', [CLI, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command frobnicate/);
  const out = execFileSync('node', [CLI, 'topology', '--from', join(FIXTURES, 'lab', 'snapshot.json')], { encoding: 'utf8' });
  assert.match(out, /api \[running\] dns=embedded/);
  assert.match(out, /eth0@if\d+ 172\.30\.1\.\d+\/24 <-> veth\w+@if\d+ -- br-\w+/);
  assert.match(out, /port 0\.0\.0\.0:8080 -> 80\/tcp: DNAT -> 172\.30\.1\.\d+:80/);
  const notSnapshot = spawnSync('node', [CLI, 'topology', '--from', join(FIXTURES, 'lab', 'ip-route.json')], { encoding: 'utf8' });
  assert.equal(notSnapshot.status, 1);
  assert.match(notSnapshot.stderr, /is not a container-net snapshot/);
});
