import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDevMcast, parseFibTrieLocal, parseIfInet6, parseIgmp, parseNamespaceListeners, parseProcNetDev } from '../../src/host/procNet';
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

test('listening sockets: TCP LISTEN and unconnected UDP, both families, connected and established sockets left out', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 81234 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 81235 1 0000000000000000 100 0 0 10 0',
    '   2: 0A011EAC:0050 14011EAC:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 81236 1 0000000000000000 20 4 30 10 -1',
    '   3: zz:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
  ].join('\n');
  const tcp6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1 0000000000000000 100 0 0 10 0',
    '   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9002 1 0000000000000000 100 0 0 10 0',
    '   2: 0000000000000000FFFF00000100007F:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9003 1 0000000000000000 100 0 0 10 0',
  ].join('\n');
  const udp = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  1: 0B00007F:A3C1 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7001 2 0000000000000000 0',
    '  2: 0A011EAC:D000 0B01011E:0035 01 00000000:00000000 00:00000000 00000000     0        0 7002 2 0000000000000000 0',
  ].join('\n');
  const listeners = parseNamespaceListeners({ tcp, tcp6, udp });
  assert.deepEqual(
    listeners.map((l) => `${l.protocol} ${l.address}:${l.port} inode ${l.inode} uid ${l.uid}`),
    [
      'tcp 0.0.0.0:80 inode 81234 uid 0',
      'tcp 127.0.0.1:8080 inode 81235 uid 1000',
      'tcp :::80 inode 9001 uid 0',
      'tcp ::1:631 inode 9002 uid 0',
      'tcp ::ffff:127.0.0.1:8081 inode 9003 uid 0',
      'udp 127.0.0.11:41921 inode 7001 uid 0',
    ],
  );
});
