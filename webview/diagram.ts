// The diagram panel's browser side. It says `ready` first (with the request a previous load
// kept), then draws what the host posts: Mermaid text rendered in strict mode with the VS Code
// theme's colours, nodes bound back to what they stand for, a header of controls, pan and zoom.
// Every message it sends is a FromWebview (src/protocol.ts). Text from the host only ever goes
// into the page through textContent; the SVG Mermaid returns is the one piece of markup inserted.
import { sameRequest, type NodeAction, type ToWebview } from '../src/protocol.js';
import { Controls } from './controls.js';
import { bindNodes, clickableNodeAt, nodeCount, type DrawnNode } from './diagramNodes.js';
import { DiagramTabs } from './diagramTabs.js';
import { readHostMessage } from './hostMessages.js';
import { MermaidRenderer } from './mermaidRenderer.js';
import { NodeActionBar } from './nodeActions.js';
import { Notices } from './notices.js';
import { PanZoom } from './panZoom.js';
import { currentTheme, watchTheme } from './theme.js';
import { connectToHost } from './vscodeApi.js';

type DiagramMessage = Extract<ToWebview, { type: 'diagram' }>;
type PanelState = 'waiting' | 'diagram' | 'error' | 'render-failed';

const host = connectToHost();
const restored = host.restoredState();

const app = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const notices = new Notices();
const renderer = new MermaidRenderer();
const stage = document.createElement('div');
stage.className = 'stage';
const viewport = document.createElement('div');
viewport.className = 'viewport';
viewport.setAttribute('role', 'region');
viewport.setAttribute('aria-label', 'Diagram');
const canvas = document.createElement('div');
canvas.className = 'canvas';
viewport.append(canvas);

/** What is drawn now (undefined: nothing). */
let shown: { message: DiagramMessage; nodes: Map<string, DrawnNode>; config: string } | undefined;
/** The last diagram message received, drawn or not (undefined after an error). */
let latest: DiagramMessage | undefined;
/** Bumped by an error message: a render still under way then is dropped, not shown. */
let epoch = 0;

const actionBar = new NodeActionBar((nodeId: string, action: NodeAction) => host.post({ type: 'nodeAction', nodeId, action }));
const controls = new Controls({
  request: (request) => host.post({ type: 'request', request }),
  refresh: () => host.post({ type: 'refresh' }),
  pickConnection: () => host.post({ type: 'pickConnection' }),
  exportMermaid: () => host.post({ type: 'exportMermaid' }),
  exportSvg: () => {
    const svg = exportableSvg();
    if (svg !== undefined) host.post({ type: 'exportSvg', svg });
  },
  zoomIn: () => zoom.zoomIn(),
  zoomOut: () => zoom.zoomOut(),
  fit: () => zoom.fit(),
  actualSize: () => zoom.actualSize(),
});
const zoom = new PanZoom(viewport, canvas, (scale) => {
  controls.setZoom(scale);
  keepStateSoon();
});
controls.setZoom(1);
const tabs = new DiagramTabs({
  request: (request) => host.post({ type: 'request', request }),
  currentView: () => zoom.view(),
  changed: () => keepStateSoon(),
});
if (restored?.tabs) tabs.seed(restored.tabs);

/** What a reload gives back: the diagram shown, every tab and its view. */
let keepTimer: ReturnType<typeof setTimeout> | undefined;
function keepState(): void {
  keepTimer = undefined;
  const request = latest?.request ?? restored?.request;
  if (request) host.saveState({ request, tabs: tabs.saved() });
}
/** Zooming and panning change the view many times a second: kept once they pause. */
function keepStateSoon(): void {
  if (keepTimer === undefined) keepTimer = setTimeout(keepState, 200);
}

stage.append(viewport, notices.message, actionBar.element);
app.replaceChildren(controls.element, tabs.element, stage, notices.notes);
notices.setNotes([]);

function setPanelState(state: PanelState): void {
  app.dataset.state = state;
  viewport.hidden = state !== 'diagram';
  notices.message.hidden = state === 'diagram';
  controls.setExportable(state === 'diagram');
  if (state !== 'diagram') actionBar.hide();
}
setPanelState('waiting');

// ------------------------------------------------------------------ nodes

function selectNode(nodeId: string, focusBar: boolean): void {
  const node = shown?.nodes.get(nodeId);
  if (node?.target) actionBar.show(nodeId, node, focusBar);
}

canvas.addEventListener('click', (e) => {
  const nodeId = clickableNodeAt(e.target);
  if (nodeId !== undefined) selectNode(nodeId, false);
});
canvas.addEventListener('keydown', (e) => {
  const nodeId = clickableNodeAt(e.target);
  if (nodeId === undefined) return;
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    selectNode(nodeId, true);
  } else if (e.key === 'Escape') {
    actionBar.hide();
  }
});

/** The drawing as a standalone SVG file: XML (not HTML) serialisation, without the panel's own markers. */
function exportableSvg(): string | undefined {
  const svg = canvas.querySelector('svg');
  if (!svg) return undefined;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  for (const g of Array.from(copy.querySelectorAll('g.node, g.edgeLabel'))) {
    for (const a of ['tabindex', 'role', 'aria-label', 'data-node-id']) g.removeAttribute(a);
    g.classList.remove('clickable', 'selected');
  }
  return new XMLSerializer().serializeToString(copy);
}

