// The nsenter terminal plan: exact argv for every target kind and action, the errors in words,
// and hostile names kept out of anything a shell would read. No host needed: the host's tools
// are a table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  interactivePrivilegeCommand,
  planNamespaceTerminal,
  type HostTools,
  type PlanResult,
  type TerminalAction,
  type TerminalContainer,
  type TerminalPlan,
  type TerminalTarget,
} from '../../src/host/namespaceTerminal';
import { loadPty } from '../../src/host/ptyProcess';

const PATHS: Record<string, string> = {
  nsenter: '/usr/bin/nsenter',
  ip: '/usr/sbin/ip',
  ss: '/usr/bin/ss',
  'iptables-save': '/usr/sbin/iptables-save',
  tcpdump: '/usr/bin/tcpdump',
  cat: '/usr/bin/cat',
  env: '/usr/bin/env',
  busybox: '/usr/bin/busybox',
  sudo: '/usr/bin/sudo',
  '/bin/bash': '/bin/bash',
};

function tools(over: Partial<HostTools> & { without?: string[]; extra?: Record<string, string> } = {}): HostTools {
  const table = { ...PATHS, ...over.extra };
  for (const t of over.without ?? []) delete table[t];
  return { isRoot: true, privilegeCommand: ['sudo'], shell: '/bin/bash', find: (n) => table[n], ...over };
}

function container(over: Partial<TerminalContainer> = {}): TerminalTarget {
  return { kind: 'container', container: { id: 'a'.repeat(64), name: 'api', pid: 4242, state: 'running', modeKind: 'user', ...over } };
}

function ok(r: PlanResult): TerminalPlan {
  if (!r.ok) assert.fail(`expected a plan, got: ${r.error}`);
  return r.plan;
}

function err(r: PlanResult): string {
  if (r.ok) assert.fail(`expected an error, got argv ${JSON.stringify(r.plan.argv)}`);
  return r.error;
}

