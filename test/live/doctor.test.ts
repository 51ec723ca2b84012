// The network doctor on the real lab, both engines. The healthy lab has nothing above info.
// Each fault is made by the test, in exactly one way (lab objects, a namespace, rules with the
// marker comment cndt-doctor), found by `container-net doctor --json` with the right check id,
// object and evidence, then repaired (in finally, also when an assertion fails) and found gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';
import { requireLab, sh } from './lab';

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

function quiet(...argv: string[]): void {
  try {
    sh(...argv);
  } catch {
    // not there
  }
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

function cleanUp(): void {
  for (const c of ['cndt-doc-empty', 'cndt-doc-loop', 'cndt-doc-conflict']) quiet('docker', 'rm', '-f', c);
  quiet('docker', 'network', 'rm', 'cndt-doc-mtu');
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
