// LiveSnapshot against the real engine: a container started with `docker run` shows up in a
// new snapshot through Docker's event stream, with no refresh requested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { LiveSnapshot } from '../../src/host/liveSnapshot';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { requireLab, sh } from './lab';

test('docker run and docker rm -f reach the snapshot through the event stream', async () => {
  requireLab();
  const name = `cnd-live-${process.pid}`;
  const live = new LiveSnapshot({ pollMs: 0, debounceMs: 100 });
  const next = (pred: (s: HostSnapshot) => boolean, what: string) =>
    new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: not seen within 20 s`)), 20_000);
      const on = (s: HostSnapshot, reasons: string[]) => {
        if (!pred(s)) return;
        clearTimeout(timer);
        live.off('changed', on);
        resolve(reasons);
      };
      live.on('changed', on);
    });
  try {
    const first = next(() => true, 'first read');
    live.start();
    await first;
    await new Promise((r) => setTimeout(r, 300)); // let the first "connected" refresh settle
    const appeared = next((s) => s.docker?.containers.some((c) => c.name === name && c.state === 'running') ?? false, `${name} running`);
    sh('docker', 'run', '-d', '--name', name, '--label', 'containernet.lab=1', '--network', 'lab-net', 'containernet-lab/busybox:1', 'sleep', '600');
    const reasons = await appeared;
    assert.ok(
      reasons.some((r) => r.includes(name)),
      `refreshed because of an event naming ${name}: ${reasons.join('; ')}`,
    );
    const gone = next((s) => !(s.docker?.containers.some((c) => c.name === name) ?? true), `${name} gone`);
    sh('docker', 'rm', '-f', name);
    await gone;
  } finally {
    live.stop();
    try {
      sh('docker', 'rm', '-f', name);
    } catch {
      // removed above
    }
  }
});

test("a warm read reuses unchanged inspects but sees a restarted container's new process", async () => {
  requireLab();
  const name = `cnd-warm-${process.pid}`;
  try {
    sh('docker', 'run', '-d', '--name', name, '--label', 'containernet.lab=1', '--network', 'lab-net', 'containernet-lab/busybox:1', 'sleep', '600');
    const cold = await takeSnapshot({ dnsRules: false });
    const before = cold.docker?.containers.find((c) => c.name === name);
    assert.ok(before && before.pid > 0);
    const warm = await takeSnapshot({ dnsRules: false, previous: cold });
    const api = (s: HostSnapshot) => s.docker?.containers.find((c) => c.name === 'api');
    assert.equal(api(warm), api(cold), 'unchanged container: the previous inspect is reused as is');
    sh('docker', 'restart', '-t', '0', name);
    const after = await takeSnapshot({ dnsRules: false, previous: warm });
    const pid = Number(sh('docker', 'inspect', '-f', '{{.State.Pid}}', name).trim());
    assert.notEqual(pid, before.pid);
    assert.equal(after.docker?.containers.find((c) => c.name === name)?.pid, pid, 'the restarted container is inspected again');
  } finally {
    try {
      sh('docker', 'rm', '-f', name);
    } catch {
      // gone
    }
  }
});

test("a light read after container events keeps the overlay networks' peers (as docker network inspect has them) without inspecting them again", async () => {
  requireLab();
  const cold = await takeSnapshot({ dnsRules: false });
  const overlay = cold.docker?.networks.find((n) => n.name === 'lab-overlay');
  // The oracle: what Docker lists as the network's peers.
  const peers = JSON.parse(sh('docker', 'network', 'inspect', '-f', '{{json .Peers}}', 'lab-overlay')) as { Name: string; IP: string }[];
  assert.ok(peers.length > 0, 'the lab overlay has a peer (this node)');
  assert.deepEqual(
    overlay?.peers?.map((p) => p.ip),
    peers.map((p) => p.IP),
  );
  const light = await takeSnapshot({ dnsRules: false, previous: cold, reuse: ['overlayPeers'] });
  assert.deepEqual(light.docker?.networks.find((n) => n.name === 'lab-overlay')?.peers, overlay?.peers, 'kept');
  const source = light.sources.find((s) => s.name === 'overlayPeers');
  assert.equal(source?.state, 'ok');
  assert.ok(
    source?.notes?.some((n) => n.startsWith('info: kept from the read at')),
    JSON.stringify(source),
  );
  // A full read inspects them again.
  const full = await takeSnapshot({ dnsRules: false, previous: light });
  assert.ok(!full.sources.find((s) => s.name === 'overlayPeers')?.notes?.some((n) => n.includes('kept from')));
  assert.deepEqual(full.docker?.networks.find((n) => n.name === 'lab-overlay')?.peers, overlay?.peers);
});
