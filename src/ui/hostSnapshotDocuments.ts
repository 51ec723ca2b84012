// Host snapshots as read-only documents: a content provider on its own URI scheme, each snapshot
// at /host-snapshot-<host>-<time>.json, so the editor names it and "File: Save As…" proposes
// that name, and nothing can be saved over. Bounded: the oldest are forgotten.
import * as vscode from 'vscode';
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { hostSnapshotFileName } from '../render/snapshotFileName';

export const SNAPSHOT_SCHEME = 'containernet-snapshot';
/** Snapshot documents kept in memory, oldest dropped first (each can be a few MB on a big host). */
const MAX_SNAPSHOT_DOCUMENTS = 10;

export class HostSnapshotDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();

  /** Keeps the snapshot's JSON under its own address (a second read in the same second gets "-2"). */
  keep(snapshot: HostSnapshot): vscode.Uri {
    const path = `/${hostSnapshotFileName(snapshot)}`;
    let uri = vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path });
    for (let n = 2; this.contents.has(uri.toString()); n++) uri = vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path: path.replace(/\.json$/, `-${n}.json`) });
    this.contents.set(uri.toString(), `${JSON.stringify(snapshot, null, 2)}\n`);
    // Only the latest documents are kept: an older one reopened shows empty, not a leak.
    for (const key of this.contents.keys()) {
      if (this.contents.size <= MAX_SNAPSHOT_DOCUMENTS) break;
      this.contents.delete(key);
    }
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}
