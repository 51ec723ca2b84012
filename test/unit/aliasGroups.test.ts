// Alias groups on the captured lab: web1, web2 and web3 answer to `web` on lab-net (a
// round-robin set); a container's own name and id are not aliases; only running containers
// answer, and only on networks Docker's embedded DNS serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aliasGroups, aliasMembersText, endpointAliases, networkAliasGroups } from '../../src/model/aliasGroups';
import { labSnapshot } from '../fixtures';

for (const engine of ['lab', 'lab28'] as const) {
  test(`${engine}: web is a round-robin alias of web1, web2, web3 on lab-net, and the only alias there`, () => {
    const snap = labSnapshot(engine);
    const groups = networkAliasGroups(snap, 'lab-net');
    assert.deepEqual(
      groups.map((g) => g.alias),
      ['web'],
    );
    const web = groups[0];
    assert.ok(web);
    assert.deepEqual(
      web.members.map((m) => `${m.containerName} ${m.ip}`),
      ['web1 172.30.1.11', 'web2 172.30.1.12', 'web3 172.30.1.13'],
    );
    assert.equal(web.roundRobin, true);
    assert.equal(aliasMembersText(web), 'web1 172.30.1.11, web2 172.30.1.12, web3 172.30.1.13 (round robin)');
  });

  test(`${engine}: names and ids are not aliases; no group anywhere but web`, () => {
    const snap = labSnapshot(engine);
    assert.deepEqual(
      aliasGroups(snap).map((g) => `${g.network}/${g.alias}`),
      ['lab-net/web'],
    );
    const api = snap.docker?.containers.find((c) => c.name === 'api');
    assert.ok(api?.endpoints[0]);
    assert.deepEqual(endpointAliases(api, api.endpoints[0]), []);
  });
}

test('a stopped member does not answer; one member is no round robin; the default bridge has no aliases', () => {
  const snap = labSnapshot('lab28');
  const containers = snap.docker?.containers ?? [];
  const web2 = containers.find((c) => c.name === 'web2');
  const web3 = containers.find((c) => c.name === 'web3');
  assert.ok(web2 && web3);
  web2.state = 'exited';
  web3.state = 'exited';
  const [web] = networkAliasGroups(snap, 'lab-net');
  assert.deepEqual(
    web?.members.map((m) => m.containerName),
    ['web1'],
  );
  assert.equal(web?.roundRobin, false);
  assert.equal(aliasMembersText(web as NonNullable<typeof web>), 'web1 172.30.1.11');
  const legacy = containers.find((c) => c.name === 'legacy');
  legacy?.endpoints[0]?.aliases.push('old');
  assert.deepEqual(networkAliasGroups(snap, 'bridge'), []);
});

test('an alias on two networks is two groups; a hostile alias is kept as it is (the views escape it)', () => {
  const snap = labSnapshot('lab28');
  const dual = snap.docker?.containers.find((c) => c.name === 'dual');
  for (const e of dual?.endpoints ?? []) e.aliases.push('db', '*evil*[x](y)');
  const groups = aliasGroups(snap).filter((g) => g.members.some((m) => m.containerName === 'dual'));
  assert.deepEqual(
    groups.map((g) => `${g.network}/${g.alias}`),
    ['lab-internal/*evil*[x](y)', 'lab-internal/db', 'lab-net/*evil*[x](y)', 'lab-net/db'],
  );
});
