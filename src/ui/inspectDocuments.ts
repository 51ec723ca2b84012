// Read-only JSON documents for "Inspect": a content provider on its own URI scheme, so the
// editor cannot save over anything.
import * as vscode from 'vscode';

export const INSPECT_SCHEME = 'containernet-inspect';

export class InspectDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private counter = 0;

  async show(title: string, data: unknown): Promise<void> {
    const safe = title.replace(/[^\w.@-]+/g, '_').slice(0, 80) || 'item';
    const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${safe}.json`, query: String(++this.counter) });
    this.contents.set(uri.toString(), `${JSON.stringify(data, null, 2)}\n`);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}
