import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConntrack, parseConntrackLine } from '../../src/host/conntrack';
import { fixture } from '../fixtures';

test('conntrack -L from the lab: tuples, state, flags', () => {
  const text = fixture('lab', 'conntrack.txt');
  const state = parseConntrack(text);
  assert.equal(state.entries.length, text.split('\n').filter((l) => l.trim()).length);
  const lab = state.entries.find((e) => e.original.dst.startsWith('172.30.1.') && e.original.dport === 80);
  assert.ok(lab, 'a flow to a lab-net container on port 80');
  assert.equal(lab.protocol, 'tcp');
  assert.equal(lab.reply.src, lab.original.dst);
});

test('UNREPLIED udp, extended format, limit', () => {
  const udp = parseConntrackLine('udp      17 29 src=172.30.1.20 dst=127.0.0.11 sport=41000 dport=53 [UNREPLIED] src=127.0.0.11 dst=172.30.1.20 sport=53 dport=41000 mark=0 use=1');
  assert.equal(udp.state, undefined);
  assert.equal(udp.timeout, 29);
  assert.deepEqual(udp.flags, ['UNREPLIED']);
  assert.deepEqual(udp.reply, { src: '127.0.0.11', dst: '172.30.1.20', sport: 53, dport: 41000 });
  const ext = parseConntrackLine('ipv4     2 tcp      6 117 TIME_WAIT src=172.17.0.2 dst=10.30.9.3 sport=45678 dport=80 src=10.30.9.3 dst=172.17.0.2 sport=80 dport=45678 [ASSURED] mark=0 use=1');
  assert.equal(ext.family, 'ipv4');
  assert.equal(ext.state, 'TIME_WAIT');
  const many = Array.from({ length: 5 }, (_, i) => `tcp 6 10 ESTABLISHED src=10.0.0.${i} dst=10.0.0.9 sport=1 dport=2 src=10.0.0.9 dst=10.0.0.${i} sport=2 dport=1`).join('\n');
  const limited = parseConntrack(`${many}\nconntrack v1.4.7 (conntrack-tools): 5 flow entries have been shown.\n`, 3);
  assert.equal(limited.entries.length, 3);
  assert.equal(limited.truncated, true);
  assert.equal(parseConntrack(many, 5).truncated, false);
  assert.throws(() => parseConntrackLine('garbage here'), /conntrack: line does not start with a protocol/);
});
