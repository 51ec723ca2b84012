import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagramChoices } from '../../src/render/diagram';
import { diagramFileName, inboundRequest, pathChoices, topologyChoices, HOST_TOPOLOGY } from '../../src/ui/diagramRequests';
import { DiagramRequestError, renderDiagram } from '../../src/render/diagram';
import { parseFromWebview, type DiagramRequest } from '../../src/protocol';
import { labSnapshot } from '../fixtures';

test('topology picks: the whole host first, then networks and running containers, nothing else', () => {
  const picks = topologyChoices(diagramChoices(labSnapshot()));
  assert.deepEqual(picks[0]?.request, HOST_TOPOLOGY);
  assert.ok(picks.every((p) => p.request.kind === 'topology'));
  assert.ok(picks.some((p) => p.request.kind === 'topology' && p.request.scope.kind === 'network' && p.request.scope.network === 'lab-net'));
  assert.ok(picks.some((p) => p.request.kind === 'topology' && p.request.scope.kind === 'container' && p.request.scope.container === 'hostnet'));
});

test('path picks: published ports first; for a container only its outbound and DNS flows', () => {
  const choices = diagramChoices(labSnapshot());
  const all = pathChoices(choices);
  const kinds = all.map((c) => (c.request.kind === 'path' ? c.request.path.kind : 'topology'));
  assert.equal(kinds[0], 'inbound');
  assert.equal(kinds.lastIndexOf('inbound') < kinds.indexOf('outbound'), true);
  assert.ok(all.some((c) => c.request.kind === 'path' && c.request.path.kind === 'inbound' && c.request.path.hostPort === 8080));
  const api = pathChoices(choices, 'api').map((c) => (c.request.kind === 'path' ? c.request.path : undefined));
  assert.deepEqual(
    api.map((p) => p?.kind),
    ['outbound', 'dns'],
  );
  assert.ok(api.every((p) => p && 'container' in p && p.container === 'api'));
  assert.deepEqual(pathChoices(choices, 'nonet'), []);
});

test('inbound requests only for tcp/udp ports', () => {
  assert.deepEqual(inboundRequest(8080, 'tcp'), { kind: 'path', path: { kind: 'inbound', hostPort: 8080, protocol: 'tcp' } });
  assert.equal(inboundRequest(8080, 'sctp'), undefined);
  assert.equal(inboundRequest(70000, 'udp'), undefined);
});

test('the fix names what is wrong: a stopped container, an absent one, an unpublished port', () => {
  const snap = labSnapshot();
  const web1 = snap.docker?.containers.find((c) => c.name === 'web1');
  assert.ok(web1);
  web1.state = 'exited';
  // One source for each fix: the error the model throws, shown as it is by the panel and the CLI.
  const fix = (request: DiagramRequest): string => {
    try {
      renderDiagram(snap, request);
    } catch (err) {
      if (err instanceof DiagramRequestError) return `${err.message} ${err.fix ?? ''}`;
      throw err;
    }
    return 'no error';
  };
  assert.match(
    fix({ kind: 'topology', scope: { kind: 'container', container: 'web1' }, filter: '' }),
    /web1 is not running \(state: exited\)\. Start it \(docker start web1\)/,
  );
  assert.match(fix({ kind: 'topology', scope: { kind: 'container', container: 'ghost' }, filter: '' }), /no container ghost .*removed or renamed/);
  assert.match(fix({ kind: 'topology', scope: { kind: 'network', network: 'gone' }, filter: '' }), /no network gone .*removed/);
  assert.match(fix({ kind: 'path', path: { kind: 'inbound', hostPort: 9999, protocol: 'tcp' } }), /publishes tcp port 9999 .*-p 9999:PORT/);
  assert.match(fix({ kind: 'path', path: { kind: 'dns', container: 'legacy' } }), /embedded DNS/);
});

test('export file names: kind, host and local time, safe characters only', () => {
  const at = new Date(2025, 0, 2, 3, 4, 5);
  assert.equal(diagramFileName(HOST_TOPOLOGY, 'vm', at), 'topology-vm-20250102-030405.svg');
  assert.equal(
    diagramFileName({ kind: 'path', path: { kind: 'dns', container: 'api' } }, '../etc/pass wd', at),
    'packet-path-_etc_pass_wd-20250102-030405.svg',
  );
  assert.equal(diagramFileName(HOST_TOPOLOGY, '', at), 'topology-host-20250102-030405.svg');
});

test('the webview may ask for a connection to be picked; nothing else rides on that message', () => {
  assert.deepEqual(parseFromWebview({ type: 'pickConnection' }), { type: 'pickConnection' });
  assert.deepEqual(parseFromWebview({ type: 'pickConnection', from: 'client', to: '<b>' }), { type: 'pickConnection' });
  assert.equal(parseFromWebview({ type: 'pickconnection' }), undefined);
  // A connection request from the page is checked field by field, its names bounded.
  const long = 'x'.repeat(500);
  const parsed = parseFromWebview({ type: 'request', request: { kind: 'path', path: { kind: 'connection', from: long, to: 'web1:80', protocol: 'tcp' } } });
  assert.ok(parsed?.type === 'request' && parsed.request.kind === 'path' && parsed.request.path.kind === 'connection');
  assert.equal(parsed.request.path.from.length, 200);
  assert.equal(parseFromWebview({ type: 'request', request: { kind: 'path', path: { kind: 'connection', from: 'a', to: 'b', protocol: 'icmp' } } }), undefined);
});

test("a topology request keeps its level of detail only when it is not its scope's own; node actions are reveal, terminal and open", () => {
  const host = { kind: 'topology', scope: { kind: 'host' }, filter: '' };
  const request = (detail: unknown) => parseFromWebview({ type: 'request', request: { ...host, detail } });
  assert.deepEqual(request('full'), { type: 'request', request: { ...host, detail: 'full' } });
  assert.deepEqual(request('compact'), { type: 'request', request: host }, "compact is the whole host's own level: the same request as none");
  for (const bad of ['FULL', 123, null, undefined, { x: 1 }]) assert.deepEqual(request(bad), { type: 'request', request: host }, JSON.stringify(bad));
  const network = { kind: 'topology', scope: { kind: 'network', network: 'lab-net' }, filter: 'web' };
  assert.deepEqual(parseFromWebview({ type: 'request', request: { ...network, detail: 'compact' } }), {
    type: 'request',
    request: { ...network, detail: 'compact' },
  });
  assert.deepEqual(parseFromWebview({ type: 'request', request: { ...network, detail: 'full' } }), { type: 'request', request: network });
  for (const action of ['reveal', 'terminal', 'open'] as const)
    assert.deepEqual(parseFromWebview({ type: 'nodeAction', nodeId: 'E0x0', action }), { type: 'nodeAction', nodeId: 'E0x0', action });
  assert.equal(parseFromWebview({ type: 'nodeAction', nodeId: 'E0x0', action: 'delete' }), undefined);
  // Both levels of the whole host are offered, and each draws at its level.
  const snap = labSnapshot();
  const [compact, full] = topologyChoices(diagramChoices(snap));
  assert.equal(compact?.label, 'Topology: whole host');
  assert.equal(full?.label, 'Topology: whole host, every interface');
  assert.match(renderDiagram(snap, compact?.request as DiagramRequest).mermaid, /"api 172\.30\.1\.10<br\/>/);
  assert.match(renderDiagram(snap, full?.request as DiagramRequest).mermaid, /"api eth0@if\d+<br\/>172\.30\.1\.10\/24/);
});