// ------------------------------------------------------------------ drawing

/** Draws one diagram message. Resolves when it is on screen (or its failure is). */
async function draw(message: DiagramMessage): Promise<void> {
  const started = performance.now();
  const myEpoch = epoch;
  // Each diagram has its tab: the one shown keeps its view when redrawn, one shown again gets back the view it was left with.
  const { sameTab, saved } = tabs.open(message.request, message.diagram.title);
  const keepView = sameTab && shown !== undefined && sameRequest(shown.message.request, message.request);
  controls.show(message.request, message.diagram.title, message.takenAt, message.choices, message.diagram.summary);
  notices.setNotes(message.diagram.notes);
  let svgText: string;
  let svgId: string;
  let config: string;
  try {
    config = renderer.configure(currentTheme(), message.limits);
    // Counters refresh every few seconds; when nothing drawn changed, keep the drawing and
    // only take the new node targets (a container may have stopped).
    const svg = canvas.querySelector('svg');
    if (keepView && shown && svg && shown.config === config && shown.message.diagram.mermaid === message.diagram.mermaid) {
      const nodes = bindNodes(svg, message.diagram);
      shown = { message, nodes, config };
      actionBar.refresh(nodes);
      host.post({ type: 'rendered', ms: Math.round(performance.now() - started), nodes: nodeCount(nodes) });
      return;
    }
    ({ svg: svgText, svgId } = await renderer.render(message.diagram.mermaid, message.limits));
  } catch (err) {
    if (myEpoch !== epoch) return;
    const text = err instanceof Error ? err.message : String(err);
    shown = undefined;
    canvas.replaceChildren();
    notices.renderFailed(text, message.diagram.mermaid);
    setPanelState('render-failed');
    host.post({ type: 'renderFailed', message: text.slice(0, 2000) });
    return;
  }
  if (myEpoch !== epoch) return;
  // Put focus back where it was if it was on a node of the drawing being replaced.
  const focused = document.activeElement instanceof SVGGElement && canvas.contains(document.activeElement) ? document.activeElement.dataset.nodeId : undefined;
  // Mermaid's SVG (labels sanitised by its strict mode) is the one markup inserted into the page.
  canvas.innerHTML = svgText;
  const svg = canvas.querySelector('svg');
  if (!svg || svg.id !== svgId) {
    shown = undefined;
    const text = 'Mermaid returned no SVG.';
    notices.renderFailed(text, message.diagram.mermaid);
    setPanelState('render-failed');
    host.post({ type: 'renderFailed', message: text });
    return;
  }
  const nodes = bindNodes(svg, message.diagram);
  shown = { message, nodes, config };
  setPanelState('diagram');
  if (!keepView && saved) zoom.setView(saved);
  else zoom.contentChanged(keepView);
  tabs.drawn();
  if (keepView) actionBar.refresh(nodes);
  else actionBar.hide();
  if (focused !== undefined) nodes.get(focused)?.element.focus({ preventScroll: true });
  host.post({ type: 'rendered', ms: Math.round(performance.now() - started), nodes: nodeCount(nodes) });
}

// One render at a time; while one runs, only the newest waiting message is kept.
let drawing = false;
let next: DiagramMessage | undefined;

async function schedule(message: DiagramMessage): Promise<void> {
  next = message;
  if (drawing) return;
  drawing = true;
  try {
    while (next) {
      const m = next;
      next = undefined;
      try {
        await draw(m);
      } catch (err) {
        // A bug here must still leave words on screen, not a blank panel.
        const text = err instanceof Error ? err.message : String(err);
        shown = undefined;
        notices.renderFailed(text, m.diagram.mermaid);
        setPanelState('render-failed');
        host.post({ type: 'renderFailed', message: text.slice(0, 2000) });
      }
    }
  } finally {
    drawing = false;
  }
}

// ------------------------------------------------------------------ messages

function onHostMessage(message: ToWebview): void {
  switch (message.type) {
    case 'diagram':
      controls.setBusy(undefined);
      latest = message;
      keepState();
      void schedule(message);
      return;
    case 'busy':
      controls.setBusy(message.message);
      if (!shown && app.dataset.state === 'waiting') notices.waiting(message.message);
      return;
    case 'error':
      controls.setBusy(undefined);
      epoch++;
      next = undefined;
      latest = undefined;
      shown = undefined;
      canvas.replaceChildren();
      notices.setNotes([]);
      notices.error(message.message, message.fix);
      setPanelState('error');
      return;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = readHostMessage(event.data);
  if (message) onHostMessage(message);
});

// A theme switch redraws the current diagram in the new colours, keeping the view.
watchTheme(() => {
  if (latest) void schedule(latest);
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !actionBar.element.hidden) actionBar.hide(true);
});

// First words to the host: nothing is drawn before it answers with a diagram.
host.post(restored ? { type: 'ready', state: { request: restored.request } } : { type: 'ready' });
