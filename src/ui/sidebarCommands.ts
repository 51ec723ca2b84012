// The sidebar's commands: refresh, filter, inspect, copy, reveal the peer.
import * as vscode from 'vscode';
import type { InspectDocuments } from './inspectDocuments';
import type { HostState } from './hostState';
import type { Sidebar } from './sidebar';
import type { TreeNode } from './trees/treeNode';
import { VIEW } from './trees/viewIds';

export function registerSidebarCommands(sidebar: Sidebar, state: HostState, inspect: InspectDocuments): vscode.Disposable[] {
  const copy = (what: 'ip' | 'mac' | 'id') => async (node?: TreeNode) => {
    const value = node?.facts()[what];
    if (!value) {
      void vscode.window.showInformationMessage(`This item has no ${what.toUpperCase()} to copy.`);
      return;
    }
    await vscode.env.clipboard.writeText(value);
    vscode.window.setStatusBarMessage(`Copied ${value}`, 3000);
  };
  return [
    vscode.commands.registerCommand('containerNet.views.refresh', () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Reading container networking' }, () => state.refresh()),
    ),
    ...Object.entries(VIEW).map(([key, view]) => vscode.commands.registerCommand(`containerNet.views.filter.${key}`, () => sidebar.filter(view))),
    vscode.commands.registerCommand('containerNet.item.inspect', async (node?: TreeNode) => {
      const data = node?.facts().inspect;
      if (data === undefined) return;
      const label = node?.item().label;
      await inspect.show(typeof label === 'string' ? label : (label?.label ?? 'item'), data);
    }),
    vscode.commands.registerCommand('containerNet.item.copyIp', copy('ip')),
    vscode.commands.registerCommand('containerNet.item.copyMac', copy('mac')),
    vscode.commands.registerCommand('containerNet.item.copyId', copy('id')),
    vscode.commands.registerCommand('containerNet.item.revealPeer', async (node?: TreeNode) => {
      const peer = node?.facts().peer;
      if (!peer || !(await sidebar.reveal(peer.view, peer.nodeId))) {
        void vscode.window.showInformationMessage('No peer to reveal for this item.');
      }
    }),
  ];
}
