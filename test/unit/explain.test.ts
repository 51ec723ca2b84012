// Explain a connection on the captured lab states (20.10 and 28). The captures predate the
// listener read, so each test gives the namespaces the listeners the lab's httpd has (:80 on
// every address), the way the live snapshot reads them; the live test (test/live/explain.test.ts)
// checks the verdicts against real connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainConnection, explainExitCode, explanationJson } from '../../src/model/explain';
import { pathForRequest } from '../../src/model/pathRequests';
import { connectionDestinations, connectionSources } from '../../src/model/connectionChoices';
import { renderExplanationText } from '../../src/render/explanationText';
import { reachabilityMatrix } from '../../src/model/reachabilityMatrix';
import { renderMatrixText } from '../../src/render/matrixText';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { labSnapshot } from '../fixtures';

function withListeners(engine: 'lab' | 'lab28'): HostSnapshot {
  const snap = labSnapshot(engine);
  for (const ns of snap.containerNamespaces) ns.listeners = [{ protocol: 'tcp', address: '::', port: 80, inode: 1, uid: 0 }];
  snap.hostNamespace.listeners = snap.dockerProxies.map((p, i) => ({ protocol: 'tcp' as const, address: p.hostIp, port: p.hostPort, inode: 100 + i, uid: 0 }));
  return snap;
}

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine}: a container to another on the same network, by name: resolved by the embedded DNS, reachable`, () => {
    const e = explainConnection(withListeners(engine), { from: 'client', to: 'web1:80' });
    assert.equal(e.verdict, 'reachable', renderExplanationText(e));
    assert.equal(e.target, '172.30.1.11:80');
    assert.deepEqual(
      e.steps.map((s) => s.kind),
      ['resolve', 'route', 'medium', 'netfilter', 'listener', 'reply'],
    );
    assert.match(e.steps[0]?.text ?? '', /127\.0\.0\.11/);
    assert.equal(explainExitCode(e), 0);
  });

  test(`${engine}: different bridges are isolated by a rule the answer names (table, chain, position, spec)`, () => {
    const e = explainConnection(withListeners(engine), { from: 'client', to: '172.30.2.10:80' });
    assert.equal(e.verdict, 'blocked');
    assert.equal(e.decidedBy?.kind, 'rule');
    // Docker 28 drops packets for a container's address arriving from another interface in raw
    // PREROUTING, before the filter table's isolation chains see them.
    if (engine === 'lab28') assert.equal(e.decidedBy?.table, 'raw');
    else {
      assert.equal(e.decidedBy?.table, 'filter');
      assert.match(e.decidedBy?.chain ?? '', /ISOLATION|FORWARD/);
    }
    assert.ok((e.decidedBy?.position ?? 0) > 0);
    assert.match(e.decidedBy?.spec ?? '', /DROP/);
    assert.equal(explainExitCode(e), 1);
    const json = explanationJson(e) as { verdict: string; decidedBy: { spec: string } };
    assert.equal(json.verdict, 'blocked');
    assert.equal(json.decidedBy.spec, e.decidedBy?.spec);
  });

  test(`${engine}: the default bridge has no embedded DNS; nothing listening is a refusal`, () => {
    const snap = withListeners(engine);
    const legacy = explainConnection(snap, { from: 'legacy', to: 'api:80' });
    assert.equal(legacy.decidedBy?.kind, 'name-resolution');
    assert.match(legacy.decidedBy?.text ?? '', /default bridge/);
    const none = explainConnection(snap, { from: 'client', to: 'api:81' });
    assert.equal(none.decidedBy?.kind, 'listener');
    assert.match(none.decidedBy?.text ?? '', /nothing listens on tcp port 81/);
    const nonet = explainConnection(snap, { from: 'nonet', to: '172.30.1.10:80' });
    assert.equal(nonet.decidedBy?.kind, 'route');
  });

  test(`${engine}: a listener bound to 127.0.0.1 only is named, with the fix`, () => {
    const snap = withListeners(engine);
    const api = snap.containerNamespaces.find((n) => n.containerName === 'api');
    assert.ok(api);
    api.listeners = [{ protocol: 'tcp', address: '127.0.0.1', port: 80, inode: 1, uid: 0 }];
    const e = explainConnection(snap, { from: 'client', to: 'api:80' });
    assert.equal(e.verdict, 'blocked');
    assert.match(e.decidedBy?.text ?? '', /127\.0\.0\.1:80 only.*0\.0\.0\.0/);
  });

  test(`${engine}: the host to an overlay container's address is not delivered to it (routed out of the uplink)`, () => {
    const e = explainConnection(withListeners(engine), { from: 'host', to: '10.30.9.11:80' });
    assert.equal(e.verdict, 'blocked', renderExplanationText(e));
    assert.equal(e.decidedBy?.kind, 'route');
    assert.match(e.decidedBy?.text ?? '', /overlay lab-overlay/);
  });

  test(`${engine}: a leftover bridge holding lab-net's subnet takes the route: blocked, the bridge named`, () => {
    const snap = withListeners(engine);
    snap.hostNamespace.links.push({ index: 9999, name: 'br-0000deadbeef', kind: 'bridge', mtu: 1500, operState: 'DOWN', flags: [], addresses: [] });
    const at = snap.hostNamespace.routes.findIndex((r) => r.dst === '172.30.1.0/24');
    snap.hostNamespace.routes.splice(at, 0, { dst: '172.30.1.0/24', dev: 'br-0000deadbeef', protocol: 'kernel', scope: 'link', flags: [] });
    const e = explainConnection(snap, { from: 'host', to: '172.30.1.10:80' });
    assert.equal(e.verdict, 'blocked', renderExplanationText(e));
    assert.match(e.decidedBy?.text ?? '', /br-0000deadbeef/);
  });

  test(`${engine}: the connection as a packet-path request: the verdict and the deciding step on top`, () => {
    const snap = withListeners(engine);
    const blocked = pathForRequest(snap, { kind: 'connection', from: 'client', to: '172.30.2.10:80', protocol: 'tcp' });
    assert.equal(blocked.path.finalVerdict, 'DROP');
    assert.match(blocked.path.reason ?? '', /^BLOCKED \(rule\): /);
    const resolved = pathForRequest(snap, { kind: 'connection', from: 'legacy', to: 'api:80', protocol: 'tcp' });
    assert.match(resolved.path.reason ?? '', /^BLOCKED \(name-resolution\)/);
    assert.equal(resolved.path.steps.length, 0);
    const ok = pathForRequest(snap, { kind: 'connection', from: 'host', to: '127.0.0.1:8080', protocol: 'tcp' });
    assert.equal(ok.path.finalVerdict, 'ACCEPT');
    assert.match(ok.path.reason ?? '', /^REACHABLE/);
  });

  test(`${engine}: the pickers offer the host, outside and running containers, and each listening and published port`, () => {
    const snap = withListeners(engine);
    const sources = connectionSources(snap).map((c) => c.value);
    assert.deepEqual(sources.slice(0, 2), ['host', 'outside']);
    assert.ok(sources.includes('client'));
    const dests = connectionDestinations(snap, 'client');
    assert.ok(dests.some((d) => d.value === 'api:80'));
    assert.ok(!dests.some((d) => d.value === 'client:80'), 'not the source itself');
    assert.ok(
      dests.some((d) => d.value === '172.30.2.10:80' && d.label === 'lone:80 (172.30.2.10:80)'),
      'by address where the name does not resolve',
    );
    const gw = snap.docker?.containers.find((c) => c.name === 'client')?.endpoints[0]?.gateway;
    assert.ok(
      dests.some((d) => d.value === `${gw}:8080`),
      'the published port by the gateway the client reaches the host on',
    );
    assert.ok(connectionDestinations(snap, 'host').some((d) => d.value === '127.0.0.1:8080'));
  });
}

