// The snapshot as an unprivileged user in the docker group (the lab's `cndlab`), and with the
// Docker engine unreachable: what can be read still comes back, the rest says why and how.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { buildTopology } from '../../src/model/topology';
import { requireLab, sh } from './lab';

let asUser: HostSnapshot;

before(() => {
  requireLab();
  try {
    sh('id', 'cndlab');
  } catch {
    throw new Error('user cndlab is missing: run test/lab/up, which creates it in the docker group');
  }
  // A copy of the built CLI where cndlab can read it, whatever the permissions of the checkout.
  const dir = mkdtempSync(join(tmpdir(), 'cnd-cli-'));
  chmodSync(dir, 0o755);
  const cli = join(dir, 'cli.js');
  copyFileSync(join(process.cwd(), 'dist', 'cli.js'), cli);
  chmodSync(cli, 0o644);
  const out = execFileSync('runuser', ['-u', 'cndlab', '--', process.execPath, cli, 'snapshot', '--json'], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  asUser = JSON.parse(out) as HostSnapshot;
});

test('unprivileged: Docker, host links and veth pairing still come back', async () => {
  assert.equal(asUser.host.privilege === 'root', false);
  assert.equal(asUser.host.user, 'cndlab');
  const state = (name: string) => asUser.sources.find((s) => s.name === name)?.state;
  for (const name of ['docker', 'hostLinks', 'hostRoutes', 'bridgePorts', 'bridgeFdb', 'sysctls', 'containerNamespaces', 'dockerProxy']) {
    assert.equal(state(name), 'ok', `${name} readable without root`);
  }
  assert.equal(asUser.containerNamespaces.find((n) => n.containerName === 'api')?.via, 'proc');
  const rootSnapshot = await takeSnapshot();
  // Docker's docker-proxy processes are recognised without root too (uid, cgroup, parent dockerd).
  assert.ok(rootSnapshot.dockerProxies.length > 0, 'the lab publishes ports through docker-proxy');
  assert.deepEqual(
    asUser.dockerProxies.map((p) => p.pid),
    rootSnapshot.dockerProxies.map((p) => p.pid),
  );
  const root = buildTopology(rootSnapshot);
  const user = buildTopology(asUser);
  for (const ep of root.endpoints.filter((e) => e.hostVeth && e.driver === 'bridge' && !e.flags.includes('not-in-docker-inspect'))) {
    const mine = user.endpoints.find((e) => e.containerName === ep.containerName && e.network === ep.network);
    assert.equal(mine?.hostVeth?.name, ep.hostVeth?.name, `${ep.containerName} on ${ep.network}: same veth without root`);
    assert.equal(mine?.ip, ep.ip);
  }
});

test('unprivileged: netfilter, conntrack, overlay sandboxes and DNS rules say "needs privilege" with the fix', () => {
  for (const name of ['netfilter', 'conntrack', 'overlaySandboxes', 'containerDnsRules']) {
    const s = asUser.sources.find((x) => x.name === name);
    assert.equal(s?.state, 'needs-privilege', `${name}: ${s?.state} ${s?.reason}`);
    assert.match(s?.fix ?? '', /cndlab ALL=\(root\) NOPASSWD: /);
  }
  assert.match(asUser.sources.find((x) => x.name === 'netfilter')?.fix ?? '', /iptables-save/);
  assert.equal(asUser.netfilter, undefined);
});

test('Docker unreachable: the snapshot says so, with the fix, and still reads the host', async () => {
  const snap = await takeSnapshot({ dockerEndpoint: 'unix:///nonexistent/docker.sock' });
  const docker = snap.sources.find((s) => s.name === 'docker');
  assert.equal(docker?.state, 'unreachable');
  assert.match(docker?.reason ?? '', /unix:\/\/\/nonexistent\/docker\.sock/);
  assert.match(docker?.fix ?? '', /Start the Docker engine/);
  assert.equal(snap.docker, undefined);
  assert.ok(snap.hostNamespace.links.some((l) => l.name === 'docker0'));
  assert.equal(snap.sources.find((s) => s.name === 'netfilter')?.state, 'ok');
});
