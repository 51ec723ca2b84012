// "Container Network: Open Host Snapshot": takes a snapshot of this host (where the extension
// host runs: the Docker host under Remote-SSH) and opens it as a named, read-only JSON document
// (hostSnapshotDocuments.ts) the user can keep with "File: Save As…", diff or attach to a bug report.
import * as vscode from 'vscode';
import { sourceFailed } from '../snapshot/hostSnapshot';
import { takeSnapshot } from '../host/hostSnapshotReader';
import { HostSnapshotDocuments, SNAPSHOT_SCHEME } from './hostSnapshotDocuments';
import { readSettings } from './settings';

export async function openHostSnapshot(documents: HostSnapshotDocuments): Promise<void> {
  const snapshot = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Reading the host\u2019s container networking\u2026' },
    () => {
      const s = readSettings();
      return takeSnapshot({ ...(s.dockerEndpoint ? { dockerEndpoint: s.dockerEndpoint } : {}), privilegeCommand: s.privilegeCommand });
    },
  );
  const document = await vscode.workspace.openTextDocument(documents.keep(snapshot));
  await vscode.languages.setTextDocumentLanguage(document, 'json');
  await vscode.window.showTextDocument(document, { preview: false });
  const failed = snapshot.sources.filter(sourceFailed);
  if (failed.length > 0) {
    const detail = failed.map((s) => `${s.name}: ${s.reason ?? s.state}`).join('; ');
    void vscode.window.showWarningMessage(`Some sources could not be read: ${detail}. The snapshot's "sources" say how to fix each.`);
  }
}

/** The document provider and the command, for activate() to register. */
export function registerHostSnapshotDocuments(): vscode.Disposable[] {
  const documents = new HostSnapshotDocuments();
  return [
    vscode.workspace.registerTextDocumentContentProvider(SNAPSHOT_SCHEME, documents),
    vscode.commands.registerCommand('containerNet.snapshot.open', () => openHostSnapshot(documents)),
  ];
}
