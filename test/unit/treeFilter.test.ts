// The views' filters search rows and their children: an IP, an alias, a port, a rule's text, a
// chain or a network's name finds the rows that say it, however deep, and opens the way to them.
// On the captured lab, through the real providers (`vscode` is test/vscodeStandIn.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TreeItemCollapsibleState } from '../vscodeStandIn';
import { TreeFilter } from '../../src/ui/trees/treeFilter';
import type { SnapshotTreeProvider } from '../../src/ui/trees/snapshotTreeProvider';
import type { TreeNode } from '../../src/ui/trees/treeNode';
import { VIEW } from '../../src/ui/trees/viewIds';
import { labSnapshot } from '../fixtures';
import { descriptionOf, labelOf, shownRows, treeProvider } from '../sidebarTrees';

const says = (n: TreeNode, text: string) => `${labelOf(n)} ${descriptionOf(n)}`.toLowerCase().includes(text.toLowerCase());

/** The view filtered by `text`: its top-level rows, and every row it shows. */
function filtered(engine: 'lab' | 'lab28', view: string, text: string): { p: SnapshotTreeProvider; roots: string[]; rows: TreeNode[] } {
  const p = treeProvider(labSnapshot(engine), view);
  p.setFilter(text);
  return { p, roots: p.getChildren().map(labelOf), rows: shownRows(p) };
}

