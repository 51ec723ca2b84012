// The network doctor on the captured lab states (Docker 20.10 `lab`, Docker 28 `lab28`): no
// error or warning on the healthy captures; each fault put into a copy programmatically (the
// way the lab would be broken), found with its check id, subject and evidence, and gone
// again once repaired. ufw and firewalld are proved on their hand-written rule sets
// (test/fixtures/nft), VXLAN peers on an FDB entry added to the captured sandbox; overlay peers
// (Docker's `Peers` format, as test/fixtures/lab28/network-inspect-overlay.json has it) and
// offloads (ethtool captures, test/fixtures/lab28/ethtool-*.txt) put into the Docker 28 capture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostSnapshot, Rule } from '../../src/snapshot/hostSnapshot';
import { parseIptablesSave } from '../../src/host/iptablesSave';
import { parseNftRuleset } from '../../src/host/nftRuleset';
import { parseEthtoolDriver, parseEthtoolFeatures } from '../../src/host/interfaceOffloads';
import { doctorExitCode, runDoctor, type Finding } from '../../src/model/doctor/doctor';
import { fixture, labSnapshot } from '../fixtures';

const LABS = ['lab', 'lab28'] as const;

/**
 * The doctor on a copy: a snapshot is never changed once read, so its topology is cached by
 * object; these tests change theirs between runs.
 */
function doctor(s: HostSnapshot, previous?: HostSnapshot): Finding[] {
  return runDoctor(structuredClone(s), previous && structuredClone(previous));
}

function problems(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.severity !== 'info');
}

function only(findings: Finding[], check: string): Finding[] {
  return findings.filter((f) => f.check === check);
}

/** The one finding of a check about a subject; fails with every finding listed otherwise. */
function one(findings: Finding[], check: string, subject: string): Finding {
  const hits = findings.filter((f) => f.check === check && f.subject.name === subject);
  assert.equal(hits.length, 1, `${check} ${subject} in:\n${findings.map((f) => `${f.severity} ${f.check} ${f.subject.name}: ${f.evidence}`).join('\n')}`);
  return hits[0] as Finding;
}

/** Parses one iptables-save rule line (`-A CHAIN ...`) of a table into a Rule. */
function ruleOf(table: string, line: string): Rule {
  const chain = /^-A (\S+)/.exec(line)?.[1] ?? '';
  const state = parseIptablesSave(`*${table}\n:${chain} - [0:0]\n${line}\nCOMMIT\n`);
  const rule = state.tables[0]?.chains.find((c) => c.name === chain)?.rules[0];
  assert.ok(rule, line);
  return rule;
}

/** Puts a rule into the snapshot's (IPv4) table at a position (1 = first), renumbering the chain. */
function insertRule(s: HostSnapshot, table: string, line: string, at = 1): void {
  const rule = ruleOf(table, line);
  const t = s.netfilter?.tables.find((x) => x.name === table);
  assert.ok(t);
  let chain = t.chains.find((c) => c.name === rule.chain);
  if (!chain) {
    chain = { name: rule.chain, policy: '-', packets: 0, bytes: 0, rules: [] };
    t.chains.push(chain);
  }
  chain.rules.splice(at - 1, 0, rule);
  chain.rules.forEach((r, i) => (r.position = i + 1));
}

function removeRules(s: HostSnapshot, table: string, pred: (r: Rule) => boolean): Rule[] {
  const removed: Rule[] = [];
  for (const c of s.netfilter?.tables.find((x) => x.name === table)?.chains ?? []) {
    removed.push(...c.rules.filter(pred));
    c.rules = c.rules.filter((r) => !pred(r));
    c.rules.forEach((r, i) => (r.position = i + 1));
  }
  return removed;
}

function bridgeOf(s: HostSnapshot, network: string): string {
  const b = s.docker?.networks.find((n) => n.name === network)?.bridgeName;
  assert.ok(b);
  return b;
}

/** The lab httpd's listeners (the captures predate the listener read): :80 on every address. */
function withListeners(s: HostSnapshot): HostSnapshot {
  for (const ns of s.containerNamespaces) ns.listeners = [{ protocol: 'tcp', address: '::', port: 80, inode: 1, uid: 0 }];
  s.hostNamespace.listeners = s.dockerProxies.map((p, i) => ({ protocol: 'tcp' as const, address: p.hostIp, port: p.hostPort, inode: 100 + i, uid: 0 }));
  return s;
}

