import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTopology } from '../../src/model/topology';
import { fixture, labSnapshot } from '../fixtures';

const LAB_BRIDGE_CONTAINERS = ['api', 'web1', 'web2', 'web3', 'client', 'legacy', 'lone', 'vault', 'dual'];

test('every lab container on a bridge is joined to its veth, bridge and network', () => {
  const snap = labSnapshot();
  const topo = buildTopology(snap);
  for (const name of LAB_BRIDGE_CONTAINERS) {
    const c = snap.docker?.containers.find((x) => x.name === name);
    assert.ok(c, `${name} in the snapshot`);
    for (const e of c.endpoints) {
      const ep = topo.endpoints.find((x) => x.containerName === name && x.network === e.network);
      assert.ok(ep, `${name} on ${e.network}`);
      assert.equal(ep.ip, e.ip);
      const network = snap.docker?.networks.find((n) => n.name === e.network);
      assert.equal(ep.bridge, network?.bridgeName);
      const host = snap.hostNamespace.links.find((l) => l.index === ep.hostVeth?.index);
      assert.equal(host?.master, network?.bridgeName, `${name}'s veth is a port of its network's bridge`);
      assert.equal(host?.linkIndex, ep.containerInterface?.index, 'the host veth points back at the container interface');
      assert.deepEqual(
        ep.flags.filter((f) => f !== 'no-embedded-dns'),
        [],
      );
    }
  }
});

test('the pairing agrees with what nsenter said inside api at capture time', () => {
  const topo = buildTopology(labSnapshot());
  const inside = JSON.parse(fixture('lab', 'nsenter-api-addr.json')) as { ifname: string; link_index?: number }[];
  const ep = topo.endpoints.find((e) => e.containerName === 'api');
  assert.equal(ep?.hostVeth?.index, inside.find((l) => l.ifname === 'eth0')?.link_index);
});

test('published ports join their DNAT rule, filter accept, MASQUERADE and docker-proxy', () => {
  const topo = buildTopology(labSnapshot());
  const port = topo.ports.find((p) => p.containerName === 'api' && p.hostPort === 8080 && p.hostIp === '0.0.0.0');
  const api = topo.endpoints.find((e) => e.containerName === 'api');
  assert.ok(port && api);
  assert.equal(port.dnatTarget, `${api.ip}:80`);
  assert.equal(port.dnatRules.length, 1);
  assert.equal(port.dnatRules[0]?.chain, 'DOCKER');
  assert.match(port.filterAccept?.spec ?? '', new RegExp(`-d ${api.ip.replace(/\./g, '\\.')}/32`));
  assert.match(port.masquerade?.spec ?? '', /MASQUERADE/);
  assert.equal(port.proxy?.hostPort, 8080);
  assert.equal(port.proxy?.containerIp, api.ip);
  assert.deepEqual(port.flags, []);
});

test('default bridge has no embedded DNS; user networks do; network modes are described', () => {
  const topo = buildTopology(labSnapshot());
  const legacy = topo.containers.find((c) => c.name === 'legacy');
  assert.equal(legacy?.dns, 'host-resolv');
  assert.ok(legacy?.flags.includes('no-embedded-dns'));
  const api = topo.containers.find((c) => c.name === 'api');
  assert.equal(api?.dns, 'embedded');
  assert.ok(
    (api?.dnsRedirect ?? []).some((r) => /127\.0\.0\.11/.test(r.spec)),
    'DOCKER_OUTPUT redirect read inside api',
  );
  assert.equal(topo.containers.find((c) => c.name === 'sidecar')?.sharesNamespaceWith, 'api');
  assert.equal(topo.containers.find((c) => c.name === 'hostnet')?.modeKind, 'host');
  assert.equal(topo.containers.find((c) => c.name === 'nonet')?.dns, 'none');
  const dual = topo.endpoints
    .filter((e) => e.containerName === 'dual')
    .map((e) => e.network)
    .sort();
  assert.deepEqual(dual, ['lab-internal', 'lab-net']);
  const vault = topo.endpoints.find((e) => e.containerName === 'vault');
  assert.equal(vault?.uplink, undefined, 'an internal network has no way out');
});

test("overlay endpoints are joined to the vxlan device with the network's VNI", () => {
  const snap = labSnapshot();
  const topo = buildTopology(snap);
  const net = snap.docker?.networks.find((n) => n.name === 'lab-overlay');
  assert.ok(net?.vxlanIds?.length);
  for (const name of ['ov1', 'ov2']) {
    const ep = topo.endpoints.find((e) => e.containerName === name && e.network === 'lab-overlay');
    assert.ok(ep?.overlay, `${name} overlay join`);
    assert.equal(ep.overlay.vni, net.vxlanIds[0]);
    assert.match(ep.overlay.vxlanDevice ?? '', /^vxlan/);
    assert.equal(ep.overlay.bridge, 'br0');
    assert.ok(ep.overlay.sandboxVeth, 'veth end inside the sandbox');
    assert.equal(ep.overlay.mtu, 1450);
  }
  const gw = topo.endpoints.find((e) => e.containerName === 'ov1' && e.network === 'docker_gwbridge');
  assert.ok(gw?.flags.includes('not-in-docker-inspect'), 'eth1 on docker_gwbridge is kept and flagged');
});

test('unmatched things are kept and flagged, not dropped', () => {
  const snap = labSnapshot();
  const api = snap.docker?.containers.find((c) => c.name === 'api');
  const topoBefore = buildTopology(snap);
  const veth = topoBefore.endpoints.find((e) => e.containerName === 'api')?.hostVeth;
  // The host veth disappears (e.g. read between teardown steps): the endpoint stays, flagged.
  snap.hostNamespace.links = snap.hostNamespace.links.filter((l) => l.index !== veth?.index);
  // A DNAT rule for a port nobody publishes any more.
  const nat = snap.netfilter?.tables.find((t) => t.name === 'nat')?.chains.find((c) => c.name === 'DOCKER');
  const rule = nat?.rules.find((r) => r.target === 'DNAT');
  assert.ok(rule && nat && api);
  nat.rules.push({
    ...rule,
    spec: rule.spec.replace('8080', '9999'),
    match: { ...rule.match, dport: '9999' },
    targetOptions: { 'to-destination': '172.30.1.250:80' },
  });
  const topo = buildTopology(snap);
  const ep = topo.endpoints.find((e) => e.containerName === 'api');
  assert.ok(ep, 'endpoint kept');
  assert.equal(ep.hostVeth, undefined);
  assert.ok(ep.flags.includes('host-peer-not-found'));
  assert.ok(topo.unmatched.some((u) => u.kind === 'dnat-rule' && u.name.includes('9999')));
});

test('without netfilter the ports carry no rule flags and the topology says what limited it', () => {
  const snap = labSnapshot();
  delete snap.netfilter;
  const status = snap.sources.find((s) => s.name === 'netfilter');
  assert.ok(status);
  Object.assign(status, { state: 'needs-privilege', reason: 'needs root' });
  const topo = buildTopology(snap);
  const port = topo.ports.find((p) => p.containerName === 'api');
  assert.deepEqual(port?.dnatRules, []);
  assert.ok(!port?.flags.includes('no-dnat-rule'));
  assert.ok(topo.limits.some((l) => l.startsWith('netfilter:')));
});

test('no docker at all still gives host uplinks', () => {
  const snap = labSnapshot();
  delete snap.docker;
  const topo = buildTopology(snap);
  assert.equal(topo.containers.length, 0);
  assert.ok(topo.uplinks.length >= 1);
});
