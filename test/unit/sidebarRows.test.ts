// What the sidebar's rows say on the captured lab (`vscode` is test/vscodeStandIn.ts): container
// rows by address and network, a `container:X` sharer by X's name, each running container's
// live connections (original and reply tuples, NAT, bounded), each network's aliases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConntrackEntry, HostSnapshot } from '../../src/snapshot/hostSnapshot';
import type { TreeNode } from '../../src/ui/trees/treeNode';
import { VIEW } from '../../src/ui/trees/viewIds';
import { labSnapshot } from '../fixtures';
import { descriptionOf, labelOf, shownRows, tooltipOf, treeProvider } from '../sidebarTrees';

const containerRow = (snap: HostSnapshot, name: string): TreeNode => {
  const row = treeProvider(snap, VIEW.containers)
    .getChildren()
    .find((n) => labelOf(n) === name);
  assert.ok(row, name);
  return row;
};

const kid = (n: TreeNode, label: string | RegExp): TreeNode => {
  const k = n.kids().find((x) => (typeof label === 'string' ? labelOf(x) === label : label.test(labelOf(x))));
  assert.ok(k, `${labelOf(n)} > ${String(label)}`);
  return k;
};

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine}: container rows say their addresses and networks; the image is in the hover`, () => {
    const snap = labSnapshot(engine);
    const api = containerRow(snap, 'api');
    assert.equal(descriptionOf(api), '172.30.1.10 · lab-net');
    assert.match(tooltipOf(api), /\| image \| containernet\\-lab\/busybox:1 \|/);
    assert.equal(descriptionOf(containerRow(snap, 'dual')), '172.30.3.30 · lab-internal, 172.30.1.30 · lab-net');
    assert.equal(descriptionOf(containerRow(snap, 'hostnet')), 'host network');
  });

  test(`${engine}: the container:api sharer is named api in its row, its mode row and its hover, never by api's id`, () => {
    const snap = labSnapshot(engine);
    const apiId = snap.docker?.containers.find((c) => c.name === 'api')?.id ?? '';
    const sidecar = containerRow(snap, 'sidecar');
    assert.equal(descriptionOf(sidecar), "shares api's network namespace · 172.30.1.10 · lab-net");
    assert.match(tooltipOf(sidecar), /\| network mode \| container:api \|/);
    const mode = kid(sidecar, /^network mode:/);
    assert.equal(labelOf(mode), 'network mode: container:api');
    assert.equal(descriptionOf(mode), "shares api's network namespace");
    for (const n of [sidecar, ...sidecar.kids()]) {
      const text = `${labelOf(n)} ${descriptionOf(n)} ${tooltipOf(n)}`;
      assert.ok(!text.includes(apiId.slice(0, 12)), `${labelOf(n)} does not show api's id`);
    }
  });

  test(`${engine}: api's Connections list client's connections with both tuples; host mode has none`, () => {
    const snap = labSnapshot(engine);
    const expected = (snap.conntrack?.entries ?? []).filter((e) => e.reply.src === '172.30.1.10').length;
    const connections = kid(containerRow(snap, 'api'), 'Connections');
    assert.equal(descriptionOf(connections), `${expected} in conntrack`);
    const rows = connections.kids();
    assert.equal(rows.length, expected);
    const fromClient = rows.find((r) => descriptionOf(r).includes('from client'));
    assert.ok(fromClient);
    assert.match(labelOf(fromClient), /^tcp 172\.30\.1\.20:\d+ → 172\.30\.1\.10:80$/);
    assert.match(descriptionOf(fromClient), /^TIME_WAIT · from client · reply 172\.30\.1\.10:80 → 172\.30\.1\.20:\d+$/);
    assert.match(tooltipOf(fromClient), /No NAT/);
    assert.ok(
      !containerRow(snap, 'hostnet')
        .kids()
        .some((k) => labelOf(k) === 'Connections'),
    );
    assert.ok(kid(containerRow(snap, 'sidecar'), 'Connections').kids().length === expected, "sidecar has api's");
  });
}

const conn = (o: [string, number, string, number], r: [string, number, string, number]): ConntrackEntry => ({
  family: 'ipv4',
  protocol: 'tcp',
  state: 'ESTABLISHED',
  original: { src: o[0], sport: o[1], dst: o[2], dport: o[3] },
  reply: { src: r[0], sport: r[1], dst: r[2], dport: r[3] },
  flags: [],
});

