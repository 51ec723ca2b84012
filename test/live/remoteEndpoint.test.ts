// A Docker endpoint that is not this host's socket (tcp://): container pids from it would name
// unrelated local processes, so the snapshot enters no namespace and reads nothing through them,
// and says why. The "remote" engine is the local one behind a TCP proxy this test runs on
// loopback, so Docker itself answers for real.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { requireLab } from './lab';

let server: Server | undefined;
let port = 0;

before(async () => {
  requireLab();
  server = createServer((client) => {
    const upstream = connect('/var/run/docker.sock');
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

after(() => server?.close());

test('a tcp:// endpoint: Docker is read, no container namespace is entered, and the snapshot says why', async () => {
  const snap = await takeSnapshot({ dockerEndpoint: `tcp://127.0.0.1:${port}` });
  assert.equal(snap.sources.find((s) => s.name === 'docker')?.state, 'ok');
  assert.ok((snap.docker?.containers.filter((c) => c.pid > 0).length ?? 0) > 5, 'the engine answered through the proxy');
  assert.deepEqual(snap.containerNamespaces, []);
  for (const name of ['containerNamespaces', 'containerDnsRules']) {
    const s = snap.sources.find((x) => x.name === name);
    assert.equal(s?.state, 'error', name);
    assert.match(s?.reason ?? '', /tcp:\/\/127\.0\.0\.1/);
    assert.match(s?.fix ?? '', /Remote-SSH/);
  }
});
