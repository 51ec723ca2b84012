import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findContainer } from '../../src/model/containerLookup';

const containers = [
  { id: 'abcd1111aaaa', name: 'api' },
  { id: 'abcd2222bbbb', name: 'web' },
  { id: 'ffff0000cccc', name: 'abcd1111aaaa' }, // a name that is another container's id
];

test('one rule: exact name, then full id, then a unique id prefix of 4+ characters', () => {
  assert.equal(findContainer(containers, 'api')?.id, 'abcd1111aaaa');
  assert.equal(findContainer(containers, 'abcd1111aaaa')?.name, 'abcd1111aaaa', 'a name wins over an id, as docker resolves it');
  assert.equal(findContainer(containers, 'abcd2')?.name, 'web');
  assert.equal(findContainer(containers, 'abcd'), undefined, 'ambiguous prefix');
  assert.equal(findContainer(containers, 'ffff0000cccc')?.name, 'abcd1111aaaa');
  assert.equal(findContainer(containers, 'fff'), undefined, 'too short to be a prefix');
  assert.equal(findContainer(containers, undefined), undefined);
  assert.equal(findContainer(undefined, 'api'), undefined);
});
