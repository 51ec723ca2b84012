// The network doctor on the real lab, both engines. The healthy lab has nothing above info.
// Each fault is made by the test, in exactly one way (lab objects, a namespace, rules with the
// marker comment cndt-doctor), found by `container-net doctor --json` with the right check id,
// object and evidence, then repaired (in finally, also when an assertion fails) and found gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';
import { quiet, requireLab, sh } from './lab';

const CLI = join(process.cwd(), 'dist', 'cli.js');
const MARK = 'cndt-doctor';
const IMAGE = 'containernet-lab/busybox:1';

interface Finding {
  check: string;
  severity: 'error' | 'warning' | 'info';
  subject: { kind: string; name: string };
  evidence: string;
  fix: string;
}

function doctor(...extra: string[]): Promise<{ code: number; findings: Finding[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'doctor', '--json', ...extra], { timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      try {
        resolve({ code, findings: (JSON.parse(stdout) as { findings: Finding[] }).findings, stderr });
      } catch {
        reject(new Error(`doctor printed no JSON (exit ${code}): ${stderr}\n${stdout.slice(0, 2000)}`));
      }
    });
  });
}

const bad = (f: Finding[]) => f.filter((x) => x.severity !== 'info');
const show = (f: Finding[]) => f.map((x) => `${x.severity} ${x.check} ${x.subject.kind}:${x.subject.name}: ${x.evidence}`).join('\n');

/** Breaks the lab one way, finds the fault, repairs it, finds it gone. */
async function fault(
  what: string,
  breakIt: () => void | Promise<void>,
  repair: () => void | Promise<void>,
  expect: { check: string; severity?: Finding['severity']; subject: RegExp; evidence: RegExp },
): Promise<void> {
  let repaired = false;
  try {
    await breakIt();
    const { code, findings } = await doctor();
    const hit = findings.find((f) => f.check === expect.check && expect.subject.test(`${f.subject.kind}:${f.subject.name}`));
    assert.ok(hit, `${what}: no ${expect.check} finding on ${expect.subject}; the doctor said:\n${show(findings)}`);
    assert.match(hit.evidence, expect.evidence, `${what}: the evidence`);
    assert.ok(hit.fix.length > 10, `${what}: a fix in words`);
    if (expect.severity) assert.equal(hit.severity, expect.severity, what);
    if (hit.severity !== 'info') assert.equal(code, 1, `${what}: exit status 1 with an error or a warning`);
    await repair();
    repaired = true;
    const afterFix = await doctor();
    assert.ok(
      !afterFix.findings.some((f) => f.check === expect.check && expect.subject.test(`${f.subject.kind}:${f.subject.name}`)),
      `${what}: still reported after the repair:\n${show(afterFix.findings)}`,
    );
  } finally {
    if (!repaired) await repair();
  }
}

const ipOf = (name: string) => sh('docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name).trim();
const bridgeOf = (network: string) => `br-${sh('docker', 'network', 'inspect', '-f', '{{.Id}}', network).trim().slice(0, 12)}`;

/** Whether a TCP connection from the host to a lab address gets an answer within 2 s. */
function reaches(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const end = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => end(false), 2000);
    s.on('connect', () => {
      clearTimeout(timer);
      end(true);
    });
    s.on('error', () => {
      clearTimeout(timer);
      end(false);
    });
  });
}

/** Whether a name resolves through Docker's resolver inside a container (busybox nslookup, 6 s at most). */
function resolves(container: string, name: string): boolean {
  try {
    // An answer, not the server's own lines: "Name: <name>" then its address.
    return /^Name:\s+\S+\s*\nAddress(?: \d+)?:\s+\d+\.\d+\.\d+\.\d+\s*$/m.test(sh('timeout', '6', 'docker', 'exec', container, 'nslookup', name, '127.0.0.11'));
  } catch {
    return false;
  }
}

const pidOf = (name: string) => sh('docker', 'inspect', '-f', '{{.State.Pid}}', name).trim();
/** lab-overlay's sandbox namespace (Docker names it 1-<first 10 of the network id>). */
const overlaySandbox = () => `/var/run/docker/netns/1-${sh('docker', 'network', 'inspect', '-f', '{{.Id}}', 'lab-overlay').trim().slice(0, 10)}`;
const REMOTE_VTEP = ['02:00:00:c0:ff:ee', 'dev', 'vxlan0', 'dst', '198.18.0.99', 'self', 'permanent'];

