// The lab captured on Docker 28.5 (test/fixtures/lab28, see test/fixtures/capture.sh): every
// container's eth0 has ifindex 2 there, IPv6 is on for lab-v6 with an ip6tables DNAT, and the
// gateway modes routed and nat-unprotected exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTopology } from '../../src/model/topology';
import { computePacketPath, inboundFlow, uplinkOf } from '../../src/model/packetPath';
import { parseIptablesSave } from '../../src/host/iptablesSave';
import { fixture, labSnapshot } from '../fixtures';

const BRIDGE_CONTAINERS = ['api', 'web1', 'web2', 'web3', 'client', 'legacy', 'lone', 'vault', 'dual', 'icc1', 'icc2', 'v6web', 'routed1', 'unprot1'];

/** The snapshot as a user without root reads it: /proc gives each interface's index, not its peer's. */
function asUnprivileged(keepNsid: boolean) {
  const snap = labSnapshot('lab28');
  for (const ns of snap.containerNamespaces) {
    ns.via = 'proc';
    delete ns.netnsInode;
    if (!keepNsid) delete ns.nsid;
    for (const l of ns.links) {
      delete l.linkIndex;
      delete l.linkNetnsId;
    }
  }
  return snap;
}

test('Docker 28: every container eth0 is ifindex 2, yet each is joined to its own veth (root view)', () => {
  const snap = labSnapshot('lab28');
  const topo = buildTopology(snap);
  const veths = new Set<string>();
  for (const name of BRIDGE_CONTAINERS) {
    for (const ep of topo.endpoints.filter((e) => e.containerName === name && e.driver === 'bridge')) {
      if (ep.containerInterface?.name === 'eth0') assert.equal(ep.containerInterface.index, 2, `${name} eth0 is index 2 on 28`);
      assert.ok(ep.hostVeth, `${name} on ${ep.network} has a host veth`);
      assert.deepEqual(
        ep.flags.filter((f) => f.startsWith('host-peer') || f === 'bridge-mismatch'),
        [],
        `${name}`,
      );
      assert.ok(!veths.has(ep.hostVeth.name), `${ep.hostVeth.name} is joined once`);
      veths.add(ep.hostVeth.name);
    }
  }
  assert.ok(veths.size >= BRIDGE_CONTAINERS.length);
});

test('Docker 28 without root: the nsid pairs each container with the same veth as root does; the index alone cannot', () => {
  const root = buildTopology(labSnapshot('lab28'));
  const user = buildTopology(asUnprivileged(true));
  let checked = 0;
  for (const ep of root.endpoints.filter((e) => e.driver === 'bridge' && e.hostVeth && !e.flags.includes('not-in-docker-inspect'))) {
    const mine = user.endpoints.find((e) => e.containerName === ep.containerName && e.network === ep.network);
    assert.equal(mine?.hostVeth?.name, ep.hostVeth?.name, `${ep.containerName} on ${ep.network}`);
    assert.deepEqual(
      mine?.flags.filter((f) => f.startsWith('host-peer') || f === 'peer-by-index-only'),
      [],
    );
    checked++;
  }
  assert.ok(checked >= BRIDGE_CONTAINERS.length);
  // Without the nsid, lab-net's five containers all point at index 2: ambiguous, and flagged as such.
  const blind = buildTopology(asUnprivileged(false));
  const api = blind.endpoints.find((e) => e.containerName === 'api' && e.network === 'lab-net');
  assert.ok(api?.flags.includes('host-peer-ambiguous'));
});

