// The packet-path diagram of the lab's published port against the kernel: real connections
// to :8080 move the DNAT rule's counter, a counters-only re-read (what the open panel does
// every few seconds) sees it, the diagram shows the kernel's number and marks the rule moved.
// Traffic: from the host to the lab bridge's own gateway address (172.30.1.1, created by the
// lab), DNATed to api; nothing leaves the machine.
import '../mermaidParser';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { LiveSnapshot } from '../../src/host/liveSnapshot';
import { renderDiagram } from '../../src/render/diagram';
import { countersOf } from '../../src/model/ruleCounters';
import type { DiagramRequest } from '../../src/protocol';
import { parseFlowchart, shownText } from '../mermaidParser';
import { kernelDnatPackets, requireLab, sh } from './lab';

const PORT_8080: DiagramRequest = { kind: 'path', path: { kind: 'inbound', hostPort: 8080, protocol: 'tcp' } };

function request(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, timeout: 5000 }, () => s.end(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('end', () => resolve(data));
    s.on('timeout', () => s.destroy(new Error(`timeout connecting to ${host}:${port}`)));
    s.on('error', reject);
  });
}

test('live: connections to :8080 move the DNAT counter the diagram shows, and mark it moved', async () => {
  requireLab();
  // The lab-net bridge's own address, as the kernel has it (Docker's IPAM config may leave Gateway empty).
  const bridge = `br-${sh('docker', 'network', 'inspect', 'lab-net', '--format', '{{.Id}}').trim().slice(0, 12)}`;
  const gateway = (JSON.parse(sh('ip', '-j', '-4', 'addr', 'show', 'dev', bridge)) as { addr_info: { local: string }[] }[])[0]?.addr_info[0]?.local;
  assert.ok(gateway && gateway.startsWith('172.30.1.'), `${bridge} has the lab's gateway address (${gateway})`);
  const live = new LiveSnapshot({ pollMs: 0 });
  try {
    await live.refresh('test');
    const first = live.current;
    assert.ok(first?.netfilter, 'netfilter read');
    const before = countersOf(first);
    const d0 = renderDiagram(first, PORT_8080, { previousCounters: before });
    assert.deepEqual(d0.moved, [], 'nothing moved without traffic');
    const dnatId = Object.entries(d0.nodes).find(
      ([, t]) => t.kind === 'rule' && t.chain === 'DOCKER' && t.spec.includes('--dport 8080') && t.spec.includes('DNAT'),
    )?.[0];
    assert.ok(dnatId, 'the diagram has the DNAT rule of 8080');

    const kernelBefore = kernelDnatPackets(8080);
    for (let i = 0; i < 3; i++) assert.match(await request(gateway, 8080), /^HTTP\/1\.[01] /, 'api answered through the DNAT');
    const kernelAfter = kernelDnatPackets(8080);
    assert.equal(kernelAfter - kernelBefore, 3, 'one NEW connection counts once in nat');

    const next = await live.refreshCounters();
    assert.ok(next?.countersReadAt, 'a counters-only read');
    const d1 = renderDiagram(next, PORT_8080, { previousCounters: before });
    assert.deepEqual(d1.moved, [dnatId], 'exactly the DNAT rule moved');
    const p = await parseFlowchart(d1.mermaid);
    const label = shownText(p.vertices.get(dnatId)?.text ?? '');
    assert.match(label, new RegExp(`\\n${kernelAfter} pkts, `), `the diagram shows the kernel's counter ${kernelAfter}: ${label}`);
    assert.ok((p.vertices.get(dnatId)?.classes ?? []).includes('moved'), 'class moved on the node');
  } finally {
    live.stop();
  }
});
