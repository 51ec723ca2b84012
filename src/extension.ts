// Wires the extension together: builds the objects and registers them. Nothing else.
import * as vscode from 'vscode';
import { InspectDocuments, INSPECT_SCHEME } from './ui/inspectDocuments';
import { HostState } from './ui/hostState';
import { Sidebar } from './ui/sidebar';
import { registerSidebarCommands } from './ui/sidebarCommands';
import { NamespaceTerminals, registerTerminalCommands } from './ui/namespaceTerminals';
import { registerHostSnapshotDocuments } from './ui/snapshotDocument';
import { DiagramPanels } from './ui/diagramPanel';
import { registerDiagramCommands } from './ui/diagramCommands';
import { registerExplainCommand } from './ui/explainCommand';
import { PacketTraces, registerTraceCommand } from './ui/traceCommand';
import { registerContainerCheckCommand } from './ui/containerCheckCommand';

let traces: PacketTraces | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Container Network', { log: true });
  const state = new HostState(log);
  const sidebar = new Sidebar(state, log);
  const inspect = new InspectDocuments();
  const terminals = new NamespaceTerminals(() => state.whenRead());
  traces = new PacketTraces(state, inspect, log);
  traces.sweepLeftovers();
  const diagrams = new DiagramPanels({ extensionUri: context.extensionUri, state, sidebar, terminals, log });
  context.subscriptions.push(
    log,
    state,
    sidebar,
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspect),
    ...registerHostSnapshotDocuments(),
    ...registerSidebarCommands(sidebar, state, inspect),
    ...registerTerminalCommands(terminals),
    diagrams,
    diagrams.registerSerializer(),
    ...registerDiagramCommands(diagrams, state),
    ...registerExplainCommand(diagrams, state, inspect),
    traces,
    ...registerTraceCommand(traces),
    ...registerContainerCheckCommand(state, inspect),
  );
  if (vscode.workspace.getConfiguration('containerNet').get<boolean>('openSidebarOnStartup', false)) {
    void vscode.commands.executeCommand('workbench.view.extension.containerNet');
  }
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

/** Everything registered is disposed through context.subscriptions; a running trace's rules are removed first. */
export async function deactivate(): Promise<void> {
  await traces?.stopAll();
}
