// What a container's inspect says it refers to: link targets and host names in its environment,
// never a value as such (environments hold passwords), bounded, with hostile text left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extraHosts, hostsInValue, nameReferences } from '../../src/host/nameReferences';

test('host names in environment values: URL hosts, HOST:PORT, whole values of host variables only', () => {
  assert.deepEqual(hostsInValue('UPSTREAM_URL', 'http://user:secret@Api:8080/path'), ['api']);
  assert.deepEqual(hostsInValue('REDIS', 'redis:6379'), ['redis']);
  assert.deepEqual(hostsInValue('KAFKA_BROKERS', 'k1:9092,k2:9092'), ['k1', 'k2']);
  assert.deepEqual(hostsInValue('DB_HOST', 'db'), ['db']);
  assert.deepEqual(hostsInValue('MODE', 'api'), [], 'a bare word in a variable not named for a host');
  assert.deepEqual(hostsInValue('DB_PASSWORD', 'hunter2'), []);
  assert.deepEqual(hostsInValue('DB_HOST', '10.0.0.5'), [], 'an address is not a name');
  assert.deepEqual(hostsInValue('PEER', 'http://[fd00::1]:80/'), []);
  assert.deepEqual(hostsInValue('DB_HOST', 'db\u001b[31m'), [], 'control characters: not a host name');
  assert.deepEqual(hostsInValue('DB_HOST', 'x'.repeat(300)), [], 'too long for a DNS name');
  assert.deepEqual(hostsInValue('DB_PASSWORD', 'Tr0ub4dor:2024'), [], 'a secret variable is never read, even when its value looks like HOST:PORT');
  assert.deepEqual(hostsInValue('API_TOKEN_URL', 'https://tok@api/'), []);
});

test('references: links of both kinds, environment variables named (escaped), capped', () => {
  const refs = nameReferences(['PATH=/usr/bin:/bin', 'API_URL=http://api/', 'BAD\u0007NAME_HOST=web', 'SECRET=api:pass'], ['/vault:/client/secrets'], {
    'lab-net': { Links: ['lone:other'] },
  });
  assert.deepEqual(refs, [
    { name: 'vault', via: 'link', alias: 'secrets' },
    { name: 'lone', via: 'link', alias: 'other' },
    { name: 'api', via: 'environment variable API_URL' },
    { name: 'web', via: 'environment variable BAD?NAME_HOST' },
  ]);
  assert.ok(!JSON.stringify(refs).includes('pass'), 'a value that is not HOST:PORT is never kept');
  const many = Array.from({ length: 500 }, (_, i) => `H${i}_HOST=h${i}`);
  assert.equal(nameReferences(many, []).length, 64);
});

test('--add-host entries: name:ip and name=ip, IPv6 too; anything else dropped', () => {
  assert.deepEqual(extraHosts(['db:10.0.0.5', 'v6:fd00::1', 'eq=192.0.2.9', 'bad:not-an-ip', 'x', 'gw:host-gateway']), [
    { name: 'db', ip: '10.0.0.5' },
    { name: 'v6', ip: 'fd00::1' },
    { name: 'eq', ip: '192.0.2.9' },
    { name: 'gw', ip: 'host-gateway' },
  ]);
});