/** Each kept top-level row says `text` itself or has a shown row below it that does. */
function everyRootFinds(p: SnapshotTreeProvider, text: string): void {
  for (const root of p.getChildren()) {
    const below = (n: TreeNode): boolean => says(n, text) || p.getChildren(n).some(below);
    assert.ok(below(root), `${labelOf(root)} is kept for "${text}"`);
  }
}

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine} Containers: "8080" finds api by its published port, opened to it`, () => {
    const { p, roots, rows } = filtered(engine, VIEW.containers, '8080');
    assert.deepEqual(roots, ['api']);
    const port = rows.find((n) => labelOf(n) === '0.0.0.0:8080 → 80/tcp');
    assert.ok(port, 'the port row is shown');
    const api = p.getChildren()[0] as TreeNode;
    assert.equal(p.getTreeItem(api).collapsibleState, TreeItemCollapsibleState.Expanded, 'api opens to show the port');
    assert.equal(p.getTreeItem(port).collapsibleState, TreeItemCollapsibleState.None);
  });

  test(`${engine} Containers: "172.30.1.10" finds api by its address and client by its connection to api`, () => {
    const { p, roots, rows } = filtered(engine, VIEW.containers, '172.30.1.10');
    assert.ok(roots.includes('api'));
    assert.ok(roots.includes('sidecar'), "sidecar shares api's namespace: its row names api's address");
    assert.ok(roots.includes('client'), 'client opened connections to 172.30.1.10');
    assert.ok(!roots.includes('web1') && !roots.includes('lone'));
    const client = p.getChildren().find((n) => labelOf(n) === 'client') as TreeNode;
    // client matched through its Connections only: only that branch is shown, open.
    assert.deepEqual(p.getChildren(client).map(labelOf), ['Connections']);
    const connections = p.getChildren(client)[0] as TreeNode;
    assert.equal(p.getTreeItem(connections).collapsibleState, TreeItemCollapsibleState.Expanded);
    assert.ok(p.getChildren(connections).every((n) => says(n, '172.30.1.10')));
    assert.ok(rows.some((n) => labelOf(n).startsWith('tcp 172.30.1.20:') && descriptionOf(n).includes('to api')));
    everyRootFinds(p, '172.30.1.10');
  });

  test(`${engine} Containers: "lab-net", "DNAT", "web" and "api" find what says them`, () => {
    const lab = filtered(engine, VIEW.containers, 'lab-net');
    for (const name of ['api', 'client', 'dual', 'web1', 'web2', 'web3', 'sidecar']) assert.ok(lab.roots.includes(name), `${name} on lab-net`);
    assert.ok(!lab.roots.includes('lone') && !lab.roots.includes('legacy'));
    const dnat = filtered(engine, VIEW.containers, 'DNAT');
    assert.ok(dnat.roots.includes('api'));
    everyRootFinds(dnat.p, 'DNAT');
    const web = filtered(engine, VIEW.containers, 'web');
    assert.ok(['web1', 'web2', 'web3'].every((n) => web.roots.includes(n)));
    const api = filtered(engine, VIEW.containers, 'api');
    assert.ok(api.roots.includes('api') && api.roots.includes('sidecar'));
    everyRootFinds(api.p, 'api');
  });

  test(`${engine} Netfilter: "DNAT", "8080", "172.30.1.10", "lab-net" and "api" find rules in their chains`, () => {
    const dnat = filtered(engine, VIEW.netfilter, 'DNAT');
    assert.ok(dnat.roots.includes('nat'));
    const rule8080 = dnat.rows.find((n) => n.contextValue === 'nf-rule' && labelOf(n).includes('--dport 8080') && labelOf(n).includes('-j DNAT'));
    assert.ok(rule8080, 'the DNAT rule of 8080 is shown');
    const chain = rule8080.parent as TreeNode;
    assert.equal(labelOf(chain), 'DOCKER');
    assert.equal(dnat.p.getTreeItem(chain).collapsibleState, TreeItemCollapsibleState.Expanded, 'its chain opens');
    assert.ok(
      dnat.p.getChildren(chain).every((n) => says(n, 'dnat')),
      'the chain shows only its DNAT rules',
    );
    everyRootFinds(dnat.p, 'DNAT');
    for (const text of ['8080', '172.30.1.10', 'api']) {
      const f = filtered(engine, VIEW.netfilter, text);
      assert.ok(f.roots.includes('nat'), `"${text}": nat`);
      // The filter table's rules name the container's port (80), not the host's (8080).
      if (text !== '8080') assert.ok(f.roots.includes('filter'), `"${text}": filter`);
      assert.ok(
        f.rows.some((n) => n.contextValue === 'nf-rule' && says(n, text)),
        `"${text}": a rule`,
      );
      everyRootFinds(f.p, text);
    }
    const labNet = filtered(engine, VIEW.netfilter, 'lab-net');
    assert.ok(labNet.rows.some((n) => n.contextValue === 'nf-rule' && labelOf(n).includes('MASQUERADE') && descriptionOf(n).endsWith('lab-net')));
    const chainName = filtered(engine, VIEW.netfilter, 'DOCKER-ISOLATION-STAGE-1');
    assert.ok(chainName.rows.some((n) => n.contextValue === 'nf-chain' && labelOf(n) === 'DOCKER-ISOLATION-STAGE-1'));
  });

  test(`${engine} Networks: "web" finds lab-net by its alias; an address finds its network`, () => {
    const web = filtered(engine, VIEW.networks, 'web');
    // lab-net by its alias (and web1..3); on 28's lab also lab-v6, by its container v6web.
    assert.deepEqual(
      web.roots.filter((r) => r !== 'lab-v6'),
      ['lab-net'],
    );
    const alias = web.rows.find((n) => n.contextValue === 'alias' && labelOf(n) === 'web');
    assert.ok(alias);
    assert.equal(web.p.getTreeItem(alias.parent as TreeNode).collapsibleState, TreeItemCollapsibleState.Expanded);
    const ip = filtered(engine, VIEW.networks, '172.30.3.30');
    assert.deepEqual(ip.roots, ['lab-internal']);
  });
}

test('a filter with no match says so; clearing it shows everything again with the ids the tree had', () => {
  const p = treeProvider(labSnapshot('lab28'), VIEW.containers);
  const before = p.getChildren().map((n) => p.getTreeItem(n).id);
  p.setFilter('no-such-thing-anywhere');
  assert.deepEqual(p.getChildren().map(labelOf), ['nothing matches "no-such-thing-anywhere"']);
  p.setFilter('api');
  // Under a filter the rows carry the filter's own ids, so VS Code applies their open state afresh.
  assert.ok(p.getChildren().every((n) => p.getTreeItem(n).id?.endsWith('?filter=api')));
  p.setFilter('');
  assert.deepEqual(
    p.getChildren().map((n) => p.getTreeItem(n).id),
    before,
  );
});

test('the search is bounded: past its row limit it stops and says so', () => {
  const p = treeProvider(labSnapshot('lab28'), VIEW.netfilter);
  const roots = p.getChildren();
  const small = new TreeFilter('dnat', roots, 20);
  assert.equal(small.capped, true);
  assert.equal(small.searched, 20);
  const full = new TreeFilter('dnat', roots);
  assert.equal(full.capped, false);
  assert.ok(full.searched > 100, `rows searched: ${full.searched}`);
  const shallow = new TreeFilter('dnat', roots, 50_000, 1);
  assert.ok(!shallow.roots.some((r) => labelOf(r) === 'nat'), 'rules two levels down are past a depth of 1');
  p.setFilter('dnat');
  assert.deepEqual(p.filterSearch, { searched: full.searched, capped: false });
});
