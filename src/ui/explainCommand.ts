// "Explain Connection": why can (or can't) A reach B. From the palette it asks for a source
// (the host, an outside client, a running container) and a destination (a port something
// listens on, a published host port, or any CONTAINER:PORT / IP:PORT typed in); run on a
// container it starts from that container, on a published port it goes to that port, on a
// network it offers only that network's containers. The answer opens as text a user can paste
// into a ticket, and as the packet-path diagram with the deciding step on top.
import * as vscode from 'vscode';
import { connectionDestinations, connectionSources, type ConnectionChoice } from '../model/connectionChoices';
import { ConnectionEndError, explainConnection } from '../model/explain';
import { networkMembers, reachabilityMatrix, type MatrixCell } from '../model/reachabilityMatrix';
import { renderMatrixText } from '../render/matrixText';
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { explanationHeadline, renderExplanationText } from '../render/explanationText';
import type { DiagramPanels } from './diagramPanel';
import type { HostState } from './hostState';
import type { InspectDocuments } from './inspectDocuments';
import { TreeNode, type NodeSubject } from './trees/treeNode';

const OTHER = '$(edit) Other destination…';

function subjectOf(arg: unknown): NodeSubject | undefined {
  return arg instanceof TreeNode ? arg.facts().subject : undefined;
}

async function pickOne(choices: ConnectionChoice[], title: string, placeHolder: string, other: boolean): Promise<ConnectionChoice | 'other' | undefined> {
  const items: (vscode.QuickPickItem & { choice?: ConnectionChoice })[] = choices.map((c) => ({
    label: c.label,
    ...(c.description ? { description: c.description } : {}),
    choice: c,
  }));
  if (other) items.push({ label: OTHER, description: 'CONTAINER:PORT, IP:PORT or [IPv6]:PORT; add /udp for UDP' });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder, matchOnDescription: true, ignoreFocusOut: true });
  if (!picked) return undefined;
  return picked.choice ?? 'other';
}

