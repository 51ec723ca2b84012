// Wires the extension together: builds the objects and registers them. Nothing else.
import * as vscode from 'vscode';
import { InspectDocuments, INSPECT_SCHEME } from './ui/inspectDocuments';
import { Sidebar } from './ui/sidebar';
import { registerSidebarCommands } from './ui/sidebarCommands';
import { NamespaceTerminals, registerTerminalCommands } from './ui/namespaceTerminals';
import { openHostSnapshot } from './ui/snapshotDocument';
import { DiagramPanels } from './ui/diagramPanel';
import { registerDiagramCommands } from './ui/diagramCommands';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Container Network', { log: true });
  const sidebar = new Sidebar(log);
  const inspect = new InspectDocuments();
  const terminals = new NamespaceTerminals(() => sidebar.containers);
  const diagrams = new DiagramPanels({ extensionUri: context.extensionUri, sidebar, terminals, log });
  context.subscriptions.push(
    log,
    sidebar,
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspect),
    vscode.commands.registerCommand('containerNet.snapshot.open', openHostSnapshot),
    ...registerSidebarCommands(sidebar, inspect),
    ...registerTerminalCommands(terminals),
    diagrams,
    diagrams.registerSerializer(),
    ...registerDiagramCommands(diagrams, sidebar),
  );
  if (vscode.workspace.getConfiguration('containerNet').get<boolean>('openSidebarOnStartup', false)) {
    void vscode.commands.executeCommand('workbench.view.extension.containerNet');
  }
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {
  // Everything registered is disposed through context.subscriptions.
}
