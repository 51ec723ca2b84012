// Names, labels and aliases come from containers: what the CLI and the trees print has no
// control characters left, and JSON keeps the data while escaping what JSON.stringify leaves raw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayBlock, displayJson, displayText, hasControlCharacters } from '../../src/host/displayText';

const HOSTILE = 'web\x1b]0;pwned\x07\x1b[2J\u009b31m\u202eevil\u200b\x7f';

test('displayText: every control character of a name becomes ?', () => {
  assert.equal(displayText(HOSTILE), 'web?]0;pwned??[2J?31m?evil??');
  assert.equal(displayText('a\nb\tc\rd'), 'a?b?c?d');
  assert.ok(!hasControlCharacters(displayText(HOSTILE)));
  assert.ok(hasControlCharacters(HOSTILE));
  assert.equal(displayText('plain name-1.2_x:y/z ü 名前'), 'plain name-1.2_x:y/z ü 名前');
});

test('displayBlock: lines and tabs stay, CR-LF becomes LF, the rest is replaced', () => {
  assert.equal(
    displayBlock(`nameserver 127.0.0.11\r\noptions ndots:0\t# x\n${HOSTILE}\n`),
    'nameserver 127.0.0.11\noptions ndots:0\t# x\nweb?]0;pwned??[2J?31m?evil??\n',
  );
});

test('displayJson: parses back to the same data, with no raw control character in the text', () => {
  const data = { name: HOSTILE, labels: { [HOSTILE]: 'x\u2028y' } };
  const text = displayJson(data);
  assert.ok(!hasControlCharacters(text.replace(/\n/g, ' ')), text);
  assert.deepEqual(JSON.parse(text), data);
});
