import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpAddrJson } from '../../src/host/links';
import { ParseError } from '../../src/host/parseError';
import { fixture } from '../fixtures';

test('ip -j -d addr from the lab: every interface, with kind, master and veth peer', () => {
  const text = fixture('lab', 'ip-addr.json');
  const raw = JSON.parse(text) as { ifname: string; ifindex: number; link_index?: number; master?: string; linkinfo?: { info_kind?: string } }[];
  const links = parseIpAddrJson(text);
  assert.equal(links.length, raw.length);
  for (const r of raw) {
    const l = links.find((x) => x.index === r.ifindex);
    assert.ok(l, `interface ${r.ifname} kept`);
    assert.equal(l.name, r.ifname);
    assert.equal(l.master, r.master);
    if (r.linkinfo?.info_kind === 'veth') {
      assert.equal(l.kind, 'veth');
      assert.equal(l.linkIndex, r.link_index);
      assert.equal(typeof l.linkNetnsId, 'number');
    }
  }
  const docker0 = links.find((l) => l.name === 'docker0');
  assert.equal(docker0?.kind, 'bridge');
  assert.deepEqual(
    docker0?.addresses.find((a) => a.family === 'inet'),
    { family: 'inet', local: '172.17.0.1', prefixLen: 16, scope: 'global' },
  );
  assert.ok(
    links.some((l) => l.bridgePort?.state === 'forwarding'),
    'bridge port state read',
  );
});

test('vxlan details inside the overlay sandbox', () => {
  const links = parseIpAddrJson(fixture('lab', 'sandbox-addr.json'));
  const vxlan = links.find((l) => l.kind === 'vxlan');
  assert.ok(vxlan, 'a vxlan device in the sandbox');
  assert.ok(vxlan.vxlan && vxlan.vxlan.id >= 4096, `VNI ${vxlan.vxlan?.id}`);
  assert.equal(vxlan.vxlan.port, 4789);
  assert.equal(vxlan.master, 'br0');
});

test('names with unusual characters survive, same-namespace peers resolve by name', () => {
  const text = JSON.stringify([
    {
      ifindex: 7,
      ifname: 'we"ird<if>',
      flags: ['UP'],
      mtu: 1500,
      operstate: 'UP',
      link_type: 'ether',
      link: 'vé-🙂',
      linkinfo: { info_kind: 'veth' },
      addr_info: [],
    },
    {
      ifindex: 8,
      ifname: 'vé-🙂',
      flags: [],
      mtu: 1500,
      operstate: 'DOWN',
      link_type: 'ether',
      link: 'we"ird<if>',
      linkinfo: { info_kind: 'veth' },
      addr_info: [],
    },
    { addr_info: [] },
  ]);
  const links = parseIpAddrJson(text);
  assert.deepEqual(
    links.map((l) => [l.name, l.linkIndex]),
    [
      ['we"ird<if>', 8],
      ['vé-🙂', 7],
    ],
  );
});

test('empty output is an empty list; truncated or non-array output is a clear ParseError', () => {
  assert.deepEqual(parseIpAddrJson(''), []);
  const truncated = fixture('lab', 'ip-addr.json').slice(0, 500);
  assert.throws(
    () => parseIpAddrJson(truncated),
    (e: unknown) => e instanceof ParseError && /ip -j -d addr: output is not valid JSON/.test(e.message),
  );
  assert.throws(() => parseIpAddrJson('{"ifindex":1}'), /expected a JSON array/);
  assert.throws(() => parseIpAddrJson('[{"foo":1}]'), /no interface objects/);
});
