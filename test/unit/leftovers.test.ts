// Leftover host state on the lab fixtures: none on the healthy captures; a dead bridge of an
// earlier engine holding lab-net's gateway address, with its route listed first, is flagged
// and misroutes lab-net's subnet, as `ip route get` would pick it.
import '../mermaidParser';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostLeftovers, leftoverLines } from '../../src/model/leftovers';
import { buildTopology } from '../../src/model/topology';
import { renderTopologyText } from '../../src/render/topologyText';
import { computePacketPath, inboundFlow } from '../../src/model/packetPath';
import { labSnapshot } from '../fixtures';
import { renderDiagram } from '../../src/render/diagram';
import { parseFlowchart, shownText } from '../mermaidParser';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';

const DEAD = 'br-0000deadbeef';

/**
 * An earlier engine's bridge, down, holding lab-net's gateway address, its connected route
 * listed before lab-net's (it was there first): `ip route get` picks it. Returns its name and
 * the position of its route.
 */
function addDeadBridge(snap: HostSnapshot): { dead: string; at: number } {
  snap.hostNamespace.links.push({
    index: 9999,
    name: DEAD,
    kind: 'bridge',
    mtu: 1500,
    operState: 'DOWN',
    flags: ['BROADCAST', 'MULTICAST'],
    addresses: [{ family: 'inet', local: '172.30.1.1', prefixLen: 24 }],
  });
  const at = snap.hostNamespace.routes.findIndex((r) => r.dst === '172.30.1.0/24');
  snap.hostNamespace.routes.splice(at, 0, { dst: '172.30.1.0/24', dev: DEAD, protocol: 'kernel', scope: 'link', prefsrc: '172.30.1.1', flags: ['linkdown'] });
  return { dead: DEAD, at };
}

test('the healthy lab captures (20.10 and 28) have no leftover bridge and every Docker subnet routed to its own bridge', () => {
  for (const engine of ['lab', 'lab28'] as const) {
    const l = hostLeftovers(labSnapshot(engine));
    assert.deepEqual(l.bridges, [], engine);
    assert.ok(l.subnetRoutes.length >= 3, `${engine}: subnets checked`);
    assert.deepEqual(
      l.subnetRoutes.filter((r) => !r.ok).map((r) => r.reason),
      [],
      engine,
    );
  }
});

test("a dead bridge holding lab-net's address: flagged with what it collides with, and lab-net misrouted through it", () => {
  const snap = labSnapshot('lab28');
  const labNet = snap.docker?.networks.find((n) => n.name === 'lab-net');
  assert.ok(labNet?.bridgeName);
  const { dead, at } = addDeadBridge(snap);
  const l = hostLeftovers(snap);
  assert.equal(l.bridges.length, 1);
  assert.equal(l.bridges[0]?.name, dead);
  assert.equal(l.bridges[0]?.unowned, true);
  assert.deepEqual(l.bridges[0]?.collidesWith, ['lab-net (172.30.1.0/24)']);
  const route = l.subnetRoutes.find((r) => r.network === 'lab-net');
  assert.equal(route?.ok, false);
  assert.equal(route?.picked, dead);
  assert.match(route?.reason ?? '', new RegExp(`routed to ${dead}, which no Docker network owns \\(down\\), not to ${labNet.bridgeName}`));
  const lines = leftoverLines(l);
  assert.match(lines[0] ?? '', /^STALE bridge br-0000deadbeef \(down\): no Docker network owns it; holds 172\.30\.1\.1\/24; collides with lab-net/);
  assert.ok(lines.some((x) => x.startsWith('MISROUTED lab-net 172.30.1.0/24')));
  assert.match(renderTopologyText(buildTopology(snap)), /Leftovers .*\n {2}STALE bridge br-0000deadbeef/);
  // A lower metric on lab-net's own route wins back the subnet.
  const own = snap.hostNamespace.routes.find((r) => r.dst === '172.30.1.0/24' && r.dev === labNet.bridgeName);
  assert.ok(own);
  (snap.hostNamespace.routes[at] as { metric?: number }).metric = 100;
  assert.equal(hostLeftovers(snap).subnetRoutes.find((r) => r.network === 'lab-net')?.ok, true);
});

test("the packet path states its verdict and why at the top: routed to the dead bridge, dropped by FORWARD's policy", () => {
  const snap = labSnapshot('lab28');
  const { dead } = addDeadBridge(snap);
  const path = computePacketPath(snap, inboundFlow(snap, { client: '198.51.100.20', hostPort: 8080 }));
  assert.equal(path.finalVerdict, 'DROP');
  assert.equal(path.routing?.outInterface, dead);
  assert.match(path.reason ?? '', new RegExp(`^DROP: routed to ${dead}, which no Docker network owns \\(down\\); filter FORWARD policy DROP$`));
  // The healthy capture: ACCEPT, rewritten to api, out lab-net's bridge.
  const healthy = labSnapshot('lab28');
  const ok = computePacketPath(healthy, inboundFlow(healthy, { client: '198.51.100.20', hostPort: 8080 }));
  const bridge = healthy.docker?.networks.find((n) => n.name === 'lab-net')?.bridgeName;
  assert.match(ok.reason ?? '', new RegExp(`^ACCEPT: destination rewritten to 172\\.30\\.1\\.10:80; out ${bridge}$`));
});

