// The offloads source: `ethtool -i` and `ethtool -k` parsed from real captures of the lab host
// (test/fixtures/lab28/ethtool-*-eth0.txt; ethtool-i-vmxnet3.txt is the same capture with its
// driver line edited, see capture.sh), and when ethtool runs at all: only for an overlay
// sandbox with a VXLAN device, on its underlay, with the interface name as an argument. The
// ethtool run is a stand-in script answering with the captures, through the real batch runner.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type RunCommand } from '../../src/host/commandRunner';
import { parseEthtoolDriver, parseEthtoolFeatures, readVxlanOffloads, vxlanUnderlayNames } from '../../src/host/interfaceOffloads';
import { ParseError } from '../../src/host/parseError';
import type { HostSnapshot, SourceStatus } from '../../src/snapshot/hostSnapshot';
import { FIXTURES, fixture, labSnapshot } from '../fixtures';
import { tempDir } from '../tempDir';

const FEATURES = fixture('lab28', 'ethtool-k-eth0.txt');

/** A stand-in ethtool: answers -i and -k with the captures, logs each argv (one argument a line). */
function fakeEthtool(t: TestContext, driverFile = 'ethtool-i-eth0.txt'): { path: string; calls: () => string[][] } {
  const dir = tempDir(t, 'cnd-ethtool-');
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  const path = join(dir, 'ethtool');
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `{ for a do printf '%s\\n' "$a"; done; printf '%s\\n' '--'; } >>'${log}'`,
      `case "$1" in -i) cat '${join(FIXTURES, 'lab28', driverFile)}' ;; -k) cat '${join(FIXTURES, 'lab28', 'ethtool-k-eth0.txt')}' ;; *) exit 1 ;; esac`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  const calls = () =>
    readFileSync(log, 'utf8')
      .split('--\n')
      .filter((c) => c !== '')
      .map((c) => c.trimEnd().split('\n'));
  return { path, calls };
}

/** A runner that fails the test if anything is run. */
const mustNotRun: RunCommand = async (argv) => assert.fail(`nothing should run, but ${argv.join(' ')} did`);

function okSandboxes(s: HostSnapshot): SourceStatus {
  return s.sources.find((x) => x.name === 'overlaySandboxes') as SourceStatus;
}

test('ethtool -k (captured): every feature line, sub-features too, values as printed', () => {
  const f = parseEthtoolFeatures(FEATURES);
  // The oracle: the capture's own lines of the form "name: on|off...".
  const lines = FEATURES.split('\n').filter((l) => /^\s*[a-z0-9_-]+: (on|off)/.test(l));
  assert.equal(Object.keys(f).length, lines.length);
  assert.ok(lines.length > 50, `${lines.length} feature lines`);
  assert.equal(f['tx-checksum-ip-generic'], 'on');
  assert.equal(f['rx-checksumming'], 'on [fixed]');
  assert.equal(f['tx-checksum-ipv4'], 'off [fixed]');
  assert.equal(f['tx-udp_tnl-segmentation'], 'off [fixed]');
  assert.equal(f['tx-nocache-copy'], 'off');
  assert.equal(f['Features for eth0'], undefined);
});

test('ethtool -k: "[requested on]", a warning line on the way, and garbled output', () => {
  const f = parseEthtoolFeatures(
    'Features for ens192:\nCannot get device udp-fragmentation-offload settings: Operation not supported\ntx-checksumming: on\n\ttx-checksum-ip-generic: off [requested on]\n',
  );
  assert.deepEqual(f, { 'tx-checksumming': 'on', 'tx-checksum-ip-generic': 'off [requested on]' });
  assert.throws(() => parseEthtoolFeatures('driver: virtio_net\n'), ParseError);
  assert.throws(() => parseEthtoolFeatures('Features for eth0:\n'), ParseError);
});

test('ethtool -i (captured, and the vmxnet3 edit of it): the driver', () => {
  assert.equal(parseEthtoolDriver(fixture('lab28', 'ethtool-i-eth0.txt')), 'virtio_net');
  // ethtool-i-vmxnet3.txt is ethtool-i-eth0.txt with the driver line edited (not a capture).
  assert.equal(parseEthtoolDriver(fixture('lab28', 'ethtool-i-vmxnet3.txt')), 'vmxnet3');
  assert.equal(parseEthtoolDriver('Cannot get driver information: Operation not supported\n'), undefined);
});

test('the underlay of the lab VXLAN devices is the uplink eth0 (they have no dev of their own), each once', () => {
  const s = labSnapshot('lab28');
  assert.deepEqual(vxlanUnderlayNames(s.hostNamespace, s.overlaySandboxes), ['eth0']);
  const vx = s.overlaySandboxes.flatMap((sb) => sb.links).find((l) => l.kind === 'vxlan');
  assert.ok(vx?.vxlan);
  vx.vxlan.dev = 'docker0';
  assert.deepEqual(vxlanUnderlayNames(s.hostNamespace, s.overlaySandboxes).sort(), ['docker0', 'eth0']);
});

