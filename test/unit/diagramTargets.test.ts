import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTopology } from '../../src/model/topology';
import { describeTarget, sidebarLocations } from '../../src/ui/diagramTargets';
import { VIEW } from '../../src/ui/trees/viewIds';
import { parseNftRuleset } from '../../src/host/nftRuleset';
import { fixture, labSnapshot } from '../fixtures';

const snap = labSnapshot();
const topo = buildTopology(snap);
const api = snap.docker?.containers.find((c) => c.name === 'api');
const labNet = snap.docker?.networks.find((n) => n.name === 'lab-net');

test('containers and networks: the tree ids c/<id> and n/<id>, found by name when the id is missing', () => {
  assert.ok(api && labNet);
  assert.deepEqual(sidebarLocations({ kind: 'container', id: api.id, name: 'api', running: true }, snap, topo), [
    { view: VIEW.containers, nodeId: `c/${api.id}` },
  ]);
  assert.deepEqual(sidebarLocations({ kind: 'container', id: '', name: 'api', running: true }, snap, topo), [{ view: VIEW.containers, nodeId: `c/${api.id}` }]);
  assert.deepEqual(sidebarLocations({ kind: 'network', id: '', name: 'lab-net' }, snap, topo), [{ view: VIEW.networks, nodeId: `n/${labNet.id}` }]);
  assert.deepEqual(sidebarLocations({ kind: 'container', id: '', name: 'ghost', running: false }, snap, topo), []);
});

test('host interfaces: the Host view link node; an uplink goes to its Uplinks entry first', () => {
  const veth = snap.hostNamespace.links.find((l) => l.kind === 'veth');
  assert.ok(veth);
  assert.deepEqual(sidebarLocations({ kind: 'hostInterface', name: veth.name }, snap, topo), [{ view: VIEW.host, nodeId: `h/link/${veth.index}` }]);
  const uplink = topo.uplinks[0];
  assert.ok(uplink);
  assert.deepEqual(
    sidebarLocations({ kind: 'hostInterface', name: uplink.name }, snap, topo).map((l) => l.nodeId),
    [`h/uplink/${uplink.index}`, `h/link/${uplink.index}`],
  );
  assert.deepEqual(sidebarLocations({ kind: 'hostInterface', name: 'nope0' }, snap, topo), []);
});

test('rules: found at their current position by spec, then the chain', () => {
  const rule = snap.netfilter?.tables
    .find((t) => t.name === 'nat')
    ?.chains.find((c) => c.name === 'DOCKER')
    ?.rules.find((r) => r.target === 'DNAT');
  assert.ok(rule);
  const stale = { kind: 'rule' as const, table: 'nat', chain: 'DOCKER', position: rule.position + 3, spec: rule.spec };
  assert.deepEqual(
    sidebarLocations(stale, snap, topo).map((l) => l.nodeId),
    [`nf/nat/DOCKER/${rule.position}`, `nf/nat/DOCKER/${rule.position + 3}`, 'nf/nat/DOCKER'],
  );
  assert.deepEqual(sidebarLocations({ kind: 'chain', table: 'filter', chain: 'FORWARD' }, snap, topo), [{ view: VIEW.netfilter, nodeId: 'nf/filter/FORWARD' }]);
});

test('ports: the published-port items of the container, then the container', () => {
  assert.ok(api);
  const locs = sidebarLocations({ kind: 'port', containerName: 'api', hostPort: 8080, protocol: 'tcp' }, snap, topo).map((l) => l.nodeId);
  assert.ok(locs.includes(`c/${api.id}/port/0.0.0.0:8080/tcp`), locs.join(' '));
  assert.equal(locs.at(-1), `c/${api.id}`);
  assert.equal(describeTarget({ kind: 'port', containerName: 'api', hostPort: 8080, protocol: 'tcp' }), 'port 8080/tcp of api');
});

test('native nftables chains and rules: nft/<family>/<table>/<chain>[/<handle>], the rule found by its text', () => {
  const s = labSnapshot();
  const nft = parseNftRuleset(fixture('docker29', 'nftables-usernet-portmap.json'));
  s.nftables = nft;
  const rule = nft.tables[0]?.chains.find((c) => c.name === 'nat-prerouting-and-output')?.rules[0];
  assert.ok(rule);
  const chainId = 'nft/ip/docker-bridges/nat-prerouting-and-output';
  assert.deepEqual(sidebarLocations({ kind: 'chain', table: 'ip docker-bridges', chain: 'nat-prerouting-and-output' }, s, topo), [
    { view: VIEW.netfilter, nodeId: chainId },
  ]);
  const target = { kind: 'rule' as const, table: 'ip docker-bridges', chain: 'nat-prerouting-and-output', position: 1, spec: rule.text };
  assert.deepEqual(
    sidebarLocations(target, s, topo).map((l) => l.nodeId),
    [`${chainId}/${rule.handle}`, chainId],
  );
});