test('the topology diagram flags the dead bridge in a box of its own and says the misroute first, at both levels of detail; the healthy lab says nothing', async () => {
  for (const engine of ['lab', 'lab28'] as const) {
    for (const detail of ['compact', 'full'] as const) {
      const healthy = renderDiagram(labSnapshot(engine), { kind: 'topology', scope: { kind: 'host' }, filter: '', detail });
      assert.equal(healthy.summary, undefined, `${engine} ${detail}: nothing stale on the healthy lab`);
      assert.doesNotMatch(healthy.mermaid, /STALE|MISROUTED/);
      const snap = labSnapshot(engine);
      const labNet = snap.docker?.networks.find((n) => n.name === 'lab-net');
      const { dead } = addDeadBridge(snap);
      for (const scope of [{ kind: 'host' }, { kind: 'network', network: 'lab-net' }, { kind: 'container', container: 'api' }] as const) {
        const d = renderDiagram(snap, { kind: 'topology', scope, filter: '', detail });
        const what = `${engine} ${detail} ${scope.kind}`;
        assert.match(
          d.summary ?? '',
          new RegExp(
            `^MISROUTED lab-net 172\\.30\\.1\\.0/24: 172\\.30\\.1\\.\\d+ is routed to ${dead}, which no Docker network owns \\(down\\), not to ${labNet?.bridgeName}`,
          ),
          what,
        );
        assert.match(
          d.summary ?? '',
          new RegExp(` · STALE bridge ${dead} \\(down\\): no Docker network owns it; holds 172\\.30\\.1\\.1/24; collides with lab-net`),
          what,
        );
        const p = await parseFlowchart(d.mermaid);
        const box = p.subgraphs.find((s) => s.id === 'STALE');
        assert.ok(box, `${what}: a box for leftover state`);
        const node = box.nodes[0] as string;
        assert.match(
          shownText(p.vertices.get(node)?.text ?? ''),
          new RegExp(`^STALE ${dead} \\(down\\)\\n172\\.30\\.1\\.1/24\\ncollides with lab-net \\(172\\.30\\.1\\.0/24\\)`),
          what,
        );
        assert.deepEqual(d.nodes[node], { kind: 'hostInterface', name: dead }, `${what}: it reveals in the Host view`);
        assert.ok(p.vertices.get(node)?.classes.includes('problem'), `${what}: drawn as a problem`);
        const bridge = [...p.vertices].find(([, v]) => shownText(v.text).startsWith(`${labNet?.bridgeName} `))?.[1];
        assert.match(shownText(bridge?.text ?? ''), new RegExp(`MISROUTED: 172\\.30\\.1\\.\\d+ goes to ${dead}`), `${what}: lab-net's bridge says it`);
      }
      // A network the dead bridge has nothing to do with: nothing said.
      const other = renderDiagram(snap, { kind: 'topology', scope: { kind: 'network', network: 'lab-other' }, filter: '', detail });
      assert.equal(other.summary, undefined);
      assert.doesNotMatch(other.mermaid, /STALE/);
    }
  }
});

test('gateway mode isolated (an internal network whose bridge has no address): no route to it is by design, not MISROUTED; a stale bridge taking it still is', () => {
  const snap = labSnapshot('lab28');
  const internal = snap.docker?.networks.find((n) => n.name === 'lab-internal');
  assert.ok(internal?.bridgeName && internal.internal);
  const bridge = snap.hostNamespace.links.find((l) => l.name === internal.bridgeName);
  assert.ok(bridge);
  internal.options['com.docker.network.bridge.gateway_mode_ipv4'] = 'isolated';
  // As Docker 28 makes it: no IPv4 address on the bridge, so no connected route.
  bridge.addresses = bridge.addresses.filter((a) => a.family !== 'inet');
  snap.hostNamespace.routes = snap.hostNamespace.routes.filter((r) => r.dev !== internal.bridgeName);
  const route = hostLeftovers(snap).subnetRoutes.find((r) => r.network === 'lab-internal');
  assert.equal(route?.ok, true, route?.reason);
  assert.match(
    route?.reason ?? '',
    /^gateway mode isolated: br-\w+ has no address, so the host has no route to 172\.30\.3\.0\/24 by design \(172\.30\.3\.\d+ would go to eth0\)$/,
  );
  assert.deepEqual(leftoverLines(hostLeftovers(snap)), []);
  // The option alone does not excuse a bridge that has its address and yet is not picked.
  const withAddress = labSnapshot('lab28');
  const net = withAddress.docker?.networks.find((n) => n.name === 'lab-internal');
  assert.ok(net?.bridgeName);
  net.options['com.docker.network.bridge.gateway_mode_ipv4'] = 'isolated';
  withAddress.hostNamespace.routes = withAddress.hostNamespace.routes.filter((r) => r.dev !== net.bridgeName);
  assert.equal(hostLeftovers(withAddress).subnetRoutes.find((r) => r.network === 'lab-internal')?.ok, false);
});
