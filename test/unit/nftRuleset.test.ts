import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceFailed } from '../../src/snapshot/hostSnapshot';
import { CommandError, type RunCommand } from '../../src/host/commandRunner';
import { NFT_RULESET_ARGS, nftAllowed, nftMissingStatus, nftNotAllowedStatus, parseNftRuleset } from '../../src/host/nftRuleset';
import { findNftSet } from '../../src/snapshot/chainLookup';
import { Privilege } from '../../src/host/privilege';
import { ParseError } from '../../src/host/parseError';
import { fixture } from '../fixtures';

test('Docker 29 nftables backend: table ip docker-bridges, native, base chains with hook/priority/policy', () => {
  const state = parseNftRuleset(fixture('docker29', 'nftables-usernet-portmap.json'));
  assert.deepEqual(NFT_RULESET_ARGS, ['nft', '-j', 'list', 'ruleset']);
  assert.equal(state.version, '1.0.6');
  assert.equal(state.tables.length, 1);
  const t = state.tables[0];
  assert.ok(t);
  assert.equal(`${t.family} ${t.name}`, 'ip docker-bridges');
  assert.equal(t.origin, 'native');
  assert.deepEqual(t.managers, ['docker']);
  const base = t.chains
    .filter((c) => c.base)
    .map((c) => `${c.name} ${c.type} ${c.hook} ${c.priority} ${c.policy}`)
    .sort();
  assert.deepEqual(base, [
    'filter-FORWARD filter forward 0 accept',
    'nat-OUTPUT nat output -100 accept',
    'nat-POSTROUTING nat postrouting 100 accept',
    'nat-PREROUTING nat prerouting -100 accept',
    'raw-PREROUTING filter prerouting -300 accept',
  ]);
  const regular = t.chains.find((c) => c.name === 'filter-forward-in__bridge1');
  assert.equal(regular?.base, false);
  assert.equal(regular?.hook, undefined);
  assert.deepEqual(
    regular?.rules.map((r) => r.text),
    ['ct state established,related counter accept', 'meta iifname "bridge1" counter accept', 'ip daddr 192.0.2.2 tcp dport 80 counter accept', 'counter drop'],
  );
  assert.deepEqual(
    regular?.rules.map((r) => r.comment),
    [undefined, 'ICC', undefined, 'UNPUBLISHED PORT DROP'],
  );
  assert.deepEqual(
    regular?.rules.map((r) => r.position),
    [1, 2, 3, 4],
  );
  const dnat = t.chains.find((c) => c.name === 'nat-prerouting-and-output')?.rules[0];
  assert.equal(dnat?.text, 'meta iifname != "bridge1" tcp dport 8080 counter dnat to 192.0.2.2:80');
  assert.equal(dnat?.comment, 'DNAT');
  assert.equal(dnat?.packets, 0);
  assert.equal(typeof dnat?.handle, 'number');
  // The expressions are kept as nft's JSON.
  assert.deepEqual(dnat?.expr[0], { match: { op: '!=', left: { meta: { key: 'iifname' } }, right: 'bridge1' } });
  const fwd = t.chains.find((c) => c.name === 'filter-FORWARD')?.rules[0];
  assert.equal(fwd?.text, 'meta oifname vmap @filter-forward-in-jumps');
  assert.equal(fwd?.packets, undefined, 'no counter expression, no counters');
  const map = findNftSet(state, 'ip', 'docker-bridges', '@filter-forward-in-jumps');
  assert.equal(map?.kind, 'map');
  assert.equal(map?.map, 'verdict');
  assert.equal(map?.elements.length, 2);
});

test('counters are summed from counter expressions', () => {
  const state = parseNftRuleset(fixture('nft', 'firewalld.json'));
  const masq = state.tables[0]?.chains.find((c) => c.name === 'nat_POSTROUTING')?.rules[0];
  assert.equal(masq?.packets, 12);
  assert.equal(masq?.bytes, 720);
  assert.equal(masq?.comment, 'zone public masquerade');
  assert.match(masq?.text ?? '', /masquerade$/);
});

test('iptables-nft tables are told from native ones: xt expressions and xtables names (Docker 29 iptables rules)', () => {
  const state = parseNftRuleset(fixture('docker29', 'iptables-nft-usernet-portmap.json'));
  assert.deepEqual(
    state.tables.map((t) => `${t.family} ${t.name} ${t.origin}`),
    ['ip raw iptables-nft', 'ip filter iptables-nft', 'ip nat iptables-nft'],
  );
  const nat = state.tables.find((t) => t.name === 'nat');
  assert.match(nat?.originReason ?? '', /xt expressions/);
  const raw = state.tables.find((t) => t.name === 'raw');
  assert.match(raw?.originReason ?? '', /built-in chain names/);
  assert.deepEqual(state.tables.find((t) => t.name === 'filter')?.managers, ['docker']);
  const ct = state.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'DOCKER-CT')?.rules[0];
  assert.equal(ct?.text, 'meta oifname "docker0" xt match "conntrack" counter accept');
});