test('the healthy lab: nothing above info on either engine, exit status 0; the info findings name what a user should know', () => {
  for (const lab of LABS) {
    for (const s of [labSnapshot(lab), withListeners(labSnapshot(lab))]) {
      const findings = doctor(s);
      assert.deepEqual(problems(findings), [], `${lab}: ${JSON.stringify(problems(findings), null, 1)}`);
      assert.equal(doctorExitCode(findings), 0);
      assert.match(one(findings, 'default-bridge-dns', 'legacy').evidence, /default bridge only \(bridge 172\.17\.0\.2\): there is no embedded DNS/);
      assert.match(
        one(findings, 'alias-round-robin', 'lab-net').evidence,
        /^web on lab-net is a round-robin set of 3: web1 172\.30\.1\.11, web2 172\.30\.1\.12, web3 172\.30\.1\.13/,
      );
      // The uplink's MTU is 1400, the networks keep Docker's default 1500: worth knowing, not a fault.
      assert.match(one(findings, 'mtu-exceeds-uplink', 'eth0').evidence, /eth0 has MTU 1400, and bridge 1500, .*lab-net 1500/);
      // A single-node overlay sends nothing encapsulated: the arithmetic, as information.
      assert.match(
        one(findings, 'overlay-mtu', 'lab-overlay').evidence,
        /^1450 \(overlay MTU, vxlan0 in sandbox 1-\w+\) \+ 50 \(VXLAN over IPv4.*\) = 1500 > 1400 \(eth0's MTU\); no remote VTEP/,
      );
    }
  }
});

test('ip-forward-off: net.ipv4.ip_forward 0 is an error on the host, gone when set back to 1', () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    s.hostNamespace.sysctls['net.ipv4.ip_forward'] = '0';
    const f = one(doctor(s), 'ip-forward-off', 'net.ipv4.ip_forward');
    assert.equal(f.severity, 'error');
    assert.equal(f.subject.kind, 'host');
    assert.match(f.evidence, /net\.ipv4\.ip_forward is 0: .*lab-net/);
    assert.match(f.fix, /sysctl -w net\.ipv4\.ip_forward=1/);
    assert.equal(doctorExitCode(doctor(s)), 1);
    s.hostNamespace.sysctls['net.ipv4.ip_forward'] = '1';
    assert.deepEqual(only(doctor(s), 'ip-forward-off'), []);
  }
  // Docker 28's lab has an IPv6 network: its forwarding counts too.
  const s = labSnapshot('lab28');
  s.hostNamespace.sysctls['net.ipv6.conf.all.forwarding'] = '0';
  assert.match(one(doctor(s), 'ip-forward-off', 'net.ipv6.conf.all.forwarding').evidence, /lab-v6 has IPv6 enabled/);
});

test("no-masquerade: a network's subnet without its MASQUERADE, named with the rule that would restore it", () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    const bridge = bridgeOf(s, 'lab-net');
    const removed = removeRules(s, 'nat', (r) => r.target === 'MASQUERADE' && r.match.source === '172.30.1.0/24');
    assert.equal(removed.length, 1);
    const f = one(doctor(s), 'no-masquerade', 'lab-net');
    assert.equal(f.severity, 'error');
    assert.match(f.evidence, /no MASQUERADE rule for lab-net's subnet 172\.30\.1\.0\/24 in iptables' nat table/);
    assert.ok(f.fix.includes(`iptables -t nat -A POSTROUTING -s 172.30.1.0/24 ! -o ${bridge} -j MASQUERADE`), f.fix);
    insertRule(s, 'nat', (removed[0] as Rule).spec);
    assert.deepEqual(only(doctor(s), 'no-masquerade'), []);
  }
  // Routed gateway mode and internal networks have none, by design.
  assert.deepEqual(only(doctor(labSnapshot('lab28')), 'no-masquerade'), []);
  // IPv6 (Docker 28 programs ip6tables): lab-v6's fd00:30:6::/64.
  const s = labSnapshot('lab28');
  for (const c of s.netfilter6?.tables.find((t) => t.name === 'nat')?.chains ?? []) c.rules = c.rules.filter((r) => r.target !== 'MASQUERADE');
  const v6 = one(doctor(s), 'no-masquerade', 'lab-v6');
  assert.match(v6.evidence, /fd00:30:6::\/64 in ip6tables' nat table/);
  assert.match(v6.fix, /ip6tables -t nat -A POSTROUTING -s fd00:30:6::\/64 ! -o br-\w+ -j MASQUERADE/);
  // Docker 20.10 makes no IPv6 NAT unless told to (--ip6tables): an IPv6 network there has none, by design,
  // even with another engine's ip6tables rules left behind.
  const old = labSnapshot('lab28');
  assert.ok(old.docker);
  old.docker.version = '20.10.24';
  for (const c of old.netfilter6?.tables.find((t) => t.name === 'nat')?.chains ?? []) c.rules = c.rules.filter((r) => r.target !== 'MASQUERADE');
  assert.deepEqual(
    only(doctor(old), 'no-masquerade').filter((x) => x.evidence.includes('ip6tables')),
    [],
  );
  // A network nobody uses yet: it will bite, not broken now.
  const unused = labSnapshot('lab28');
  removeRules(unused, 'nat', (r) => r.target === 'MASQUERADE' && r.match.source === '172.30.1.0/24');
  for (const c of unused.docker?.containers ?? []) c.endpoints = c.endpoints.filter((e) => e.network !== 'lab-net');
  assert.equal(one(doctor(unused), 'no-masquerade', 'lab-net').severity, 'warning');
});

test("docker-user-drop: a DOCKER-USER DROP of a container's traffic and of a published port, named with the rule", () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    insertRule(s, 'filter', '-A DOCKER-USER -s 172.30.1.20/32 -j DROP');
    let findings = doctor(s);
    const f = one(findings, 'docker-user-drop', 'client');
    assert.equal(f.severity, 'error');
    assert.equal(f.subject.kind, 'container');
    assert.match(
      f.evidence,
      /client's traffic out \(172\.30\.1\.20 on lab-net to 198\.51\.100\.20:443\) is dropped by filter DOCKER-USER #1: -A DOCKER-USER -s 172\.30\.1\.20\/32 -j DROP/,
    );
    assert.match(f.fix, /iptables -D DOCKER-USER -s 172\.30\.1\.20\/32 -j DROP/);
    assert.deepEqual(
      only(findings, 'docker-user-drop').map((x) => x.subject.name),
      ['client'],
    );
    // A published port's traffic.
    insertRule(s, 'filter', '-A DOCKER-USER -p tcp -m tcp --dport 80 -d 172.30.1.10/32 -j DROP');
    findings = doctor(s);
    const port = one(findings, 'docker-user-drop', '0.0.0.0:8080/tcp');
    assert.equal(port.subject.kind, 'port');
    assert.match(port.evidence, /api's published port 0\.0\.0\.0:8080\/tcp is dropped by filter DOCKER-USER #1/);
    removeRules(s, 'filter', (r) => r.chain === 'DOCKER-USER' && r.target === 'DROP');
    assert.deepEqual(only(doctor(s), 'docker-user-drop'), []);
    // A whole network's subnet: every member's traffic (one path per network, shared by its members).
    insertRule(s, 'filter', '-A DOCKER-USER -s 172.30.1.0/24 -j DROP');
    assert.deepEqual(
      only(doctor(s), 'docker-user-drop')
        .map((x) => x.subject.name)
        .sort(),
      ['api', 'client', 'dual', 'web1', 'web2', 'web3'],
    );
  }
});

