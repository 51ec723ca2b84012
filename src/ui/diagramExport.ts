// Getting a diagram out of the panel: its Mermaid source as an untitled document (for a
// README or a ticket), or the SVG the webview drew, saved where the user says.
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import type { DiagramRequest, RenderedDiagram } from '../protocol';
import { diagramFileName } from './diagramRequests';

/** Opens the Mermaid source beside the panel; as plain text when no Mermaid language is installed. */
export async function exportMermaid(diagram: RenderedDiagram): Promise<void> {
  const content = `${diagram.mermaid.trimEnd()}\n`;
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument({ language: 'mermaid', content });
  } catch {
    doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content });
  }
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
}

/** Asks where to save (workspace folder, else home), writes the SVG and says where it went. */
export async function exportSvg(svg: string, request: DiagramRequest, hostname: string, log: vscode.LogOutputChannel): Promise<void> {
  if (!/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(svg)) {
    log.warn(`export SVG: the webview sent something that is not an SVG (${svg.slice(0, 40)}…)`);
    void vscode.window.showErrorMessage('The diagram could not be exported: the panel sent no SVG. Redraw it and try again.');
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
  const target = await vscode.window.showSaveDialog({
    title: 'Export diagram as SVG',
    defaultUri: vscode.Uri.joinPath(folder, diagramFileName(request, hostname, new Date())),
    filters: { SVG: ['svg'] },
    saveLabel: 'Export',
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(svg, 'utf8'));
  log.info(`exported SVG (${svg.length} chars) to ${target.toString(true)}`);
  const open = await vscode.window.showInformationMessage(`Diagram saved to ${target.scheme === 'file' ? target.fsPath : target.toString(true)}`, 'Open');
  if (open) await vscode.commands.executeCommand('vscode.open', target);
}
