// "Check Container…" on the captured lab states: the six steps, the one that fails marked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkContainer, ContainerCheckError } from '../../src/model/containerCheck';
import { renderContainerCheckText } from '../../src/render/containerCheckText';
import { labSnapshot } from '../fixtures';

function lab(engine: 'lab' | 'lab28') {
  const snap = labSnapshot(engine);
  for (const ns of snap.containerNamespaces) ns.listeners = [{ protocol: 'tcp', address: '::', port: 80, inode: 1, uid: 0 }];
  return snap;
}

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine}: client to lone's address: networks, names and route fine, the drop is the problem`, () => {
    const r = checkContainer(lab(engine), 'client', { to: '172.30.2.10:80', protocol: 'tcp' });
    assert.deepEqual(
      r.sections.map((s) => s.title.replace(/ .*/, '')),
      ['1.', '2.', '3.', '4.', '5.', '6.'],
    );
    assert.equal(r.sections[0]?.ok, true);
    assert.match(r.sections[0]?.lines.join('\n') ?? '', /lab-net: 172\.30\.1\.20/);
    assert.equal(r.sections[2]?.ok, true, r.sections[2]?.lines.join('\n'));
    assert.equal(r.sections[4]?.ok, false);
    assert.match(r.sections[4]?.lines.join('\n') ?? '', /DROPPED: DROP/);
    assert.match(renderContainerCheckText(r), /\[PROBLEM\] 5\. Netfilter drops/);
  });

  test(`${engine}: legacy to api by name: the default bridge has no embedded DNS, step 2 says so`, () => {
    const r = checkContainer(lab(engine), 'legacy', { to: 'api:80', protocol: 'tcp' });
    assert.equal(r.sections[1]?.ok, false);
    assert.match(r.sections[1]?.lines.join('\n') ?? '', /default bridge/);
    assert.equal(r.sections[2]?.ok, undefined, 'not reached');
  });

  test(`${engine}: web1 alone: its networks, aliases, routes and listeners; no target asked`, () => {
    const r = checkContainer(lab(engine), 'web1');
    assert.match(r.sections[0]?.lines.join('\n') ?? '', /aliases web/);
    assert.match(r.sections[2]?.lines.join('\n') ?? '', /default via 172\.30\.1\.1/);
    assert.match(r.sections[3]?.lines.join('\n') ?? '', /listens on tcp \[::\]:80/);
    assert.throws(() => checkContainer(lab(engine), 'no-such'), ContainerCheckError);
  });
}
