// "Check Container…": the six debugging steps for one container (src/model/containerCheck.ts)
// as a read-only report, towards a destination the user picks (or none), with an offer to
// capture packets in its namespace.
import * as vscode from 'vscode';
import { connectionDestinations } from '../model/connectionChoices';
import { checkContainer, ContainerCheckError } from '../model/containerCheck';
import { ConnectionEndError } from '../model/explain';
import { renderContainerCheckText } from '../render/containerCheckText';
import type { HostState } from './hostState';
import type { InspectDocuments } from './inspectDocuments';
import { TreeNode } from './trees/treeNode';

export function registerContainerCheckCommand(state: HostState, documents: InspectDocuments): vscode.Disposable[] {
  const check = async (arg?: unknown): Promise<void> => {
    const snapshot = await state.whenRead();
    if (!snapshot) return void vscode.window.showWarningMessage('The host has not been read yet: try again in a moment.');
    const subject = arg instanceof TreeNode ? arg.facts().subject : undefined;
    let name = subject?.kind === 'container' ? subject.container.name : undefined;
    if (!name) {
      const picked = await vscode.window.showQuickPick(
        (snapshot.docker?.containers ?? []).map((c) => ({ label: c.name, description: c.state })),
        { title: 'Check Container: which container', ignoreFocusOut: true },
      );
      if (!picked) return;
      name = picked.label;
    }
    const none = { label: 'No destination', description: 'only the container itself', value: undefined as string | undefined, protocol: 'tcp' as const };
    const dest = await vscode.window.showQuickPick(
      [
        none,
        ...connectionDestinations(snapshot, name).map((d) => ({
          label: d.label,
          description: d.description,
          value: d.value as string | undefined,
          protocol: d.protocol,
        })),
      ],
      { title: `Check Container: ${name} to`, placeHolder: 'The connection that fails (steps 2-5 follow it)', ignoreFocusOut: true, matchOnDescription: true },
    );
    if (!dest) return;
    let report;
    try {
      report = checkContainer(snapshot, name, dest.value ? { to: dest.value, protocol: dest.protocol } : undefined);
    } catch (err) {
      if (err instanceof ContainerCheckError || err instanceof ConnectionEndError) return void vscode.window.showErrorMessage(err.message);
      throw err;
    }
    await documents.showText(`check ${name}${dest.value ? ` to ${dest.value}` : ''}`, `${renderContainerCheckText(report)}\n`, 'plaintext');
    const problems = report.sections.filter((s) => s.ok === false).map((s) => s.title);
    const capture = 'Capture Packets…';
    const choice = await vscode.window.showInformationMessage(
      problems.length ? `${name}: a problem at ${problems.join(', ')}.` : `${name}: no problem found in the steps the host shows.`,
      capture,
    );
    if (choice === capture) await vscode.commands.executeCommand('containerNet.terminal.capture', arg instanceof TreeNode ? arg : undefined);
  };
  return [vscode.commands.registerCommand('containerNet.doctor.checkContainer', check)];
}
