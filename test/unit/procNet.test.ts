import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDevMcast, parseFibTrieLocal, parseIfInet6, parseIgmp, parseProcNetDev } from '../../src/host/procNet';
import { fixture } from '../fixtures';

test('/proc/<pid>/net of the api container: names, indexes, local addresses', () => {
  const nsenter = JSON.parse(fixture('lab', 'nsenter-api-addr.json')) as { ifname: string; ifindex: number; addr_info: { family: string; local: string }[] }[];
  const eth0 = nsenter.find((l) => l.ifname === 'eth0');
  assert.ok(eth0);
  assert.deepEqual(parseProcNetDev(fixture('lab', 'proc-api', 'dev')).sort(), nsenter.map((l) => l.ifname).sort());
  assert.equal(parseDevMcast(fixture('lab', 'proc-api', 'dev_mcast')).get('eth0'), eth0.ifindex);
  assert.equal(parseIgmp(fixture('lab', 'proc-api', 'igmp')).get('eth0'), eth0.ifindex);
  const locals = parseFibTrieLocal(fixture('lab', 'proc-api', 'fib_trie'));
  const expected = nsenter.flatMap((l) => l.addr_info.filter((a) => a.family === 'inet').map((a) => a.local));
  assert.deepEqual(locals.filter((a) => !a.startsWith('127.')).sort(), expected.filter((a) => !a.startsWith('127.')).sort());
  assert.ok(!locals.some((a) => a.endsWith('.255')), 'broadcast addresses are not local');
});

test('if_inet6 addresses, compressed', () => {
  const text = [
    'fe80000000000000004242fffeac1e02 32 40 20 80     eth0',
    '00000000000000000000000000000001 01 80 10 80       lo',
    'fd000000000000000000000000000002 32 40 00 80     eth0',
  ].join('\n');
  assert.deepEqual(parseIfInet6(text), [
    { index: 0x32, name: 'eth0', address: 'fe80::42:42ff:feac:1e02', prefixLen: 64, scope: 'link' },
    { index: 1, name: 'lo', address: '::1', prefixLen: 128, scope: 'host' },
    { index: 0x32, name: 'eth0', address: 'fd00::2', prefixLen: 64, scope: 'global' },
  ]);
  assert.throws(() => parseIfInet6('zz 1 2 3 4 eth0'), /bad address/);
  assert.throws(() => parseProcNetDev('what\nis this\n'), /missing header/);
});