/** A typed destination: "web:80", "172.30.1.10:80/udp", "[fd00::10]:80". */
export function parseTypedDestination(text: string): { to: string; protocol: 'tcp' | 'udp' } | undefined {
  const m = /^\s*(\S+?:\d{1,5})(?:\/(tcp|udp))?\s*$/i.exec(text);
  if (!m) return undefined;
  return { to: m[1] as string, protocol: (m[2]?.toLowerCase() as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}

/**
 * Asks for a connection: the source (unless run on a container) and the destination (a
 * listening port, a published port, or one typed in; run on a published port it is that port;
 * on a network, only that network's containers are offered).
 */
export async function pickConnection(
  snapshot: HostSnapshot,
  arg: unknown,
  title: string,
): Promise<{ from: string; to: string; protocol: 'tcp' | 'udp' } | undefined> {
  const subject = subjectOf(arg);
  let from: string | undefined = subject?.kind === 'container' ? subject.container.name : undefined;
  let members: Set<string> | undefined;
  if (subject?.kind === 'network') members = networkMembers(snapshot, subject.network.name);
  if (!from) {
    const sources = connectionSources(snapshot).filter((c) => !members || members.has(c.value));
    const picked = await pickOne(sources, `${title}: from`, 'Where the connection starts', false);
    if (!picked || picked === 'other') return undefined;
    from = picked.value;
  }
  let to: string | undefined;
  let protocol: 'tcp' | 'udp' = 'tcp';
  if (subject?.kind === 'port' && (subject.port.protocol === 'tcp' || subject.port.protocol === 'udp')) {
    const port = subject.port;
    const dests = connectionDestinations(snapshot, from).filter((d) =>
      d.description?.includes(`published by ${port.containerName} (-> ${port.containerPort})`),
    );
    const d = dests.find((x) => x.value.endsWith(`:${port.hostPort}`) && x.protocol === port.protocol);
    if (d) {
      to = d.value;
      protocol = d.protocol;
    }
  }
  if (!to) {
    const dests = connectionDestinations(snapshot, from).filter((d) => !members || members.has(d.value.replace(/:\d+$/, '')));
    const picked = await pickOne(dests, `${title}: ${from} to`, 'A listening port, a published port, or another destination', true);
    if (!picked) return undefined;
    if (picked === 'other') {
      const typed = await vscode.window.showInputBox({
        title: `${title}: ${from} to`,
        prompt: 'CONTAINER:PORT, IP:PORT, [IPv6]:PORT or a host port (127.0.0.1:8080); add /udp for UDP',
        placeHolder: 'web:80',
        ignoreFocusOut: true,
        validateInput: (v) => (parseTypedDestination(v) ? undefined : 'Give a destination and a port, e.g. web:80 or 172.30.1.10:80/udp'),
      });
      const parsed = typed === undefined ? undefined : parseTypedDestination(typed);
      if (!parsed) return undefined;
      to = parsed.to;
      protocol = parsed.protocol;
    } else {
      to = picked.value;
      protocol = picked.protocol;
    }
  }
  return { from, to, protocol };
}

export function registerExplainCommand(panels: DiagramPanels, state: HostState, documents: InspectDocuments): vscode.Disposable[] {
  const explain = async (arg?: unknown): Promise<void> => {
    const snapshot = await state.whenRead();
    if (!snapshot) return void vscode.window.showWarningMessage('The host has not been read yet: try again in a moment.');
    const picked = await pickConnection(snapshot, arg, 'Explain Connection');
    if (picked) await show(snapshot, picked.from, picked.to, picked.protocol);
  };

  /** The answer as text beside the editor, and the packet path of the hop that decides it. */
  const show = async (snapshot: HostSnapshot, from: string, to: string, protocol: 'tcp' | 'udp'): Promise<void> => {
    const ipv6 = to.startsWith('[');
    let e;
    try {
      e = explainConnection(snapshot, { from, to, protocol, ...(ipv6 ? { ipv6: true } : {}) });
    } catch (err) {
      if (err instanceof ConnectionEndError) return void vscode.window.showErrorMessage(`${err.message} ${err.fix}`);
      throw err;
    }
    panels.show({ kind: 'path', path: { kind: 'connection', from, to, protocol, ...(ipv6 ? { ipv6: true } : {}) } });
    await documents.showText(`explain ${from} to ${to}`, `${renderExplanationText(e)}\n`, 'plaintext', vscode.ViewColumn.Beside);
    void vscode.window.setStatusBarMessage(`${from} -> ${to}: ${explanationHeadline(e)}`, 15_000);
  };

  /** The reachability matrix of a network (or the whole host) as text; each cell, picked, opens its explanation. */
  const matrix = async (arg?: unknown): Promise<void> => {
    const snapshot = await state.whenRead();
    if (!snapshot) return void vscode.window.showWarningMessage('The host has not been read yet: try again in a moment.');
    const subject = subjectOf(arg);
    let network = subject?.kind === 'network' ? subject.network.name : undefined;
    if (!subject) {
      const items = [
        { label: 'Whole host', network: undefined as string | undefined },
        ...(snapshot.docker?.networks ?? []).map((n) => ({ label: n.name, description: n.driver, network: n.name as string | undefined })),
      ];
      const picked = await vscode.window.showQuickPick(items, {
        title: 'Show Reachability Matrix',
        placeHolder: 'The whole host or one network',
        ignoreFocusOut: true,
      });
      if (!picked) return;
      network = picked.network;
    }
    const m = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Explaining every pair…' }, async () =>
      reachabilityMatrix(snapshot, network),
    );
    await documents.showText(`reachability ${network ?? 'host'}`, `${renderMatrixText(m)}\n`, 'plaintext');
    const cells = m.cells.flat().filter((c): c is MatrixCell => c !== undefined);
    if (cells.length === 0) return;
    const icon = { reachable: '$(pass)', blocked: '$(error)', unknown: '$(question)' } as const;
    const picked = await vscode.window.showQuickPick(
      cells.map((c) => ({
        label: `${icon[c.verdict]} ${c.from} -> ${c.to}${c.protocol === 'udp' ? '/udp' : ''}`,
        description: c.verdict,
        detail: c.decidedBy?.text,
        cell: c,
      })),
      {
        title: `Reachability in ${m.scope}`,
        placeHolder: 'Open a cell as its explanation',
        matchOnDescription: true,
        matchOnDetail: true,
        ignoreFocusOut: true,
      },
    );
    if (picked) await show(snapshot, picked.cell.from, picked.cell.to, picked.cell.protocol);
  };

  return [vscode.commands.registerCommand('containerNet.explain', explain), vscode.commands.registerCommand('containerNet.explain.matrix', matrix)];
}