/** Control characters (ESC, BEL, ...) that would let a name drive the terminal. */
function hasControl(text: string): boolean {
  return [...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
}

const NS = ['/usr/bin/nsenter', '-t', '4242', '-n', '--'];

test('shell: the host $SHELL inside the namespace, with the place in the environment and prompt', () => {
  const p = ok(planNamespaceTerminal(container(), { kind: 'shell' }, tools()));
  assert.deepEqual(p.argv, [...NS, '/usr/bin/env', 'CONTAINERNET_NETNS=netns:api', 'debian_chroot=netns:api', 'PS1=(netns:api) # ', '/bin/bash']);
  assert.equal(p.title, 'container api: shell');
  assert.match(p.banner, /shell in container api/);
  assert.match(p.banner, /\$ \/usr\/bin\/nsenter -t 4242 -n -- /);
});

test('shell: /bin/sh when $SHELL is unset or does not exist', () => {
  for (const shell of [undefined, '/opt/nope/zsh']) {
    const p = ok(planNamespaceTerminal(container(), { kind: 'shell' }, tools({ shell })));
    assert.equal(p.argv.at(-1), '/bin/sh');
  }
});

test('presets: ip addr, ip route, ss -tlnp, iptables-save inside the namespace', () => {
  const cases: [TerminalAction, string[], string][] = [
    [{ kind: 'preset', preset: 'ip-addr' }, ['/usr/sbin/ip', 'addr'], 'container api: ip addr'],
    [{ kind: 'preset', preset: 'ip-route' }, ['/usr/sbin/ip', 'route'], 'container api: ip route'],
    [{ kind: 'preset', preset: 'ss-listening' }, ['/usr/bin/ss', '-tlnp'], 'container api: ss -tlnp'],
    [{ kind: 'preset', preset: 'iptables-save' }, ['/usr/sbin/iptables-save'], 'container api: iptables-save'],
  ];
  for (const [action, cmd, title] of cases) {
    const p = ok(planNamespaceTerminal(container(), action, tools()));
    assert.deepEqual(p.argv, [...NS, ...cmd]);
    assert.equal(p.title, title);
  }
});

test("resolv.conf: nothing runs; the plan says the extension reads Docker's file on the host", () => {
  const resolvConfPath = `/var/lib/docker/containers/${'a'.repeat(64)}/resolv.conf`;
  for (const isRoot of [true, false]) {
    const p = ok(planNamespaceTerminal(container({ resolvConfPath }), { kind: 'resolv-conf' }, tools({ isRoot })));
    assert.deepEqual(p.argv, []);
    assert.equal(p.show, 'resolv-conf');
    assert.ok(p.banner.includes(resolvConfPath));
    assert.ok(!p.banner.includes('/proc/'), 'never through /proc/PID/root');
  }
  assert.match(err(planNamespaceTerminal(container(), { kind: 'resolv-conf' }, tools())), /Docker reported no resolv.conf/);
  assert.match(err(planNamespaceTerminal({ kind: 'netns', path: '/var/run/docker/netns/1-abc' }, { kind: 'resolv-conf' }, tools())), /not a container/);
});

test('no plan enters a mount namespace or runs a program by a bare name (a binary from the image)', () => {
  const actions: TerminalAction[] = [
    { kind: 'shell' },
    { kind: 'preset', preset: 'ip-addr' },
    { kind: 'preset', preset: 'ss-listening' },
    { kind: 'preset', preset: 'iptables-save' },
    { kind: 'dns-lookup', name: 'web' },
    { kind: 'capture' },
  ];
  for (const extra of [{}, { dig: '/usr/bin/dig' }, { host: '/usr/bin/host' }] as Record<string, string>[]) {
    for (const action of actions) {
      for (const isRoot of [true, false]) {
        const r = planNamespaceTerminal(container(), action, tools({ isRoot, extra }));
        if (!r.ok) continue;
        const at = r.plan.argv.indexOf('/usr/bin/nsenter');
        const opts = r.plan.argv.slice(at + 1, r.plan.argv.indexOf('--'));
        assert.deepEqual(opts, ['-t', '4242', '-n'], `${action.kind}: only the network namespace`);
        const program = r.plan.argv[r.plan.argv.indexOf('--') + 1] ?? '';
        assert.ok(program.startsWith('/'), `${action.kind}: ${program} is a host path`);
      }
    }
  }
});

test('DNS lookup: host busybox nslookup against 127.0.0.11 in the network namespace only', () => {
  const p = ok(planNamespaceTerminal(container(), { kind: 'dns-lookup', name: 'web' }, tools()));
  assert.deepEqual(p.argv, [...NS, '/usr/bin/busybox', 'nslookup', 'web', '127.0.0.11']);
  assert.equal(p.title, 'container api: lookup web');
});

test("DNS lookup: dig, nslookup, busybox, host: always a host binary, never the container's own", () => {
  const withDig = ok(
    planNamespaceTerminal(container(), { kind: 'dns-lookup', name: 'web' }, tools({ extra: { dig: '/usr/bin/dig', nslookup: '/usr/bin/nslookup' } })),
  );
  assert.deepEqual(withDig.argv, [...NS, '/usr/bin/dig', '@127.0.0.11', 'web']);
  const withNslookup = ok(planNamespaceTerminal(container(), { kind: 'dns-lookup', name: 'web' }, tools({ extra: { nslookup: '/usr/bin/nslookup' } })));
  assert.deepEqual(withNslookup.argv, [...NS, '/usr/bin/nslookup', 'web', '127.0.0.11']);
  const withHost = ok(
    planNamespaceTerminal(container(), { kind: 'dns-lookup', name: 'web' }, tools({ without: ['busybox'], extra: { host: '/usr/bin/host' } })),
  );
  assert.deepEqual(withHost.argv, [...NS, '/usr/bin/host', 'web', '127.0.0.11']);
  // No resolver on the host: never the image's own nslookup (nsenter -m as root runs a binary
  // the image controls); the error names the packages that bring one.
  const none = err(planNamespaceTerminal(container(), { kind: 'dns-lookup', name: 'web' }, tools({ without: ['busybox'] })));
  assert.match(none, /apt-get install bind9-dnsutils .* or busybox-static/);
  assert.match(none, /never used/);
});

test('DNS lookup: refused where no embedded DNS can answer, and for names that are not names', () => {
  assert.match(
    err(planNamespaceTerminal(container({ name: 'hostnet', modeKind: 'host' }), { kind: 'dns-lookup', name: 'api' }, tools())),
    /hostnet uses the host's network namespace/,
  );
  assert.match(err(planNamespaceTerminal(container({ name: 'nonet', modeKind: 'none' }), { kind: 'dns-lookup', name: 'api' }, tools())), /no network/);
  assert.match(
    err(planNamespaceTerminal({ kind: 'netns', path: '/var/run/docker/netns/1-abc' }, { kind: 'dns-lookup', name: 'api' }, tools())),
    /not a container/,
  );
  for (const name of ['-type=any', '@1.2.3.4', '+short', 'a b', '', 'x;reboot']) {
    assert.match(err(planNamespaceTerminal(container(), { kind: 'dns-lookup', name }, tools())), /not a DNS name/, name);
  }
  const legacy = ok(planNamespaceTerminal(container({ name: 'legacy', modeKind: 'bridge' }), { kind: 'dns-lookup', name: 'api' }, tools()));
  assert.ok(legacy.notes.some((n) => /default bridge/.test(n)));
});

test('capture: live tcpdump on eth0, and to a file with a filter after --', () => {
  const live = ok(planNamespaceTerminal(container(), { kind: 'capture' }, tools()));
  assert.deepEqual(live.argv, [...NS, '/usr/bin/tcpdump', '-i', 'eth0', '-n']);
  assert.equal(live.title, 'container api: tcpdump eth0');
  const file = ok(planNamespaceTerminal(container(), { kind: 'capture', iface: 'eth1', file: '/tmp/api.pcap', count: 10, filter: ['tcp port 80'] }, tools()));
  assert.deepEqual(file.argv, [...NS, '/usr/bin/tcpdump', '-i', 'eth1', '-n', '-U', '-w', '/tmp/api.pcap', '-c', '10', '--', 'tcp port 80']);
  assert.equal(file.title, 'container api: capture eth1 to api.pcap');
  assert.deepEqual(file.stopAfter, { file: '/tmp/api.pcap', bytes: 100 * 1024 * 1024, seconds: 600 });
  // A file capture is always bounded: -c at most 10000, and the time and size limits above.
  const unbounded = ok(planNamespaceTerminal(container(), { kind: 'capture', file: '/tmp/api.pcap' }, tools()));
  assert.deepEqual(unbounded.argv.slice(-2), ['-c', '10000']);
  assert.match(unbounded.banner, /stops after 10000 packets, 100 MiB or 10 minutes/);
  assert.deepEqual(ok(planNamespaceTerminal(container(), { kind: 'capture', file: '/tmp/api.pcap', count: 50_000 }, tools())).argv.slice(-2), ['-c', '10000']);
  assert.equal(live.stopAfter, undefined, 'a live capture ends when its terminal is closed');
  assert.match(err(planNamespaceTerminal(container(), { kind: 'capture', file: 'rel.pcap' }, tools())), /absolute path/);
  assert.match(err(planNamespaceTerminal(container(), { kind: 'capture', iface: '-w' }, tools())), /not an interface name/);
  assert.match(err(planNamespaceTerminal(container(), { kind: 'capture', count: 0 }, tools())), /positive integer/);
});

test('a container that is not running: a clear error', () => {
  const e = err(planNamespaceTerminal(container({ name: 'old', pid: 0, state: 'exited' }), { kind: 'shell' }, tools()));
  assert.equal(e, 'container old is not running (state: exited); start it first');
});

test('--network host: nothing entered, runs in the host namespace and says so', () => {
  const t = container({ name: 'hostnet', modeKind: 'host' });
  const p = ok(planNamespaceTerminal(t, { kind: 'preset', preset: 'ip-addr' }, tools()));
  assert.deepEqual(p.argv, ['/usr/sbin/ip', 'addr']);
  assert.ok(p.notes.some((n) => n.includes("hostnet uses the host's network namespace")));
  assert.match(p.banner, /hostnet uses the host's network namespace/);
  // Not root: what reads without root runs without it; what needs root goes through sudo.
  assert.deepEqual(ok(planNamespaceTerminal(t, { kind: 'preset', preset: 'ip-addr' }, tools({ isRoot: false }))).argv, ['/usr/sbin/ip', 'addr']);
  assert.deepEqual(ok(planNamespaceTerminal(t, { kind: 'preset', preset: 'ss-listening' }, tools({ isRoot: false }))).argv, [
    '/usr/bin/sudo',
    '/usr/bin/ss',
    '-tlnp',
  ]);
  const shell = ok(planNamespaceTerminal(t, { kind: 'shell' }, tools({ isRoot: false })));
  assert.deepEqual(shell.argv, ['/usr/bin/env', 'CONTAINERNET_NETNS=host-netns', 'debian_chroot=host-netns', 'PS1=(host-netns) $ ', '/bin/bash']);
  assert.ok(ok(planNamespaceTerminal(t, { kind: 'capture' }, tools())).notes.some((n) => /host's eth0/.test(n)));
});

test("--network container:X: enters through the container's own pid, which is X's namespace, and says so", () => {
  const t = container({ name: 'sidecar', pid: 5151, modeKind: 'container', modeTarget: 'b'.repeat(64) });
  const p = ok(planNamespaceTerminal(t, { kind: 'preset', preset: 'ip-addr' }, tools()));
  assert.deepEqual(p.argv, ['/usr/bin/nsenter', '-t', '5151', '-n', '--', '/usr/sbin/ip', 'addr']);
  assert.ok(p.notes.some((n) => n.includes(`sidecar uses --network container:${'b'.repeat(12)}`) && n.includes(`${'b'.repeat(12)}'s network namespace`)));
  const named = ok(planNamespaceTerminal(container({ name: 'sidecar', pid: 5151, modeKind: 'container', modeTarget: 'api' }), { kind: 'shell' }, tools()));
  assert.ok(named.argv.includes('CONTAINERNET_NETNS=netns:api'));
});

test('--network none: allowed, only lo, and capture on eth0 is refused with the way out', () => {
  const t = container({ name: 'nonet', modeKind: 'none' });
  const p = ok(planNamespaceTerminal(t, { kind: 'preset', preset: 'ip-addr' }, tools()));
  assert.deepEqual(p.argv, [...NS, '/usr/sbin/ip', 'addr']);
  assert.ok(p.notes.some((n) => /only lo/.test(n)));
  assert.match(err(planNamespaceTerminal(t, { kind: 'capture' }, tools())), /only lo; capture on lo/);
  assert.deepEqual(ok(planNamespaceTerminal(t, { kind: 'capture', iface: 'lo' }, tools())).argv, [...NS, '/usr/bin/tcpdump', '-i', 'lo', '-n']);
});

test('a namespace path (overlay sandbox): nsenter --net=PATH', () => {
  const t: TerminalTarget = { kind: 'netns', path: '/var/run/docker/netns/1-abc' };
  const p = ok(planNamespaceTerminal(t, { kind: 'preset', preset: 'ip-addr' }, tools()));
  assert.deepEqual(p.argv, ['/usr/bin/nsenter', '--net=/var/run/docker/netns/1-abc', '--', '/usr/sbin/ip', 'addr']);
  assert.equal(p.title, 'namespace 1-abc: ip addr');
  assert.ok(ok(planNamespaceTerminal(t, { kind: 'shell' }, tools())).argv.includes('CONTAINERNET_NETNS=netns:1-abc'));
  assert.match(err(planNamespaceTerminal({ kind: 'netns', path: 'netns/1-abc' }, { kind: 'shell' }, tools())), /must be absolute/);
});

test('missing tools: the package to install', () => {
  assert.equal(
    err(planNamespaceTerminal(container(), { kind: 'shell' }, tools({ without: ['nsenter'] }))),
    'nsenter is not installed: apt-get install util-linux',
  );
  assert.equal(
    err(planNamespaceTerminal(container(), { kind: 'capture' }, tools({ without: ['tcpdump'] }))),
    'tcpdump is not installed: apt-get install tcpdump',
  );
  assert.equal(
    err(planNamespaceTerminal(container(), { kind: 'preset', preset: 'iptables-save' }, tools({ without: ['iptables-save'] }))),
    'iptables-save is not installed: apt-get install iptables',
  );
  assert.equal(
    err(planNamespaceTerminal(container(), { kind: 'shell' }, tools({ isRoot: false, without: ['sudo'] }))),
    'sudo is not installed: apt-get install sudo',
  );
});

test('privilege: root runs argv as is; otherwise the configured command is the prefix (sudo without -n by default)', () => {
  const shell: TerminalAction = { kind: 'preset', preset: 'ip-route' };
  assert.deepEqual(ok(planNamespaceTerminal(container(), shell, tools({ isRoot: false }))).argv, ['/usr/bin/sudo', ...NS, '/usr/sbin/ip', 'route']);
  const doas = tools({ isRoot: false, privilegeCommand: ['doas', '-u', 'root'], extra: { doas: '/usr/bin/doas' } });
  assert.deepEqual(ok(planNamespaceTerminal(container(), shell, doas)).argv, ['/usr/bin/doas', '-u', 'root', ...NS, '/usr/sbin/ip', 'route']);
  assert.match(err(planNamespaceTerminal(container(), shell, tools({ isRoot: false, privilegeCommand: [] }))), /needs root/);
  assert.deepEqual(interactivePrivilegeCommand(['sudo', '-n']), ['sudo']);
  assert.deepEqual(interactivePrivilegeCommand(['/usr/bin/sudo', '-n', '-E']), ['/usr/bin/sudo', '-E']);
  assert.deepEqual(interactivePrivilegeCommand(['doas', '-n']), ['doas', '-n']);
});

test('hostile names appear only as whole argv elements or in titles, never where a shell would read them', () => {
  const hostile = 'a"; rm -rf / $(reboot) `id`\x1b]0;pwned\x07';
  const actions: TerminalAction[] = [
    { kind: 'shell' },
    { kind: 'preset', preset: 'ip-addr' },
    { kind: 'resolv-conf' },
    { kind: 'dns-lookup', name: 'web' },
    { kind: 'capture', filter: ['tcp port 80'] },
  ];
  for (const modeKind of ['user', 'container', 'none', 'host'] as const) {
    for (const action of actions) {
      const r = planNamespaceTerminal(container({ name: hostile, modeKind, modeTarget: hostile }), action, tools({ isRoot: false }));
      if (!r.ok) {
        assert.ok(!hasControl(r.error), `no control characters in: ${r.error}`);
        continue;
      }
      for (const a of r.plan.argv) {
        // The name never reaches argv raw; in env values it is reduced to inert characters.
        assert.ok(!a.includes('rm -rf') && !a.includes('$(') && !a.includes('`'), `${modeKind} ${action.kind}: ${a}`);
      }
      assert.ok(r.plan.title.includes('a"; rm -rf / $(reboot) `id`'), 'the title names it');
      assert.ok(!hasControl(r.plan.title), 'no control characters in the title');
      assert.ok(!hasControl(r.plan.banner.replace(/\n/g, ' ')), 'no escape sequences in the banner');
    }
  }
  const shell = ok(planNamespaceTerminal(container({ name: hostile }), { kind: 'shell' }, tools()));
  assert.ok(shell.argv.includes('PS1=(netns:a___rm_-rf_____reboot___id___0_pwned_) # '), shell.argv.join(' | '));
  // A hostile namespace path is one argv element.
  const path = '/tmp/x; rm -rf /';
  const p = ok(planNamespaceTerminal({ kind: 'netns', path }, { kind: 'preset', preset: 'ip-addr' }, tools()));
  assert.deepEqual(p.argv, ['/usr/bin/nsenter', `--net=${path}`, '--', '/usr/sbin/ip', 'addr']);
});

test('node-pty that cannot load: a reason, not a throw', () => {
  const r = loadPty(() => {
    throw new Error("Cannot find module '../build/Release/pty.node'\nRequire stack: ...");
  });
  assert.deepEqual(r, { ok: false, reason: "node-pty could not be loaded: Cannot find module '../build/Release/pty.node'" });
  assert.equal(loadPty(() => ({})).ok, false);
});