function cleanUp(): void {
  for (const c of [
    'cndt-doc-empty',
    'cndt-doc-loop',
    'cndt-doc-conflict',
    'cndt-doc-ref',
    'cndt-doc-dns',
    'cndt-doc-ipc',
    'cndt-doc-pin',
    'cndt-doc-mv1',
    'cndt-doc-mtu1',
    'cndt-doc-def',
  ])
    quiet('docker', 'rm', '-f', c);
  quiet('docker', 'network', 'rm', 'cndt-doc-mtu');
  quiet('docker', 'network', 'rm', 'cndt-doc-mv');
  quiet('ip', 'link', 'del', 'cndt-docshim');
  quiet('ip', 'link', 'del', 'cndt-docmv0');
  try {
    quiet('nsenter', `--net=${overlaySandbox()}`, 'bridge', 'fdb', 'del', ...REMOTE_VTEP.slice(0, 3), 'self');
  } catch {
    // no overlay
  }
  for (const table of ['filter', 'nat']) {
    for (const line of sh('iptables-save', '-t', table).split('\n')) {
      if (!line.startsWith('-A ') || !line.includes(MARK)) continue;
      const args =
        line
          .slice(3)
          .match(/(?:[^\s"]+|"[^"]*")+/g)
          ?.map((a) => a.replace(/^"|"$/g, '')) ?? [];
      quiet('iptables', '-t', table, '-D', ...args);
    }
  }
  quiet('ip', 'link', 'del', 'cndt-doc0');
}

before(() => {
  requireLab();
  cleanUp();
});

after(cleanUp);

test('the healthy lab: no error and no warning, exit status 0', async () => {
  const { code, findings } = await doctor();
  assert.deepEqual(bad(findings), [], show(bad(findings)));
  assert.equal(code, 0);
});

test("docker-user-drop: a DOCKER-USER rule dropping api's published port is named, with the rule", async () => {
  const rule = ['-d', ipOf('api'), '-p', 'tcp', '--dport', '80', '-m', 'comment', '--comment', MARK, '-j', 'DROP'];
  await fault(
    'DOCKER-USER DROP',
    () => void sh('iptables', '-I', 'DOCKER-USER', ...rule),
    () => quiet('iptables', '-D', 'DOCKER-USER', ...rule),
    { check: 'docker-user-drop', subject: /api|8080|DOCKER-USER/, evidence: new RegExp(MARK) },
  );
});

test('stale-dnat: a DNAT rule to an address no container has', async () => {
  const rule = ['-p', 'tcp', '--dport', '8097', '-m', 'comment', '--comment', MARK, '-j', 'DNAT', '--to-destination', '172.30.1.99:80'];
  await fault(
    'stale DNAT',
    () => void sh('iptables', '-t', 'nat', '-I', 'DOCKER', ...rule),
    () => quiet('iptables', '-t', 'nat', '-D', 'DOCKER', ...rule),
    { check: 'stale-dnat', subject: /.*/, evidence: /172\.30\.1\.99/ },
  );
});

test('no-listener and loopback-listener: a published port with nothing behind it; a service bound to 127.0.0.1 only', async () => {
  await fault(
    'published port, nothing listening',
    () => void sh('docker', 'run', '-d', '--name', 'cndt-doc-empty', '--label', `${MARK}=1`, '--network', 'lab-net', '-p', '8098:80', IMAGE, 'sleep', 'inf'),
    () => quiet('docker', 'rm', '-f', 'cndt-doc-empty'),
    { check: 'no-listener', subject: /cndt-doc-empty|8098/, evidence: /80/ },
  );
  await fault(
    'listening on 127.0.0.1 only',
    () =>
      void sh(
        'docker',
        'run',
        '-d',
        '--name',
        'cndt-doc-loop',
        '--label',
        `${MARK}=1`,
        '--network',
        'lab-net',
        '-p',
        '8096:80',
        IMAGE,
        'httpd',
        '-f',
        '-p',
        '127.0.0.1:80',
        '-h',
        '/',
      ),
    () => quiet('docker', 'rm', '-f', 'cndt-doc-loop'),
    { check: 'loopback-listener', subject: /cndt-doc-loop|8096/, evidence: /127\.0\.0\.1/ },
  );
});

test('port-conflict: a container that cannot publish a host port another process holds; the holder named', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(8095, '0.0.0.0', () => resolve()));
  try {
    await fault(
      'host port held',
      () => {
        sh('docker', 'create', '--name', 'cndt-doc-conflict', '--label', `${MARK}=1`, '--network', 'lab-net', '-p', '8095:80', IMAGE, 'sleep', 'inf');
        try {
          sh('docker', 'start', 'cndt-doc-conflict');
        } catch {
          // the point: the port is taken
        }
      },
      () => quiet('docker', 'rm', '-f', 'cndt-doc-conflict'),
      { check: 'port-conflict', subject: /cndt-doc-conflict|8095/, evidence: /8095/ },
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('no-masquerade: lab-net without its MASQUERADE rule', async () => {
  const bridge = bridgeOf('lab-net');
  const rule = ['-s', '172.30.1.0/24', '!', '-o', bridge, '-j', 'MASQUERADE'];
  await fault(
    'MASQUERADE removed',
    () => void sh('iptables', '-t', 'nat', '-D', 'POSTROUTING', ...rule),
    () => {
      if (!sh('iptables-save', '-t', 'nat').includes(`-A POSTROUTING -s 172.30.1.0/24 ! -o ${bridge} -j MASQUERADE`))
        sh('iptables', '-t', 'nat', '-A', 'POSTROUTING', ...rule);
    },
    { check: 'no-masquerade', subject: /lab-net/, evidence: /172\.30\.1\.0\/24/ },
  );
});

test('forward-drop: a FORWARD rule dropping lab-other bridge traffic before Docker sees it', async () => {
  const rule = ['-i', bridgeOf('lab-other'), '-m', 'comment', '--comment', MARK, '-j', 'DROP'];
  await fault(
    'FORWARD DROP',
    () => void sh('iptables', '-I', 'FORWARD', ...rule),
    () => quiet('iptables', '-D', 'FORWARD', ...rule),
    { check: 'forward-drop', subject: /lone|lab-other|FORWARD/, evidence: /DROP/ },
  );
});

test('mtu-exceeds-uplink: a network created with an MTU above the uplink', async () => {
  await fault(
    'network MTU 9000',
    () =>
      void sh('docker', 'network', 'create', '--label', `${MARK}=1`, '-o', 'com.docker.network.driver.mtu=9000', '--subnet', '172.30.77.0/24', 'cndt-doc-mtu'),
    () => quiet('docker', 'network', 'rm', 'cndt-doc-mtu'),
    { check: 'mtu-exceeds-uplink', severity: 'warning', subject: /cndt-doc-mtu/, evidence: /9000/ },
  );
});

test('subnet-overlap: a host route into lab-net through another interface', async () => {
  await fault(
    'overlapping route',
    () => {
      sh('ip', 'link', 'add', 'cndt-doc0', 'type', 'veth', 'peer', 'name', 'cndt-doc1');
      sh('ip', 'addr', 'add', '172.30.1.129/25', 'dev', 'cndt-doc0');
      sh('ip', 'link', 'set', 'cndt-doc1', 'up');
      sh('ip', 'link', 'set', 'cndt-doc0', 'up');
    },
    () => quiet('ip', 'link', 'del', 'cndt-doc0'),
    { check: 'subnet-overlap', subject: /lab-net|cndt-doc0/, evidence: /cndt-doc0|172\.30\.1\.1(28|29)/ },
  );
});

test('ip-forward-off: forwarding turned off (restored at once)', async () => {
  const was = sh('sysctl', '-n', 'net.ipv4.ip_forward').trim();
  assert.equal(was, '1');
  await fault(
    'ip_forward 0',
    () => void sh('sysctl', '-w', 'net.ipv4.ip_forward=0'),
    () => void sh('sysctl', '-w', 'net.ipv4.ip_forward=1'),
    { check: 'ip-forward-off', severity: 'error', subject: /ip_forward|host/, evidence: /0/ },
  );
});

test('no-shared-network: an environment naming a container on another network; nslookup inside agrees, and connecting the network repairs it', async () => {
  let findings: Finding[] = [];
  await fault(
    'UPSTREAM names lone',
    () => {
      sh(
        'docker',
        'run',
        '-d',
        '--name',
        'cndt-doc-ref',
        '--label',
        `${MARK}=1`,
        '--network',
        'lab-net',
        '-e',
        'UPSTREAM=http://lone:80/',
        '-e',
        'DB_PASSWORD=cndt-not-shown',
        IMAGE,
        'sleep',
        'inf',
      );
      assert.equal(resolves('cndt-doc-ref', 'lone'), false, 'the oracle: lone does not resolve from cndt-doc-ref');
      const snap = sh(process.execPath, CLI, 'snapshot', '--json');
      assert.ok(snap.includes('"environment variable UPSTREAM"'), 'the reference is in the snapshot');
      assert.ok(!snap.includes('cndt-not-shown'), 'an environment value is never in the snapshot');
    },
    async () => {
      findings = (await doctor()).findings;
      quiet('docker', 'network', 'connect', 'lab-other', 'cndt-doc-ref');
      if (sh('docker', 'ps', '-q', '-f', 'name=^cndt-doc-ref$').trim())
        assert.equal(resolves('cndt-doc-ref', 'lone'), true, 'the oracle after the repair: lone resolves');
    },
    {
      check: 'no-shared-network',
      severity: 'warning',
      subject: /container:cndt-doc-ref/,
      evidence: /lone \(environment variable UPSTREAM\).*lone \(lab-other\).*on lab-net: they share no network/,
    },
  );
  assert.ok(!JSON.stringify(findings).includes('cndt-not-shown'), 'an environment value is never shown');
  quiet('docker', 'rm', '-f', 'cndt-doc-ref');
});

test("dns-redirect-missing: a container's namespace without the DNAT to 127.0.0.11; names stop resolving; docker restart (the fix) brings it back", async () => {
  sh('docker', 'run', '-d', '--name', 'cndt-doc-dns', '--label', `${MARK}=1`, '--network', 'lab-net', IMAGE, 'sleep', 'inf');
  try {
    assert.equal(resolves('cndt-doc-dns', 'api'), true, 'the oracle on the healthy container');
    const pid = pidOf('cndt-doc-dns');
    const nat = sh('nsenter', '-t', pid, '-n', 'iptables-save', '-t', 'nat');
    assert.match(nat, /DNAT --to-destination 127\.0\.0\.11:\d+/, "Docker's redirect as iptables-save shows it");
    await fault(
      'redirect flushed',
      () => {
        sh('nsenter', '-t', pid, '-n', 'iptables', '-t', 'nat', '-F', 'DOCKER_OUTPUT');
        assert.equal(resolves('cndt-doc-dns', 'api'), false, 'the oracle: api no longer resolves');
      },
      () => {
        sh('docker', 'restart', '-t', '0', 'cndt-doc-dns');
        assert.equal(resolves('cndt-doc-dns', 'api'), true, 'the oracle after docker restart');
      },
      { check: 'dns-redirect-missing', severity: 'error', subject: /container:cndt-doc-dns/, evidence: /no DNAT of udp and tcp port 53/ },
    );
  } finally {
    quiet('docker', 'rm', '-f', 'cndt-doc-dns');
  }
});

test("stale-rules: a rule in Docker's nat DOCKER chain naming a bridge this host does not have", async () => {
  const rule = ['-i', 'br-0123456789ab', '-m', 'comment', '--comment', MARK, '-j', 'RETURN'];
  await fault(
    'rule for a removed bridge',
    () => void sh('iptables', '-t', 'nat', '-I', 'DOCKER', ...rule),
    () => quiet('iptables', '-t', 'nat', '-D', 'DOCKER', ...rule),
    { check: 'stale-rules', severity: 'warning', subject: /rule:nat DOCKER #1$/, evidence: /br-0123456789ab.*does not exist on this host/ },
  );
});

test("ip-changed: against a saved snapshot, a container's new address while another's /etc/hosts still pins the old one", async () => {
  const saved = join(sh('mktemp', '-d').trim(), 'previous.json');
  try {
    sh('docker', 'run', '-d', '--name', 'cndt-doc-ipc', '--label', `${MARK}=1`, '--network', 'lab-net', '--ip', '172.30.1.60', IMAGE, 'sleep', 'inf');
    sh('docker', 'run', '-d', '--name', 'cndt-doc-pin', '--label', `${MARK}=1`, '--network', 'lab-net', '--add-host', 'ipc:172.30.1.60', IMAGE, 'sleep', 'inf');
    sh(process.execPath, CLI, 'snapshot', '--out', saved);
    sh('docker', 'network', 'disconnect', 'lab-net', 'cndt-doc-ipc');
    sh('docker', 'network', 'connect', '--ip', '172.30.1.61', 'lab-net', 'cndt-doc-ipc');
    // The oracles: Docker's new address, and the pinned entry inside the other container.
    assert.equal(ipOf('cndt-doc-ipc'), '172.30.1.61');
    assert.match(sh('docker', 'exec', 'cndt-doc-pin', 'cat', '/etc/hosts'), /^172\.30\.1\.60\s+ipc$/m);
    let r = await doctor('--previous', saved);
    let f = r.findings.find((x) => x.check === 'ip-changed' && x.subject.name === 'cndt-doc-ipc');
    assert.ok(f, show(r.findings));
    assert.equal(f.severity, 'warning');
    assert.match(
      f.evidence,
      /from 172\.30\.1\.60 to 172\.30\.1\.61 since the previous snapshot.*cndt-doc-pin's \/etc\/hosts entry ipc 172\.30\.1\.60 \(--add-host\)/,
    );
    assert.equal(r.code, 1);
    assert.equal((await doctor()).findings.filter((x) => x.check === 'ip-changed').length, 0, 'without --previous: nothing to compare');
    sh('docker', 'rm', '-f', 'cndt-doc-pin');
    r = await doctor('--previous', saved);
    f = r.findings.find((x) => x.check === 'ip-changed' && x.subject.name === 'cndt-doc-ipc');
    assert.equal(f?.severity, 'info', 'nothing names the old address any more: information');
    sh('docker', 'rm', '-f', 'cndt-doc-ipc');
    r = await doctor('--previous', saved);
    assert.equal(r.findings.filter((x) => x.check === 'ip-changed').length, 0, show(r.findings));
  } finally {
    quiet('docker', 'rm', '-f', 'cndt-doc-pin', 'cndt-doc-ipc');
    quiet('rm', '-rf', join(saved, '..'));
  }
});

test("overlay-mtu: the overlay's arithmetic against ip link; information on one node, a warning once a remote VTEP is in the FDB", async () => {
  const sandbox = overlaySandbox();
  const vxlan = JSON.parse(sh('nsenter', `--net=${sandbox}`, 'ip', '-j', 'link', 'show', 'vxlan0')) as { mtu: number }[];
  const uplink = JSON.parse(sh('ip', '-j', 'link', 'show', 'eth0')) as { mtu: number }[];
  const inner = vxlan[0]?.mtu ?? 0;
  const under = uplink[0]?.mtu ?? 0;
  assert.ok(inner + 50 > under, `the lab's overlay (MTU ${inner}) is meant not to fit its uplink (MTU ${under})`);
  const expected = new RegExp(
    `^${inner} \\(overlay MTU, vxlan0 in sandbox ${sandbox.split('/').pop()}\\) \\+ 50 .* = ${inner + 50} > ${under} \\(eth0's MTU\\)`,
  );
  const find = (f: Finding[]) => f.find((x) => x.check === 'overlay-mtu' && x.subject.name === 'lab-overlay');
  const healthy = find((await doctor()).findings);
  assert.ok(healthy);
  assert.equal(healthy.severity, 'info');
  assert.match(healthy.evidence, expected);
  try {
    // A unicast entry for a MAC nothing sends to: no frame leaves, but the FDB now has a remote VTEP.
    sh('nsenter', `--net=${sandbox}`, 'bridge', 'fdb', 'add', ...REMOTE_VTEP);
    const { code, findings } = await doctor();
    const f = find(findings);
    assert.equal(f?.severity, 'warning', show(findings));
    assert.match(f.evidence, expected);
    assert.match(f.evidence, /remote VTEPs \(198\.18\.0\.99\)/);
    assert.equal(code, 1);
  } finally {
    quiet('nsenter', `--net=${sandbox}`, 'bridge', 'fdb', 'del', ...REMOTE_VTEP.slice(0, 3), 'self');
  }
  assert.equal(find((await doctor()).findings)?.severity, 'info');
});

test('macvlan-host-isolation: the host cannot reach a macvlan child through its parent; a shim (the fix) lets it, and the finding goes', async () => {
  try {
    sh('ip', 'link', 'add', 'cndt-docmv0', 'type', 'veth', 'peer', 'name', 'cndt-docmv0p');
    sh('ip', 'link', 'set', 'cndt-docmv0p', 'up');
    sh('ip', 'addr', 'add', '198.18.6.1/24', 'dev', 'cndt-docmv0');
    sh('ip', 'link', 'set', 'cndt-docmv0', 'up');
    sh('docker', 'network', 'create', '-d', 'macvlan', '-o', 'parent=cndt-docmv0', '--subnet', '198.18.6.0/24', '--label', `${MARK}=1`, 'cndt-doc-mv');
    sh(
      'docker',
      'run',
      '-d',
      '--name',
      'cndt-doc-mv1',
      '--label',
      `${MARK}=1`,
      '--network',
      'cndt-doc-mv',
      '--ip',
      '198.18.6.10',
      IMAGE,
      'httpd',
      '-f',
      '-p',
      '80',
      '-h',
      '/',
    );
    await fault(
      'host to its macvlan child',
      async () => assert.equal(await reaches('198.18.6.10', 80), false, 'the oracle: the host gets no answer through the parent'),
      async () => {
        sh('ip', 'link', 'add', 'cndt-docshim', 'link', 'cndt-docmv0', 'type', 'macvlan', 'mode', 'bridge');
        sh('ip', 'addr', 'add', '198.18.6.2/32', 'dev', 'cndt-docshim');
        sh('ip', 'link', 'set', 'cndt-docshim', 'up');
        sh('ip', 'route', 'add', '198.18.6.10/32', 'dev', 'cndt-docshim');
        assert.equal(await reaches('198.18.6.10', 80), true, 'the oracle: through the shim the host connects');
      },
      {
        check: 'macvlan-host-isolation',
        severity: 'info',
        subject: /network:cndt-doc-mv$/,
        evidence: /cndt-doc-mv1 198\.18\.6\.10\) and this host cannot reach each other through cndt-docmv0/,
      },
    );
  } finally {
    quiet('docker', 'rm', '-f', 'cndt-doc-mv1');
    quiet('docker', 'network', 'rm', 'cndt-doc-mv');
    quiet('ip', 'link', 'del', 'cndt-docshim');
    quiet('ip', 'link', 'del', 'cndt-docmv0');
  }
});

test("vxlan-fdb-missing and vxlan-offload read what Docker and the kernel have: the overlays' peers as docker network inspect lists them, eth0's offloads as ethtool and /sys say", () => {
  const snap = JSON.parse(sh(process.execPath, CLI, 'snapshot', '--json')) as {
    docker: { nodeAddr?: string; networks: { name: string; driver: string; peers?: { name: string; ip: string }[] }[] };
    offloads?: { ifname: string; driver?: string; features: Record<string, string> }[];
    sources: { name: string; state: string }[];
  };
  for (const name of ['overlayPeers', 'offloads']) assert.equal(snap.sources.find((s) => s.name === name)?.state, 'ok', name);
  assert.equal(snap.docker.nodeAddr, sh('docker', 'info', '-f', '{{.Swarm.NodeAddr}}').trim());
  const overlays = snap.docker.networks.filter((n) => n.driver === 'overlay');
  assert.ok(overlays.some((n) => n.name === 'lab-overlay'));
  for (const n of overlays) {
    const listed = (JSON.parse(sh('docker', 'network', 'inspect', '-f', '{{json .Peers}}', n.name)) as { Name: string; IP: string }[] | null) ?? [];
    assert.deepEqual(
      n.peers,
      listed.map((p) => ({ name: p.Name, ip: p.IP })),
      `${n.name}'s peers`,
    );
    // A one-node swarm: the only peer is this node, so there is no remote VTEP to miss.
    assert.deepEqual(
      n.peers?.map((p) => p.ip),
      [snap.docker.nodeAddr],
    );
  }
  const eth0 = snap.offloads?.find((o) => o.ifname === 'eth0');
  assert.ok(eth0, 'the underlay eth0 was read');
  assert.equal(eth0.driver, sh('readlink', '-f', '/sys/class/net/eth0/device/driver').trim().split('/').pop());
  const printed = sh('ethtool', '-k', 'eth0')
    .split('\n')
    .map((l) => /^\s*([\w-]+): (on|off)( \[fixed\])?/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  assert.ok(printed.length > 20);
  for (const m of printed) assert.match(eth0.features[m[1] as string] ?? '', new RegExp(`^${m[2]}`), `${m[1]} as ethtool -k prints it`);
});

test("mtu-mismatch: a container's eth0 MTU changed inside its namespace, unlike its bridge's", async () => {
  sh('docker', 'run', '-d', '--name', 'cndt-doc-mtu1', '--label', `${MARK}=1`, '--network', 'lab-net', IMAGE, 'sleep', 'inf');
  try {
    const pid = pidOf('cndt-doc-mtu1');
    const mtuIn = () => (JSON.parse(sh('nsenter', '-t', pid, '-n', 'ip', '-j', 'link', 'show', 'eth0')) as { mtu: number }[])[0]?.mtu;
    const bridgeMtu = (JSON.parse(sh('ip', '-j', 'link', 'show', bridgeOf('lab-net'))) as { mtu: number }[])[0]?.mtu;
    await fault(
      'eth0 MTU 1450',
      () => {
        sh('nsenter', '-t', pid, '-n', 'ip', 'link', 'set', 'eth0', 'mtu', '1450');
        assert.equal(mtuIn(), 1450, 'the oracle: ip link inside');
        assert.equal(bridgeMtu, 1500);
      },
      () => void sh('nsenter', '-t', pid, '-n', 'ip', 'link', 'set', 'eth0', 'mtu', String(bridgeMtu)),
      {
        check: 'mtu-mismatch',
        severity: 'warning',
        subject: /container:cndt-doc-mtu1$/,
        evidence: new RegExp(`eth0 on lab-net has MTU 1450, but the bridge it is plugged into, ${bridgeOf('lab-net')}`),
      },
    );
  } finally {
    quiet('docker', 'rm', '-f', 'cndt-doc-mtu1');
  }
});

test('default-bridge-dns: a container on the default bridge only (no 127.0.0.11 in its resolv.conf); connecting a user network (the fix) ends it', async () => {
  sh('docker', 'run', '-d', '--name', 'cndt-doc-def', '--label', `${MARK}=1`, IMAGE, 'sleep', 'inf');
  try {
    const resolvConf = () => sh('cat', sh('docker', 'inspect', '-f', '{{.ResolvConfPath}}', 'cndt-doc-def').trim());
    await fault(
      'default bridge only',
      () => assert.doesNotMatch(resolvConf(), /^nameserver 127\.0\.0\.11$/m, "the oracle: Docker's resolver is not in its resolv.conf"),
      () => {
        sh('docker', 'network', 'connect', 'lab-net', 'cndt-doc-def');
        assert.match(resolvConf(), /^nameserver 127\.0\.0\.11$/m, 'the oracle: now it is');
      },
      {
        check: 'default-bridge-dns',
        severity: 'info',
        subject: /container:cndt-doc-def$/,
        evidence: /on the default bridge only \(bridge 172\.17\.\d+\.\d+\)/,
      },
    );
  } finally {
    quiet('docker', 'rm', '-f', 'cndt-doc-def');
  }
});

test("alias-round-robin: the lab's web alias, with the members and addresses docker inspect gives", async () => {
  const members = ['web1', 'web2', 'web3'].map((name) => `${name} ${ipOf(name)}`);
  const { findings } = await doctor();
  const f = findings.find((x) => x.check === 'alias-round-robin' && x.subject.name === 'lab-net' && x.evidence.startsWith('web on lab-net'));
  assert.ok(f, show(findings));
  assert.equal(f.severity, 'info');
  assert.match(f.evidence, /round-robin set of 3: /);
  for (const m of members) assert.ok(f.evidence.includes(m), `${m} in: ${f.evidence}`);
});
