import '../mermaidParser';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlowchart, shownText, type ParsedFlowchart } from '../mermaidParser';
import { fixture, labSnapshot } from '../fixtures';
import { parseIptablesSave } from '../../src/host/iptablesSave';
import { scaledLabSnapshot } from '../scaledSnapshot';
import { DEFAULT_RENDER_LIMITS, diagramChoices, renderDiagram, DiagramRequestError } from '../../src/render/diagram';
import { escapeLabel, FlowchartBuilder } from '../../src/render/mermaidText';
import { packRows } from '../../src/render/topologyMermaid';
import { foldSteps } from '../../src/render/packetPathMermaid';
import { buildTopology } from '../../src/model/topology';
import { countersOf, ruleKey } from '../../src/model/ruleCounters';
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import type { DiagramRequest } from '../../src/protocol';

/** The whole host at its default level of detail (compact), and with every interface. */
const HOST: DiagramRequest = { kind: 'topology', scope: { kind: 'host' }, filter: '' };
const HOST_FULL: DiagramRequest = { kind: 'topology', scope: { kind: 'host' }, filter: '', detail: 'full' };
const PORT_8080: DiagramRequest = { kind: 'path', path: { kind: 'inbound', hostPort: 8080, protocol: 'tcp' } };

function vertexText(p: ParsedFlowchart, id: string): string {
  const v = p.vertices.get(id);
  assert.ok(v, `vertex ${id}`);
  return shownText(v.text);
}

function findVertex(p: ParsedFlowchart, needle: string): string | undefined {
  return [...p.vertices.keys()].find((id) => vertexText(p, id).includes(needle));
}

test('host topology of the lab, every interface, parses: a box per network with a node per container interface, joined by its veth pair to the bridge', async () => {
  const snap = labSnapshot();
  const d = renderDiagram(snap, HOST_FULL);
  assert.match(d.title, /, every interface$/, 'the title (the tab) says the level of detail');
  const p = await parseFlowchart(d.mermaid);
  const topo = buildTopology(snap);
  for (const e of topo.endpoints.filter((x) => x.hostVeth)) {
    const ep = findVertex(p, `${e.containerName} ${e.containerInterface?.name}@if${e.hostVeth?.index}`);
    assert.ok(ep, `node for ${e.containerName} on ${e.network}`);
    assert.ok(vertexText(p, ep).includes(`${e.ip}/${e.prefixLen}`), `${e.containerName}'s address`);
    const bridge = findVertex(p, `${e.bridge} (bridge`);
    const veth = p.edges.find((x) => x.start === ep && x.end === bridge);
    assert.ok(veth, `${e.containerName} eth -- ${e.bridge}`);
    assert.equal(shownText(veth.text), `${e.hostVeth?.name}@if${e.containerInterface?.index}`, 'the veth pair is labelled with its host end');
    // The label stands for the host veth: keyed by the id Mermaid gives the edge (and its drawn label).
    const labelId = Object.keys(d.nodes).find((k) => k.startsWith(`L_${ep}_${bridge}_`));
    assert.ok(labelId && (p.edges as { id?: string }[]).some((x) => x.id === labelId), `${e.containerName}: the veth label's id ${labelId} is Mermaid's`);
    assert.deepEqual(d.nodes[labelId], { kind: 'hostInterface', name: e.hostVeth?.name });
    assert.deepEqual(d.nodes[ep], { kind: 'container', id: e.containerId, name: e.containerName, running: true });
    // Drawn in its network's box.
    const box = p.subgraphs.find((s) => shownText(s.title).startsWith(`network ${e.network} `));
    assert.ok(box?.nodes.includes(ep) && box.nodes.includes(bridge as string), `${e.containerName} in the box of ${e.network}`);
  }
  // sidecar is named in api's node; hostnet in the host's box.
  assert.match(vertexText(p, findVertex(p, 'api eth0') as string), /\+ sidecar \(container:api\)/);
  const host = p.subgraphs.find((s) => s.id === 'HOSTNS');
  assert.ok(host?.nodes.some((n) => vertexText(p, n).startsWith('hostnet')));
  // No edge leaves a box: Mermaid lays each out on its own and the rows pack them.
  const boxOf = new Map<string, string>();
  for (const s of p.subgraphs.filter((x) => !x.id.startsWith('ROW'))) for (const n of s.nodes) boxOf.set(n, s.id);
  for (const e of p.edges)
    if (boxOf.has(e.start) && boxOf.has(e.end)) assert.equal(boxOf.get(e.start), boxOf.get(e.end), `${e.start} -- ${e.end} stays in its box`);
  assert.ok(
    p.subgraphs.some((s) => s.id === 'ROW1'),
    'the boxes are packed in more than one row',
  );
  // Every running lab container is named somewhere in the diagram.
  const all = [...p.vertices.keys()].map((id) => vertexText(p, id)).join('\n') + p.subgraphs.map((s) => shownText(s.title)).join('\n');
  for (const c of snap.docker?.containers.filter((c) => c.state === 'running') ?? []) assert.ok(all.includes(c.name), `${c.name} in the diagram`);
});

