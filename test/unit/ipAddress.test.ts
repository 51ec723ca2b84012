import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressInBlock, cidrContains, cidrsOverlap, formatIp, lastAddress, parseCidr, parseIp } from '../../src/snapshot/ipAddress';

test('IPv4 and IPv6 addresses parse, print canonically, and reject garbage', () => {
  assert.deepEqual(parseIp('172.30.1.10'), { family: 4, value: 0xac1e010an });
  assert.equal(formatIp(parseIp('fd00:30:6:0:0:0:0:10') ?? { family: 6, value: 0n }), 'fd00:30:6::10');
  assert.equal(formatIp(parseIp('::1') ?? { family: 6, value: 0n }), '::1');
  assert.equal(formatIp(parseIp('::') ?? { family: 6, value: 1n }), '::');
  assert.equal(formatIp(parseIp('2001:db8:0:1:0:0:0:1') ?? { family: 6, value: 0n }), '2001:db8:0:1::1');
  assert.equal(formatIp(parseIp('::ffff:192.0.2.1') ?? { family: 6, value: 0n }), '::ffff:c000:201');
  assert.equal(parseIp('fe80::1%eth0')?.family, 6);
  for (const bad of ['', '1.2.3', '1.2.3.256', 'fd00::1::2', '1:2:3:4:5:6:7:8:9', 'g::1', '::ffff:1.2.3']) assert.equal(parseIp(bad), undefined, bad);
});

test('blocks: membership stays within a family; default contains both; overlaps and offsets', () => {
  assert.ok(cidrContains('fd00:30:6::/64', 'fd00:30:6::10'));
  assert.ok(!cidrContains('fd00:30:6::/64', 'fd00:30:7::10'));
  assert.ok(!cidrContains('fe80::/10', '172.30.1.10'), 'an IPv4 address is in no IPv6 block');
  assert.ok(!cidrContains('0.0.0.0/0', 'fd00::1'), 'nor the other way round');
  assert.ok(cidrContains('default', 'fd00::1') && cidrContains('default', '10.0.0.1'));
  assert.ok(cidrContains('172.30.1.0/24', '172.30.1.255') && !cidrContains('172.30.1.0/24', '172.30.2.0'));
  const v4 = parseCidr('172.30.1.7/24');
  assert.ok(v4);
  assert.equal(lastAddress(v4), '172.30.1.255');
  assert.equal(addressInBlock(v4, 1), '172.30.1.1');
  const a = parseCidr('10.0.0.0/8');
  const b = parseCidr('10.30.9.0/24');
  const c = parseCidr('fd00::/8');
  assert.ok(a && b && c && cidrsOverlap(a, b) && !cidrsOverlap(a, c));
  assert.equal(parseCidr('fd00::/129'), undefined);
});
