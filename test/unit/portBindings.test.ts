// A stopped container's port bindings (inspect's HostConfig.PortBindings), read once and kept
// across reads: what the doctor's port-conflict check compares with the host's sockets. The
// engine is a fake with the few calls readDocker makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { containerFromInspect, readDocker } from '../../src/host/dockerEngine';

const ID = 'a'.repeat(64);

function inspectOf(state: string): Docker.ContainerInspectInfo {
  return {
    Id: ID,
    Name: '/late',
    Image: 'sha256:x',
    Config: { Image: 'nginx', Labels: {} },
    State: { Status: state, Running: state === 'running', Pid: 0 },
    HostConfig: { NetworkMode: 'lab-net', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    NetworkSettings: { Networks: {}, Ports: {} },
  } as unknown as Docker.ContainerInspectInfo;
}

test("a stopped container's inspect gives the host ports it asks for", () => {
  const c = containerFromInspect(inspectOf('created'));
  assert.deepEqual(c.ports, []);
  assert.deepEqual(c.portBindings, [
    { containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 },
    { containerPort: 53, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 0 },
  ]);
});

test('readDocker inspects a created or exited container once, then keeps its bindings', async () => {
  let inspects = 0;
  const fake = {
    version: async () => ({ Version: '28.5.2', ApiVersion: '1.51' }),
    info: async () => ({}),
    listContainers: async () => [
      { Id: ID, Names: ['/late'], Image: 'nginx', State: 'created', HostConfig: { NetworkMode: 'lab-net' }, NetworkSettings: { Networks: {} }, Labels: {} },
    ],
    listNetworks: async () => [],
    getContainer: () => ({
      inspect: async () => {
        inspects++;
        return inspectOf('created');
      },
    }),
  } as unknown as Docker;
  const first = await readDocker(fake, 'unix:///var/run/docker.sock');
  assert.equal(first.state.containers[0]?.portBindings?.[0]?.hostPort, 8080);
  const second = await readDocker(fake, 'unix:///var/run/docker.sock', 16, first.state);
  assert.equal(second.state.containers[0]?.portBindings?.[0]?.hostPort, 8080);
  assert.equal(inspects, 1);
});
