// Containers described by where they are on the network, and a `container:X` sharer by X's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerAddressText, namespaceOwnerName, networkModeText } from '../../src/model/containerSummary';
import { connectionSources } from '../../src/model/connectionChoices';
import { labSnapshot } from '../fixtures';

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine}: addresses and networks, not the image; the sharer by its owner's name`, () => {
    const containers = labSnapshot(engine).docker?.containers ?? [];
    const text = (name: string) => containerAddressText(containers.find((c) => c.name === name) ?? (undefined as never), containers);
    assert.equal(text('api'), '172.30.1.10 · lab-net');
    assert.equal(text('dual'), '172.30.3.30 · lab-internal, 172.30.1.30 · lab-net');
    assert.equal(text('legacy'), '172.17.0.2 · bridge');
    assert.equal(text('hostnet'), 'host network');
    assert.equal(text('nonet'), 'no network');
    assert.equal(text('sidecar'), "shares api's network namespace · 172.30.1.10 · lab-net");
    const sidecar = containers.find((c) => c.name === 'sidecar');
    assert.ok(sidecar);
    assert.match(sidecar.networkMode, /^container:[0-9a-f]{64}$/, 'Docker reports the raw id');
    assert.equal(networkModeText(sidecar, containers), 'container:api');
    assert.equal(namespaceOwnerName(sidecar, containers), 'api');
  });
}

test('a stopped container says so; an owner not on this host is its short id', () => {
  const containers = labSnapshot('lab28').docker?.containers ?? [];
  const api = containers.find((c) => c.name === 'api');
  const sidecar = containers.find((c) => c.name === 'sidecar');
  assert.ok(api && sidecar);
  const v6web = containers.find((c) => c.name === 'v6web');
  assert.match(containerAddressText(v6web ?? api, containers), /^172\.30\.6\.10 fd00:30:6::10 · lab-v6$/);
  api.state = 'exited';
  for (const e of api.endpoints) e.ip = '';
  assert.equal(containerAddressText(api, containers), 'lab-net (exited)');
  const others = containers.filter((c) => c.name !== 'api');
  assert.equal(namespaceOwnerName(sidecar, others), sidecar.modeTarget?.slice(0, 12));
  assert.equal(networkModeText(sidecar, others), `container:${sidecar.modeTarget?.slice(0, 12)}`);
});

test("Explain Connection's source picker describes the sharer by its owner, not the id", () => {
  const snap = labSnapshot('lab28');
  const sidecar = connectionSources(snap).find((c) => c.label === 'sidecar');
  assert.equal(sidecar?.description, "shares api's network namespace · 172.30.1.10 · lab-net");
});
