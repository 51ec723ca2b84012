// Rule attribution on the rule dumps moby publishes for Docker 28 and 29 (test/fixtures/docker28,
// docker29): by exact interface name, refined by address, stale when the bridge or address is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerInfo, HostSnapshot, NetworkInfo, Rule } from '../../src/snapshot/hostSnapshot';
import { parseIptablesSave } from '../../src/host/iptablesSave';
import { parseNftRuleset } from '../../src/host/nftRuleset';
import { describeOwner, dockerRuleLayout, ruleOwnership, type RuleOwner } from '../../src/model/ruleOwners';
import { renderRuleOwnersText } from '../../src/render/ruleOwnersText';
import { fixture, labSnapshot } from '../fixtures';

interface Net {
  name: string;
  bridge: string;
  subnet: string;
}
interface Ctr {
  name: string;
  network: string;
  ip: string;
  ports?: { hostIp: string; hostPort: number }[];
}

/** The lab snapshot with its Docker state, host links and rules replaced by the given ones. */
function hostWith(rules: string, nets: Net[], containers: Ctr[], options: { version?: string; links?: string[] } = {}): HostSnapshot {
  const s = labSnapshot();
  const docker = s.docker;
  assert.ok(docker);
  docker.version = options.version ?? '29.0.0';
  docker.networks = nets.map((n): NetworkInfo => ({
    id: `${n.name}-id`,
    name: n.name,
    driver: 'bridge',
    scope: 'local',
    internal: false,
    attachable: false,
    ingress: false,
    enableIPv6: false,
    subnets: [{ subnet: n.subnet, gateway: '' }],
    bridgeName: n.bridge,
    options: {},
    labels: {},
    containers: [],
  }));
  docker.containers = containers.map((c): ContainerInfo => ({
    id: `${c.name}-id`,
    name: c.name,
    image: 'busybox',
    state: 'running',
    pid: 0,
    networkMode: c.network,
    modeKind: 'user',
    labels: {},
    endpoints: [
      { network: c.network, networkId: `${c.network}-id`, endpointId: '', ip: c.ip, prefixLen: 24, ipv6: '', gateway: '', mac: '', aliases: [], dnsNames: [] },
    ],
    ports: (c.ports ?? []).map((p) => ({ containerPort: 80, protocol: 'tcp', ...p })),
  }));
  const links = options.links ?? ['lo', 'eth0', ...nets.map((n) => n.bridge)];
  s.hostNamespace.links = links.map((name, i) => ({ index: i + 1, name, kind: 'bridge', mtu: 1500, operState: 'UP', flags: ['UP'], addresses: [] }));
  s.containerNamespaces = [];
  s.overlaySandboxes = [];
  s.netfilter = parseIptablesSave(rules);
  delete s.nftables;
  return s;
}

