// The extension's settings (containerNet.*), read in one place. Settings that run privileged
// commands on a timer are machine-scoped (package.json) and clamped here, so neither a
// workspace nor a typo can make the extension run sudo many times a second.
import * as vscode from 'vscode';
import { clampInterval, MIN_COUNTER_REFRESH_SECONDS, MIN_REFRESH_SECONDS } from '../host/liveSnapshot';
import type { TreeSettings } from './trees/treeInput';

export interface Settings extends TreeSettings {
  dockerEndpoint: string;
  privilegeCommand: string[];
  refreshIntervalSeconds: number;
  /** Live rule counters of a shown packet path (0: off). */
  counterRefreshSeconds: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('containerNet');
  return {
    dockerEndpoint: c.get<string>('dockerEndpoint', '').trim(),
    privilegeCommand: c.get<string>('privilegeCommand', 'sudo -n').split(/\s+/).filter(Boolean),
    refreshIntervalSeconds: clampInterval(c.get<number>('refreshIntervalSeconds', 30), MIN_REFRESH_SECONDS),
    counterRefreshSeconds: clampInterval(c.get<number>('diagram.counterRefreshSeconds', 2), MIN_COUNTER_REFRESH_SECONDS),
    showStoppedContainers: c.get<boolean>('showStoppedContainers', true),
    showBuiltInNetworks: c.get<boolean>('showBuiltInNetworks', true),
  };
}
