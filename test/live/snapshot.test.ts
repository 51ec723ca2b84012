// The snapshot and topology against the real lab, checked against oracles that do not go
// through the code under test: nsenter + ip, iptables, docker inspect, resolv.conf, real lookups.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { takeSnapshot } from '../../src/host/hostSnapshotReader';
import { buildTopology, type Topology } from '../../src/model/topology';
import { LAB_CONTAINERS, engineMajor, nsenterIp, pidOf, requireLab, sh } from './lab';

let snap: HostSnapshot;
let topo: Topology;

before(async () => {
  requireLab();
  // A connection through the published port, so conntrack has a flow of ours to find.
  sh('wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/');
  snap = await takeSnapshot();
  topo = buildTopology(snap);
});

test('every source was read as root', () => {
  for (const s of snap.sources) assert.ok(s.state === 'ok', `${s.name}: ${s.state} ${s.reason ?? ''} ${(s.notes ?? []).join('; ')}`);
  assert.equal(snap.host.privilege, 'root');
});

test('every lab container: the veth the model joins it to is the one nsenter reports as its peer', () => {
  let checked = 0;
  for (const name of LAB_CONTAINERS) {
    const eps = topo.endpoints.filter((e) => e.containerName === name && e.hostVeth);
    if (['hostnet', 'nonet', 'sidecar'].includes(name)) {
      assert.equal(eps.length, 0, `${name} has no endpoint of its own`);
      continue;
    }
    assert.ok(eps.length > 0, `${name} has a joined endpoint`);
    const inside = nsenterIp(pidOf(name), 'addr', 'show');
    const hostLinks = JSON.parse(sh('ip', '-j', 'link', 'show')) as { ifindex: number; ifname: string; master?: string }[];
    for (const ep of eps) {
      const inner = inside.find((l) => l.ifname === ep.containerInterface?.name);
      assert.ok(inner, `${name}: ${ep.containerInterface?.name} exists inside`);
      assert.equal(ep.containerInterface?.index, inner.ifindex, `${name} ${inner.ifname} index`);
      assert.equal(ep.hostVeth?.index, inner.link_index, `${name} ${inner.ifname}@if${inner.link_index}`);
      const host = hostLinks.find((l) => l.ifindex === inner.link_index);
      assert.equal(ep.hostVeth?.name, host?.ifname);
      assert.equal(ep.bridge, host?.master, `${name}: bridge of ${host?.ifname}`);
      if (ep.ip)
        assert.ok(
          inner.addr_info?.some((a) => a.local === ep.ip),
          `${name}: ${ep.ip} is on ${inner.ifname}`,
        );
      checked++;
    }
  }
  assert.ok(checked >= 12, `checked ${checked} endpoints`);
});

test('bridge networks map to the bridge device docker network inspect names', () => {
  for (const net of ['lab-net', 'lab-other', 'lab-internal']) {
    const id = sh('docker', 'network', 'inspect', '-f', '{{.Id}}', net).trim();
    assert.equal(topo.networks.find((n) => n.name === net)?.bridge, `br-${id.slice(0, 12)}`);
  }
  assert.equal(topo.networks.find((n) => n.name === 'lab-internal')?.internal, true);
});

