// The diagram commands: Show Topology Diagram and Show Packet Path, from the palette (a quick
// pick of what this host has), from a tree item (its container, network or published port),
// and the whole-host button in the Containers and Networks view titles.
import * as vscode from 'vscode';
import type { DiagramChoice, DiagramRequest } from '../protocol';
import { diagramChoices } from '../render/diagram';
import type { DiagramPanels } from './diagramPanel';
import { HOST_TOPOLOGY, inboundRequest, pathChoices, topologyChoices, topologyRequest } from './diagramRequests';
import type { HostState } from './hostState';
import { TreeNode, type NodeSubject } from './trees/treeNode';

async function pick(choices: DiagramChoice[], title: string, placeHolder: string): Promise<DiagramRequest | undefined> {
  const item = await vscode.window.showQuickPick(
    choices.map((c) => ({ label: c.label, description: c.description, request: c.request })),
    // Run from the palette while the diagram panel has focus, the palette hands focus back to
    // the webview as it closes, which can land after this pick opened and would dismiss it.
    { title, placeHolder, matchOnDescription: true, ignoreFocusOut: true },
  );
  return item?.request;
}

/** What a tree item the command was run on stands for (undefined from the palette). */
function subjectOf(arg: unknown): NodeSubject | undefined {
  return arg instanceof TreeNode ? arg.facts().subject : undefined;
}

export function registerDiagramCommands(panels: DiagramPanels, state: HostState): vscode.Disposable[] {
  const topology = async (arg?: unknown): Promise<void> => {
    const subject = subjectOf(arg);
    if (subject?.kind === 'container') return panels.show(topologyRequest({ kind: 'container', container: subject.container.name }));
    if (subject?.kind === 'network') return panels.show(topologyRequest({ kind: 'network', network: subject.network.name }));
    const snapshot = await state.whenRead();
    if (!snapshot) return void vscode.window.showWarningMessage('The host has not been read yet: try again in a moment.');
    const request = await pick(topologyChoices(diagramChoices(snapshot)), 'Show Topology Diagram', 'Whole host, a network or a container');
    if (request) panels.show(request);
  };

  const packetPath = async (arg?: unknown): Promise<void> => {
    const subject = subjectOf(arg);
    if (subject?.kind === 'port') {
      const { port } = subject;
      const request = inboundRequest(port.hostPort, port.protocol, port.family === 6);
      if (request) return panels.show(request);
      return void vscode.window.showInformationMessage(
        `No packet path for ${port.protocol} port ${port.hostPort}: only TCP and UDP ports on a host port are followed.`,
      );
    }
    const snapshot = await state.whenRead();
    if (!snapshot) return void vscode.window.showWarningMessage('The host has not been read yet: try again in a moment.');
    const container = subject?.kind === 'container' ? subject.container.name : undefined;
    const choices = pathChoices(diagramChoices(snapshot), container);
    if (choices.length === 0) {
      const why = container
        ? `${container} has no flow to follow (it is on no bridge network and does not use Docker's embedded DNS)`
        : 'this host publishes no port and has no running container on a bridge network';
      return void vscode.window.showInformationMessage(`No packet path to show: ${why}.`);
    }
    const only = choices.length === 1 ? choices[0] : undefined;
    const request = only ? only.request : await pick(choices, container ? `Show Packet Path: ${container}` : 'Show Packet Path', 'Which flow to follow');
    if (request) panels.show(request);
  };

  return [
    vscode.commands.registerCommand('containerNet.diagram.topology', topology),
    vscode.commands.registerCommand('containerNet.diagram.hostTopology', () => panels.show(HOST_TOPOLOGY)),
    vscode.commands.registerCommand('containerNet.diagram.packetPath', packetPath),
  ];
}
