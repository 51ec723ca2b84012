// "Container Network: Open Host Snapshot": takes a snapshot of this host (where the extension
// host runs: the Docker host under Remote-SSH) and opens it as a JSON document the user can
// save, diff or attach to a bug report.
import * as vscode from 'vscode';
import { sourceFailed } from '../snapshot/hostSnapshot';
import { takeSnapshot } from '../host/hostSnapshotReader';
import { readSettings } from './settings';

export async function openHostSnapshot(): Promise<void> {
  const snapshot = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Reading the host\u2019s container networking\u2026' },
    () => {
      const s = readSettings();
      return takeSnapshot({ ...(s.dockerEndpoint ? { dockerEndpoint: s.dockerEndpoint } : {}), privilegeCommand: s.privilegeCommand });
    },
  );
  const document = await vscode.workspace.openTextDocument({ language: 'json', content: `${JSON.stringify(snapshot, null, 2)}\n` });
  await vscode.window.showTextDocument(document, { preview: false });
  const failed = snapshot.sources.filter(sourceFailed);
  if (failed.length > 0) {
    const detail = failed.map((s) => `${s.name}: ${s.reason ?? s.state}`).join('; ');
    void vscode.window.showWarningMessage(`Some sources could not be read: ${detail}. The snapshot's "sources" say how to fix each.`);
  }
}
