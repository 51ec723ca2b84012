import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBridgeFdbJson, parseBridgeLinkJson } from '../../src/host/bridgeTables';
import { hexToIpv4, parseIpRouteJson, parseProcNetRoute } from '../../src/host/routes';
import { fixture } from '../fixtures';

test("host routes from ip -j route: default route and the bridges' link routes", () => {
  const routes = parseIpRouteJson(fixture('lab', 'ip-route.json'));
  const def = routes.find((r) => r.dst === 'default');
  assert.ok(def?.dev, 'default route has a device');
  const docker0 = routes.find((r) => r.dev === 'docker0');
  assert.equal(docker0?.dst, '172.17.0.0/16');
  assert.equal(docker0?.prefsrc, '172.17.0.1');
});

test('/proc/<pid>/net/route of api: default via the lab-net gateway, the subnet on eth0', () => {
  const routes = parseProcNetRoute(fixture('lab', 'proc-api', 'route'));
  assert.deepEqual(routes, [
    { dst: 'default', dev: 'eth0', gateway: '172.30.1.1' },
    { dst: '172.30.1.0/24', dev: 'eth0', scope: 'link' },
  ]);
  assert.equal(hexToIpv4('0101A8C0'), '192.168.1.1');
  assert.throws(() => parseProcNetRoute('garbage\n'), /missing header line/);
  assert.throws(() => parseProcNetRoute('Iface\tDestination\tGateway\nTRUNC 0001'), /short line/);
});

test('bridge ports and FDB: every lab veth is a forwarding port; container MACs learned', () => {
  const ports = parseBridgeLinkJson(fixture('lab', 'bridge-link.json'));
  assert.ok(ports.length >= 10);
  assert.ok(ports.every((p) => p.master && p.ifname.startsWith('veth')));
  assert.ok(
    ports.every((p) => p.state === 'forwarding'),
    JSON.stringify(ports.filter((p) => p.state !== 'forwarding')),
  );
  const fdb = parseBridgeFdbJson(fixture('lab', 'bridge-fdb.json'));
  assert.ok(fdb.some((f) => f.mac.startsWith('02:42:') && f.master?.startsWith('br-')));
  const vxlanFdb = parseBridgeFdbJson(fixture('lab', 'sandbox-fdb.json'));
  assert.ok(vxlanFdb.length > 0);
  assert.deepEqual(parseBridgeFdbJson('[]'), []);
  assert.throws(() => parseBridgeFdbJson('[{"mac":'), /bridge -j fdb: output is not valid JSON/);
});
