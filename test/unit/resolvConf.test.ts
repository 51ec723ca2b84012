// Reading a file a container controls: no symlink followed, no FIFO waited on, no device read,
// at most 64 KiB; a container's resolv.conf from Docker's file or Docker's archive, never
// through /proc/PID/root. Real files, FIFOs and symlinks in a temporary directory.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBoundedFile } from '../../src/host/boundedFile';
import { firstTarFile, isDockerResolvConfPath, readContainerResolvConf, resolvConfText } from '../../src/host/resolvConf';
import { tempDir } from '../tempDir';

const ID = 'c'.repeat(64);

function tmp(t: TestContext): string {
  return tempDir(t, 'cnd-bounded-');
}

test('readBoundedFile: a regular file is read; a symlink, a FIFO, a directory and a device are refused at once', async (t) => {
  const dir = tmp(t);
  const canary = join(dir, 'canary');
  writeFileSync(canary, 'secret-token\n');
  writeFileSync(join(dir, 'plain'), 'nameserver 127.0.0.11\n');
  symlinkSync(canary, join(dir, 'link'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.deepEqual(await readBoundedFile(join(dir, 'plain')), { text: 'nameserver 127.0.0.11\n', truncated: false, size: 22 });
  await assert.rejects(readBoundedFile(join(dir, 'link')), /is a symbolic link: not followed/);
  const started = performance.now();
  await assert.rejects(readBoundedFile(join(dir, 'fifo'), { timeoutMs: 3000 }), /not a regular file \(a FIFO\)/);
  assert.ok(performance.now() - started < 1000, 'a FIFO with no writer does not hang the read');
  await assert.rejects(readBoundedFile(dir), /not a regular file \(a directory\)/);
  await assert.rejects(readBoundedFile('/dev/zero'), /not a regular file \(a device\)/);
  await assert.rejects(readBoundedFile('relative/path'), /not an absolute path/);
});

test('readBoundedFile: a large file is cut at the bound and says so', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'big'), 'x'.repeat(200_000));
  const r = await readBoundedFile(join(dir, 'big'), { maxBytes: 65536 });
  assert.equal(r.text.length, 65536);
  assert.equal(r.truncated, true);
  assert.equal(r.size, 200_000);
});

test('the ResolvConfPath shape Docker gives, and nothing else', () => {
  assert.ok(isDockerResolvConfPath(`/var/lib/docker/containers/${ID}/resolv.conf`));
  assert.ok(isDockerResolvConfPath(`/srv/docker-root/containers/${ID}/resolv.conf`));
  assert.ok(!isDockerResolvConfPath('/etc/resolv.conf'));
  assert.ok(!isDockerResolvConfPath(`/proc/1/root/containers/${ID}/../../etc/resolv.conf`));
  assert.ok(!isDockerResolvConfPath(`relative/containers/${ID}/resolv.conf`));
});

test("readContainerResolvConf: Docker's file on the host; a symlink put in its place is not followed; control characters replaced", async (t) => {
  const root = tmp(t);
  const dir = join(root, 'containers', ID);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.11\r\noptions ndots:0 \x1b]0;pwned\x07\n');
  const r = await readContainerResolvConf({ id: ID, name: 'api', resolvConfPath: join(dir, 'resolv.conf') }, { endpoint: 'unix:///var/run/docker.sock' });
  assert.match(r.source, /Docker's file on the host/);
  assert.equal(resolvConfText(r), 'nameserver 127.0.0.11\noptions ndots:0 ?]0;pwned?\n');
  const evil = join(root, 'containers', 'd'.repeat(64));
  mkdirSync(evil);
  writeFileSync(join(root, 'canary'), 'host-secret');
  symlinkSync(join(root, 'canary'), join(evil, 'resolv.conf'));
  await assert.rejects(
    readContainerResolvConf({ id: 'd'.repeat(64), name: 'evil', resolvConfPath: join(evil, 'resolv.conf') }, { endpoint: 'unix:///var/run/docker.sock' }),
    /symbolic link: not followed/,
  );
  // A remote engine's path means nothing here, and without the API there is nothing to read.
  await assert.rejects(
    readContainerResolvConf({ id: ID, name: 'api', resolvConfPath: join(dir, 'resolv.conf') }, { endpoint: 'tcp://10.0.0.1:2375' }),
    /no resolv.conf on this host/,
  );
});

function tarEntry(name: string, type: string, body: string, linkname = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  header.write(type, 156);
  header.write(linkname, 157);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data]);
}

test("firstTarFile: the file Docker's archive API returns; PAX headers skipped; a symlink is reported, not followed", () => {
  const file = tarEntry('resolv.conf', '0', 'nameserver 127.0.0.11\n');
  assert.deepEqual(firstTarFile(Buffer.concat([file, Buffer.alloc(1024)])), { text: 'nameserver 127.0.0.11\n', truncated: false });
  const pax = tarEntry('PaxHeaders/resolv.conf', 'x', '30 mtime=1700000000.123456789\n');
  assert.equal(firstTarFile(Buffer.concat([pax, file])).text, 'nameserver 127.0.0.11\n');
  assert.throws(() => firstTarFile(tarEntry('resolv.conf', '2', '', '/tmp/cnd-canary')), /symbolic link to "\/tmp\/cnd-canary": not followed/);
  assert.throws(() => firstTarFile(Buffer.alloc(1024)), /holds no file/);
});
