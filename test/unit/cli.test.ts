import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../../src/commandLine';
import { FIXTURES } from '../fixtures';
import { tempDir } from '../tempDir';

const CLI = join(process.cwd(), 'dist', 'cli.js');

test('argument parsing', () => {
  assert.deepEqual(parseArgs(['snapshot', '--json', '--out', 'x.json']), {
    command: 'snapshot',
    json: true,
    out: 'x.json',
    mermaid: false,
    udp: false,
    stale: false,
  });
  assert.equal(parseArgs(['path', '--port', '8080']).port, 8080);
  assert.throws(() => parseArgs(['path', '--port', '0']), /--port needs a port number/);
  assert.deepEqual(parseArgs(['topology', '--privilege-command', 'doas -n']).privilegeCommand, ['doas', '-n']);
  assert.throws(() => parseArgs(['snapshot', '--out']), /--out needs a value/);
  assert.throws(() => parseArgs(['--frob']), /unknown option --frob/);
  assert.equal(parseArgs(['watch', '--json', '--counters']).counters, true);
});

test('watch: bad arguments exit 2 with the usage', () => {
  const fromFile = spawnSync('node', [CLI, 'watch', '--from', join(FIXTURES, 'lab', 'snapshot.json')], { encoding: 'utf8' });
  assert.equal(fromFile.status, 2);
  assert.match(fromFile.stderr, /watch reads the live host/);
  assert.match(fromFile.stderr, /container-net watch \[--json\] \[--counters\]/);
  const unknown = spawnSync('node', [CLI, 'watch', '--every', '5'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
});

test('the built CLI: --help, usage errors, topology of a saved snapshot', () => {
  assert.match(execFileSync('node', [CLI, '--help'], { encoding: 'utf8' }), /container-net snapshot \[--json\]/);
  const bad = spawnSync('node', [CLI, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command frobnicate/);
  const out = execFileSync('node', [CLI, 'topology', '--from', join(FIXTURES, 'lab', 'snapshot.json')], { encoding: 'utf8' });
  assert.match(out, /api \[running\] dns=embedded/);
  assert.match(out, /eth0@if\d+ 172\.30\.1\.\d+\/24 <-> veth\w+@if\d+ -- br-\w+/);
  assert.match(out, /port 0\.0\.0\.0:8080 -> 80\/tcp: DNAT -> 172\.30\.1\.\d+:80/);
  const notSnapshot = spawnSync('node', [CLI, 'topology', '--from', join(FIXTURES, 'lab', 'ip-route.json')], { encoding: 'utf8' });
  assert.equal(notSnapshot.status, 1);
  assert.match(notSnapshot.stderr, /is not a container-net snapshot/);
});

test('the built CLI prints the diagrams as Mermaid: topology --mermaid, path --port, --outbound, --dns', () => {
  const from = join(FIXTURES, 'lab', 'snapshot.json');
  const topo = execFileSync('node', [CLI, 'topology', '--mermaid', '--from', from], { encoding: 'utf8' });
  assert.match(topo, /^%% Topology: /);
  assert.match(topo, /\nflowchart TB\n/);
  assert.match(topo, /subgraph NET\d+\["lab-net 172\.30\.1\.0\/24"\]/, 'the whole host is compact by default, as in the panel');
  assert.match(topo, /"api 172\.30\.1\.10<br\/>:8080 #8594; 80/);
  const full = execFileSync('node', [CLI, 'topology', '--mermaid', '--full', '--from', from], { encoding: 'utf8' });
  assert.match(full, /subgraph NET\d+\["network lab-net /);
  assert.match(full, /"api eth0@if\d+<br\/>172\.30\.1\.10\/24/);
  const net = execFileSync('node', [CLI, 'topology', '--mermaid', '--network', 'lab-other', '--from', from], { encoding: 'utf8' });
  assert.match(net, /lone eth0/);
  assert.doesNotMatch(net, /api eth0/);
  const path = execFileSync('node', [CLI, 'path', '--port', '8080', '--mermaid', '--from', from], { encoding: 'utf8' });
  assert.match(path, /\nflowchart TB\n/);
  assert.match(path, /-j DNAT --to-destination 172\.30\.1\.\d+:80/);
  // By default the path is text, the verdict and its reason first.
  const text = execFileSync('node', [CLI, 'path', '--port', '8080', '--from', from], { encoding: 'utf8' }).split('\n');
  assert.match(text[3] ?? '', /^ACCEPT: destination rewritten to 172\.30\.1\.\d+:80; out br-/);
  assert.ok(
    text.some((l) => /^ {2}PREROUTING {2}nat DOCKER \[jump\] -> DNAT$/.test(l)),
    text.join('\n'),
  );
  assert.ok(text.some((l) => /#\d+ -A DOCKER .*-j DNAT --to-destination 172\.30\.1\.\d+:80 .*=> dst /.test(l)));
  const json = JSON.parse(execFileSync('node', [CLI, 'path', '--port', '8080', '--json', '--from', from], { encoding: 'utf8' })) as {
    rewrittenDestination?: string;
  };
  assert.match(json.rewrittenDestination ?? '', /^172\.30\.1\.\d+:80$/);
  assert.match(execFileSync('node', [CLI, 'path', '--outbound', 'client', '--from', from], { encoding: 'utf8' }), /-j MASQUERADE/);
  assert.match(execFileSync('node', [CLI, 'path', '--dns', 'api', '--from', from], { encoding: 'utf8' }), /DOCKER_OUTPUT/);
  const noPort = spawnSync('node', [CLI, 'path', '--port', '9999', '--from', from], { encoding: 'utf8' });
  assert.equal(noPort.status, 1);
  assert.match(noPort.stderr, /No running container publishes tcp port 9999/);
  const both = spawnSync('node', [CLI, 'path', '--port', '8080', '--dns', 'api', '--from', from], { encoding: 'utf8' });
  assert.equal(both.status, 2);
  assert.equal(spawnSync('node', [CLI, 'path', '--port', 'http'], { encoding: 'utf8' }).status, 2);
});

test('the built CLI prints hostile names, labels and aliases without control characters (text, Mermaid and JSON)', async (t) => {
  const snapshot = JSON.parse(readFileSync(join(FIXTURES, 'lab', 'snapshot.json'), 'utf8'));
  const evil = 'api\x1b]0;pwned\x07\x1b[2J\u009b';
  for (const c of snapshot.docker.containers) {
    if (c.name !== 'api') continue;
    c.name = evil;
    c.labels = { [evil]: evil };
    for (const e of c.endpoints) e.aliases = [evil];
  }
  const dir = tempDir(t, 'cnd-cli-');
  const from = join(dir, 'hostile.json');
  writeFileSync(from, JSON.stringify(snapshot));
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
  const outputs = [
    execFileSync('node', [CLI, 'topology', '--from', from], { encoding: 'utf8' }),
    execFileSync('node', [CLI, 'topology', '--json', '--from', from], { encoding: 'utf8' }),
    execFileSync('node', [CLI, 'topology', '--mermaid', '--from', from], { encoding: 'utf8' }),
    execFileSync('node', [CLI, 'snapshot', '--json', '--from', from], { encoding: 'utf8' }),
  ];
  assert.match(outputs[0] as string, /api\?\]0;pwned\?\?\[2J\? \[running\]/);
  for (const out of outputs) assert.ok(!control.test(out), out.slice(0, 200));
  // JSON keeps the data exactly.
  assert.equal(JSON.parse(outputs[3] as string).docker.containers.find((c: { name: string }) => c.name.startsWith('api')).name, evil);
});

test('the built CLI: doctor on saved snapshots, as text and JSON; exit 1 on a problem, 2 on bad usage', async (t) => {
  const from = join(FIXTURES, 'lab28', 'snapshot.json');
  const healthy = spawnSync('node', [CLI, 'doctor', '--from', from], { encoding: 'utf8' });
  assert.equal(healthy.status, 0, healthy.stderr);
  assert.match(
    healthy.stdout,
    /^Network doctor \(vm, snapshot of [^)]+\): no problems found \(\d+ for information\)\n\nINFO \(\d+\)\n {2}alias-round-robin {2}network lab-net\n {6}evidence: web on lab-net/,
  );
  assert.doesNotMatch(healthy.stdout, /ERRORS|WARNINGS/);

  const snapshot = JSON.parse(readFileSync(from, 'utf8'));
  snapshot.hostNamespace.sysctls['net.ipv4.ip_forward'] = '0';
  const evil = 'client\x1b]0;pwned\x07';
  const client = snapshot.docker.containers.find((c: { name: string }) => c.name === 'client');
  client.name = evil;
  const dir = tempDir(t, 'cnd-doctor-');
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, JSON.stringify(snapshot));
  const text = spawnSync('node', [CLI, 'doctor', '--from', broken], { encoding: 'utf8' });
  assert.equal(text.status, 1);
  assert.match(
    text.stdout,
    /: 1 error \(\d+ for information\)\n\nERRORS \(1\)\n {2}ip-forward-off {2}host net\.ipv4\.ip_forward\n {6}evidence: net\.ipv4\.ip_forward is 0: /,
  );
  assert.match(text.stdout, / {6}fix: {6}sysctl -w net\.ipv4\.ip_forward=1/);

  const json = spawnSync('node', [CLI, 'doctor', '--json', '--snapshot', broken], { encoding: 'utf8' });
  assert.equal(json.status, 1);
  const parsed = JSON.parse(json.stdout) as {
    findings: { check: string; severity: string; subject: { kind: string; name: string }; evidence: string; fix: string }[];
  };
  const f = parsed.findings.find((x) => x.check === 'ip-forward-off');
  assert.deepEqual(Object.keys(f ?? {}), ['check', 'severity', 'subject', 'evidence', 'fix']);
  assert.deepEqual(f?.subject, { kind: 'host', name: 'net.ipv4.ip_forward' });
  assert.equal(f?.severity, 'error');

  // --previous: the healthy capture with client's address changed, against the saved "before".
  const before = JSON.parse(readFileSync(from, 'utf8'));
  before.docker.containers.find((c: { name: string }) => c.name === 'client').endpoints[0].ip = '172.30.1.99';
  const previous = join(dir, 'previous.json');
  writeFileSync(previous, JSON.stringify(before));
  const changed = spawnSync('node', [CLI, 'doctor', '--from', from, '--previous', previous], { encoding: 'utf8' });
  assert.equal(changed.status, 0);
  assert.match(changed.stdout, /ip-changed {2}container client\n {6}evidence: client's address on lab-net changed from 172\.30\.1\.99 to 172\.30\.1\.20/);

  // A hostile name reaches the terminal without its control characters.
  snapshot.hostNamespace.sysctls['net.ipv4.ip_forward'] = '1';
  snapshot.docker.containers.find((c: { name: string }) => c.name === 'legacy').name = 'legacy\x1b]0;pwned\x07';
  writeFileSync(broken, JSON.stringify(snapshot));
  const hostile = spawnSync('node', [CLI, 'doctor', '--from', broken], { encoding: 'utf8' }).stdout;
  assert.match(hostile, /default-bridge-dns {2}container legacy\?\]0;pwned\?\n/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(hostile, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);

  const usage = spawnSync('node', [CLI, 'doctor', '--to', 'api:80', '--from', from], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /doctor takes --json/);
  assert.match(usage.stderr, /container-net doctor \[--previous FILE\]/);
});
