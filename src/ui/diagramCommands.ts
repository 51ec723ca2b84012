// The diagram commands: Show Topology Diagram and Show Packet Path, from the palette (a quick
// pick of what this host has), from a tree item (its container, network or published port),
// and the whole-host button in the Containers and Networks view titles.
import * as vscode from 'vscode';
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import type { DiagramChoice, DiagramRequest } from '../protocol';
import { diagramChoices } from '../render/diagram';
import type { DiagramPanels } from './diagramPanel';
import { HOST_TOPOLOGY, inboundRequest, pathChoices, topologyChoices, topologyRequest } from './diagramRequests';
import type { HostState } from './hostState';
import { TreeNode } from './trees/treeNode';

async function pick(choices: DiagramChoice[], title: string, placeHolder: string): Promise<DiagramRequest | undefined> {
  const item = await vscode.window.showQuickPick(
    choices.map((c) => ({ label: c.label, description: c.description, request: c.request })),
    // Run from the palette while the diagram panel has focus, the palette hands focus back to
    // the webview as it closes, which can land after this pick opened and would dismiss it.
    { title, placeHolder, matchOnDescription: true, ignoreFocusOut: true },
  );
  return item?.request;
}

/** The name of the network a Networks-view item stands for (its facts carry the id). */
function networkName(node: TreeNode, snapshot: HostSnapshot | undefined): string | undefined {
  const id = node.facts().id;
  return snapshot?.docker?.networks.find((n) => n.id === id)?.name;
}

/** A published-port item's port, from what Inspect shows of it (a PortMapping). */
function portOf(node: TreeNode): { hostPort: number; protocol: string; family: number } | undefined {
  const p = node.facts().inspect as { hostPort?: unknown; protocol?: unknown; family?: unknown } | undefined;
  return typeof p?.hostPort === 'number' && typeof p.protocol === 'string'
    ? { hostPort: p.hostPort, protocol: p.protocol, family: p.family === 6 ? 6 : 4 }
    : undefined;
}

export function registerDiagramCommands(panels: DiagramPanels, state: HostState): vscode.Disposable[] {
  const topology = async (arg?: unknown): Promise<void> => {
    const node = arg instanceof TreeNode ? arg : undefined;
    if (node?.contextValue.startsWith('container-')) {
      const name = node.facts().container?.name;
      if (name) return panels.show(topologyRequest({ kind: 'container', container: name }));
    }
    if (node?.contextValue.startsWith('network-')) {
      const name = networkName(node, state.snapshot);
      if (name) return panels.show(topologyRequest({ kind: 'network', network: name }));
    }
    const snapshot = await state.whenRead();
    if (!snapshot) return void vscode.window.showWarningMessage('The host has not been read yet: try again in a moment.');
    const request = await pick(topologyChoices(diagramChoices(snapshot)), 'Show Topology Diagram', 'Whole host, a network or a container');
    if (request) panels.show(request);
  };

  const packetPath = async (arg?: unknown): Promise<void> => {
    const node = arg instanceof TreeNode ? arg : undefined;
    if (node?.contextValue === 'port') {
      const port = portOf(node);
      const request = port && inboundRequest(port.hostPort, port.protocol, port.family === 6);
      if (request) return panels.show(request);
      return void vscode.window.showInformationMessage(
        `No packet path for ${port ? `${port.protocol} port ${port.hostPort}` : 'this item'}: only TCP and UDP ports are followed.`,
      );
    }
    const snapshot = await state.whenRead();
    if (!snapshot) return void vscode.window.showWarningMessage('The host has not been read yet: try again in a moment.');
    const container = node?.contextValue.startsWith('container-') ? node.facts().container?.name : undefined;
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
