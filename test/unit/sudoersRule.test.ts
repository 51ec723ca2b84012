// The sudoers line offered for reads that need root: every command pinned to the arguments
// the extension runs, accepted by visudo, and nsenter's expressions match the real reads and
// nothing that would run another program or enter another namespace kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVILEGED_COMMANDS, sudoersCommand, sudoersLine } from '../../src/host/sudoersRule';
import { findExecutable, Privilege } from '../../src/host/privilege';
import { runCommand } from '../../src/host/commandRunner';
import { tempDir } from '../tempDir';

const PATHS = (t: string) => `/usr/sbin/${t}`;

/** The argument part of a sudoers regex command as a JS RegExp (sudoers escapes removed). */
function argsRegex(command: string): RegExp {
  const args = command.slice(command.indexOf(' ') + 1).replace(/\\([\\,:=])/g, '$1');
  assert.ok(args.startsWith('^') && args.endsWith('$'), args);
  return new RegExp(args);
}

test('exact argument lists where nothing varies; a ^...$ expression for nsenter', () => {
  const line = sudoersLine('alice', PATHS);
  assert.match(
    line,
    /^alice ALL=\(root\) NOPASSWD: \/usr\/sbin\/iptables-save -c, \/usr\/sbin\/ip6tables-save -c, \/usr\/sbin\/nft -j list ruleset, \/usr\/sbin\/conntrack -L, /,
  );
  assert.equal(line.split(', ').length, PRIVILEGED_COMMANDS.length);
  const byPid = argsRegex(sudoersCommand(['nsenter', '-t', '{}', '-n', 'iptables-save', '-c', '-t', 'nat'], PATHS));
  assert.ok(byPid.test('-t 4242 -n iptables-save -c -t nat'));
  for (const abuse of [
    '-t 4242 -m -n iptables-save -c -t nat',
    '-t 4242 -n sh -c id',
    '-t 1 -n iptables-save -c -t nat; id',
    '-t 4242 -a -n iptables-save -c -t nat',
    '-t 42 42 -n iptables-save -c -t nat',
  ]) {
    assert.ok(!byPid.test(abuse), abuse);
  }
  const bySandbox = argsRegex(sudoersCommand(['nsenter', '--net={}', 'bridge', '-j', 'fdb', 'show'], PATHS));
  assert.ok(bySandbox.test('--net=/var/run/docker/netns/1-abcdef1234 bridge -j fdb show'));
  assert.ok(!bySandbox.test('--net=/proc/1/ns/net bridge -j fdb show'));
  assert.ok(!bySandbox.test('--net=/var/run/docker/netns/x/../../y bridge -j fdb show'));
});

test('visudo accepts the line the remedy offers', { skip: findExecutable('visudo') ? false : 'visudo not installed (apt-get install sudo)' }, (t) => {
  const remedy = new Privilege('none', runCommand, ['sudo', '-n'], 'cndlab').remedy();
  const line = /add the line "([^"]+)"/.exec(remedy)?.[1];
  assert.ok(line, remedy);
  assert.match(remedy, /cannot pin which process's network namespace/);
  const file = join(tempDir(t, 'cnd-sudoers-'), 'container-net');
  writeFileSync(file, `${line}\n`, { mode: 0o440 });
  assert.match(execFileSync(findExecutable('visudo') as string, ['-c', '-f', file], { encoding: 'utf8' }), /parsed OK/);
});
