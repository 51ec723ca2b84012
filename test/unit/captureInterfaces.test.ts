// Capture on a chosen interface: the interfaces offered for each kind of target on the captured
// lab (a container's own, the owner's for a container:X sharer, the host's for host mode, only lo
// with no network), and the terminal plan taking only a name of that namespace (or any), as one
// argv element after -i.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureInterfaces } from '../../src/model/captureInterfaces';
import { planNamespaceTerminal, type HostTools, type PlanResult, type TerminalTarget } from '../../src/host/namespaceTerminal';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { labSnapshot } from '../fixtures';

const idOf = (snap: HostSnapshot, name: string): string => snap.docker?.containers.find((c) => c.name === name)?.id ?? '';

const names = (snap: HostSnapshot, name: string) => captureInterfaces(snap, { kind: 'container', containerId: idOf(snap, name) }).interfaces.map((i) => i.name);

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine}: each container's own interfaces, then any, then lo; a sharer gets its owner's`, () => {
    const snap = labSnapshot(engine);
    assert.deepEqual(names(snap, 'api'), ['eth0', 'any', 'lo']);
    assert.deepEqual(names(snap, 'dual'), ['eth0', 'eth1', 'any', 'lo']);
    assert.deepEqual(names(snap, 'nonet'), ['any', 'lo']);
    const sidecar = captureInterfaces(snap, { kind: 'container', containerId: idOf(snap, 'sidecar') });
    assert.deepEqual(
      sidecar.interfaces.map((i) => i.name),
      ['eth0', 'any', 'lo'],
    );
    assert.equal(sidecar.namespaceOf, "api's");
    const eth0 = captureInterfaces(snap, { kind: 'container', containerId: idOf(snap, 'api') }).interfaces[0];
    assert.match(eth0?.description ?? '', /172\.30\.1\.10\/24/);
    const host = captureInterfaces(snap, { kind: 'container', containerId: idOf(snap, 'hostnet') });
    assert.equal(host.namespaceOf, "the host's");
    assert.ok(host.interfaces.some((i) => i.name === 'docker0'));
  });
}

test('an overlay sandbox by its path; a namespace not read offers only any, and says why', () => {
  const snap = labSnapshot('lab28');
  const sandbox = snap.overlaySandboxes[0];
  assert.ok(sandbox);
  const offered = captureInterfaces(snap, { kind: 'netns', path: sandbox.path });
  assert.ok(offered.interfaces.some((i) => i.name.startsWith('vxlan')));
  snap.containerNamespaces = snap.containerNamespaces.filter((n) => n.containerName !== 'api');
  const api = captureInterfaces(snap, { kind: 'container', containerId: idOf(snap, 'api') });
  assert.deepEqual(
    api.interfaces.map((i) => i.name),
    ['any'],
  );
  assert.equal(api.unknown, "api's namespace was not read");
});

const TOOLS: HostTools = { isRoot: true, privilegeCommand: ['sudo'], find: (n) => ({ nsenter: '/usr/bin/nsenter', tcpdump: '/usr/bin/tcpdump' })[n] };
const API: TerminalTarget = { kind: 'container', container: { id: 'a'.repeat(64), name: 'api', pid: 4242, state: 'running', modeKind: 'user' } };

function argv(r: PlanResult): string[] {
  if (!r.ok) assert.fail(r.error);
  return r.plan.argv;
}

test('the plan: the chosen interface as one argv element; any; a name the namespace does not have is refused', () => {
  const interfaces = ['eth0', 'eth1', 'lo'];
  assert.deepEqual(argv(planNamespaceTerminal(API, { kind: 'capture', iface: 'eth1', interfaces }, TOOLS)), [
    '/usr/bin/nsenter',
    '-t',
    '4242',
    '-n',
    '--',
    '/usr/bin/tcpdump',
    '-i',
    'eth1',
    '-n',
  ]);
  const any = planNamespaceTerminal(API, { kind: 'capture', iface: 'any', interfaces }, TOOLS);
  assert.deepEqual(argv(any).slice(-3), ['-i', 'any', '-n']);
  assert.ok(any.ok && any.plan.notes.some((n) => n.startsWith('On any: every interface')));
  const missing = planNamespaceTerminal(API, { kind: 'capture', iface: 'eth9', interfaces }, TOOLS);
  assert.ok(!missing.ok);
  assert.match(missing.error, /container api has no interface eth9 \(it has eth0, eth1, lo\)/);
  // A shell string never gets in: not an interface name, whatever the namespace says it has.
  const hostile = 'eth0;reboot';
  const r = planNamespaceTerminal(API, { kind: 'capture', iface: hostile, interfaces: [hostile] }, TOOLS);
  assert.ok(!r.ok);
  assert.match(r.error, /not an interface name/);
});

test('a container:X sharer: the notes name X, not its id', () => {
  const sidecar: TerminalTarget = {
    kind: 'container',
    container: { id: 'b'.repeat(64), name: 'sidecar', pid: 4343, state: 'running', modeKind: 'container', modeTarget: 'a'.repeat(64) },
    namespaceOwner: 'api',
  };
  const r = planNamespaceTerminal(sidecar, { kind: 'capture', iface: 'eth0', interfaces: ['eth0', 'lo'] }, TOOLS);
  if (!r.ok) assert.fail(r.error);
  assert.ok(r.plan.notes.some((n) => n.includes('sidecar uses --network container:api') && n.includes("this is api's network namespace")));
  assert.ok(!r.plan.banner.includes('a'.repeat(12)));
});
