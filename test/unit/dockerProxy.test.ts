// A process named docker-proxy is believed only when its executable is the host's own
// docker-proxy binary, owned by root. A /proc of our own making: real symlinks and files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerProxyDoubt, readDockerProxies } from '../../src/host/dockerProxy';
import { tempDir } from '../tempDir';

const ARGS = ['/usr/sbin/docker-proxy', '-proto', 'tcp', '-host-ip', '0.0.0.0', '-host-port', '8080', '-container-ip', '172.30.1.10', '-container-port', '80'];

function fakeProcess(proc: string, pid: number, exe: string, hostPort: number): void {
  mkdirSync(join(proc, String(pid)));
  writeFileSync(join(proc, String(pid), 'comm'), 'docker-proxy\n');
  writeFileSync(join(proc, String(pid), 'cmdline'), `${ARGS.map((a) => (a === '8080' ? String(hostPort) : a)).join('\0')}\0`);
  symlinkSync(exe, join(proc, String(pid), 'exe'));
}

test('docker-proxy: the host binary owned by root is believed; a look-alike is left out with a note', async (t) => {
  const root = tempDir(t, 'cnd-proxy-');
  const bin = join(root, 'bin');
  mkdirSync(bin);
  copyFileSync('/bin/true', join(bin, 'docker-proxy'));
  chmodSync(join(bin, 'docker-proxy'), 0o755);
  mkdirSync(join(root, 'writable'));
  copyFileSync('/bin/true', join(root, 'writable', 'docker-proxy'));
  chmodSync(join(root, 'writable', 'docker-proxy'), 0o777);
  const proc = join(root, 'proc');
  mkdirSync(proc);
  fakeProcess(proc, 100, join(bin, 'docker-proxy'), 8080);
  fakeProcess(proc, 101, join(root, 'writable', 'docker-proxy'), 8081);
  fakeProcess(proc, 102, '/bin/true', 8082);
  fakeProcess(proc, 103, join(bin, 'missing', 'docker-proxy'), 8083);
  const asRoot = process.getuid?.() === 0;
  assert.equal(await dockerProxyDoubt(100, proc), asRoot ? undefined : `${join(bin, 'docker-proxy')} is not owned by root or is writable by others`);
  assert.match((await dockerProxyDoubt(101, proc)) ?? '', /not owned by root or is writable by others/);
  assert.match((await dockerProxyDoubt(102, proc)) ?? '', /"\/bin\/true", not a docker-proxy binary/);
  assert.match((await dockerProxyDoubt(103, proc)) ?? '', /cannot be checked \(ENOENT\)/);
  const notes: string[] = [];
  const listeners = await readDockerProxies(proc, notes);
  assert.deepEqual(
    listeners.map((l) => l.hostPort),
    asRoot ? [8080] : [],
  );
  assert.ok(
    notes.some((n) => /^pid 102 calls itself docker-proxy \(host port 8082\) but is not Docker's/.test(n)),
    notes.join('\n'),
  );
  assert.equal(notes.length, asRoot ? 3 : 4);
});