test("forward-drop: a rule in FORWARD ahead of Docker's chains, and FORWARD emptied with its policy DROP", () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    const bridge = bridgeOf(s, 'lab-net');
    insertRule(s, 'filter', `-A FORWARD -i ${bridge} -j DROP`);
    let findings = doctor(s);
    const f = one(findings, 'forward-drop', 'api');
    assert.equal(f.severity, 'error');
    assert.ok(f.evidence.includes(`dropped by filter FORWARD #1: -A FORWARD -i ${bridge} -j DROP`), f.evidence);
    removeRules(s, 'filter', (r) => r.chain === 'FORWARD' && r.target === 'DROP' && r.match.inInterface === bridge);
    assert.deepEqual(only(doctor(s), 'forward-drop'), []);
    // Someone flushed FORWARD: its policy (DROP, which Docker set) now takes every container's traffic.
    const forward = s.netfilter?.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'FORWARD');
    assert.ok(forward);
    forward.policy = 'DROP';
    const saved = forward.rules;
    forward.rules = [];
    findings = doctor(s);
    const policy = one(findings, 'forward-drop', 'lab-net');
    assert.equal(policy.subject.kind, 'network');
    assert.match(policy.evidence, /dropped by filter FORWARD policy DROP/);
    assert.match(policy.fix, /restart Docker/);
    forward.rules = saved;
    assert.deepEqual(problems(doctor(s)), []);
  }
});

test('stale-dnat and stale-rules: a DNAT to an address no container has, a rule naming a bridge that is gone', () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    insertRule(s, 'nat', '-A DOCKER -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.30.1.99:80', 999);
    insertRule(s, 'filter', '-A FORWARD -o br-0123456789ab -j DOCKER', 999);
    const findings = doctor(s);
    const dnat = only(findings, 'stale-dnat');
    assert.equal(dnat.length, 1, JSON.stringify(findings, null, 1));
    const d = dnat[0] as Finding;
    assert.equal(d.subject.kind, 'rule');
    assert.match(d.subject.name, /^nat DOCKER #\d+$/);
    assert.match(d.evidence, /--to-destination 172\.30\.1\.99:80: DNAT to 172\.30\.1\.99, which no container has/);
    assert.match(d.fix, /iptables -t nat -D DOCKER -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172\.30\.1\.99:80/);
    const stale = only(findings, 'stale-rules');
    assert.equal(stale.length, 1, JSON.stringify(stale, null, 1));
    assert.match((stale[0] as Finding).evidence, /br-0123456789ab/);
    removeRules(s, 'nat', (r) => r.target === 'DNAT' && r.match.dport === '9090');
    removeRules(s, 'filter', (r) => r.match.outInterface === 'br-0123456789ab');
    assert.deepEqual(problems(doctor(s)), []);
  }
});

test("stale-rules: another engine version's layout left after an in-place switch is information, one finding per chain", () => {
  // Docker 28's rules with a Docker 20.10 engine running: what switching the lab's engine in place leaves.
  const s = labSnapshot('lab28');
  assert.ok(s.docker);
  s.docker.version = '20.10.24+dfsg1';
  const findings = doctor(s);
  assert.deepEqual(problems(findings), []);
  const forward = one(findings, 'stale-rules', 'filter DOCKER-FORWARD');
  assert.match(
    forward.evidence,
    /^\d+ rules another engine version left in filter DOCKER-FORWARD: -A DOCKER-FORWARD -j DOCKER-CT; .*belongs to Docker >= 28's layout; this engine \(Docker 20\) does not make it/,
  );
  assert.match(forward.fix, /iptables -t filter -D DOCKER-FORWARD -j DOCKER-CT/);
});

test('no-listener and loopback-listener: the published port against the listening sockets in the container', () => {
  for (const lab of LABS) {
    const s = withListeners(labSnapshot(lab));
    const api = s.containerNamespaces.find((n) => n.containerName === 'api');
    assert.ok(api);
    api.listeners = [{ protocol: 'tcp', address: '127.0.0.1', port: 80, inode: 1, uid: 0 }];
    let f = one(doctor(s), 'loopback-listener', 'api:80/tcp');
    assert.equal(f.severity, 'error');
    assert.equal(f.subject.kind, 'port');
    assert.match(f.evidence, /api publishes 80\/tcp \(host 0\.0\.0\.0:8080, \[::\]:8080\), but api listens on tcp 127\.0\.0\.1:80 only/);
    api.listeners = [{ protocol: 'tcp', address: '0.0.0.0', port: 8000, inode: 1, uid: 0 }];
    f = one(doctor(s), 'no-listener', 'api:80/tcp');
    assert.match(f.evidence, /nothing in api listens on tcp port 80; it listens on tcp 0\.0\.0\.0:8000/);
    assert.match(f.fix, /-p HOSTPORT:8000/);
    api.listeners = [{ protocol: 'tcp', address: '0.0.0.0', port: 80, inode: 1, uid: 0 }];
    assert.deepEqual(problems(doctor(s)), []);
  }
});