const BRIDGE1: Net = { name: 'bridge1', bridge: 'bridge1', subnet: '192.0.2.0/24' };
const DOCKER0: Net = { name: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16' };
const C1: Ctr = { name: 'c1', network: 'bridge1', ip: '192.0.2.2', ports: [{ hostIp: '0.0.0.0', hostPort: 8080 }] };

function ownerOf(s: HostSnapshot, table: string, spec: string): RuleOwner {
  const owners = ruleOwnership(s);
  const rule = [...owners.iptables.keys()].find((r: Rule) => r.table === table && r.spec === spec);
  assert.ok(rule, `rule ${table} ${spec}`);
  return owners.iptables.get(rule) as RuleOwner;
}

test('Docker 29 layout: every rule naming bridge1 belongs to bridge1 or c1, roles named, nothing stale', () => {
  const s = hostWith(fixture('docker29', 'usernet-portmap.iptables-save'), [DOCKER0, BRIDGE1], [C1]);
  assert.equal(dockerRuleLayout(s).layout, 'docker29');
  const owners = ruleOwnership(s);
  assert.deepEqual(owners.stale, []);
  for (const [rule, owner] of owners.iptables) {
    if (!/bridge1/.test(rule.spec)) continue;
    assert.ok(
      (owner.kind === 'network' && owner.name === 'bridge1') || (owner.kind === 'container' && owner.name === 'c1' && owner.network === 'bridge1'),
      `${rule.spec}: ${describeOwner(owner)}`,
    );
  }
  const direct = ownerOf(s, 'raw', '-A PREROUTING -d 192.0.2.2/32 ! -i bridge1 -j DROP');
  assert.deepEqual([direct.kind, direct.name, direct.role], ['container', 'c1', 'direct-access DROP']);
  const unpublished = ownerOf(s, 'filter', '-A DOCKER ! -i bridge1 -o bridge1 -j DROP');
  assert.deepEqual([unpublished.kind, unpublished.name, unpublished.role], ['network', 'bridge1', 'unpublished-port DROP']);
  assert.equal(ownerOf(s, 'filter', '-A DOCKER ! -i docker0 -o docker0 -j DROP').name, 'bridge', "docker0 is the default network's bridge");
  const dnat = ownerOf(s, 'nat', '-A DOCKER ! -i bridge1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80');
  assert.deepEqual([dnat.kind, dnat.name, dnat.role], ['container', 'c1', 'published-port DNAT']);
  assert.equal(ownerOf(s, 'filter', '-A DOCKER-FORWARD -i bridge1 -j ACCEPT').role, 'outgoing ACCEPT');
  assert.equal(
    ownerOf(s, 'filter', '-A DOCKER-CT -o bridge1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT').role,
    'replies ACCEPT (RELATED,ESTABLISHED)',
  );
  assert.equal(ownerOf(s, 'filter', '-A DOCKER-BRIDGE -o bridge1 -j DOCKER').role, 'per-bridge jump to DOCKER');
  assert.equal(ownerOf(s, 'nat', '-A POSTROUTING -s 192.0.2.0/24 ! -o bridge1 -j MASQUERADE').name, 'bridge1');
});

test('a rule naming a bridge the host does not have is STALE (network removed), whatever its subnet says', () => {
  // bridge1 is gone from the host and from Docker; a new network reuses the subnet on another bridge.
  const reuse: Net = { name: 'newnet', bridge: 'br-0123456789ab', subnet: '192.0.2.0/24' };
  const s = hostWith(fixture('docker29', 'usernet-portmap.iptables-save'), [DOCKER0, reuse], [{ name: 'c9', network: 'newnet', ip: '192.0.2.2' }]);
  const owners = ruleOwnership(s);
  const named = [...owners.iptables].filter(([r]) => /bridge1/.test(r.spec));
  assert.equal(named.length, 8);
  for (const [rule, owner] of named) {
    assert.equal(owner.kind, 'stale', `${rule.spec}: ${describeOwner(owner)}`);
    assert.equal(owner.name, 'bridge1');
    assert.match(owner.by, /bridge1, which does not exist on this host/);
  }
  const masq = ownerOf(s, 'nat', '-A POSTROUTING -s 192.0.2.0/24 ! -o bridge1 -j MASQUERADE');
  assert.notEqual(masq.name, 'newnet', 'never attributed by subnet when it names an interface');
  assert.equal(owners.stale.length, named.length);
  assert.equal(ownerOf(s, 'filter', '-A DOCKER-FORWARD -i docker0 -j ACCEPT').name, 'bridge');
});

test("DNAT, published ACCEPT and direct-access DROP to an address no container has are STALE; the network's own rules are not", () => {
  const s = hostWith(fixture('docker29', 'usernet-portmap.iptables-save'), [DOCKER0, BRIDGE1], []);
  for (const [table, spec] of [
    ['raw', '-A PREROUTING -d 192.0.2.2/32 ! -i bridge1 -j DROP'],
    ['nat', '-A DOCKER ! -i bridge1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80'],
    ['filter', '-A DOCKER -d 192.0.2.2/32 ! -i bridge1 -o bridge1 -p tcp -m tcp --dport 80 -j ACCEPT'],
  ] as const) {
    const o = ownerOf(s, table, spec);
    assert.equal(o.kind, 'stale', spec);
    assert.equal(o.name, '192.0.2.2');
    assert.match(o.by, /no container on bridge1 has 192\.0\.2\.2/);
  }
  assert.equal(ownerOf(s, 'filter', '-A DOCKER ! -i bridge1 -o bridge1 -j DROP').kind, 'network');
});

test('remote-loopback DROP (port published on 127.0.0.1) belongs to the publisher, else it is stale', () => {
  const text = fixture('docker29', 'usernet-portmap-lo.iptables-save');
  const spec = '-A PREROUTING -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8080 -j DROP';
  const lo: Ctr = { ...C1, ports: [{ hostIp: '127.0.0.1', hostPort: 8080 }] };
  const owner = ownerOf(hostWith(text, [DOCKER0, BRIDGE1], [lo]), 'raw', spec);
  assert.deepEqual([owner.kind, owner.name, owner.role], ['container', 'c1', 'remote-loopback DROP']);
  const orphan = ownerOf(hostWith(text, [DOCKER0, BRIDGE1], [{ ...C1, ports: [] }]), 'raw', spec);
  assert.equal(orphan.kind, 'stale');
  assert.match(orphan.by, /no container publishes/);
});

test('gateway modes: routed (ICMP ACCEPT, no DNAT/MASQUERADE) and nat-unprotected (default ACCEPT) rules are named', () => {
  const s = hostWith(fixture('docker29', 'usernet-portmap-routed.iptables-save'), [DOCKER0, BRIDGE1], [C1]);
  const icmp = ownerOf(s, 'filter', '-A DOCKER -o bridge1 -p icmp -j ACCEPT');
  assert.deepEqual([icmp.kind, icmp.name, icmp.role], ['network', 'bridge1', 'ICMP ACCEPT (gateway mode routed)']);
  const unprotected = hostWith(`*filter\n:FORWARD ACCEPT [0:0]\n:DOCKER - [0:0]\n-A DOCKER ! -i bridge1 -o bridge1 -j ACCEPT\nCOMMIT\n`, [BRIDGE1], [C1]);
  assert.equal(ownerOf(unprotected, 'filter', '-A DOCKER ! -i bridge1 -o bridge1 -j ACCEPT').role, 'default ACCEPT (gateway mode nat-unprotected)');
});

test('Docker 28 layout (isolation chains): attributed under 28; stale under 29, which has no isolation chains', () => {
  const gw: Net = { name: 'docker_gwbridge', bridge: 'docker_gwbridge', subnet: '172.18.0.0/16' };
  const text = fixture('docker28', 'swarm-portmap.iptables-save');
  const on28 = hostWith(text, [DOCKER0, gw], [], { version: '28.5.2' });
  // Swarm's ingress sandbox holds the DNAT target: an address no container's endpoint lists.
  const ingress = {
    name: 'ingress_sbox',
    path: '/var/run/docker/netns/ingress_sbox',
    fdb: [],
    links: [
      {
        index: 12,
        name: 'eth1',
        kind: 'veth',
        mtu: 1500,
        operState: 'UP',
        flags: [],
        addresses: [{ family: 'inet' as const, local: '172.18.0.2', prefixLen: 16 }],
      },
    ],
  };
  on28.overlaySandboxes = [ingress];
  assert.deepEqual(
    [
      ownerOf(on28, 'nat', '-A DOCKER-INGRESS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080').kind,
      ownerOf(on28, 'nat', '-A DOCKER-INGRESS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080').name,
    ],
    ['container', 'ingress_sbox'],
  );
  assert.equal(dockerRuleLayout(on28).layout, 'docker28');
  const iso = ownerOf(on28, 'filter', '-A DOCKER-ISOLATION-STAGE-2 -o docker_gwbridge -j DROP');
  assert.deepEqual([iso.kind, iso.name, iso.role], ['network', 'docker_gwbridge', 'network isolation (Docker <= 28)']);
  assert.equal(ownerOf(on28, 'filter', '-A DOCKER-FORWARD -i docker_gwbridge -o docker_gwbridge -j DROP').role, 'inter-container DROP (icc=false)');
  assert.deepEqual(ruleOwnership(on28).stale, []);
  const on29 = hostWith(text, [DOCKER0, gw], [], { version: '29.1.1' });
  on29.overlaySandboxes = [ingress];
  const stale = ruleOwnership(on29).stale.map((x) => x.rule);
  assert.ok(stale.some((r) => r.startsWith('filter DOCKER-ISOLATION-STAGE-2')));
  assert.ok(stale.some((r) => /DOCKER-FORWARD #3: -A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1/.test(r)));
  assert.ok(!stale.some((r) => r.startsWith('filter DOCKER-CT')), "DOCKER-CT is still 29's");
});

test("engine switched in place: pre-28 FORWARD rules under 28 and 28's chains under 20.10 are stale", () => {
  const lab = labSnapshot(); // Docker 20.10's layout, rules naming the lab's own bridges
  const bridges = (lab.docker?.networks ?? [])
    .filter((n) => n.bridgeName)
    .map((n) => ({ name: n.name, bridge: n.bridgeName as string, subnet: n.subnets[0]?.subnet ?? '' }));
  const s = hostWith(fixture('lab', 'iptables-save.txt'), bridges, [], { version: '28.5.2' });
  const stale = ruleOwnership(s).stale;
  assert.ok(
    stale.some((x) => /^filter FORWARD #\d+: -A FORWARD -o br-\w+ -j DOCKER$/.test(x.rule)),
    stale.map((x) => x.rule).join('\n'),
  );
  const forward = stale.filter((x) => x.rule.startsWith('filter FORWARD'));
  assert.equal(forward.length, 18, 'every FORWARD rule but the jump to DOCKER-USER');
  assert.ok(forward.every((x) => /Docker < 28's layout/.test(x.owner.by)));
  assert.equal(dockerRuleLayout(s).layout, 'docker<28');
  const both = hostWith(fixture('lab', 'iptables-save.txt'), bridges, [], { version: '28.5.2' });
  both.netfilter?.tables.find((t) => t.name === 'filter')?.chains.push({ name: 'DOCKER-FORWARD', policy: '-', packets: 0, bytes: 0, rules: [] });
  const layout = dockerRuleLayout(both);
  assert.equal(layout.layout, 'mixed');
  assert.match(layout.evidence, /Docker before 28\) and DOCKER-FORWARD .*Docker 28.*running engine is Docker 28\.5\.2/);
  const newer = hostWith(fixture('docker29', 'usernet-portmap.iptables-save'), [DOCKER0, BRIDGE1], [C1], { version: '20.10.24+dfsg1' });
  const s2 = ruleOwnership(newer).stale.map((x) => x.rule);
  assert.ok(s2.some((r) => r.startsWith('filter DOCKER-FORWARD')));
  assert.ok(s2.some((r) => r.startsWith('raw PREROUTING')));
  assert.ok(s2.some((r) => r === 'filter FORWARD #2: -A FORWARD -j DOCKER-FORWARD'));
});

test('Docker 29 nftables backend: ip docker-bridges rules attributed by chain and interface names', () => {
  const s = hostWith('', [DOCKER0, BRIDGE1], [C1]);
  s.nftables = parseNftRuleset(fixture('docker29', 'nftables-usernet-portmap.json'));
  delete s.netfilter;
  assert.equal(dockerRuleLayout(s).layout, 'nftables');
  const owners = ruleOwnership(s);
  assert.deepEqual(owners.stale, []);
  const by = (chain: string, i: number) => {
    const rule = s.nftables?.tables[0]?.chains.find((c) => c.name === chain)?.rules[i];
    assert.ok(rule, `${chain} ${i}`);
    return owners.nft.get(rule) as RuleOwner;
  };
  const direct = by('raw-PREROUTING', 0);
  assert.deepEqual([direct.kind, direct.name, direct.role], ['container', 'c1', 'direct-access DROP']);
  assert.deepEqual([by('nat-prerouting-and-output', 0).kind, by('nat-prerouting-and-output', 0).name], ['container', 'c1']);
  assert.deepEqual([by('filter-forward-in__bridge1', 3).name, by('filter-forward-in__bridge1', 3).role], ['bridge1', 'unpublished-port DROP']);
  assert.equal(by('filter-forward-in__bridge1', 2).name, 'c1');
  assert.equal(by('nat-postrouting-out__docker0', 0).name, 'bridge');
  // Without bridge1 on the host, its chains are stale.
  const gone = hostWith('', [DOCKER0], []);
  gone.nftables = s.nftables;
  delete gone.netfilter;
  const stale = ruleOwnership(gone).stale.map((x) => x.rule);
  assert.ok(stale.some((r) => r.startsWith('ip docker-bridges filter-forward-in__bridge1')));
  assert.ok(!stale.some((r) => /__docker0/.test(r)));
});

test("the CLI's rules text: layout, STALE rules with why, then each Docker rule with role and owner", () => {
  const s = hostWith(fixture('docker29', 'usernet-portmap.iptables-save'), [DOCKER0, BRIDGE1], []);
  const text = renderRuleOwnersText(s);
  assert.match(text, /^Docker rule layout: docker29 \(DOCKER-FORWARD with DOCKER-INTERNAL/);
  assert.match(
    text,
    /STALE rules: 3\n {2}raw PREROUTING #1: -A PREROUTING -d 192\.0\.2\.2\/32 ! -i bridge1 -j DROP\n {4}bridge1 is the bridge of network bridge1, but no container on bridge1 has 192\.0\.2\.2/,
  );
  assert.match(text, /filter DOCKER #3 {2}-A DOCKER ! -i bridge1 -o bridge1 -j DROP\n {4}unpublished-port DROP · bridge1 \(network\)/);
  assert.ok(!renderRuleOwnersText(s, { staleOnly: true }).includes('iptables:'));
});

test('userland-proxy=false: DNAT without a bridge, hairpin and host-local MASQUERADE are named and attributed', () => {
  // The nat rules of moby's iptablesdoc usernet-portmap-noproxy.md (its pre-28 version; Docker
  // writes these nat rules for userland-proxy=false).
  const nat = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    '-A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER',
    '-A POSTROUTING -o bridge1 -m addrtype --src-type LOCAL -j MASQUERADE',
    '-A POSTROUTING -s 192.0.2.0/24 ! -o bridge1 -j MASQUERADE',
    '-A POSTROUTING -s 192.0.2.2/32 -d 192.0.2.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
    '-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80',
    'COMMIT',
    '',
  ].join('\n');
  const s = hostWith(nat, [DOCKER0, BRIDGE1], [C1]);
  const local = ownerOf(s, 'nat', '-A POSTROUTING -o bridge1 -m addrtype --src-type LOCAL -j MASQUERADE');
  assert.deepEqual([local.kind, local.name], ['network', 'bridge1']);
  assert.match(local.role ?? '', /host-local sources/);
  const hairpin = ownerOf(s, 'nat', '-A POSTROUTING -s 192.0.2.2/32 -d 192.0.2.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE');
  assert.deepEqual([hairpin.kind, hairpin.name, hairpin.role], ['container', 'c1', 'hairpin MASQUERADE (userland-proxy=false)']);
  const dnat = ownerOf(s, 'nat', '-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80');
  assert.deepEqual([dnat.kind, dnat.name, dnat.network], ['container', 'c1', 'bridge1']);
  assert.deepEqual(ruleOwnership(s).stale, []);
});

test("the Docker 28.5 lab capture (test/fixtures/lab28, iptables and ip6tables): nothing stale, lab-net's rules are lab-net's, IPv6 DNAT to v6web", () => {
  const s = JSON.parse(fixture('lab28', 'snapshot.json')) as HostSnapshot;
  assert.ok(s.netfilter6, 'the capture has ip6tables rules');
  assert.equal(dockerRuleLayout(s).layout, 'docker28');
  const owners = ruleOwnership(s);
  assert.deepEqual(owners.stale, []);
  const labNet = s.docker?.networks.find((n) => n.name === 'lab-net');
  assert.ok(labNet?.bridgeName);
  const members = new Set(s.docker?.containers.filter((c) => c.endpoints.some((e) => e.network === 'lab-net')).map((c) => c.name));
  let checked = 0;
  for (const [rule, owner] of owners.iptables) {
    if (!rule.args.includes(labNet.bridgeName)) continue;
    checked++;
    assert.ok(
      (owner.kind === 'network' && owner.name === 'lab-net') || (owner.kind === 'container' && owner.network === 'lab-net' && members.has(owner.name ?? '')),
      `${rule.spec}: ${owner.kind} ${owner.name}`,
    );
  }
  assert.ok(checked > 10);
  const v6dnat = [...owners.iptables].find(([r]) => s.netfilter6?.tables.some((t) => t.chains.some((c) => c.rules.includes(r))) && r.target === 'DNAT');
  assert.ok(v6dnat);
  assert.deepEqual([v6dnat[1].kind, v6dnat[1].name, v6dnat[1].role], ['container', 'v6web', 'published-port DNAT']);
});

test('Docker 29 internal networks: DOCKER-INTERNAL and the ICC rules belong to their network by bridge name', () => {
  const icc: Net = { name: 'icc', bridge: 'bridgeICC', subnet: '192.0.2.0/24' };
  const noicc: Net = { name: 'noicc', bridge: 'bridgeNoICC', subnet: '198.51.100.0/24' };
  const s = hostWith(fixture('docker29', 'usernet-internal.iptables-save'), [DOCKER0, icc, noicc], []);
  assert.equal(dockerRuleLayout(s).layout, 'docker29');
  assert.deepEqual(ruleOwnership(s).stale, []);
  const internal = ownerOf(s, 'filter', '-A DOCKER-INTERNAL ! -s 198.51.100.0/24 -o bridgeNoICC -j DROP');
  assert.deepEqual([internal.kind, internal.name, internal.role], ['network', 'noicc', 'internal network DROP']);
  assert.equal(ownerOf(s, 'filter', '-A DOCKER-INTERNAL ! -d 192.0.2.0/24 -i bridgeICC -j DROP').name, 'icc');
  assert.equal(ownerOf(s, 'filter', '-A DOCKER-FORWARD -i bridgeNoICC -o bridgeNoICC -j DROP').role, 'inter-container DROP (icc=false)');
  assert.equal(ownerOf(s, 'filter', '-A DOCKER-FORWARD -i bridgeICC -o bridgeICC -j ACCEPT').role, 'inter-container ACCEPT (ICC)');
});