test('every published binding, IPv4 and IPv6, is joined to the DNAT rule the kernel has (iptables -S, ip6tables -S), or to docker-proxy where the kernel has none', () => {
  const kernel = { 4: sh('iptables', '-t', 'nat', '-S').split('\n'), 6: sh('ip6tables', '-t', 'nat', '-S').split('\n') };
  const proxyListeners = sh('ss', '-Hltnp').split('\n');
  const seen = { dnat4: 0, dnat6: 0, proxy6: 0 };
  for (const name of LAB_CONTAINERS) {
    const nets = JSON.parse(sh('docker', 'inspect', '-f', '{{json .NetworkSettings.Networks}}', name)) as Record<
      string,
      { IPAddress: string; GlobalIPv6Address: string }
    >;
    const ep = Object.values(nets).find((n) => n.IPAddress);
    const bindings = JSON.parse(sh('docker', 'inspect', '-f', '{{json .NetworkSettings.Ports}}', name)) as Record<
      string,
      { HostIp: string; HostPort: string }[] | null
    >;
    for (const [key, list] of Object.entries(bindings)) {
      const [cport, proto] = key.split('/');
      for (const b of list ?? []) {
        const family = b.HostIp.includes(':') ? 6 : 4;
        const port = topo.ports.find(
          (p) => p.containerName === name && p.hostIp === (b.HostIp || '0.0.0.0') && p.hostPort === Number(b.HostPort || 0) && p.protocol === proto,
        );
        assert.ok(port, `${name} ${b.HostIp}:${b.HostPort}/${proto} is in the topology`);
        assert.equal(port.family, family);
        const target = family === 6 && ep?.GlobalIPv6Address ? `[${ep.GlobalIPv6Address}]:${cport}` : `${ep?.IPAddress}:${cport}`;
        // The oracle: the kernel's own DNAT rule for this host port and this destination.
        const kernelRule = kernel[family].find(
          (l) => l.includes('-j DNAT') && l.includes(`--dport ${b.HostPort} `) && l.endsWith(`--to-destination ${target}`),
        );
        if (kernelRule) {
          assert.equal(port.dnatTarget, target, `${name} ${b.HostIp}:${b.HostPort}`);
          assert.ok(port.dnatRules.length > 0, `${name} ${b.HostIp}:${b.HostPort} joined to its DNAT rule`);
          for (const r of port.dnatRules) assert.ok(kernel[family].includes(r.spec), `${family === 6 ? 'ip6tables' : 'iptables'} -S has: ${r.spec}`);
          seen[family === 6 ? 'dnat6' : 'dnat4']++;
        } else {
          assert.equal(port.dnatRules.length, 0, `${name} ${b.HostIp}:${b.HostPort}: no DNAT joined where the kernel has none`);
          assert.deepEqual(
            port.flags.filter((f) => f.startsWith('no-dnat') || f.startsWith('dnat-')),
            [],
            `${name} ${b.HostIp}:${b.HostPort}: not flagged`,
          );
          assert.ok(port.carriedBy, `${name} ${b.HostIp}:${b.HostPort}: says what carries it (${port.carriedBy})`);
          if (port.carriedBy === 'docker-proxy') {
            assert.ok(
              proxyListeners.some((l) => l.includes(`:${b.HostPort} `) && l.includes('docker-proxy')),
              `ss shows docker-proxy on ${b.HostPort}`,
            );
            assert.equal(port.proxy?.hostPort, Number(b.HostPort));
            if (family === 6) seen.proxy6++;
          }
        }
      }
    }
  }
  assert.ok(seen.dnat4 >= 4, `IPv4 bindings joined to DNAT: ${seen.dnat4}`);
  // v6web's [::]:8086: an ip6tables DNAT on engines that write IPv6 rules (27+), docker-proxy alone on 20.10.
  const v6 = topo.ports.find((p) => p.containerName === 'v6web' && p.family === 6);
  assert.ok(v6, 'v6web has an IPv6 binding');
  if (engineMajor() >= 27) assert.equal(v6.dnatTarget, '[fd00:30:6::10]:80');
  else assert.equal(v6.carriedBy, 'docker-proxy');
  assert.ok(seen.dnat6 + seen.proxy6 > 0);
});

