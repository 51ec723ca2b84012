// Commands that open terminals inside a container's (or an overlay sandbox's) network
// namespace: a shell, presets, the container's resolv.conf, a DNS lookup against 127.0.0.11,
// and packet captures on a chosen interface of the namespace (or all of them), live or to a
// .pcap file in the workspace. Everything runs as an argument array planned in
// src/host/namespaceTerminal.ts; node-pty drives it, or, if the native module cannot load, a
// plain terminal with the same argv.
import * as vscode from 'vscode';
import type { ContainerInfo, HostSnapshot } from '../snapshot/hostSnapshot';
import { captureInterfaces, type CaptureTarget } from '../model/captureInterfaces';
import { containerAddressText, namespaceOwnerName } from '../model/containerSummary';
import { hostTools, interactivePrivilegeCommand, planNamespaceTerminal, type TerminalAction, type TerminalTarget } from '../host/namespaceTerminal';
import { ptyAvailable } from '../host/ptyProcess';
import { createCaptureFile } from '../host/captureFile';
import { currentContainerPid } from '../host/containerPid';
import { displayText } from '../host/displayText';
import { containerFromInspect, createDockerClient, describeEndpoint } from '../host/dockerEngine';
import { readContainerResolvConf, resolvConfText } from '../host/resolvConf';
import { TextPseudoterminal } from './textPseudoterminal';
import { NamespacePseudoterminal } from './namespacePseudoterminal';
import { readSettings } from './settings';
import type { TreeNode } from './trees/treeNode';

const PRESETS: { label: string; detail: string; action: TerminalAction }[] = [
  { label: 'ip addr', detail: 'interfaces and addresses inside the namespace', action: { kind: 'preset', preset: 'ip-addr' } },
  { label: 'ip route', detail: 'routes inside the namespace', action: { kind: 'preset', preset: 'ip-route' } },
  { label: 'ss -tlnp', detail: 'listening TCP sockets and their processes', action: { kind: 'preset', preset: 'ss-listening' } },
  { label: 'iptables-save', detail: "the namespace's own rules (Docker's DNS redirect lives here)", action: { kind: 'preset', preset: 'iptables-save' } },
  {
    label: 'resolv.conf',
    detail: "the container's resolver configuration (Docker's copy on the host, read by the extension)",
    action: { kind: 'resolv-conf' },
  },
  { label: 'DNS lookup via 127.0.0.11…', detail: "ask Docker's embedded DNS from inside", action: { kind: 'dns-lookup', name: '' } },
];

export class NamespaceTerminals {
  private warnedNoPty = false;

  /** `snapshot`: the live host state's latest read, waiting for its first read if there is none yet. */
  constructor(private readonly snapshot: () => Promise<HostSnapshot | undefined>) {}

  private async containers(): Promise<ContainerInfo[]> {
    return (await this.snapshot())?.docker?.containers ?? [];
  }

  /** A container as a target; a `container:X` sharer carries X's name for the notes. */
  private containerTarget(container: ContainerInfo, all: ContainerInfo[]): TerminalTarget {
    return container.modeKind === 'container'
      ? { kind: 'container', container, namespaceOwner: namespaceOwnerName(container, all) }
      : { kind: 'container', container };
  }

