// Leftover state on a real host: a bridge an earlier engine left behind, down, holding lab-net's
// gateway address (made by this test, removed afterwards). The oracle for where the kernel sends
// lab-net's traffic is `ip -j route get`. First the healthy lab: nothing stale, every Docker
// subnet routed to its own bridge. Then with the dead bridge: flagged, and colliding with lab-net;
// and once its route comes first (as on a host where it was there before the engine created
// lab-net), lab-net is misrouted through it, in the model, the CLI and the packet path's reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { hostLeftovers } from '../../src/model/leftovers';
import { computePacketPath, inboundFlow } from '../../src/model/packetPath';
import { renderDiagram } from '../../src/render/diagram';
import { engineMajor, quiet, requireLab, sh } from './lab';

const DEAD = 'br-00000cdead01';
let labBridge = '';
let labRoute = '';

function routeGetDev(ip: string): string | undefined {
  return (JSON.parse(sh('ip', '-j', 'route', 'get', ip)) as { dev?: string }[])[0]?.dev;
}

function labRouteLine(): string | undefined {
  return sh('ip', 'route', 'show', '172.30.1.0/24')
    .split('\n')
    .find((l) => l.includes(`dev ${labBridge} `));
}

function cleanUp(): void {
  if (sh('ip', '-j', 'link', 'show').includes(`"${DEAD}"`)) sh('ip', 'link', 'del', DEAD);
  // lab-net's own connected route, if the test took it out and did not put it back.
  if (labBridge && !labRouteLine()) sh('ip', 'route', 'append', '172.30.1.0/24', 'dev', labBridge, 'proto', 'kernel', 'scope', 'link', 'src', '172.30.1.1');
}

before(() => {
  requireLab();
  const id = sh('docker', 'network', 'inspect', '-f', '{{.Id}}', 'lab-net').trim();
  labBridge = `br-${id.slice(0, 12)}`;
  labRoute = labRouteLine() ?? '';
  assert.ok(labRoute, `lab-net's route through ${labBridge}`);
  cleanUp();
});

after(cleanUp);

test('the healthy lab: no leftover bridge, every Docker subnet routed where ip route get says, to its own bridge', async () => {
  const l = hostLeftovers(await takeSnapshot({ dnsRules: false }));
  assert.deepEqual(
    l.bridges.filter((b) => b.collidesWith.length > 0 || b.name === DEAD),
    [],
  );
  for (const r of l.subnetRoutes) {
    assert.equal(r.picked, routeGetDev(r.probe), `${r.network}: ip route get ${r.probe}`);
    assert.equal(r.ok, true, r.reason);
  }
});