test('the default bridge has no embedded DNS, and really resolves nothing by name', () => {
  const legacy = topo.containers.find((c) => c.name === 'legacy');
  assert.ok(legacy?.flags.includes('no-embedded-dns'));
  assert.doesNotMatch(sh('docker', 'exec', 'legacy', 'cat', '/etc/resolv.conf'), /127\.0\.0\.11/);
  assert.match(sh('docker', 'exec', 'api', 'cat', '/etc/resolv.conf'), /nameserver 127\.0\.0\.11/);
  assert.match(sh('docker', 'exec', 'client', 'nslookup', 'api'), /Address:? .*172\.30\.1\./);
  const api = topo.containers.find((c) => c.name === 'api');
  assert.equal(api?.dns, 'embedded');
  const inside = sh('nsenter', '-t', String(pidOf('api')), '-n', 'iptables-save', '-t', 'nat');
  for (const r of api?.dnsRedirect ?? []) assert.ok(inside.includes(r.spec), `inside api: ${r.spec}`);
  assert.ok((api?.dnsRedirect ?? []).length >= 2);
});

test("overlay containers are joined to a vxlan device with the network's VNI", () => {
  const vni = Number(sh('docker', 'network', 'inspect', '-f', '{{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', 'lab-overlay').trim());
  assert.ok(vni > 0);
  for (const name of ['ov1', 'ov2']) {
    const ep = topo.endpoints.find((e) => e.containerName === name && e.network === 'lab-overlay');
    assert.ok(ep?.overlay, `${name} joined to its overlay sandbox`);
    assert.equal(ep.overlay.vni, vni);
    const sandboxLinks = JSON.parse(sh('nsenter', `--net=/var/run/docker/netns/${ep.overlay.sandbox}`, 'ip', '-j', '-d', 'link', 'show')) as {
      ifname: string;
      ifindex: number;
      linkinfo?: { info_kind?: string; info_data?: { id?: number } };
    }[];
    const vxlan = sandboxLinks.find((l) => l.ifname === ep.overlay?.vxlanDevice);
    assert.equal(vxlan?.linkinfo?.info_kind, 'vxlan');
    assert.equal(vxlan?.linkinfo?.info_data?.id, vni);
    const inner = nsenterIp(pidOf(name), 'link', 'show').find((l) => l.ifname === ep.containerInterface?.name);
    assert.equal(ep.overlay.sandboxVeth?.index, inner?.link_index, `${name}: sandbox veth is eth0's peer`);
  }
});

test("container:X shares X's namespace, as /proc says", () => {
  assert.equal(topo.containers.find((c) => c.name === 'sidecar')?.sharesNamespaceWith, 'api');
  assert.equal(readlinkSync(`/proc/${pidOf('sidecar')}/ns/net`), readlinkSync(`/proc/${pidOf('api')}/ns/net`));
  assert.equal(topo.containers.find((c) => c.name === 'api')?.netnsInode, Number(/\d+/.exec(readlinkSync(`/proc/${pidOf('api')}/ns/net`))?.[0]));
});

test('netfilter matches iptables -S chain by chain; the backend is the one iptables -V names', () => {
  const backend = /nf_tables/.test(sh('iptables', '-V')) ? 'nf_tables' : 'legacy';
  assert.equal(snap.netfilter?.backend, backend);
  for (const [table, chain] of [
    ['nat', 'DOCKER'],
    ['nat', 'POSTROUTING'],
    ['filter', 'FORWARD'],
    ['filter', 'DOCKER'],
    ['filter', 'DOCKER-ISOLATION-STAGE-1'],
  ] as const) {
    const specs = sh('iptables', '-t', table, '-S', chain)
      .split('\n')
      .filter((l) => l.startsWith('-A '));
    const ours: string[] | undefined = snap.netfilter?.tables
      .find((t) => t.name === table)
      ?.chains.find((c) => c.name === chain)
      ?.rules.map((r) => r.spec);
    assert.deepEqual(ours, specs, `${table} ${chain}`);
  }
});

test('conntrack holds the flow we just made to the published port', () => {
  assert.ok(snap.conntrack?.entries.some((e) => e.original.dport === 8080 && e.original.dst === '127.0.0.1'));
});

test('docker-proxy listeners match the processes on the host', () => {
  const pids = sh('sh', '-c', 'pgrep -x docker-proxy || true').split('\n').filter(Boolean).map(Number).sort();
  assert.deepEqual(snap.dockerProxies.map((p) => p.pid).sort(), pids);
});
