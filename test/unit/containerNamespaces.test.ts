// Reads a container namespace from a copy of /proc laid out in a temporary folder: the files
// are the lab's real /proc/<pid>/net capture, so only the folder is fake (a real /proc cannot
// be pointed at a fixture). The live tests read the real /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerGoneError, readContainerNamespace } from '../../src/host/containerNamespaces';
import type { ContainerInfo } from '../../src/snapshot/hostSnapshot';
import { FIXTURES, fixture } from '../fixtures';

const container: ContainerInfo = {
  id: 'c0ffee',
  name: 'api',
  image: 'containernet-lab/busybox:1',
  state: 'running',
  pid: 4242,
  networkMode: 'lab-net',
  modeKind: 'user',
  endpoints: [],
  ports: [],
  labels: {},
};

test('unprivileged /proc view: interfaces with indexes, addresses on the right interface, routes', async () => {
  const proc = mkdtempSync(join(tmpdir(), 'cnd-proc-'));
  try {
    cpSync(join(FIXTURES, 'lab', 'proc-api'), join(proc, '4242', 'net'), { recursive: true });
    const ns = await readContainerNamespace(container, { procRoot: proc });
    const truth = JSON.parse(fixture('lab', 'nsenter-api-addr.json')) as {
      ifname: string;
      ifindex: number;
      addr_info: { family: string; local: string; prefixlen: number }[];
    }[];
    assert.equal(ns.via, 'proc');
    for (const t of truth) {
      const l = ns.links.find((x) => x.name === t.ifname);
      assert.ok(l, t.ifname);
      assert.equal(l.index, t.ifindex, `${t.ifname} index`);
      const v4 = t.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
      assert.deepEqual(
        l.addresses.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixLen}`),
        v4,
      );
    }
    assert.equal(ns.routes.find((r) => r.dst === 'default')?.gateway, '172.30.1.1');
    assert.equal(ns.links.find((l) => l.name === 'eth0')?.linkIndex, undefined, 'the peer index is not visible without root');
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

test('a container whose process is gone is reported as such, not as a failure', async () => {
  const proc = mkdtempSync(join(tmpdir(), 'cnd-proc-'));
  try {
    await assert.rejects(readContainerNamespace(container, { procRoot: proc }), ContainerGoneError);
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});
