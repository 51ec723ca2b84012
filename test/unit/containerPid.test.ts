// A pid from Docker is used only for a local engine and only while /proc/PID/cgroup still
// names the container. Cgroup files as the kernel writes them (cgroup v2 with the systemd
// driver, v1 with cgroupfs), in a temporary /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupNamesContainer, checkContainerPid, currentContainerPid, isLocalDockerEndpoint, pidFeaturesOffReason } from '../../src/host/containerPid';
import { tempDir } from '../tempDir';

const ID = '25a87851e6ed275f50e3d642924e92bb5c5aaeaae2b5e338cf2f2ea1b8b7ab54';
const OTHER = 'f'.repeat(64);

test('cgroup text names the container by its full id as a path component', () => {
  assert.ok(cgroupNamesContainer(`0::/system.slice/docker-${ID}.scope\n`, ID));
  assert.ok(cgroupNamesContainer(`4:memory:/docker/${ID}\n0::/docker/${ID}\n`, ID));
  assert.ok(cgroupNamesContainer(`0::/system.slice/docker-${ID}.scope/init.scope\n`, ID), 'systemd inside the container');
  assert.ok(!cgroupNamesContainer(`0::/docker/${OTHER}\n`, ID));
  assert.ok(!cgroupNamesContainer(`0::/docker/${ID}x\n`, ID));
  assert.ok(!cgroupNamesContainer('0::/\n', ID));
  assert.ok(!cgroupNamesContainer(`0::/docker/${ID}\n`, ID.slice(0, 12)), 'a short id is not enough');
});

test('remote endpoints turn pid features off and say why; local sockets keep them', () => {
  assert.ok(isLocalDockerEndpoint('unix:///var/run/docker.sock'));
  assert.ok(isLocalDockerEndpoint('/run/user/1000/docker.sock'));
  for (const e of ['tcp://10.0.0.5:2376', 'ssh://admin:pw@build-host', 'tcp://127.0.0.1:2375']) {
    assert.ok(!isLocalDockerEndpoint(e));
    const why = pidFeaturesOffReason(e) ?? '';
    assert.match(why, /not this host's local socket/);
    assert.ok(!why.includes('pw@'), 'no credentials repeated');
  }
  assert.equal(pidFeaturesOffReason('unix:///var/run/docker.sock'), undefined);
});

test("checkContainerPid: the container's own pid passes; a reused or vanished pid, or a remote engine, does not", async (t) => {
  const proc = tempDir(t, 'cnd-proc-');
  mkdirSync(join(proc, '4242'));
  writeFileSync(join(proc, '4242', 'cgroup'), `0::/system.slice/docker-${ID}.scope\n`);
  mkdirSync(join(proc, '5151'));
  writeFileSync(join(proc, '5151', 'cgroup'), '0::/user.slice/user-1000.slice/session-3.scope\n');
  const local = 'unix:///var/run/docker.sock';
  assert.deepEqual(await checkContainerPid({ id: ID, name: 'api', pid: 4242 }, local, proc), { ok: true });
  const reused = await checkContainerPid({ id: ID, name: 'api\x1b[2J', pid: 5151 }, local, proc);
  assert.ok(!reused.ok && /pid 5151 is no longer container api\?\[2J's process/.test(reused.reason), JSON.stringify(reused));
  assert.equal((await checkContainerPid({ id: ID, name: 'api', pid: 6161 }, local, proc)).ok, false);
  const remote = await checkContainerPid({ id: ID, name: 'api', pid: 4242 }, 'tcp://10.0.0.5:2375', proc);
  assert.ok(!remote.ok && /not this host's local socket/.test(remote.reason));
});

test("currentContainerPid: a restarted container's new pid from a fresh inspect; the reused old pid never", async (t) => {
  const proc = tempDir(t, 'cnd-proc-');
  mkdirSync(join(proc, '100'));
  writeFileSync(join(proc, '100', 'cgroup'), '0::/user.slice/session-1.scope\n'); // the old pid, reused
  mkdirSync(join(proc, '200'));
  writeFileSync(join(proc, '200', 'cgroup'), `0::/docker/${ID}\n`); // the container's new process
  const local = 'unix:///var/run/docker.sock';
  const stale = { id: ID, name: 'api', pid: 100 };
  const r = await currentContainerPid(stale, local, async () => ({ ...stale, pid: 200 }), proc);
  assert.deepEqual(r, { ok: true, container: { id: ID, name: 'api', pid: 200 } });
  const stopped = await currentContainerPid(stale, local, async () => ({ ...stale, pid: 0 }), proc);
  assert.ok(!stopped.ok && /not running any more/.test(stopped.reason));
  const gone = await currentContainerPid(
    stale,
    local,
    async () => {
      throw new Error('404');
    },
    proc,
  );
  assert.equal(gone.ok, false);
  let asked = false;
  const remote = await currentContainerPid(
    { ...stale, pid: 200 },
    'ssh://host',
    async () => {
      asked = true;
      return stale;
    },
    proc,
  );
  assert.ok(!remote.ok && !asked, 'a remote engine is not asked for pids to use here');
});
