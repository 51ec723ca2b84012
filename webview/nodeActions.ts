// What a click (or Enter) on a diagram node offers: a small bar of actions for that node,
// "Reveal in sidebar" always, "Open topology" (every interface, in a tab of its own) for a
// container or a network, and "Open shell in namespace" for a running container. The bar
// lives outside the SVG, so a re-render of the same diagram (counters refresh every few
// seconds) keeps it open as long as its node is still drawn.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { NodeAction, NodeTarget } from '../src/protocol.js';
import { describeTarget, type DrawnNode } from './diagramNodes.js';

export class NodeActionBar {
  readonly element: HTMLElement;
  private readonly subject: HTMLElement;
  private readonly terminal: HTMLElement;
  private readonly open: HTMLElement;
  private selected: { nodeId: string; target: NodeTarget; element: SVGGElement } | undefined;

  constructor(private readonly onAction: (nodeId: string, action: NodeAction) => void) {
    this.element = document.createElement('div');
    this.element.className = 'action-bar';
    this.element.setAttribute('role', 'toolbar');
    this.element.setAttribute('aria-label', 'Node actions');
    this.element.hidden = true;
    this.subject = document.createElement('span');
    this.subject.className = 'action-subject';
    const reveal = this.button('Reveal in sidebar', 'reveal');
    this.open = this.button('Open topology', 'open');
    this.terminal = this.button('Open shell in namespace', 'terminal');
    const close = document.createElement('vscode-button');
    close.setAttribute('secondary', '');
    close.setAttribute('aria-label', 'Close node actions');
    close.title = 'Close (Escape)';
    close.textContent = 'Close';
    close.addEventListener('click', () => this.hide(true));
    this.element.append(this.subject, reveal, this.open, this.terminal, close);
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.hide(true);
      }
    });
  }

  private button(label: string, action: NodeAction): HTMLElement {
    const b = document.createElement('vscode-button');
    b.dataset.action = action;
    b.textContent = label;
    b.addEventListener('click', () => {
      if (this.selected) this.onAction(this.selected.nodeId, action);
    });
    return b;
  }

  get selectedNodeId(): string | undefined {
    return this.selected?.nodeId;
  }

  /** Opens the bar for a node; `focus` moves the keyboard focus to its first button. */
  show(nodeId: string, node: DrawnNode, focus = false): void {
    if (!node.target) return;
    this.selected?.element.classList.remove('selected');
    this.selected = { nodeId, target: node.target, element: node.element };
    node.element.classList.add('selected');
    this.update(node.target);
    this.element.hidden = false;
    if (focus) (this.element.querySelector('vscode-button') as HTMLElement | null)?.focus();
  }

  private update(target: NodeTarget): void {
    this.subject.textContent = describeTarget(target);
    this.terminal.hidden = !(target.kind === 'container' && target.running);
    this.open.hidden = !((target.kind === 'container' && target.running) || target.kind === 'network');
  }

  /** Closes the bar; `returnFocus` puts the keyboard focus back on its node. */
  hide(returnFocus = false): void {
    const was = this.selected;
    this.selected = undefined;
    this.element.hidden = true;
    was?.element.classList.remove('selected');
    if (returnFocus && was?.element.isConnected) was.element.focus({ preventScroll: true });
  }

  /** After a re-render: follow the selected node into the new drawing, or close when it is gone. */
  refresh(nodes: Map<string, DrawnNode>): void {
    if (!this.selected) return;
    const node = nodes.get(this.selected.nodeId);
    if (!node?.target) {
      this.hide();
      return;
    }
    this.selected = { nodeId: this.selected.nodeId, target: node.target, element: node.element };
    node.element.classList.add('selected');
    this.update(node.target);
  }
}