test('port-conflict: a created or exited container whose host port is held, naming the holder', () => {
  const s = withListeners(labSnapshot('lab28'));
  const docker = s.docker;
  assert.ok(docker);
  const api = docker.containers.find((c) => c.name === 'api');
  assert.ok(api);
  docker.containers.push({
    ...api,
    id: 'f'.repeat(64),
    name: 'late',
    state: 'created',
    pid: 0,
    endpoints: [],
    ports: [],
    portBindings: [{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 }],
  });
  let f = one(doctor(s), 'port-conflict', 'late');
  assert.equal(f.severity, 'error');
  assert.match(f.evidence, /late \(created\) asks for host port 0\.0\.0\.0:8080\/tcp, which is held: container api publishes 0\.0\.0\.0:8080\/tcp/);
  // A host process holds it: its socket, as the host's /proc/net/tcp gives it.
  const late = docker.containers.at(-1);
  assert.ok(late);
  late.state = 'exited';
  late.portBindings = [{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 9000 }];
  s.hostNamespace.listeners?.push({ protocol: 'tcp', address: '0.0.0.0', port: 9000, inode: 4242, uid: 1000 });
  f = one(doctor(s), 'port-conflict', 'late');
  assert.equal(f.severity, 'warning');
  assert.match(f.evidence, /a host process listens on tcp 0\.0\.0\.0:9000 \(uid 1000, socket inode 4242/);
  s.hostNamespace.listeners = s.hostNamespace.listeners?.filter((l) => l.port !== 9000);
  assert.deepEqual(only(doctor(s), 'port-conflict'), []);
});

test("dns-redirect-missing: a user-network container's namespace without the DNAT to 127.0.0.11", () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    const client = s.containerNamespaces.find((n) => n.containerName === 'client');
    assert.ok(client?.dnsRules);
    const saved = structuredClone(client.dnsRules);
    for (const c of client.dnsRules.chains) c.rules = [];
    const f = one(doctor(s), 'dns-redirect-missing', 'client');
    assert.equal(f.severity, 'error');
    assert.match(f.evidence, /client is on lab-net, so its resolv\.conf names 127\.0\.0\.11, but its namespace's nat table has no DNAT of udp and tcp port 53/);
    client.dnsRules = saved;
    assert.deepEqual(only(doctor(s), 'dns-redirect-missing'), []);
  }
});

test('subnet-overlap: a more specific route stealing a subnet (error), a wider VPN route over it (warning)', () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    s.hostNamespace.routes.push({ dst: '172.30.1.0/25', gateway: '192.0.2.1', dev: 'eth0' });
    let f = one(doctor(s), 'subnet-overlap', 'lab-net');
    assert.equal(f.severity, 'error');
    assert.match(f.evidence, /lab-net's subnet 172\.30\.1\.0\/24: 172\.30\.1\.\d+ is routed to eth0, not to br-\w+ \(route 172\.30\.1\.0\/25 dev eth0\)/);
    s.hostNamespace.routes.pop();
    s.hostNamespace.routes.push({ dst: '172.30.0.0/16', dev: 'tun0', scope: 'link' });
    const findings = doctor(s);
    f = one(findings, 'subnet-overlap', 'lab-other');
    assert.equal(f.severity, 'warning');
    assert.match(f.evidence, /lab-other's subnet 172\.30\.2\.0\/24 overlaps the host route 172\.30\.0\.0\/16 dev tun0/);
    s.hostNamespace.routes.pop();
    assert.deepEqual(only(doctor(s), 'subnet-overlap'), []);
  }
});