  /** The target of a command: the tree item it was run on, else a quick pick of running containers. */
  private async target(node?: TreeNode): Promise<TerminalTarget | undefined> {
    const facts = node?.facts();
    if (facts?.netnsPath) return { kind: 'netns', path: facts.netnsPath };
    const list = await this.containers();
    if (facts?.container) return this.containerTarget(facts.container, list);
    const running = list.filter((c) => c.state === 'running');
    if (running.length === 0) {
      void vscode.window.showWarningMessage('No running containers on this host.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      running.map((c) => ({
        label: displayText(c.name),
        description: displayText(containerAddressText(c, list)),
        container: c,
      })),
      { title: 'Container', placeHolder: 'Whose network namespace?' },
    );
    return pick ? this.containerTarget(pick.container, list) : undefined;
  }

  async open(node: TreeNode | undefined, action: TerminalAction, onExit?: (code: number) => void): Promise<vscode.Terminal | undefined> {
    const target = await this.target(node);
    return target ? this.openTarget(target, action, onExit) : undefined;
  }

  /** A shell in a running container's namespace, by name (the diagram panel's node action). */
  async shellIn(containerName: string): Promise<vscode.Terminal | undefined> {
    const all = await this.containers();
    const container = all.find((c) => c.name === containerName);
    if (container?.state !== 'running') {
      void vscode.window.showWarningMessage(
        `Container ${containerName} is ${container ? `not running (${container.state})` : 'not on this host any more'}: no namespace to open a shell in.`,
      );
      return undefined;
    }
    return this.openTarget(this.containerTarget(container, all), { kind: 'shell' });
  }

  private async openTarget(target: TerminalTarget, action: TerminalAction, onExit?: (code: number) => void): Promise<vscode.Terminal | undefined> {
    const settings = readSettings();
    const endpoint = describeEndpoint(settings.dockerEndpoint);
    // A pid is used only for a local engine, and only while it is still the container's
    // (checked here, just before use). resolv.conf uses no pid: Docker's file or its API.
    if (target.kind === 'container' && action.kind !== 'resolv-conf') {
      const known = target.container;
      const docker = createDockerClient(settings.dockerEndpoint || undefined);
      const check = await currentContainerPid(known, endpoint, async () => containerFromInspect(await docker.getContainer(known.id).inspect()));
      if (!check.ok) {
        void vscode.window.showErrorMessage(check.reason);
        return undefined;
      }
      target = { ...target, container: check.container };
    }
    const tools = hostTools(interactivePrivilegeCommand(settings.privilegeCommand));
    const planned = planNamespaceTerminal(target, action, tools);
    if (!planned.ok) {
      void vscode.window.showErrorMessage(planned.error);
      return undefined;
    }
    const { plan } = planned;
    let terminal: vscode.Terminal;
    if (plan.show === 'resolv-conf' && target.kind === 'container') {
      const docker = createDockerClient(settings.dockerEndpoint || undefined);
      const text = readContainerResolvConf(target.container, { endpoint, docker }).then((r) => `# ${r.source}\n${resolvConfText(r)}`);
      terminal = vscode.window.createTerminal({ name: plan.title, pty: new TextPseudoterminal(plan.banner, text) });
      terminal.show();
      return terminal;
    }
    const available = ptyAvailable();
    if (available.ok) {
      terminal = vscode.window.createTerminal({ name: plan.title, pty: new NamespacePseudoterminal(plan, onExit) });
    } else {
      if (!this.warnedNoPty) {
        this.warnedNoPty = true;
        void vscode.window.showWarningMessage(`node-pty could not be loaded (${available.reason}); using a plain terminal with the same command.`);
      }
      const [shellPath, ...shellArgs] = plan.argv;
      terminal = vscode.window.createTerminal({ name: plan.title, shellPath, shellArgs, message: plan.banner });
    }
    terminal.show();
    return terminal;
  }

  shell(node?: TreeNode): Promise<unknown> {
    return this.open(node, { kind: 'shell' });
  }

  async preset(node?: TreeNode): Promise<unknown> {
    const pick = await vscode.window.showQuickPick(PRESETS, { title: 'Run in the network namespace' });
    if (!pick) return;
    let action = pick.action;
    if (action.kind === 'dns-lookup') {
      const name = await vscode.window.showInputBox({
        title: 'DNS lookup via 127.0.0.11',
        prompt: 'Name to look up (a container, service or alias name)',
        validateInput: (v) => (/^[A-Za-z0-9_.-]+$/.test(v.trim()) ? undefined : 'a DNS name: letters, digits, dots, dashes'),
      });
      if (!name) return;
      action = { kind: 'dns-lookup', name: name.trim() };
    }
    return this.open(node, action);
  }

  /**
   * Which interface of the target's namespace to capture on: its interfaces as last read, and
   * "any" for all of them. Only a name from this list reaches tcpdump (and the plan checks it again).
   */
  private async captureInterface(target: TerminalTarget): Promise<{ iface: string; interfaces: string[] } | undefined> {
    const snapshot = await this.snapshot();
    const where: CaptureTarget = target.kind === 'netns' ? { kind: 'netns', path: target.path } : { kind: 'container', containerId: target.container.id };
    const offered = snapshot
      ? captureInterfaces(snapshot, where)
      : { interfaces: [{ name: 'any', description: 'every interface of the namespace' }], unknown: 'nothing read yet' };
    const whose = target.kind === 'netns' ? target.path : target.container.name;
    const pick = await vscode.window.showQuickPick(
      offered.interfaces.map((i) => ({ label: displayText(i.name), description: displayText(i.description), name: i.name })),
      {
        title: `Capture packets in ${displayText(whose)}${offered.namespaceOf ? ` (${displayText(offered.namespaceOf)} network namespace)` : ''}: which interface?`,
        placeHolder: offered.unknown ? `Only "any": ${displayText(offered.unknown)}` : 'An interface of the namespace, or any for all of them',
      },
    );
    if (!pick) return undefined;
    return { iface: pick.name, interfaces: offered.interfaces.map((i) => i.name).filter((n) => n !== 'any') };
  }

  async capture(node?: TreeNode): Promise<unknown> {
    const target = await this.target(node);
    if (!target) return;
    const chosen = await this.captureInterface(target);
    if (!chosen) return;
    const mode = await vscode.window.showQuickPick(
      [
        { label: 'Live in the terminal', toFile: false },
        {
          label: 'To a .pcap file in the workspace',
          detail: 'at most 10,000 packets, 100 MiB or 10 minutes; stop earlier with Ctrl+C or by closing the terminal; the file is revealed when it ends',
          toFile: true,
        },
      ],
      { title: `Capture packets (tcpdump on ${displayText(chosen.iface)})` },
    );
    if (!mode) return;
    const filter = await vscode.window.showInputBox({ title: 'tcpdump filter (optional)', prompt: 'e.g. tcp port 80; empty captures everything' });
    if (filter === undefined) return;
    const words = filter.trim() ? filter.trim().split(/\s+/) : undefined;
    const action = { kind: 'capture' as const, iface: chosen.iface, interfaces: chosen.interfaces, ...(words ? { filter: words } : {}) };
    if (!mode.toFile) return this.openTarget(target, action);
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') {
      void vscode.window.showErrorMessage('Open a folder first: the capture file is written into the workspace.');
      return;
    }
    let file: string;
    try {
      file = await createCaptureFile(folder.uri.fsPath);
    } catch (err) {
      void vscode.window.showErrorMessage(`Could not create the capture file in ${folder.uri.fsPath}: ${(err as Error).message}`);
      return;
    }
    return this.openTarget(target, { ...action, file }, () => {
      const uri = vscode.Uri.file(file);
      void vscode.commands.executeCommand('revealInExplorer', uri);
      void vscode.window.showInformationMessage(`Capture saved: ${file}`);
    });
  }
}

export function registerTerminalCommands(terminals: NamespaceTerminals): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('containerNet.terminal.openShell', (node?: TreeNode) => terminals.shell(node)),
    vscode.commands.registerCommand('containerNet.terminal.runPreset', (node?: TreeNode) => terminals.preset(node)),
    vscode.commands.registerCommand('containerNet.terminal.capture', (node?: TreeNode) => terminals.capture(node)),
  ];
}
