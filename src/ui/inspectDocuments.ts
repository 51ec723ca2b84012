// Read-only documents for "Inspect" (JSON) and explanations (text): a content provider on its own URI scheme, so the
// editor cannot save over anything. Bounded: the oldest are forgotten.
import * as vscode from 'vscode';

export const INSPECT_SCHEME = 'containernet-inspect';
/** Inspect documents kept in memory, oldest dropped first. */
const MAX_INSPECT_DOCUMENTS = 50;

export class InspectDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private counter = 0;

  async show(title: string, data: unknown): Promise<void> {
    await this.showText(title, `${JSON.stringify(data, null, 2)}\n`, 'json');
  }

  /** A read-only text document (an explanation, a report) beside the editor in focus. */
  async showText(title: string, text: string, language: 'json' | 'plaintext', column?: vscode.ViewColumn): Promise<void> {
    const safe = title.replace(/[^\w.@-]+/g, '_').slice(0, 80) || 'item';
    const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${safe}.${language === 'json' ? 'json' : 'txt'}`, query: String(++this.counter) });
    this.contents.set(uri.toString(), text);
    // Only the latest documents are kept: an older one reopened shows empty, not a leak.
    for (const key of this.contents.keys()) {
      if (this.contents.size <= MAX_INSPECT_DOCUMENTS) break;
      this.contents.delete(key);
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, language);
    await vscode.window.showTextDocument(doc, { preview: true, ...(column !== undefined ? { viewColumn: column } : {}) });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}