test('ip-changed: against the previous snapshot, info alone, a warning when a rule still names the old address', () => {
  for (const lab of LABS) {
    const previous = labSnapshot(lab);
    const client = previous.docker?.containers.find((c) => c.name === 'client');
    assert.ok(client?.endpoints[0]);
    client.endpoints[0].ip = '172.30.1.99';
    const s = labSnapshot(lab);
    let f = one(doctor(s, previous), 'ip-changed', 'client');
    assert.equal(f.severity, 'info');
    assert.match(f.evidence, /client's address on lab-net changed from 172\.30\.1\.99 to 172\.30\.1\.20 since the previous snapshot/);
    insertRule(s, 'filter', '-A DOCKER-USER -s 172.30.1.99/32 -j ACCEPT');
    f = one(doctor(s, previous), 'ip-changed', 'client');
    assert.equal(f.severity, 'warning');
    assert.match(f.evidence, /a rule or hosts entry still names the old address: filter DOCKER-USER #1: -A DOCKER-USER -s 172\.30\.1\.99\/32 -j ACCEPT/);
    assert.deepEqual(only(doctor(s), 'ip-changed'), []);
    assert.deepEqual(only(doctor(s, labSnapshot(lab)), 'ip-changed'), []);
    // Another container's /etc/hosts pinning the old address (--add-host) is named too.
    const t = labSnapshot(lab);
    const api = t.docker?.containers.find((c) => c.name === 'api');
    assert.ok(api);
    api.extraHosts = [{ name: 'client', ip: '172.30.1.99' }];
    f = one(doctor(t, previous), 'ip-changed', 'client');
    assert.equal(f.severity, 'warning');
    assert.match(f.evidence, /api's \/etc\/hosts entry client 172\.30\.1\.99 \(--add-host\)/);
  }
});

test('no-shared-network: a container naming another (environment, link) with which it shares no network', () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    const client = s.docker?.containers.find((c) => c.name === 'client');
    assert.ok(client);
    client.nameRefs = [
      { name: 'lone', via: 'environment variable UPSTREAM' },
      { name: 'api', via: 'environment variable API_URL' },
      { name: 'db.example.org', via: 'environment variable DB_HOST' },
    ];
    const f = one(doctor(s), 'no-shared-network', 'client');
    assert.equal(f.severity, 'warning');
    assert.match(
      f.evidence,
      /client refers to lone \(environment variable UPSTREAM\), which is lone \(lab-other\); client is on lab-net: they share no network/,
    );
    assert.match(f.fix, /docker network connect lab-other client/);
    // The alias web resolves on lab-net, which client shares: no finding.
    client.nameRefs = [{ name: 'web', via: 'environment variable WEB_HOST' }];
    assert.deepEqual(only(doctor(s), 'no-shared-network'), []);
    // Pinned in its own /etc/hosts: the name resolves there, whatever Docker's DNS says.
    client.nameRefs = [{ name: 'lone', via: 'link' }];
    client.extraHosts = [{ name: 'lone', ip: '172.30.2.10' }];
    assert.deepEqual(only(doctor(s), 'no-shared-network'), []);
    client.extraHosts = [{ name: 'lone', ip: 'host-gateway' }];
    assert.deepEqual(only(doctor(s), 'no-shared-network'), [], '--add-host NAME:host-gateway pins it too');
    // A host-network target: the fix cannot be docker network connect for it.
    const hostnet = s.docker?.containers.find((c) => c.name === 'hostnet');
    assert.ok(hostnet);
    client.extraHosts = [];
    client.nameRefs = [{ name: 'hostnet', via: 'environment variable EXPORTER_HOST' }];
    const h = one(doctor(s), 'no-shared-network', 'client');
    assert.match(h.fix, /hostnet uses the host's network.*--add-host hostnet:host-gateway/);
  }
});

test('mtu-exceeds-uplink: a network created with an MTU above the uplink is a warning; mtu-mismatch: container and bridge differ', () => {
  for (const lab of LABS) {
    const s = labSnapshot(lab);
    const net = s.docker?.networks.find((n) => n.name === 'lab-other');
    assert.ok(net);
    net.options['com.docker.network.driver.mtu'] = '9000';
    net.mtu = 9000;
    const f = one(doctor(s), 'mtu-exceeds-uplink', 'lab-other');
    assert.equal(f.severity, 'warning');
    assert.match(f.evidence, /lab-other was created with com\.docker\.network\.driver\.mtu=9000, larger than the uplink eth0's MTU 1400/);
    assert.match(f.fix, /--opt com\.docker\.network\.driver\.mtu=1400/);
    delete net.options['com.docker.network.driver.mtu'];
    delete net.mtu;
    assert.deepEqual(problems(doctor(s)), []);
    const lone = s.containerNamespaces.find((n) => n.containerName === 'lone')?.links.find((l) => l.name === 'eth0');
    assert.ok(lone);
    lone.mtu = 1450;
    const m = one(doctor(s), 'mtu-mismatch', 'lone');
    assert.match(m.evidence, /lone's eth0 on lab-other has MTU 1450, but the bridge it is plugged into, br-\w+ .*has MTU 1500/);
  }
});

test('overlay-mtu: with a remote VTEP the arithmetic is a warning', () => {
  const s = labSnapshot('lab28');
  const sb = s.overlaySandboxes.find((x) => x.links.some((l) => l.kind === 'vxlan') && x.fdb.filter((e) => e.master === 'br0').length > 3);
  assert.ok(sb);
  sb.fdb.push({ mac: '02:42:0a:1e:09:63', ifname: 'vxlan0', dst: '192.0.2.3', flags: ['self'], state: 'permanent' });
  const f = one(doctor(s), 'overlay-mtu', 'lab-overlay');
  assert.equal(f.severity, 'warning');
  assert.match(
    f.evidence,
    /^1450 \(overlay MTU, vxlan0 in sandbox 1-\w+\) \+ 50 \(VXLAN over IPv4: outer IPv4 20 \+ UDP 8 \+ VXLAN 8 \+ inner Ethernet 14\) = 1500 > 1400 \(eth0's MTU\): full-size packets to the remote VTEPs \(192\.0\.2\.3\)/,
  );
  assert.match(f.fix, /--opt com\.docker\.network\.driver\.mtu=1350 \(underlay 1400 - 50\)/);
});

test('macvlan-host-isolation: information on a macvlan network with running containers', () => {
  const s = labSnapshot('lab28');
  const docker = s.docker;
  assert.ok(docker);
  const lone = docker.containers.find((c) => c.name === 'lone');
  assert.ok(lone?.endpoints[0]);
  docker.networks.push({
    ...(docker.networks.find((n) => n.name === 'lab-other') as NonNullable<(typeof docker.networks)[number]>),
    id: 'm'.repeat(64),
    name: 'lan',
    driver: 'macvlan',
    options: { parent: 'eth0' },
    subnets: [{ subnet: '192.168.77.0/24', gateway: '' }],
  });
  delete docker.networks.at(-1)?.bridgeName;
  lone.endpoints.push({ ...lone.endpoints[0], network: 'lan', ip: '192.168.77.5' });
  const f = one(doctor(s), 'macvlan-host-isolation', 'lan');
  assert.equal(f.severity, 'info');
  assert.match(f.evidence, /lan is a macvlan network on eth0: its containers \(lone 192\.168\.77\.5\) and this host cannot reach each other/);
  // The parent's own route to the LAN is the design, not an overlap.
  s.hostNamespace.routes.push({ dst: '192.168.77.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link' });
  assert.deepEqual(only(doctor(s), 'subnet-overlap'), []);
  // A shim: the host's own macvlan child of eth0, with the route to lone through it: the host reaches lone.
  const eth0 = s.hostNamespace.links.find((l) => l.name === 'eth0');
  assert.ok(eth0);
  s.hostNamespace.links.push({
    index: 990,
    name: 'mvshim',
    kind: 'macvlan',
    mtu: 1400,
    operState: 'UNKNOWN',
    flags: ['UP'],
    linkIndex: eth0.index,
    addresses: [],
  });
  s.hostNamespace.routes.push({ dst: '192.168.77.5', dev: 'mvshim', scope: 'link' });
  assert.deepEqual(only(doctor(s), 'macvlan-host-isolation'), []);
  // A shim of another parent does not count.
  (s.hostNamespace.links.at(-1) as { linkIndex: number }).linkIndex = eth0.index + 1000;
  one(doctor(s), 'macvlan-host-isolation', 'lan');
});

/** Docker 28's capture with ufw's chains (test/fixtures/nft/ufw.iptables-restore) loaded beside Docker's. */
function withUfw(): HostSnapshot {
  const s = labSnapshot('lab28');
  const ufw = parseIptablesSave(fixture('nft', 'ufw.iptables-restore')).tables.find((t) => t.name === 'filter');
  const filter = s.netfilter?.tables.find((t) => t.name === 'filter');
  assert.ok(ufw && filter);
  for (const c of ufw.chains) {
    const mine = filter.chains.find((x) => x.name === c.name);
    if (!mine) filter.chains.push(c);
    else {
      // ufw's jumps go after Docker's in INPUT and FORWARD (Docker inserts its own at the top).
      mine.rules.push(...c.rules);
      mine.rules.forEach((r, i) => (r.position = i + 1));
    }
  }
  return s;
}

test('ufw (captured state only): ports published on all addresses bypass it; a ufw drop in FORWARD is host-firewall-drop', () => {
  const s = withUfw();
  let findings = doctor(s);
  const f = one(findings, 'exposed-port-bypasses-firewall', '0.0.0.0:8080/tcp');
  assert.equal(f.severity, 'warning');
  assert.match(
    f.evidence,
    /api publishes 0\.0\.0\.0:8080\/tcp on every address; ufw's chains are in iptables' filter table \(ufw-before-input.*\), and ufw does not allow 8080\/tcp/,
  );
  assert.match(f.fix, /-p 127\.0\.0\.1:8080:80/);
  // Only Docker's bypass: nothing else above info.
  assert.deepEqual([...new Set(problems(findings).map((x) => x.check))], ['exposed-port-bypasses-firewall']);
  // `ufw allow 8080/tcp`: ufw no longer believes it closed.
  insertRule(s, 'filter', '-A ufw-user-input -p tcp -m tcp --dport 8080 -j ACCEPT');
  assert.deepEqual(
    only(doctor(s), 'exposed-port-bypasses-firewall').filter((x) => x.subject.name.endsWith(':8080/tcp')),
    [],
  );
  // ufw's rules put ahead of Docker's in FORWARD, denying routed traffic.
  insertRule(s, 'filter', '-A FORWARD -j ufw-before-forward');
  insertRule(s, 'filter', '-A ufw-user-forward -j DROP', 999);
  findings = doctor(s);
  const drop = one(findings, 'host-firewall-drop', 'client');
  assert.match(drop.evidence, /client's traffic out .* is dropped by filter ufw-user-forward #1: -A ufw-user-forward -j DROP \(ufw\)/);
  assert.match(drop.fix, /ufw route allow in on br-\w+/);
});

test('firewalld (captured state only): its inet table rejects forwarded container traffic; published ports bypass it', () => {
  const s = labSnapshot('lab28');
  s.nftables = parseNftRuleset(fixture('nft', 'firewalld.json'));
  s.sources.push({ name: 'nftables', state: 'ok', ms: 1 });
  const findings = doctor(s);
  const drop = one(findings, 'host-firewall-drop', 'client');
  assert.match(drop.evidence, /dropped by .*firewalld.* filter_FORWARD/);
  assert.match(drop.fix, /firewall-cmd --permanent --zone=docker --add-interface=br-\w+/);
  const exposed = one(findings, 'exposed-port-bypasses-firewall', '0.0.0.0:8080/tcp');
  assert.match(exposed.evidence, /firewalld's nftables table inet firewalld is loaded/);
});

// ------------------------------------------------------------------ overlay peers and the FDB

const PEER = { name: '5f1c2a9b7e30', ip: '192.0.2.3' };

/**
 * Docker 28's capture in swarm mode as this node (192.0.2.2, eth0's address) reads it:
 * lab-overlay lists `peers` (this node first), and the peers source was read.
 */
function withPeers(peers: { name: string; ip: string }[]): HostSnapshot {
  const s = labSnapshot('lab28');
  const docker = s.docker;
  assert.ok(docker);
  docker.nodeAddr = '192.0.2.2';
  const net = docker.networks.find((n) => n.name === 'lab-overlay');
  assert.ok(net);
  net.peers = [{ name: '68a00d0d8766', ip: '192.0.2.2' }, ...peers];
  s.sources.push({ name: 'overlayPeers', state: 'ok', ms: 1, via: 'docker-api' });
  return s;
}

/** lab-overlay's sandbox (`1-<its id prefix>`) in a snapshot. */
function overlaySandbox(s: HostSnapshot) {
  const id = s.docker?.networks.find((n) => n.name === 'lab-overlay')?.id ?? '';
  const sb = s.overlaySandboxes.find((x) => x.name === `1-${id.slice(0, 10)}`);
  assert.ok(sb && sb.links.some((l) => l.name === 'vxlan0' && l.kind === 'vxlan'));
  return sb;
}

test('vxlan-fdb-missing: a remote peer lab-overlay lists with no FDB entry on vxlan0 is an error naming it, the device, the sandbox and the FDB', () => {
  const s = withPeers([PEER]);
  const sb = overlaySandbox(s);
  const f = one(doctor(s), 'vxlan-fdb-missing', 'lab-overlay');
  assert.equal(f.severity, 'error');
  assert.equal(f.subject.kind, 'network');
  assert.equal(
    f.evidence,
    `lab-overlay lists peer 5f1c2a9b7e30 (192.0.2.3), but vxlan0 in sandbox ${sb.name} has no FDB entry with dst 192.0.2.3: frames for that node's containers have no VTEP to go to. ` +
      "vxlan0's FDB has no entry with a remote VTEP at all (no container of another node is known here); the peers listed: 68a00d0d8766 192.0.2.2 (this node), 5f1c2a9b7e30 192.0.2.3",
  );
  assert.match(f.fix, /TCP and UDP 7946 \(gossip\) and UDP 4789 .* between this node and 192\.0\.2\.3/);
  assert.match(f.fix, /docker network disconnect lab-overlay CONTAINER && docker network connect lab-overlay CONTAINER/);
  assert.equal(doctorExitCode(doctor(s)), 1);
  // ingress lists no peers in this snapshot: nothing said about it.
  assert.deepEqual(
    only(doctor(s), 'vxlan-fdb-missing').map((x) => x.subject.name),
    ['lab-overlay'],
  );
});

test('vxlan-fdb-missing: gone once vxlan0 has an entry for the peer; what the FDB has is named when another peer lacks one', () => {
  const s = withPeers([PEER]);
  overlaySandbox(s).fdb.push({ mac: '02:42:0a:1e:09:63', ifname: 'vxlan0', dst: '192.0.2.3', flags: ['self'], state: 'permanent' });
  assert.deepEqual(only(doctor(s), 'vxlan-fdb-missing'), []);
  // The one problem left is the MTU arithmetic, now that a remote VTEP exists.
  assert.deepEqual(
    problems(doctor(s)).map((x) => x.check),
    ['overlay-mtu'],
  );
  // An entry on another device (br0) does not count, nor one for another address.
  const t = withPeers([PEER]);
  overlaySandbox(t).fdb.push({ mac: '02:42:0a:1e:09:63', ifname: 'br0', dst: '192.0.2.3', flags: ['self'] });
  assert.equal(only(doctor(t), 'vxlan-fdb-missing').length, 1);
  const u = withPeers([PEER, { name: 'a7d3c0ffee11', ip: '192.0.2.4' }]);
  overlaySandbox(u).fdb.push(
    { mac: '02:42:0a:1e:09:63', ifname: 'vxlan0', dst: '192.0.2.3', flags: ['self'], state: 'permanent' },
    { mac: '02:42:0a:1e:09:64', ifname: 'vxlan0', dst: '192.0.2.3', flags: ['self'], state: 'permanent' },
  );
  const f = one(doctor(u), 'vxlan-fdb-missing', 'lab-overlay');
  assert.equal(f.severity, 'error');
  assert.match(f.evidence, /^lab-overlay lists peer a7d3c0ffee11 \(192\.0\.2\.4\), but vxlan0 .*vxlan0's FDB has remote entries for 192\.0\.2\.3 \(2 MACs\)/);
});

test('vxlan-fdb-missing: nothing when the only peer is this node (by its swarm address, or an address of its own)', () => {
  const s = withPeers([]);
  assert.deepEqual(only(doctor(s), 'vxlan-fdb-missing'), []);
  // Swarm.NodeAddr alone says which peer is this node, even when no interface has that address.
  const t = withPeers([]);
  assert.ok(t.docker);
  t.docker.nodeAddr = '198.51.100.7';
  const net = t.docker.networks.find((n) => n.name === 'lab-overlay');
  assert.ok(net);
  net.peers = [{ name: '68a00d0d8766', ip: '198.51.100.7' }];
  assert.deepEqual(only(doctor(t), 'vxlan-fdb-missing'), []);
  delete t.docker.nodeAddr;
  assert.equal(only(doctor(t), 'vxlan-fdb-missing').length, 1, 'without NodeAddr that peer is another node');
});

test('vxlan-fdb-missing: nothing when the peers were not read (no source, or it failed), nor for a peer whose address Docker lost', () => {
  const s = withPeers([PEER]);
  s.sources = s.sources.filter((x) => x.name !== 'overlayPeers');
  assert.deepEqual(only(doctor(s), 'vxlan-fdb-missing'), []);
  s.sources.push({ name: 'overlayPeers', state: 'unreachable', ms: 1, reason: 'the engine did not answer' });
  assert.deepEqual(only(doctor(s), 'vxlan-fdb-missing'), []);
  // The captures predate the read: no peers on any network, nothing said.
  assert.deepEqual(only(doctor(labSnapshot('lab28')), 'vxlan-fdb-missing'), []);
  assert.deepEqual(only(doctor(withPeers([{ name: 'x', ip: 'unknown' }])), 'vxlan-fdb-missing'), []);
});

test('vxlan-fdb-missing: VTEPs no listed peer has (--data-path-addr) make it a warning that says so', () => {
  const s = withPeers([PEER]);
  overlaySandbox(s).fdb.push({ mac: '02:42:0a:1e:09:63', ifname: 'vxlan0', dst: '10.99.0.3', flags: ['self'], state: 'permanent' });
  const f = one(doctor(s), 'vxlan-fdb-missing', 'lab-overlay');
  assert.equal(f.severity, 'warning');
  assert.match(f.evidence, /The FDB names VTEPs that no listed peer has \(10\.99\.0\.3\): if the nodes joined with --data-path-addr/);
  assert.match(f.fix, /^Find which node has 10\.99\.0\.3: if it is 5f1c2a9b7e30/);
});

// ------------------------------------------------------------------ offloads

/**
 * Docker 28's capture with eth0's offloads read: the real `ethtool -k eth0` capture, and the
 * driver from the `ethtool -i` capture, or its copy edited to say vmxnet3 (ethtool-i-vmxnet3.txt).
 */
function withOffloads(driverFile: 'ethtool-i-eth0.txt' | 'ethtool-i-vmxnet3.txt', features: Record<string, string> = {}): HostSnapshot {
  const s = labSnapshot('lab28');
  const driver = parseEthtoolDriver(fixture('lab28', driverFile));
  assert.ok(driver);
  s.offloads = [{ ifname: 'eth0', driver, features: { ...parseEthtoolFeatures(fixture('lab28', 'ethtool-k-eth0.txt')), ...features } }];
  s.sources.push({ name: 'offloads', state: 'ok', ms: 1, via: 'unprivileged' });
  return s;
}

test('vxlan-offload: vmxnet3 with tx-checksum-ip-generic on under an overlay is a warning with the ethtool -K fix (information on one node)', () => {
  const s = withOffloads('ethtool-i-vmxnet3.txt');
  // The capture is a one-node swarm: nothing leaves encapsulated yet.
  const single = one(doctor(s), 'vxlan-offload', 'eth0');
  assert.equal(single.severity, 'info');
  assert.match(single.evidence, /no remote VTEP is known yet/);
  // A remote VTEP in the overlay's FDB: now it bites.
  overlaySandbox(s).fdb.push({ mac: '02:42:0a:1e:09:63', ifname: 'vxlan0', dst: '10.99.0.3', flags: ['self'], state: 'permanent' });
  const findings = doctor(s);
  const f = one(findings, 'vxlan-offload', 'eth0');
  assert.equal(f.severity, 'warning');
  assert.equal(f.subject.kind, 'interface');
  assert.match(
    f.evidence,
    /^eth0 \(driver vmxnet3\) carries the VXLAN traffic of (ingress|lab-overlay) \(vxlan0 in 1-\w+\), (ingress|lab-overlay) \(vxlan0 in 1-\w+\) and has tx-checksum-ip-generic: on: .*bad checksums.* \(documented in moby\/moby#41775/,
  );
  assert.match(f.fix, /^ethtool -K eth0 tx-checksum-ip-generic off \(on every node whose adapter is vmxnet3\)/);
  assert.match(f.fix, /nmcli connection modify CONNECTION ethtool\.feature-tx-checksum-ip-generic off/);
  // tx-udp_tnl-segmentation is "off [fixed]" in the capture: only the one finding.
  assert.equal(only(findings, 'vxlan-offload').length, 1);
  assert.equal(doctorExitCode(findings), 1);
});

test('vxlan-offload: nothing once it is off, on the real virtio_net driver, without an overlay, or when the offloads were not read', () => {
  assert.deepEqual(only(doctor(withOffloads('ethtool-i-vmxnet3.txt', { 'tx-checksum-ip-generic': 'off' })), 'vxlan-offload'), []);
  assert.deepEqual(only(doctor(withOffloads('ethtool-i-vmxnet3.txt', { 'tx-checksum-ip-generic': 'off [requested on]' })), 'vxlan-offload'), []);
  // The capture as it is: virtio_net, not a documented combination, whatever its features.
  assert.deepEqual(only(doctor(withOffloads('ethtool-i-eth0.txt', { 'tx-udp_tnl-segmentation': 'on' })), 'vxlan-offload'), []);
  const noOverlay = withOffloads('ethtool-i-vmxnet3.txt');
  noOverlay.overlaySandboxes = noOverlay.overlaySandboxes.filter((sb) => !sb.links.some((l) => l.kind === 'vxlan'));
  assert.deepEqual(only(doctor(noOverlay), 'vxlan-offload'), []);
  const unread = withOffloads('ethtool-i-vmxnet3.txt');
  unread.sources = unread.sources.filter((x) => x.name !== 'offloads');
  unread.sources.push({ name: 'offloads', state: 'missing-tool', ms: 0, reason: 'ethtool is not installed' });
  assert.deepEqual(only(doctor(unread), 'vxlan-offload'), []);
  // A veth underlay (a host inside a container): never warned about, whatever the driver says.
  const veth = withOffloads('ethtool-i-vmxnet3.txt');
  const eth0 = veth.hostNamespace.links.find((l) => l.name === 'eth0');
  assert.ok(eth0);
  eth0.kind = 'veth';
  assert.deepEqual(only(doctor(veth), 'vxlan-offload'), []);
});

test('vxlan-offload: UDP tunnel segmentation on vmxnet3 is the second documented combination; a fixed feature cannot be switched off', () => {
  const s = withOffloads('ethtool-i-vmxnet3.txt', {
    'tx-checksum-ip-generic': 'off',
    'tx-udp_tnl-segmentation': 'on',
    'tx-udp_tnl-csum-segmentation': 'on [fixed]',
  });
  const f = one(doctor(s), 'vxlan-offload', 'eth0');
  assert.match(f.evidence, /has tx-udp_tnl-segmentation: on, tx-udp_tnl-csum-segmentation: on \[fixed\]: vmxnet3 v4/);
  assert.match(f.evidence, /openshift\/machine-config-operator#2472/);
  assert.match(f.fix, /^ethtool -K eth0 tx-udp_tnl-segmentation off \(/);
  assert.match(f.fix, /tx-udp_tnl-csum-segmentation is fixed on by the vmxnet3 driver here: ethtool cannot switch it off/);
});