test("lab28: docker-proxy's [::] socket is IPv6-only: a routed network's port published only on [::] refuses IPv4", () => {
  const snap = withListeners('lab28');
  const routed = snap.dockerProxies.filter((p) => p.hostPort === 8087);
  assert.deepEqual(
    routed.map((p) => p.hostIp),
    ['::'],
  );
  const v4 = explainConnection(snap, { from: 'host', to: '127.0.0.1:8087' });
  assert.equal(v4.verdict, 'blocked');
  assert.match(v4.decidedBy?.text ?? '', /IPv6-only/);
  const v6 = explainConnection(snap, { from: 'host', to: '[::1]:8087', ipv6: true });
  assert.equal(v6.verdict, 'reachable', renderExplanationText(v6));
});

test('lab28: the reachability matrix of lab-net: every member against every listening port, each cell its explanation', () => {
  const snap = withListeners('lab28');
  const m = reachabilityMatrix(snap, 'lab-net');
  assert.deepEqual(m.sources, ['api', 'client', 'dual', 'web1', 'web2', 'web3']);
  assert.deepEqual(
    m.targets.map((t) => t.to),
    ['api:80', 'client:80', 'dual:80', 'web1:80', 'web2:80', 'web3:80'],
  );
  m.sources.forEach((from, i) =>
    m.targets.forEach((t, j) => {
      const cell = m.cells[i]?.[j];
      if (t.to === `${from}:80`) return assert.equal(cell, undefined);
      assert.equal(cell?.verdict, explainConnection(snap, { from, to: t.to }).verdict, `${from} -> ${t.to}`);
    }),
  );
  const text = renderMatrixText(m);
  assert.match(text, /^from\s+api:80\s+client:80/m);
  const whole = reachabilityMatrix(snap);
  assert.ok(whole.sources.includes('host') && whole.sources.includes('outside'));
  const row = whole.sources.indexOf('legacy');
  const col = whole.targets.findIndex((t) => t.to === 'api:80');
  assert.equal(whole.cells[row]?.[col]?.decidedBy?.kind, 'name-resolution');
  assert.match(renderMatrixText(whole), /legacy -> api:80: blocked \(name-resolution\)/);
  assert.throws(() => reachabilityMatrix(snap, 'no-such-net'), /no network no-such-net/);
});
