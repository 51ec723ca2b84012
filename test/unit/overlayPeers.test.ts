// Overlay peers and the node's own swarm address, as the Docker engine gives them: `Peers` of
// GET /networks/{id} (captured: test/fixtures/lab28/network-inspect-overlay.json, `docker
// network inspect lab-overlay` on the lab's one-node swarm, Docker 28.5), which the list
// endpoint leaves out, and Swarm.NodeAddr of GET /info. The engine is a fake with the calls
// the reads make; Docker's strings are kept as data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { networkFromApi, peersFromApi, readDocker, readOverlayPeers } from '../../src/host/dockerEngine';
import { fixture } from '../fixtures';

type Inspect = Docker.NetworkInspectInfo & { Peers?: unknown };

const INSPECT = (JSON.parse(fixture('lab28', 'network-inspect-overlay.json')) as Inspect[])[0] as Inspect;

/** What GET /networks lists for the same network: everything but Peers. */
function listed(raw: Inspect): Docker.NetworkInspectInfo {
  const copy = { ...raw };
  delete copy.Peers;
  return copy;
}

function fakeEngine(opts: { swarm: object; networks: Inspect[]; inspect?: (id: string) => Promise<Inspect> }): { docker: Docker; inspected: string[] } {
  const inspected: string[] = [];
  const docker = {
    version: async () => ({ Version: '28.5.2', ApiVersion: '1.51' }),
    info: async () => ({ Swarm: opts.swarm }),
    listContainers: async () => [],
    listNetworks: async () => opts.networks.map(listed),
    getNetwork: (id: string) => ({
      inspect: async () => {
        inspected.push(id);
        if (opts.inspect) return opts.inspect(id);
        const n = opts.networks.find((x) => x.Id === id);
        if (!n) throw Object.assign(new Error('network not found'), { statusCode: 404 });
        return n;
      },
    }),
  } as unknown as Docker;
  return { docker, inspected };
}

test("a swarm overlay network's inspect (captured) gives its peers; its list entry gives none", () => {
  assert.deepEqual(networkFromApi(INSPECT).peers, [{ name: '68a00d0d8766', ip: '127.0.0.1' }]);
  assert.equal(networkFromApi(listed(INSPECT)).peers, undefined);
});

test('peers from hostile answers: strings kept as data, anything else dropped', () => {
  assert.deepEqual(
    peersFromApi([{ Name: '$(reboot)', IP: '10.0.0.1; rm -rf /' }, { Name: 7, IP: '10.0.0.2' }, null, 'x', { Name: 'b', IP: '10.0.0.3', Extra: {} }]),
    [
      { name: '$(reboot)', ip: '10.0.0.1; rm -rf /' },
      { name: 'b', ip: '10.0.0.3' },
    ],
  );
  assert.equal(peersFromApi(null), undefined);
  assert.equal(peersFromApi({ Name: 'a', IP: 'b' }), undefined);
  assert.deepEqual(peersFromApi([]), []);
});

test("readDocker keeps the node's swarm address; readOverlayPeers inspects each swarm overlay network once, and only those", async () => {
  const bridge = { ...listed(INSPECT), Id: 'b'.repeat(64), Name: 'lab-net', Driver: 'bridge', Scope: 'local' } as Inspect;
  const { docker, inspected } = fakeEngine({ swarm: { LocalNodeState: 'active', NodeAddr: '127.0.0.1' }, networks: [INSPECT, bridge] });
  const { state } = await readDocker(docker, 'unix:///var/run/docker.sock');
  assert.equal(state.nodeAddr, '127.0.0.1');
  assert.equal(state.swarm, 'active');
  assert.equal(state.networks.find((n) => n.name === 'lab-overlay')?.peers, undefined, 'the list has no peers');
  const notes: string[] = [];
  const peers = await readOverlayPeers(docker, state, notes);
  assert.deepEqual(inspected, [INSPECT.Id]);
  assert.deepEqual([...peers], [[INSPECT.Id, [{ name: '68a00d0d8766', ip: '127.0.0.1' }]]]);
  assert.deepEqual(notes, []);
});

test('not a swarm node: no NodeAddr, no inspect, an info note', async () => {
  const { docker, inspected } = fakeEngine({ swarm: { LocalNodeState: 'inactive', NodeAddr: '' }, networks: [INSPECT] });
  const { state } = await readDocker(docker, 'unix:///var/run/docker.sock');
  assert.equal(state.nodeAddr, undefined);
  const notes: string[] = [];
  assert.equal((await readOverlayPeers(docker, state, notes)).size, 0);
  assert.deepEqual(inspected, []);
  assert.match(notes[0] ?? '', /^info: not a swarm node \(Swarm\.LocalNodeState inactive\)/);
});

test('a network removed meanwhile is information; any other failure is named (the source is partial)', async () => {
  const other = { ...INSPECT, Id: 'o'.repeat(25), Name: 'other-overlay' };
  const { docker } = fakeEngine({
    swarm: { LocalNodeState: 'active', NodeAddr: '127.0.0.1' },
    networks: [INSPECT, other],
    inspect: async (id) => {
      if (id === INSPECT.Id) throw Object.assign(new Error('no such network'), { statusCode: 404 });
      throw new Error('socket hang up');
    },
  });
  const { state } = await readDocker(docker, 'unix:///var/run/docker.sock');
  const notes: string[] = [];
  assert.equal((await readOverlayPeers(docker, state, notes)).size, 0);
  assert.deepEqual(notes.sort(), ['info: network lab-overlay was removed during the read', 'other-overlay: peers not read: socket hang up']);
});
