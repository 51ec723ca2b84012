// From a drawn Mermaid flowchart back to what its nodes stand for. Mermaid 12 gives each node a
// `g.node` whose id is `<svgId>-flowchart-<nodeId>-<n>` (older releases: `flowchart-<nodeId>-<n>`);
// the node id is the one the host wrote in the Mermaid text and keyed `diagram.nodes` by.
// Strict security drops Mermaid's own `click` handling, so clickable nodes are marked here: a
// `data-node-id`, the class `clickable`, keyboard focus and a name for screen readers. Edge
// labels the host gave a target (a veth's host end) are bound the same way.
import type { NodeTarget, RenderedDiagram } from '../src/protocol.js';

/** The Mermaid node id of a drawn `g.node`, from its element id. */
export function mermaidNodeId(elementId: string, svgId: string): string | undefined {
  const local = elementId.startsWith(`${svgId}-`) ? elementId.slice(svgId.length + 1) : elementId;
  return /^flowchart-(.+)-\d+$/.exec(local)?.[1];
}

export interface DrawnNode {
  element: SVGGElement;
  target?: NodeTarget;
  /** An edge's label, not a node. */
  label?: true;
}

/** How many of the drawn nodes are nodes (not edge labels): what `rendered` reports. */
export function nodeCount(nodes: ReadonlyMap<string, DrawnNode>): number {
  let n = 0;
  for (const d of nodes.values()) if (!d.label) n++;
  return n;
}

export function describeTarget(t: NodeTarget): string {
  switch (t.kind) {
    case 'container':
      return `container ${t.name}${t.running ? '' : ' (stopped)'}`;
    case 'network':
      return `network ${t.name}`;
    case 'hostInterface':
      return `host interface ${t.name}`;
    case 'rule':
      return `${t.table} ${t.chain} rule ${t.position}`;
    case 'chain':
      return `${t.table} ${t.chain}`;
    case 'port':
      return `port ${t.protocol}/${t.hostPort} of ${t.containerName}`;
  }
}

/**
 * Finds every drawn node, marks the clickable ones and those whose counters moved.
 * Returns them by Mermaid node id.
 */
export function bindNodes(svg: SVGSVGElement, diagram: RenderedDiagram): Map<string, DrawnNode> {
  const moved = new Set(diagram.moved);
  const out = new Map<string, DrawnNode>();
  for (const element of Array.from(svg.querySelectorAll<SVGGElement>('g.node'))) {
    const id = mermaidNodeId(element.id, svg.id);
    if (id === undefined) continue;
    const target = Object.prototype.hasOwnProperty.call(diagram.nodes, id) ? diagram.nodes[id] : undefined;
    element.dataset.nodeId = id;
    // The host also writes `class <ids> moved` into the text; adding it here as well keeps the
    // highlight whatever the text did, and it is what the stylesheet colours.
    if (moved.has(id)) element.classList.add('moved');
    if (!target) {
      // Binding again over the same drawing: a node may have lost its target.
      element.classList.remove('clickable', 'selected');
      for (const a of ['tabindex', 'role', 'aria-label']) element.removeAttribute(a);
    } else {
      mark(element, target);
    }
    out.set(id, target ? { element, target } : { element });
  }
  // Edge labels that stand for something (a veth pair's host end): Mermaid gives each label
  // group the edge's id as `data-id` (`L_<from>_<to>_<n>`).
  for (const inner of Array.from(svg.querySelectorAll<SVGGElement>('g.edgeLabel > g.label[data-id]'))) {
    const id = inner.getAttribute('data-id') ?? '';
    const element = inner.parentElement;
    if (!(element instanceof SVGGElement) || !Object.prototype.hasOwnProperty.call(diagram.nodes, id)) continue;
    const target = diagram.nodes[id] as NodeTarget;
    element.dataset.nodeId = id;
    mark(element, target);
    out.set(id, { element, target, label: true });
  }
  return out;
}

function mark(element: SVGGElement, target: NodeTarget): void {
  element.classList.add('clickable');
  element.setAttribute('tabindex', '0');
  element.setAttribute('role', 'button');
  const text = element.textContent?.replace(/\s+/g, ' ').trim();
  element.setAttribute('aria-label', text ? `${describeTarget(target)}: ${text}` : describeTarget(target));
}

/** The node id of the clickable node an event happened in, if any. */
export function clickableNodeAt(target: EventTarget | null): string | undefined {
  if (!(target instanceof Element)) return undefined;
  const g = target.closest('g.node.clickable, g.edgeLabel.clickable');
  return g instanceof SVGGElement ? g.dataset.nodeId : undefined;
}
