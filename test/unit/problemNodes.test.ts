// The Problems view's nodes on the captured Docker 28 lab, in plain Node (`vscode` is the
// stand-in of test/vscodeStandIn.ts): the doctor's findings grouped by severity, each with its
// evidence and fix, revealing a node the other views really have; the badge counts errors and
// warnings only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIptablesSave } from '../../src/host/iptablesSave';
import { FindingNode, findingLocation, problemsBadge } from '../../src/ui/trees/problemNodes';
import { SnapshotTreeProvider } from '../../src/ui/trees/snapshotTreeProvider';
import type { TreeNode } from '../../src/ui/trees/treeNode';
import { VIEW } from '../../src/ui/trees/viewIds';
import { labSnapshot } from '../fixtures';
import { shownRows, treeProviders } from '../sidebarTrees';

const label = (n: TreeNode): string => String(n.item().label);

test('Problems view on the healthy lab: "no problems found", the information group closed, no badge', () => {
  const snap = labSnapshot('lab28');
  const view = treeProviders(snap).get(VIEW.problems) as SnapshotTreeProvider;
  const roots = view.getChildren();
  assert.deepEqual(roots.map(label), ['no problems found', 'Information']);
  assert.equal(roots[1]?.item().collapsibleState, 1, 'collapsed');
  assert.ok(view.getChildren(roots[1]).some((n) => label(n) === 'default-bridge-dns: legacy'));
  assert.equal(problemsBadge(snap), undefined);
});

test('Problems view on a broken lab: errors and warnings first, evidence and fix on each, each revealing its object', () => {
  const snap = labSnapshot('lab28');
  const nat = snap.netfilter?.tables.find((t) => t.name === 'nat')?.chains.find((c) => c.name === 'POSTROUTING');
  assert.ok(nat);
  nat.rules = nat.rules.filter((r) => r.match.source !== '172.30.2.0/24');
  const extra = parseIptablesSave(
    '*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -s 172.30.1.20/32 -j DROP\nCOMMIT\n*nat\n:DOCKER - [0:0]\n-A DOCKER -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.30.1.99:80\nCOMMIT\n',
  );
  for (const t of extra.tables) {
    const chain = snap.netfilter?.tables.find((x) => x.name === t.name)?.chains.find((c) => c.name === t.chains[0]?.name);
    assert.ok(chain);
    const rule = t.chains[0]?.rules[0];
    assert.ok(rule);
    if (t.name === 'filter') chain.rules.unshift(rule);
    else chain.rules.push(rule);
    chain.rules.forEach((r, i) => (r.position = i + 1));
  }
  const trees = treeProviders(snap);
  const view = trees.get(VIEW.problems) as SnapshotTreeProvider;
  const roots = view.getChildren();
  assert.deepEqual(roots.map(label), ['Errors', 'Warnings', 'Information']);
  assert.equal(roots[0]?.item().collapsibleState, 2, 'expanded');
  const errors = view.getChildren(roots[0]).map(label);
  assert.ok(errors.includes('no-masquerade: lab-other'), errors.join('\n'));
  assert.ok(errors.includes('docker-user-drop: client'), errors.join('\n'));

  const nodes = shownRows(view).filter((n): n is FindingNode => n instanceof FindingNode);
  const drop = nodes.find((n) => n.finding.check === 'docker-user-drop');
  assert.ok(drop);
  const item = drop.item();
  assert.match(String(item.description), /client's traffic out .* is dropped by filter DOCKER-USER #1/);
  assert.match(String((item.tooltip as { value: string }).value), /\*\*Fix:\*\* DOCKER\\-USER is yours/);
  assert.deepEqual(view.getChildren(drop).map(label), ['evidence', 'fix']);
  assert.equal(drop.contextValue, 'finding-located');
  // The finding reveals the container, the stale DNAT its rule: nodes the other views have.
  const client = snap.docker?.containers.find((c) => c.name === 'client');
  assert.deepEqual(drop.facts().peer, { view: VIEW.containers, nodeId: `c/${client?.id}` });
  const dnat = nodes.find((n) => n.finding.check === 'stale-dnat');
  const peer = dnat?.facts().peer;
  assert.ok(peer);
  assert.ok(trees.get(peer.view)?.find(peer.nodeId), peer.nodeId);
  const masq = nodes.find((n) => n.finding.check === 'no-masquerade')?.facts().peer;
  assert.ok(masq && trees.get(masq.view)?.find(masq.nodeId), JSON.stringify(masq));
  // A host sysctl has nowhere to go.
  assert.equal(
    findingLocation(snap, { check: 'ip-forward-off', severity: 'error', subject: { kind: 'host', name: 'net.ipv4.ip_forward' }, evidence: '', fix: '' }),
    undefined,
  );
  assert.deepEqual(problemsBadge(snap), { value: 3, tooltip: '2 errors, 1 warning' });
});

test("Problems view without Docker: the engine's item only, never 'no problems found'", () => {
  const snap = labSnapshot('lab28');
  delete snap.docker;
  const docker = snap.sources.find((x) => x.name === 'docker');
  assert.ok(docker);
  Object.assign(docker, { state: 'unreachable', reason: 'connect ENOENT /var/run/docker.sock', fix: 'Start the Docker engine' });
  const roots = (treeProviders(snap).get(VIEW.problems) as SnapshotTreeProvider).getChildren();
  assert.deepEqual(roots.map(label), ['Docker engine not reachable']);
  assert.equal(problemsBadge(snap), undefined);
});