test('whole host, compact (the default): a line per container interface with its address and published ports, the way out on the bridge, the uplink once', async () => {
  for (const lab of ['lab', 'lab28'] as const) {
    const snap = labSnapshot(lab);
    const d = renderDiagram(snap, HOST);
    const p = await parseFlowchart(d.mermaid);
    const text = (id: string): string => vertexText(p, id);
    assert.ok(
      d.notes.some((n) => n.startsWith('compact:')),
      `${lab}: the notes say how to see every interface`,
    );
    // Oracle: the addresses and ports docker inspect gave (the snapshot's Docker part), not the topology model.
    const running = snap.docker?.containers.filter((c) => c.state === 'running') ?? [];
    for (const c of running.filter((x) => x.modeKind === 'bridge' || x.modeKind === 'user')) {
      for (const e of c.endpoints.filter((x) => x.ip)) {
        const node = [...p.vertices.keys()].find((id) => text(id).split('\n')[0]?.startsWith(`${c.name} ${e.ip}`));
        assert.ok(node, `${lab}: a node "${c.name} ${e.ip}"`);
        const box = p.subgraphs.find((sg) => sg.nodes.includes(node));
        assert.ok(box && shownText(box.title).startsWith(`${e.network} `), `${lab}: ${c.name} in the box of ${e.network}`);
        assert.deepEqual(d.nodes[node], { kind: 'container', id: c.id, name: c.name, running: true });
        // Joined to the bridge (or the overlay's br0) by an unlabelled line: the veth pair is drawn when opened.
        const line = p.edges.filter((x) => x.start === node);
        assert.equal(line.length, 1, `${lab}: ${c.name} on ${e.network} has one line`);
        assert.equal(shownText(line[0]?.text ?? ''), '', `${lab}: no veth label in compact`);
        assert.ok(box.nodes.includes(line[0]?.end as string), `${lab}: the line stays in the box`);
        for (const port of c.ports.filter((x) => x.hostPort > 0 && x.hostIp === '0.0.0.0'))
          assert.ok(
            c.endpoints.length > 1 || text(node).includes(`:${port.hostPort} \u2192 ${port.containerPort}`),
            `${lab}: ${c.name}'s published ${port.hostPort} in its node`,
          );
      }
    }
    assert.match(text([...p.vertices.keys()].find((id) => text(id).startsWith('api ')) as string), /\+ sidecar \(container:api\)/);
    // Each node is a line or two: nothing like the five-line nodes of every interface.
    for (const id of p.vertices.keys()) assert.ok(text(id).split('\n').length <= 3, `${lab}: ${JSON.stringify(text(id))} is short`);
    // The way out is a line of the bridge's node; the uplink is drawn once, in the host's box.
    const labNet = snap.docker?.networks.find((n) => n.name === 'lab-net');
    const bridge = [...p.vertices.keys()].find((id) => text(id).startsWith(`br-${labNet?.id.slice(0, 12)} 172.30.1.1/24`));
    assert.ok(bridge && /\nMASQUERADE to eth0 \(\d+ pkts\)$/.test(text(bridge)), `${lab}: lab-net's bridge says its MASQUERADE`);
    assert.ok(
      [...p.vertices.keys()].some((id) => /\ninternal: no way out$/.test(text(id))),
      `${lab}: the internal network has no way out`,
    );
    const uplinks = [...p.vertices.keys()].filter((id) => /\(uplink/.test(text(id)));
    assert.equal(uplinks.length, 1, `${lab}: one uplink`);
    assert.ok(p.subgraphs.find((sg) => sg.id === 'HOSTNS')?.nodes.includes(uplinks[0] as string));
    // Every running container is named; no edge leaves a box.
    const all = [...p.vertices.keys()].map(text).join('\n');
    for (const c of running) assert.ok(all.includes(c.name), `${lab}: ${c.name} in the diagram`);
    const boxOf = new Map<string, string>();
    for (const sg of p.subgraphs.filter((x) => !x.id.startsWith('ROW'))) for (const n of sg.nodes) boxOf.set(n, sg.id);
    for (const e of p.edges) if (boxOf.has(e.start) && boxOf.has(e.end)) assert.equal(boxOf.get(e.start), boxOf.get(e.end));
  }
});

test('the rows of boxes are balanced: the widest row as narrow as an in-order split allows', () => {
  const rows = packRows([{ width: 6 }, { width: 1 }, { width: 1 }, { width: 1 }, { width: 1 }, { width: 1 }, { width: 1 }], { unitWidth: 100, rowHeight: 100 });
  assert.deepEqual(
    rows.map((r) => r.map((b) => b.width)),
    [[6], [1, 1, 1, 1, 1, 1]],
  );
  // A greedy fill by the average width (what it replaced) gives [5.5, 3.5], [3, 5.5], [3, 4.5, 4.5]: a widest row of 12.
  const widths = [5.5, 3.5, 3, 5.5, 3, 4.5, 4.5];
  const three = packRows(
    widths.map((width) => ({ width })),
    { unitWidth: 190, rowHeight: 340 },
  );
  assert.deepEqual(
    three.map((r) => r.map((b) => b.width)),
    [
      [5.5, 3.5],
      [3, 5.5, 3],
      [4.5, 4.5],
    ],
  );
  // Every box once, in order, whatever the count.
  for (let n = 0; n <= 12; n++) {
    const boxes = Array.from({ length: n }, (_, i) => ({ width: (i * 7) % 5 }));
    assert.deepEqual(packRows(boxes).flat(), boxes, `${n} boxes`);
  }
});

test('every interface: published ports enter by the uplink, labelled with their DNAT target; NAT sits between bridge and uplink', async () => {
  const snap = labSnapshot();
  const d = renderDiagram(snap, HOST_FULL);
  const p = await parseFlowchart(d.mermaid);
  const topo = buildTopology(snap);
  const port = topo.ports.find((x) => x.containerName === 'api' && x.hostPort === 8080);
  assert.ok(port?.dnatTarget);
  const edge = p.edges.find((e) => shownText(e.text).includes(`:8080 \u2192 ${port.dnatTarget} DNAT`));
  assert.ok(edge, 'the 8080 edge');
  assert.match(vertexText(p, edge.end), /\(uplink/);
  assert.match(vertexText(p, edge.start), /^api eth0/);
  const uplink = edge.end;
  const labNet = topo.networks.find((n) => n.name === 'lab-net');
  const bridge = findVertex(p, `${labNet?.bridge} (bridge`);
  const nat = p.edges.find((e) => e.start === bridge && vertexText(p, e.end).startsWith('NAT (MASQUERADE)'));
  assert.ok(nat && vertexText(p, nat.end).includes('-s 172.30.1.0/24'));
  assert.ok(p.edges.some((e) => e.start === nat.end && e.end === uplink));
  // The internal network has no way out.
  const internal = findVertex(p, 'network lab-internal (internal)');
  assert.ok(internal && !p.edges.some((e) => e.start === internal && vertexText(p, e.end).startsWith('NAT')));
});

test("overlay: the network's box holds br0 and the VXLAN device with its VNI", async () => {
  const snap = labSnapshot();
  const p = await parseFlowchart(renderDiagram(snap, HOST_FULL).mermaid);
  const net = snap.docker?.networks.find((n) => n.name === 'lab-overlay');
  const vni = net?.vxlanIds?.[0];
  assert.ok(vni);
  const sub = p.subgraphs.find((s) => shownText(s.title).startsWith('network lab-overlay (overlay'));
  assert.ok(sub, 'overlay box');
  assert.ok(sub.nodes.some((n) => vertexText(p, n).includes(`VNI ${vni}`)));
  assert.ok(sub.nodes.some((n) => vertexText(p, n).startsWith('br0 (bridge in sandbox')));
});

test('network and container scopes draw only what belongs to them', async () => {
  const snap = labSnapshot();
  const net = await parseFlowchart(renderDiagram(snap, { kind: 'topology', scope: { kind: 'network', network: 'lab-other' }, filter: '' }).mermaid);
  const names = [...net.vertices.keys()].map((id) => vertexText(net, id)).join('\n');
  assert.match(names, /lone eth0/);
  assert.doesNotMatch(names, /api eth0|web1 eth0/);
  const one = await parseFlowchart(renderDiagram(snap, { kind: 'topology', scope: { kind: 'container', container: 'sidecar' }, filter: '' }).mermaid);
  const text = [...one.vertices.keys()].map((id) => vertexText(one, id)).join('\n');
  assert.match(text, /api eth0/, "sidecar is drawn in the namespace it uses: api's");
  assert.match(text, /DNS redirect \(nat DOCKER_OUTPUT\)\nudp 127\.0\.0\.11:53 \u2192 127\.0\.0\.11:\d+/, 'one container: its DNS redirect');
  assert.doesNotMatch(text, /web1|client eth0/);
  assert.throws(() => renderDiagram(snap, { kind: 'topology', scope: { kind: 'container', container: 'nope' }, filter: '' }), DiagramRequestError);
});

test('the filter keeps matching containers and says how many', () => {
  const d = renderDiagram(labSnapshot(), { kind: 'topology', scope: { kind: 'host' }, filter: 'WEB' });
  assert.match(d.mermaid, /"web1 172\.30\.1\.11/);
  assert.doesNotMatch(d.mermaid, /"api /);
  assert.ok(
    d.notes.some((n) => /filter "WEB": 3 of \d+/.test(n)),
    d.notes.join('\n'),
  );
});

const HOSTILE = [
  'a"]; click A call alert(1) %% x',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'end',
  'subgraph',
  'style A fill:#f00;',
  'classDef x fill:#f00;',
  '#quot; `md` ${x}',
  'A-->B|x|',
  'réseau 名前 🐳',
];

test('escapeLabel leaves only safe characters and entity codes', () => {
  for (const h of HOSTILE) {
    const e = escapeLabel(h);
    assert.match(e, /^[A-Za-z0-9 ._/@=+,:()!?'#;-]*$/, e);
    assert.doesNotMatch(e.replace(/#\d+;/g, ''), /#\w+;/, 'no entity but the ones written here');
    assert.doesNotMatch(e, /style|classDef/);
  }
});

test('hostile container and network names parse and come out as literal text', async () => {
  for (const hostile of HOSTILE) {
    const snap = labSnapshot();
    const docker = snap.docker as NonNullable<HostSnapshot['docker']>;
    const api = docker.containers.find((c) => c.name === 'api');
    const net = docker.networks.find((n) => n.name === 'lab-net');
    assert.ok(api && net);
    const name = `${hostile}-c`;
    const netName = `${hostile}-n`;
    api.name = name;
    for (const ns of snap.containerNamespaces) if (ns.containerId === api.id) ns.containerName = name;
    for (const c of docker.containers) for (const e of c.endpoints) if (e.network === 'lab-net') e.network = netName;
    for (const c of docker.containers) if (c.modeTarget === 'api') c.modeTarget = name;
    net.name = netName;
    for (const request of [HOST, { kind: 'topology', scope: { kind: 'container', container: name }, filter: '' } as DiagramRequest, PORT_8080]) {
      const d = renderDiagram(snap, request);
      // A plain word (end, subgraph) only ever appears inside a quoted label; anything with syntax in it is encoded.
      if (/[^A-Za-z0-9 ]/.test(hostile)) assert.ok(!d.mermaid.includes(hostile), `the raw name never reaches the text (${hostile})`);
      const p = await parseFlowchart(d.mermaid);
      const shown =
        [...p.vertices.keys()].map((id) => vertexText(p, id)).join('\n') +
        p.subgraphs.map((s) => shownText(s.title)).join('\n') +
        p.edges.map((e) => shownText(e.text)).join('\n');
      if (request.kind === 'topology') assert.ok(shown.includes(name), `shown literally: ${hostile}`);
      for (const v of p.vertices.values()) assert.doesNotMatch(v.text, /<(?!br\/?>)[a-z]/i, 'no markup but <br/> in labels');
    }
  }
});

test('a 300-container host stays within Mermaid limits, parses, and says what it grouped', async () => {
  const lab = labSnapshot().docker?.containers.filter((c) => c.state === 'running').length ?? 0;
  const snap = scaledLabSnapshot(300 - lab);
  assert.equal(snap.docker?.containers.filter((c) => c.state === 'running').length, 300);
  const last = snap.docker?.containers.filter((c) => c.name.startsWith('web1-clone-')).pop()?.name;
  assert.ok(last);
  for (const request of [HOST, HOST_FULL]) {
    const d = renderDiagram(snap, request);
    assert.ok(d.stats.chars <= DEFAULT_RENDER_LIMITS.maxTextSize, `${d.stats.chars} chars`);
    assert.ok(d.stats.edges <= DEFAULT_RENDER_LIMITS.maxEdges, `${d.stats.edges} edges`);
    const p = await parseFlowchart(d.mermaid);
    assert.equal(p.edges.length, d.stats.edges);
    const group = [...p.vertices.keys()].find((id) => /^\d+ more containers on lab-net/.test(vertexText(p, id)));
    assert.ok(group, 'lab-net grouped');
    assert.ok(d.notes.some((n) => n.includes('drawn as one group')));
    // The container with a published port is still drawn one by one, with its port (an edge, or a line of its node).
    if (request === HOST_FULL) assert.ok(p.edges.some((e) => shownText(e.text).includes(':8080 \u2192')));
    else assert.ok([...p.vertices.keys()].some((id) => /^api 172\.30\.1\.10\n:8080 \u2192 80/.test(vertexText(p, id))));
    // Filtering brings one grouped container back as its own node.
    const own = new RegExp(`"${last} (eth0|172)`);
    assert.doesNotMatch(d.mermaid, own, 'the last clone is in the group');
    const f = renderDiagram(snap, { ...request, filter: last });
    assert.match(f.mermaid, own);
  }
});

test('packet path of :8080 parses: DNAT in nat DOCKER with its counters, rewritten destination on the next edge, FORWARD accept, verdict', async () => {
  const snap = labSnapshot();
  const d = renderDiagram(snap, PORT_8080);
  const p = await parseFlowchart(d.mermaid);
  const api = snap.docker?.containers.find((c) => c.name === 'api')?.endpoints[0]?.ip;
  const dnat = [...p.vertices.keys()].find((id) => vertexText(p, id).includes(`--to-destination ${api}:80`));
  assert.ok(dnat, 'the DNAT rule node');
  assert.deepEqual(d.nodes[dnat] && { ...d.nodes[dnat], position: 0, spec: '' }, { kind: 'rule', table: 'nat', chain: 'DOCKER', position: 0, spec: '' });
  assert.match(vertexText(p, dnat), /\d+ pkts, \d/);
  // The DNAT ends PREROUTING's column: the arrow out of that column shows the rewritten destination.
  const column = p.subgraphs.find((s) => s.nodes.includes(dnat));
  assert.ok(column && shownText(column.title) === 'PREROUTING');
  const after = p.edges.find((e) => e.start === column.id);
  assert.ok(after && shownText(after.text).includes(`${api}:80`), 'the edge after DNAT shows the rewritten destination');
  // The hooks are columns side by side, the verdict with its reason above them.
  assert.match(d.mermaid, /subgraph PATH\[" "\]\n\s+direction LR\n/);
  assert.ok(p.edges.some((e) => e.start === 'VERDICT' && e.end === 'PATH'));
  const hooks = p.subgraphs.map((s) => shownText(s.title));
  for (const h of ['PREROUTING', 'FORWARD', 'POSTROUTING']) assert.ok(hooks.includes(h), `${h} in ${hooks.join(',')}`);
  assert.ok([...p.vertices.keys()].some((id) => vertexText(p, id).startsWith('routing: forward')));
  const verdict = vertexText(p, 'VERDICT');
  assert.match(verdict, /^(ACCEPT|UNKNOWN)/);
  assert.ok(verdict.includes(`destination rewritten to ${api}:80`));
});

test('a rule whose counter moved since the previous read is marked moved; unchanged ones are not', () => {
  const snap = labSnapshot();
  const before = countersOf(snap);
  const first = renderDiagram(snap, PORT_8080, { previousCounters: before });
  assert.deepEqual(first.moved, []);
  const dnatId = Object.entries(first.nodes).find(([, t]) => t.kind === 'rule' && t.spec.includes('--to-destination'))?.[0];
  assert.ok(dnatId);
  const target = first.nodes[dnatId];
  assert.ok(target?.kind === 'rule');
  const rule = snap.netfilter?.tables
    .find((t) => t.name === 'nat')
    ?.chains.find((c) => c.name === 'DOCKER')
    ?.rules.find((r) => r.spec === target.spec);
  assert.ok(rule);
  rule.packets += 3;
  const second = renderDiagram(snap, PORT_8080, { previousCounters: before });
  assert.deepEqual(second.moved, [dnatId]);
  assert.match(second.mermaid, new RegExp(`class [^\\n]*\\b${dnatId}\\b[^\\n]* moved`));
  assert.equal(before[ruleKey(rule)], rule.packets - 3);
});

test('outbound path of a container shows its MASQUERADE; DNS path shows the redirect to the embedded resolver', async () => {
  const snap = labSnapshot();
  const out = renderDiagram(snap, { kind: 'path', path: { kind: 'outbound', container: 'client', dst: '203.0.113.10', dport: 443, protocol: 'tcp' } });
  const po = await parseFlowchart(out.mermaid);
  assert.ok(
    [...po.vertices.keys()].some((id) => /-s 172\.30\.1\.0\/24 ! -o br-\S+ -j MASQUERADE/.test(vertexText(po, id))),
    'the MASQUERADE rule',
  );
  const dns = renderDiagram(snap, { kind: 'path', path: { kind: 'dns', container: 'api' } });
  const pd = await parseFlowchart(dns.mermaid);
  const redirect = [...pd.vertices.keys()].find((id) =>
    /-d 127\.0\.0\.11\/32 -p udp .*--dport 53 -j DNAT --to-destination 127\.0\.0\.11:\d+/.test(vertexText(pd, id)),
  );
  assert.ok(redirect, 'DOCKER_OUTPUT DNAT');
  assert.match(vertexText(pd, 'VERDICT'), /destination rewritten to 127\.0\.0\.11:\d+/);
  assert.throws(
    () => renderDiagram(snap, { kind: 'path', path: { kind: 'dns', container: 'legacy' } }),
    /on no user-defined network: Docker.s embedded DNS does not serve it/,
  );
});

test('choices offer the host, each network and running container, each published port, outbound and DNS paths', () => {
  const snap = labSnapshot();
  const labels = diagramChoices(snap).map((c) => c.label);
  assert.ok(labels.includes('Topology: whole host'));
  assert.ok(labels.includes('Topology: network lab-net'));
  assert.ok(labels.includes('Topology: container api'));
  assert.ok(labels.some((l) => l.startsWith('Packet path: tcp :8080 -> api:80')));
  assert.ok(labels.some((l) => l.startsWith('Packet path: tcp :8081 -> legacy:80')));
  assert.ok(labels.includes('Packet path: api DNS -> 127.0.0.11'));
  assert.ok(!labels.includes('Packet path: legacy DNS -> 127.0.0.11'), 'legacy (docker0) has no embedded DNS');
  for (const c of diagramChoices(snap)) assert.doesNotThrow(() => renderDiagram(snap, c.request), c.label);
});

test('a chain full of rules the evaluator does not understand stays within the limits: a few drawn, the rest counted', async () => {
  const snap = labSnapshot();
  const comment = `${'🐳'.repeat(200)} <b>x</b>`;
  const extra = Array.from({ length: 120 }, (_, i) => `[0:0] -A FORWARD -m set --match-set blocklist${i} src -m comment --comment "${comment}" -j DROP`);
  const text = fixture('lab', 'iptables-save.txt').replace(/^(\[\d+:\d+\] -A FORWARD -j DOCKER-USER)$/m, `${extra.join('\n')}\n$1`);
  assert.notEqual(text, fixture('lab', 'iptables-save.txt'), 'the rules were inserted');
  snap.netfilter = parseIptablesSave(text);
  const d = renderDiagram(snap, PORT_8080);
  assert.ok(d.stats.chars < DEFAULT_RENDER_LIMITS.maxTextSize, `${d.stats.chars} chars`);
  assert.ok(d.stats.edges < DEFAULT_RENDER_LIMITS.maxEdges);
  const p = await parseFlowchart(d.mermaid);
  const forward = [...p.vertices.keys()].find((id) => /^filter FORWARD\n/.test(vertexText(p, id)) && vertexText(p, id).includes('more rules not understood'));
  assert.ok(forward, 'the FORWARD box counts the rules not drawn');
  assert.match(vertexText(p, 'VERDICT'), /^UNKNOWN/, 'undecided rules make the verdict unknown');
});

test('when a namespace owner is grouped, the containers sharing its namespace are counted in its group', () => {
  const snap = labSnapshot();
  const d = renderDiagram(snap, HOST, { maxContainersPerNetwork: 0 });
  const topo = buildTopology(snap);
  const labNet = topo.networks.find((n) => n.name === 'lab-net');
  const members = new Set(topo.endpoints.filter((e) => e.networkId === labNet?.id).map((e) => e.containerId));
  // sidecar (container:api) goes with api into lab-net's group.
  assert.match(d.mermaid, new RegExp(`"${members.size + 1} more containers on lab-net`));
  assert.doesNotMatch(d.mermaid, /sidecar<br\/>network mode container/);
});

test('a long hook is folded into columns of whole chain visits: FORWARD of :8080 on both captures, every step once, in order', async () => {
  assert.deepEqual(foldSteps([1, 2, 1]), [3], 'a short hook stays one column');
  assert.deepEqual(foldSteps([3, 3, 3, 3, 3, 3]), [2, 2, 2], 'even runs of whole steps');
  for (const lab of ['lab', 'lab28'] as const) {
    const d = renderDiagram(labSnapshot(lab), PORT_8080);
    const p = await parseFlowchart(d.mermaid);
    const forward = p.subgraphs.find((s) => s.title === 'FORWARD');
    assert.ok(forward, `${lab}: the FORWARD hook`);
    const columns = p.subgraphs.filter((s) => new RegExp(`^${forward.id}C\\d+$`).test(s.id));
    assert.ok(columns.length >= 2, `${lab}: FORWARD folded into ${columns.length} columns`);
    // Every step of the path is drawn once, in exactly one innermost box (a hook or a column).
    const leaves = p.subgraphs.filter((sg) => !p.subgraphs.some((x) => sg.nodes.includes(x.id)) && !/^(PATH|ROW)/.test(sg.id));
    for (const id of [...p.vertices.keys()].filter((v) => /^S\d+$/.test(v)))
      assert.equal(leaves.filter((l) => l.nodes.includes(id)).length, 1, `${lab}: step ${id} in exactly one column`);
    // The columns hold the hook's steps, each once, in path order; arrows join column to column.
    const steps = columns.flatMap((c) => c.nodes.filter((n) => /^S\d+$/.test(n)));
    const indices = steps.map((s) => Number(s.slice(1)));
    assert.deepEqual(
      indices,
      [...indices].sort((a, b) => a - b),
      `${lab}: in order`,
    );
    assert.equal(new Set(steps).size, steps.length);
    for (let k = 1; k < columns.length; k++)
      assert.ok(
        p.edges.some((e) => e.start === columns[k - 1]?.id && e.end === columns[k]?.id),
        `${lab}: column ${k - 1} -> ${k}`,
      );
    // Nothing lost: each rule node of a folded step is in a column.
    for (const id of Object.keys(d.nodes).filter((n) => /^S\d+R\d+$/.test(n))) {
      const step = id.replace(/R\d+$/, '');
      if (steps.includes(step))
        assert.ok(
          columns.some((c) => c.nodes.includes(id)),
          `${lab}: ${id} is in its step's column`,
        );
    }
  }
});

test("edge label ids are Mermaid's: 0 for the first edge between two nodes, then 2, 3", async () => {
  const fc = new FlowchartBuilder('TB');
  fc.node('A', 'rect', 'a');
  fc.node('B', 'rect', 'b');
  const ids = [fc.edge('A', 'B', 'one'), fc.edge('A', 'B', 'two'), fc.edge('A', 'B', 'three'), fc.edge('B', 'A', 'back')];
  assert.deepEqual(ids, ['L_A_B_0', 'L_A_B_2', 'L_A_B_3', 'L_B_A_0']);
  const p = await parseFlowchart(fc.text({}));
  assert.deepEqual(
    (p.edges as { id?: string }[]).map((e) => e.id),
    ids,
    'the parser gives the same ids',
  );
});