test("a dead bridge holding lab-net's address is flagged; with its route first, lab-net is misrouted through it, as ip route get says", async () => {
  try {
    sh('ip', 'link', 'add', DEAD, 'type', 'bridge');
    sh('ip', 'addr', 'add', '172.30.1.1/24', 'dev', DEAD);
    // Up but with no port, so no carrier: state DOWN, its connected route marked linkdown (which
    // the kernel still uses unless told to ignore such routes), as a dead engine's bridge is.
    sh('ip', 'link', 'set', DEAD, 'up');
    let l = hostLeftovers(await takeSnapshot({ dnsRules: false }));
    const stale = l.bridges.find((b) => b.name === DEAD);
    assert.ok(stale, 'the dead bridge is flagged');
    assert.equal(stale.unowned, true);
    assert.equal(stale.up, false);
    assert.deepEqual(stale.collidesWith, ['lab-net (172.30.1.0/24)']);
    const before = l.subnetRoutes.find((r) => r.network === 'lab-net');
    assert.equal(before?.picked, routeGetDev('172.30.1.10'), 'the model picks what ip route get picks');

    // As on a host where the old bridge was there first: lab-net's route goes behind it.
    sh('ip', 'route', 'del', '172.30.1.0/24', 'dev', labBridge);
    sh('ip', 'route', 'append', '172.30.1.0/24', 'dev', labBridge, 'proto', 'kernel', 'scope', 'link', 'src', '172.30.1.1');
    const kernelPick = routeGetDev('172.30.1.10');
    const snap = await takeSnapshot({ dnsRules: false });
    l = hostLeftovers(snap);
    const misrouted = l.subnetRoutes.find((r) => r.network === 'lab-net');
    assert.equal(misrouted?.picked, kernelPick, 'the model picks what ip route get picks');
    if (kernelPick === DEAD) {
      assert.equal(misrouted?.ok, false);
      assert.match(misrouted?.reason ?? '', new RegExp(`routed to ${DEAD}, which no Docker network owns \\(down\\), not to ${labBridge}`));
      const cli = execFileSync(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), 'topology', '--no-dns-rules'], { encoding: 'utf8' });
      assert.match(cli, new RegExp(`STALE bridge ${DEAD} \\(down\\): no Docker network owns it; holds 172\\.30\\.1\\.1/24; collides with lab-net`));
      assert.match(cli, /MISROUTED lab-net 172\.30\.1\.0\/24/);
      // The topology diagram (compact, the whole host): the misroute said first, the dead bridge in a box of its own.
      const diagram = renderDiagram(snap, { kind: 'topology', scope: { kind: 'host' }, filter: '' });
      assert.match(
        diagram.summary ?? '',
        new RegExp(`^MISROUTED lab-net 172\\.30\\.1\\.0/24: .* is routed to ${DEAD}, which no Docker network owns \\(down\\), not to ${labBridge}`),
      );
      assert.match(
        diagram.mermaid,
        new RegExp(`subgraph STALE\\[.*\\n\\s+direction TB\\n\\s+S0\\["STALE ${DEAD} \\(down\\)<br/>172\\.30\\.1\\.1/24<br/>collides with lab-net`),
      );
      // The published port 8080 of api: DNAT to api, then routed to the dead bridge.
      const path = computePacketPath(snap, inboundFlow(snap, { client: '198.51.100.20', hostPort: 8080 }));
      assert.equal(path.routing?.outInterface, DEAD);
      assert.match(path.reason ?? '', new RegExp(`^DROP: routed to ${DEAD}, which no Docker network owns \\(down\\)`));
    } else {
      assert.fail(`the kernel still picks ${kernelPick} for lab-net with the dead bridge's route first; the scenario did not come about`);
    }
  } finally {
    cleanUp();
  }
  assert.equal(routeGetDev('172.30.1.10'), labBridge, 'lab-net is routed to its own bridge again');
});

test('an internal network with gateway mode isolated: Docker 28 leaves its bridge without an address (no route, by design, not MISROUTED); 20.10 ignores the option', async () => {
  const name = `cndt-iso-${process.pid}`;
  const subnet = '172.30.77.0/24';
  try {
    sh(
      'docker',
      'network',
      'create',
      '--driver',
      'bridge',
      '--internal',
      '--subnet',
      subnet,
      '-o',
      'com.docker.network.bridge.gateway_mode_ipv4=isolated',
      name,
    );
    sh('docker', 'run', '-d', '--name', name, '--label', 'containernet.lab=1', '--network', name, 'containernet-lab/busybox:1', 'sleep', '600');
    const bridge = `br-${sh('docker', 'network', 'inspect', '-f', '{{.Id}}', name).trim().slice(0, 12)}`;
    const ip = sh('docker', 'inspect', '-f', `{{(index .NetworkSettings.Networks "${name}").IPAddress}}`, name).trim();
    // The oracles: the bridge's addresses as ip has them, and the interface ip route get picks for the container.
    const v4 =
      (JSON.parse(sh('ip', '-j', 'addr', 'show', 'dev', bridge)) as { addr_info: { family: string }[] }[])[0]?.addr_info.filter((a) => a.family === 'inet') ??
      [];
    const kernelPick = routeGetDev(ip);
    const route = hostLeftovers(await takeSnapshot({ dnsRules: false })).subnetRoutes.find((r) => r.network === name);
    assert.equal(route?.picked, kernelPick, 'the model picks what ip route get picks');
    assert.equal(route?.ok, true, route?.reason);
    if (engineMajor() >= 28) {
      assert.deepEqual(v4, [], 'Docker 28: the isolated bridge has no IPv4 address');
      assert.notEqual(kernelPick, bridge, 'so the host does not route the subnet to it');
      assert.match(route?.reason ?? '', new RegExp(`^gateway mode isolated: ${bridge} has no address`));
    } else {
      // 20.10 does not know the option: an ordinary internal network, its gateway on the bridge.
      assert.equal(v4.length, 1, 'Docker 20.10: the bridge has its gateway address');
      assert.equal(kernelPick, bridge);
    }
  } finally {
    quiet('docker', 'rm', '-f', name);
    quiet('docker', 'network', 'rm', name);
  }
});