test('NAT is shown when the reply differs; the list stops at 50 with a row counting the rest', () => {
  const snap = labSnapshot('lab28');
  const entries = snap.conntrack?.entries ?? [];
  entries.unshift(conn(['192.0.2.50', 40000, '192.0.2.2', 8080], ['172.30.1.10', 80, '192.0.2.50', 40000]));
  for (let i = 0; i < 100; i++) entries.push(conn(['172.30.1.10', 20000 + i, '203.0.113.10', 443], ['203.0.113.10', 443, '192.0.2.2', 20000 + i]));
  const connections = kid(containerRow(snap, 'api'), 'Connections');
  const rows = connections.kids();
  assert.equal(rows.length, 51);
  const dnat = rows[0] as TreeNode;
  assert.equal(labelOf(dnat), 'tcp 192.0.2.50:40000 → 192.0.2.2:8080');
  assert.equal(descriptionOf(dnat), 'ESTABLISHED · DNAT · reply 172.30.1.10:80 → 192.0.2.50:40000');
  assert.equal((dnat.item().iconPath as { id: string }).id, 'arrow-swap');
  assert.match(tooltipOf(dnat), /\*\*DNAT\*\*: the destination was rewritten: sent to 192\\\.0\\\.2\\\.2:8080, answered by 172\\\.30\\\.1\\\.10:80/);
  const snat = rows.find((r) => labelOf(r).includes('203.0.113.10:443'));
  assert.match(descriptionOf(snat as TreeNode), / · SNAT · reply 203\.0\.113\.10:443 → 192\.0\.2\.2:\d+$/);
  const more = rows[50] as TreeNode;
  const total = Number(/^(\d+) in conntrack$/.exec(descriptionOf(connections))?.[1]);
  assert.equal(labelOf(more), `${total - 50} more`);
  assert.match(descriptionOf(more), /conntrack -L -s 172\.30\.1\.10/);
});

test('conntrack not read: the Connections row says why and what to do', () => {
  const snap = labSnapshot('lab28');
  delete snap.conntrack;
  const status = snap.sources.find((s) => s.name === 'conntrack');
  assert.ok(status);
  Object.assign(status, { state: 'needs-privilege', reason: 'conntrack -L needs root', fix: 'add a sudoers rule' });
  const connections = kid(containerRow(snap, 'api'), 'Connections');
  assert.equal(descriptionOf(connections), 'conntrack not read: needs-privilege');
  assert.match(tooltipOf(connections), /add a sudoers rule/);
  assert.equal(connections.kids().length, 0);
});

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine}: lab-net's Aliases group lists web -> web1, web2, web3 (round robin), also in its hover`, () => {
    const snap = labSnapshot(engine);
    const networks = treeProvider(snap, VIEW.networks);
    const labNet = networks.getChildren().find((n) => labelOf(n) === 'lab-net');
    assert.ok(labNet);
    const aliases = kid(labNet, 'Aliases');
    assert.equal(descriptionOf(aliases), '1');
    assert.equal(aliases.item().collapsibleState, 2, 'open');
    const web = kid(aliases, 'web');
    assert.equal(descriptionOf(web), 'web1 172.30.1.11, web2 172.30.1.12, web3 172.30.1.13 (round robin)');
    assert.deepEqual(
      web.kids().map((m) => `${labelOf(m)} ${m.facts().ip} ${m.facts().peer?.nodeId.startsWith('c/')}`),
      ['web1 172.30.1.11 true', 'web2 172.30.1.12 true', 'web3 172.30.1.13 true'],
    );
    assert.match(tooltipOf(labNet), /\| alias web \| web1 172\\\.30\\\.1\\\.11, web2 172\\\.30\\\.1\\\.12, web3 172\\\.30\\\.1\\\.13 \\\(round robin\\\) \|/);
    assert.match(tooltipOf(web), /3 containers answer \(round robin/);
    const bridge = networks.getChildren().find((n) => labelOf(n) === 'bridge') as TreeNode;
    assert.equal(descriptionOf(kid(bridge, 'Aliases')), 'no embedded DNS on this network');
    const other = networks.getChildren().find((n) => labelOf(n) === 'lab-other') as TreeNode;
    assert.equal(descriptionOf(kid(other, 'Aliases')), 'none');
    assert.ok(!shownRows(networks).some((n) => n.parent && labelOf(n.parent) === 'host' && labelOf(n) === 'Aliases'), 'no Aliases under host');
  });
}

test('a hostile alias is plain text in its row and escaped in every hover', () => {
  const snap = labSnapshot('lab28');
  const evil = '*x*](javascript:alert(1))<img src=x>';
  for (const c of snap.docker?.containers ?? []) if (c.name === 'web1') c.endpoints[0]?.aliases.push(evil);
  const networks = treeProvider(snap, VIEW.networks);
  const labNet = networks.getChildren().find((n) => labelOf(n) === 'lab-net') as TreeNode;
  const row = kid(kid(labNet, 'Aliases'), evil);
  assert.equal(labelOf(row), evil);
  for (const tip of [tooltipOf(row), tooltipOf(labNet)]) {
    // Every markdown character of it is backslash-escaped: no link, no HTML.
    assert.ok(tip.includes('\\*x\\*\\]\\(javascript:alert\\(1\\)\\)\\<img src=x\\>'), tip);
    assert.ok(!/(^|[^\\])(<img|\]\()/.test(tip), tip);
  }
});