test('ufw on an nftables host is iptables-nft chains named ufw-*; firewalld is a native inet table', () => {
  const ufw = parseNftRuleset(fixture('nft', 'ufw.json'));
  const filter = ufw.tables.find((t) => t.family === 'ip' && t.name === 'filter');
  assert.equal(filter?.origin, 'iptables-nft');
  assert.deepEqual(filter?.managers, ['ufw']);
  assert.equal(filter?.chains.find((c) => c.name === 'INPUT')?.policy, 'drop');
  const fw = parseNftRuleset(fixture('nft', 'firewalld.json'));
  assert.deepEqual(
    fw.tables.map((t) => `${t.family} ${t.name} ${t.origin} ${t.managers.join(',')}`),
    ['inet firewalld native firewalld'],
  );
  const input = fw.tables[0]?.chains.find((c) => c.name === 'filter_INPUT');
  assert.equal(input?.priority, 10);
  assert.equal(input?.rules.at(-1)?.text, 'reject with icmpx admin-prohibited');
  assert.equal(fw.tables[0]?.chains.find((c) => c.name === 'filter_INPUT_ZONES')?.rules[0]?.text, 'meta iifname "eth0" goto filter_IN_public');
});

test('a native table named like an iptables one (ip filter with lowercase chains) is native', () => {
  const text = JSON.stringify({
    nftables: [
      { table: { family: 'ip', name: 'filter', handle: 1 } },
      { chain: { family: 'ip', table: 'filter', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
    ],
  });
  const t = parseNftRuleset(text).tables[0];
  assert.equal(t?.origin, 'native');
  assert.match(t?.originReason ?? '', /not iptables' built-in/);
});

test('malformed and truncated nft -j output is a ParseError of the nftables source, never a crash', () => {
  const whole = fixture('docker29', 'nftables-usernet-portmap.json');
  const cases: [string, RegExp][] = [
    [whole.slice(0, Math.floor(whole.length / 2)), /not valid JSON/],
    ['', /printed nothing/],
    ['[]', /"nftables" array/],
    ['{"nftables": {}}', /"nftables" array/],
    ['{"nftables": [42]}', /not an object/],
    ['{"nftables": [{"chain": {"family": "ip", "table": "nope", "name": "c"}}]}', /table ip nope, which was not listed/],
    [
      '{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"rule": {"family": "ip", "table": "t", "chain": "c", "handle": 1, "expr": []}}]}',
      /chain c of ip t, which was not listed/,
    ],
    [
      '{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"chain": {"family": "ip", "table": "t", "name": "c", "hook": "input"}}]}',
      /no numeric priority/,
    ],
    [
      '{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"chain": {"family": "ip", "table": "t", "name": "c"}}, {"rule": {"family": "ip", "table": "t", "chain": "c", "handle": 2}}]}',
      /no expression list/,
    ],
    ['{"nftables": [{"table": {"name": "t"}}]}', /table family is missing/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseNftRuleset(text),
      (err: unknown) => err instanceof ParseError && err.source === 'nftables' && message.test(err.message),
      `${text.slice(0, 60)} -> ${message}`,
    );
  }
});

test("a rule's text does not change when only its counters move (the packet path and the sidebar know rules by it)", () => {
  const before = parseNftRuleset(fixture('nft', 'firewalld.json'));
  const moved = parseNftRuleset(fixture('nft', 'firewalld.json').replace('"packets": 12', '"packets": 99'));
  const a = before.tables[0]?.chains.find((c) => c.name === 'nat_POSTROUTING')?.rules[0];
  const b = moved.tables[0]?.chains.find((c) => c.name === 'nat_POSTROUTING')?.rules[0];
  assert.equal(b?.packets, 99);
  assert.equal(a?.text, b?.text);
});

test('no nft on the host is information (state missing-tool, notes info:), not a failure; other states are failures', () => {
  const missing = nftMissingStatus();
  assert.equal(missing.name, 'nftables');
  assert.equal(missing.state, 'missing-tool');
  assert.match(missing.fix ?? '', /apt-get install nftables/);
  assert.equal(sourceFailed(missing), false);
  assert.equal(sourceFailed({ name: 'nftables', state: 'needs-privilege', ms: 0 }), true);
  assert.equal(sourceFailed({ name: 'netfilter', state: 'missing-tool', ms: 0, notes: ['iptables-save: not found'] }), true);
  assert.equal(sourceFailed({ name: 'nftables', state: 'ok', ms: 0 }), false);
});

test('through sudo, nft is asked about with sudo -n -l first, so a sudoers line without nft does not make every later read refused', async () => {
  const calls: string[][] = [];
  const refuse: RunCommand = async (argv) => {
    calls.push([...argv]);
    throw new CommandError('exit', argv, 'sudo: a password is required');
  };
  const privilege = new Privilege('sudo', refuse, ['sudo', '-n'], 'alice');
  assert.equal(await nftAllowed(privilege, refuse, '/usr/sbin/nft', 1000), false);
  assert.deepEqual(
    calls,
    [['sudo', '-n', '-l', '/usr/sbin/nft', '-j', 'list', 'ruleset']],
    'asked with its exact arguments (a pinned sudoers rule allows only those), nft itself not run',
  );
  assert.equal(privilege.usable, true, 'the privilege layer was not told of a refusal');
  const status = nftNotAllowedStatus(privilege, '/usr/sbin/nft');
  assert.equal(status.state, 'needs-privilege');
  assert.match(status.fix ?? '', /alice ALL=\(root\) NOPASSWD: .*\/usr\/sbin\/nft -j list ruleset.*An existing line without \/usr\/sbin\/nft -j list ruleset/);
  const allow: RunCommand = async () => ({ stdout: '/usr/sbin/nft\n', stderr: '', code: 0 });
  assert.equal(await nftAllowed(new Privilege('sudo', allow, ['sudo', '-n'], 'alice'), allow, '/usr/sbin/nft', 1000), true);
  assert.equal(await nftAllowed(new Privilege('root', refuse), refuse, '/usr/sbin/nft', 1000), true, 'root is not asked');
  assert.equal(calls.length, 1);
});
