// The sidebar's tree nodes built from the captured Docker 28 lab, in plain Node: `vscode` is the
// stand-in of test/vscodeStandIn.ts (value classes only; the real trees are driven in code-server
// by the e2e suite). What is checked: each view's nodes say what the topology says, a leftover
// bridge is flagged where it shows, the commands find a typed subject on the nodes they act on,
// and every place a diagram node reveals (diagramTargets) is a node the tree really has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { topologyOf } from '../../src/model/topology';
import { diagramChoices, renderDiagram } from '../../src/render/diagram';
import { sidebarLocations } from '../../src/ui/diagramTargets';
import { SnapshotTreeProvider } from '../../src/ui/trees/snapshotTreeProvider';
import type { TreeNode } from '../../src/ui/trees/treeNode';
import { VIEW } from '../../src/ui/trees/viewIds';
import { VIEW_SPECS } from '../../src/ui/trees/viewSpecs';
import { labSnapshot } from '../fixtures';

function providers(snapshot: HostSnapshot): Map<string, SnapshotTreeProvider> {
  const out = new Map<string, SnapshotTreeProvider>();
  for (const spec of VIEW_SPECS) {
    const p = new SnapshotTreeProvider(spec);
    p.update({ snapshot, topology: topologyOf(snapshot), settings: { showStoppedContainers: true, showBuiltInNetworks: true } });
    out.set(spec.view, p);
  }
  return out;
}

function all(p: SnapshotTreeProvider): TreeNode[] {
  const out: TreeNode[] = [];
  const queue = [...p.getChildren()];
  while (queue.length > 0) {
    const n = queue.shift() as TreeNode;
    out.push(n);
    queue.push(...p.getChildren(n));
  }
  return out;
}

test('Containers view: a node per container with a typed subject; its endpoints name the veth the topology pairs', () => {
  const snap = labSnapshot('lab28');
  const topo = topologyOf(snap);
  const tree = all(providers(snap).get(VIEW.containers) as SnapshotTreeProvider);
  for (const c of snap.docker?.containers ?? []) {
    const node = tree.find((n) => n.facts().subject?.kind === 'container' && n.id === `c/${c.id}`);
    assert.ok(node, c.name);
    const subject = node.facts().subject;
    assert.equal(subject?.kind === 'container' ? subject.container.name : '', c.name);
  }
  const api = topo.endpoints.find((e) => e.containerName === 'api');
  const item = tree.find((n) => n.contextValue === 'endpoint' && n.facts().inspect === api)?.item();
  assert.match(String(item?.description), new RegExp(`${api?.hostVeth?.name} → ${api?.bridge}`));
  const port = tree.find((n) => n.facts().subject?.kind === 'port' && String(n.item().label).startsWith('[::]:8086'));
  assert.match(String(port?.item().description), /DNAT to \[fd00:30:6::10\]:80/);
});

test("Host view: a dead bridge holding lab-net's address is STALE, with a warning, and the subnets group opens on the misroute", () => {
  const snap = labSnapshot('lab28');
  snap.hostNamespace.links.push({
    index: 9999,
    name: 'br-0000deadbeef',
    kind: 'bridge',
    mtu: 1500,
    operState: 'DOWN',
    flags: ['UP'],
    addresses: [{ family: 'inet', local: '172.30.1.1', prefixLen: 24 }],
  });
  const at = snap.hostNamespace.routes.findIndex((r) => r.dst === '172.30.1.0/24');
  snap.hostNamespace.routes.splice(at, 0, { dst: '172.30.1.0/24', dev: 'br-0000deadbeef', flags: ['linkdown'] });
  const host = providers(snap).get(VIEW.host) as SnapshotTreeProvider;
  const dead = all(host)
    .find((n) => n.item().label === 'br-0000deadbeef')
    ?.item();
  assert.match(String(dead?.description), /^STALE · .*collides with lab-net \(172\.30\.1\.0\/24\)/);
  assert.equal((dead?.iconPath as { id?: string } | undefined)?.id, 'warning');
  const subnets = host
    .getChildren()
    .find((n) => n.id === 'h/subnets')
    ?.item();
  assert.equal(subnets?.description, '1 misrouted');
  assert.equal(subnets?.collapsibleState, 2, 'expanded');
  // The healthy capture: nothing stale, the subnets group closed.
  const healthy = providers(labSnapshot('lab28')).get(VIEW.host) as SnapshotTreeProvider;
  assert.ok(!all(healthy).some((n) => String(n.item().description).startsWith('STALE')));
  assert.equal(
    healthy
      .getChildren()
      .find((n) => n.id === 'h/subnets')
      ?.item().collapsibleState,
    1,
  );
});

test('every diagram node of every diagram reveals a node the sidebar really has', () => {
  const snap = labSnapshot('lab28');
  const trees = providers(snap);
  const netfilterChains = new Set(
    all(trees.get(VIEW.netfilter) as SnapshotTreeProvider)
      .filter((n) => n.contextValue === 'nf-chain')
      .map((n) => n.id.split('/').slice(1, 3).join(' ')),
  );
  let checked = 0;
  for (const choice of diagramChoices(snap)) {
    const d = renderDiagram(snap, choice.request);
    for (const target of Object.values(d.nodes)) {
      const places = sidebarLocations(target, snap, topologyOf(snap));
      if (places.length === 0) continue;
      // The Netfilter view lists the chains Docker manages and what jumps to them; a built-in
      // chain with no Docker rule (filter INPUT) is drawn in a path but not listed: the panel says so.
      if ((target.kind === 'chain' || target.kind === 'rule') && !netfilterChains.has(`${target.table} ${target.chain}`)) continue;
      assert.ok(
        places.some((p) => trees.get(p.view)?.find(p.nodeId)),
        `${JSON.stringify(target)} -> ${places.map((p) => p.nodeId).join(', ')} in ${choice.label}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 100, `diagram nodes checked: ${checked}`);
});