test('an overlay sandbox with a VXLAN device: ethtool -i and -k on its underlay, the name as an argument', async (t) => {
  const s = labSnapshot('lab28');
  const ethtool = fakeEthtool(t, 'ethtool-i-vmxnet3.txt');
  const { status, offloads } = await readVxlanOffloads({
    hostNamespace: s.hostNamespace,
    sandboxes: s.overlaySandboxes,
    sandboxesStatus: okSandboxes(s),
    overlayNetworks: true,
    run: runCommand,
    ethtool: ethtool.path,
  });
  assert.equal(status.state, 'ok', JSON.stringify(status));
  assert.equal(status.via, 'unprivileged');
  assert.deepEqual(ethtool.calls(), [
    ['-i', 'eth0'],
    ['-k', 'eth0'],
  ]);
  assert.equal(offloads?.length, 1);
  assert.equal(offloads?.[0]?.ifname, 'eth0');
  assert.equal(offloads?.[0]?.driver, 'vmxnet3');
  assert.deepEqual(offloads?.[0]?.features, parseEthtoolFeatures(FEATURES));
});

test('no overlay sandbox with a VXLAN device: ethtool is not run at all, and the source says why', async () => {
  const s = labSnapshot('lab28');
  for (const sandboxes of [[], s.overlaySandboxes.filter((sb) => !sb.links.some((l) => l.kind === 'vxlan'))]) {
    assert.ok(sandboxes.every((sb) => !sb.links.some((l) => l.kind === 'vxlan')));
    const { status, offloads } = await readVxlanOffloads({ hostNamespace: s.hostNamespace, sandboxes, run: mustNotRun, ethtool: '/usr/sbin/ethtool' });
    assert.equal(offloads, undefined);
    assert.equal(status.state, 'ok');
    assert.equal(status.via, 'not run');
    assert.match(status.notes?.[0] ?? '', /^info: no overlay sandbox with a VXLAN device/);
  }
});

test('ethtool not installed: not read, with the install command; nothing run', async () => {
  const s = labSnapshot('lab28');
  const { status, offloads } = await readVxlanOffloads({ hostNamespace: s.hostNamespace, sandboxes: s.overlaySandboxes, run: mustNotRun, ethtool: undefined });
  assert.equal(offloads, undefined);
  assert.equal(status.state, 'missing-tool');
  assert.match(status.reason ?? '', /ethtool is not installed: the offload settings of eth0 .*vxlan-offload check was skipped/);
  assert.equal(status.fix, 'Install ethtool: apt-get install ethtool');
});

test('overlay sandboxes not read: the offloads are not either (needs privilege, with its fix), unless Docker has no overlay', async () => {
  const s = labSnapshot('lab28');
  const refused: SourceStatus = {
    name: 'overlaySandboxes',
    state: 'needs-privilege',
    ms: 0,
    reason: 'reading overlaySandboxes needs root',
    fix: 'Run as root',
  };
  const unread = await readVxlanOffloads({
    hostNamespace: s.hostNamespace,
    sandboxes: undefined,
    sandboxesStatus: refused,
    overlayNetworks: true,
    run: mustNotRun,
    ethtool: '/usr/sbin/ethtool',
  });
  assert.equal(unread.status.state, 'needs-privilege');
  assert.match(unread.status.reason ?? '', /overlay sandboxes were not read \(reading overlaySandboxes needs root\)/);
  assert.equal(unread.status.fix, 'Run as root');
  const none = await readVxlanOffloads({
    hostNamespace: s.hostNamespace,
    sandboxes: undefined,
    sandboxesStatus: refused,
    overlayNetworks: false,
    run: mustNotRun,
    ethtool: '/usr/sbin/ethtool',
  });
  assert.equal(none.status.state, 'ok');
  assert.match(none.status.notes?.[0] ?? '', /^info: no overlay networks/);
});

test('an interface name that looks like an option is not passed to ethtool', async (t) => {
  const s = labSnapshot('lab28');
  const eth0 = s.hostNamespace.links.find((l) => l.name === 'eth0');
  assert.ok(eth0);
  eth0.name = '-k';
  s.hostNamespace.routes.forEach((r) => r.dev === 'eth0' && (r.dev = '-k'));
  const ethtool = fakeEthtool(t);
  const { status, offloads } = await readVxlanOffloads({
    hostNamespace: s.hostNamespace,
    sandboxes: s.overlaySandboxes,
    run: runCommand,
    ethtool: ethtool.path,
  });
  assert.deepEqual(ethtool.calls(), []);
  assert.deepEqual(offloads, []);
  assert.equal(status.state, 'partial');
  assert.match(status.notes?.[0] ?? '', /^-k: not read/);
});