test('Docker 28 IPv6: [::]:8086 is joined to the ip6tables DNAT to [fd00:30:6::10]:80, the IPv4 binding to the iptables one', () => {
  const snap = labSnapshot('lab28');
  const topo = buildTopology(snap);
  const v6 = topo.ports.find((p) => p.containerName === 'v6web' && p.family === 6);
  const v4 = topo.ports.find((p) => p.containerName === 'v6web' && p.family === 4);
  assert.equal(v6?.dnatTarget, '[fd00:30:6::10]:80');
  assert.equal(v6?.dnatRules[0]?.chain, 'DOCKER');
  assert.ok(fixture('lab28', 'ip6tables-save.txt').includes(v6?.dnatRules[0]?.spec ?? '\0'), 'the rule is in ip6tables-save');
  assert.equal(v4?.dnatTarget, '172.30.6.10:80');
  assert.deepEqual(v6?.flags, []);
  assert.equal(topo.endpoints.find((e) => e.containerName === 'v6web')?.ipv6, 'fd00:30:6::10');
  // An IPv6 binding of a container without IPv6 is docker-proxy's, not the IPv4 DNAT's.
  const api6 = topo.ports.find((p) => p.containerName === 'api' && p.family === 6);
  assert.equal(api6?.dnatRules.length, 0);
  assert.equal(api6?.carriedBy, 'docker-proxy');
  assert.deepEqual(api6?.flags, []);
});

test('Docker 28 gateway modes: routed publishes no host port and needs no NAT; nat-unprotected needs no per-port ACCEPT', () => {
  const topo = buildTopology(labSnapshot('lab28'));
  const routed = topo.ports.find((p) => p.containerName === 'routed1' && p.family === 4);
  assert.equal(routed?.carriedBy, 'routed');
  assert.deepEqual(routed?.flags, []);
  assert.equal(topo.networks.find((n) => n.name === 'lab-routed')?.gatewayMode, 'routed');
  assert.deepEqual(
    topo.endpoints.find((e) => e.containerName === 'routed1')?.flags.filter((f) => f === 'no-masquerade'),
    [],
  );
  const unprot = topo.ports.find((p) => p.containerName === 'unprot1' && p.family === 4);
  assert.deepEqual(unprot?.flags, []);
  assert.equal(unprot?.dnatTarget, '172.30.8.10:80');
});

test('Docker 28 reports its firewall backend; ip6tables-save parses like iptables-save', () => {
  const snap = labSnapshot('lab28');
  assert.equal(snap.docker?.firewallBackend, 'iptables');
  const v6 = parseIptablesSave(fixture('lab28', 'ip6tables-save.txt'), 'ip6tables-save');
  const chains = (s: typeof v6 | undefined) => s?.tables.flatMap((t) => t.chains.map((c) => `${t.name} ${c.name}`));
  assert.deepEqual(chains(v6), chains(snap.netfilter6), 'the same tables and chains as the snapshot read');
  assert.ok(v6.tables.some((t) => t.name === 'nat' && t.chains.some((c) => c.name === 'DOCKER')));
});

test('Docker 28 IPv6 packet path: an outside IPv6 client to [::]:8086 is evaluated against ip6tables (DNAT to [fd00:30:6::10]:80, then FORWARD)', () => {
  const snap = labSnapshot('lab28');
  // An address of the documentation prefix on the uplink for the flow to arrive at (the capture host's own may be anything).
  const uplink = uplinkOf(snap);
  const link = snap.hostNamespace.links.find((l) => l.name === uplink);
  assert.ok(link);
  link.addresses.push({ family: 'inet6', local: '2001:db8:1::1', prefixLen: 64, scope: 'global' });
  const path = computePacketPath(snap, inboundFlow(snap, { client: '2001:db8:1::20', hostPort: 8086, hostAddress: '2001:db8:1::1' }));
  assert.equal(path.flow.dst, '2001:db8:1::1');
  assert.equal(path.rewrittenDestination, '[fd00:30:6::10]:80');
  const dnat = path.steps.find((s) => s.verdict === 'DNAT')?.rules.find((r) => r.result === 'matched')?.rule;
  assert.ok(fixture('lab28', 'ip6tables-save.txt').includes(dnat?.spec ?? '\0'), `the DNAT rule is ip6tables': ${dnat?.spec}`);
  assert.equal(path.routing?.kind, 'forward');
  assert.equal(path.routing?.outInterface, snap.docker?.networks.find((n) => n.name === 'lab-v6')?.bridgeName);
  assert.equal(path.finalVerdict, 'ACCEPT');
  assert.deepEqual(path.uncertain, []);
  // The same port over IPv4 takes iptables' rules, not ip6tables'.
  const v4 = computePacketPath(snap, inboundFlow(snap, { client: '198.51.100.20', hostPort: 8086 }));
  assert.equal(v4.rewrittenDestination, '172.30.6.10:80');
});
