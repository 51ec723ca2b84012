// The extension's settings (containerNet.*), read in one place.
import * as vscode from 'vscode';
import type { TreeSettings } from './trees/treeInput';

export interface Settings extends TreeSettings {
  dockerEndpoint: string;
  privilegeCommand: string[];
  refreshIntervalSeconds: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('containerNet');
  return {
    dockerEndpoint: c.get<string>('dockerEndpoint', '').trim(),
    privilegeCommand: c.get<string>('privilegeCommand', 'sudo -n').split(/\s+/).filter(Boolean),
    refreshIntervalSeconds: Math.max(0, c.get<number>('refreshIntervalSeconds', 30)),
    showStoppedContainers: c.get<boolean>('showStoppedContainers', true),
    showBuiltInNetworks: c.get<boolean>('showBuiltInNetworks', true),
  };
}
