// "Open Host Snapshot" as a named read-only document: its address names the host and the time,
// safe as a file name (Save As proposes it), two reads in one second get two documents, the
// content is the snapshot's JSON, and only the latest few are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostSnapshotDocuments, SNAPSHOT_SCHEME } from '../../src/ui/hostSnapshotDocuments';
import { hostSnapshotFileName } from '../../src/render/snapshotFileName';
import type { Uri } from '../vscodeStandIn';
import { labSnapshot } from '../fixtures';

test('the file name names the host and the UTC time of the read, as one safe path segment', () => {
  const snap = labSnapshot('lab28');
  snap.host.hostname = 'lab-host';
  snap.takenAt = '2026-12-01T23:43:09.123Z';
  assert.equal(hostSnapshotFileName(snap), 'host-snapshot-lab-host-20261201-234309.json');
  snap.host.hostname = '../../etc/passwd\u001b[31m x';
  assert.equal(hostSnapshotFileName(snap), 'host-snapshot-_.._etc_passwd_31m_x-20261201-234309.json');
  snap.host.hostname = '';
  assert.equal(hostSnapshotFileName(snap), 'host-snapshot-host-20261201-234309.json');
});

test('each read is its own document on the snapshot scheme, with the JSON; the oldest are forgotten', () => {
  const docs = new HostSnapshotDocuments();
  const snap = labSnapshot('lab28');
  snap.host.hostname = 'lab';
  snap.takenAt = '2026-12-01T23:43:09.123Z';
  const first = docs.keep(snap) as unknown as Uri;
  const second = docs.keep(snap) as unknown as Uri;
  assert.equal(first.scheme, SNAPSHOT_SCHEME);
  assert.equal(first.path, '/host-snapshot-lab-20261201-234309.json');
  assert.equal(second.path, '/host-snapshot-lab-20261201-234309-2.json');
  const text = docs.provideTextDocumentContent(first as never);
  assert.deepEqual(JSON.parse(text), snap);
  for (let i = 0; i < 12; i++) docs.keep({ ...snap, takenAt: `2026-12-02T00:00:${String(i).padStart(2, '0')}Z` });
  assert.equal(docs.provideTextDocumentContent(first as never), '', 'an old document reopened is empty, not kept forever');
});
