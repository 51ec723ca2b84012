// The messages between the diagram panel's host side (src/ui) and its browser side (webview/).
// Both import these types; nothing else crosses. The webview speaks first (`ready`), then the
// host posts the diagram; every later change goes through the same messages. Messages from the
// webview are checked with `parseFromWebview` before the host acts on them.
//
// Pure types and checks: no vscode, no DOM.

/** The webview panel type (also the serializer's key in package.json `onWebviewPanel:`). */
export const DIAGRAM_VIEW_TYPE = 'containerNet.diagram';

export type { DiagramChoice, DiagramRequest, NodeTarget, PathRequest, TopologyScope } from './model/diagramRequest';
export { topologyDetail } from './model/diagramRequest';
export type { RenderLimits, RenderedDiagram } from './render/renderedDiagram';
import { topologyDetail, type DiagramChoice, type DiagramRequest, type PathRequest, type TopologyScope } from './model/diagramRequest';
import type { RenderLimits, RenderedDiagram } from './render/renderedDiagram';

/** Where a tab's view was: zoom and the drawing's offset in the viewport. */
export interface TabView {
  scale: number;
  x: number;
  y: number;
}

/** A diagram tab as the webview keeps it across reloads: what it shows, its title and view. */
export interface SavedTab {
  request: DiagramRequest;
  title: string;
  view?: TabView;
}

/**
 * Kept by the webview (vscode.setState) and handed back to the serializer after a reload: the
 * diagram shown (the host draws it again from the live state) and every tab with its view
 * (the webview puts them back itself).
 */
export interface DiagramPanelState {
  request: DiagramRequest;
  tabs?: SavedTab[];
}

/** At most this many tabs are kept across a reload. */
export const MAX_SAVED_TABS = 24;

function parseTabView(v: unknown): TabView | undefined {
  if (!isObject(v)) return undefined;
  const { scale, x, y } = v;
  if (typeof scale !== 'number' || typeof x !== 'number' || typeof y !== 'number') return undefined;
  if (![scale, x, y].every(Number.isFinite) || scale <= 0 || scale > 100) return undefined;
  return { scale, x, y };
}

/** A kept state, checked field by field; tabs that do not parse are dropped, not trusted. */
export function parsePanelState(v: unknown): DiagramPanelState | undefined {
  if (!isObject(v)) return undefined;
  const request = parseDiagramRequest(v.request);
  if (!request) return undefined;
  const tabs: SavedTab[] = [];
  for (const t of Array.isArray(v.tabs) ? v.tabs.slice(0, MAX_SAVED_TABS) : []) {
    if (!isObject(t)) continue;
    const r = parseDiagramRequest(t.request);
    if (!r || typeof t.title !== 'string') continue;
    const view = parseTabView(t.view);
    tabs.push({ request: r, title: t.title.slice(0, 300), ...(view ? { view } : {}) });
  }
  return tabs.length > 0 ? { request, tabs } : { request };
}

// ------------------------------------------------------------------ host -> webview

export type ToWebview =
  | {
      type: 'diagram';
      request: DiagramRequest;
      diagram: RenderedDiagram;
      /** When the host state was read (ISO time). */
      takenAt: string;
      /** Pickers: topology scopes and packet paths of this host. */
      choices: DiagramChoice[];
      limits: RenderLimits;
    }
  /** A read or a render is under way. */
  | { type: 'busy'; message: string }
  /** Nothing to draw: what went wrong and what to do. */
  | { type: 'error'; message: string; fix?: string };

// ------------------------------------------------------------------ webview -> host

/** `open`: the topology of a clicked container or network, every interface drawn, in a tab of its own. */
export type NodeAction = 'reveal' | 'terminal' | 'open';

export type FromWebview =
  | { type: 'ready'; state?: DiagramPanelState }
  /** The user picked another scope, flow or filter. */
  | { type: 'request'; request: DiagramRequest }
  | { type: 'refresh' }
  /** "Connection…" in the picker: the host asks for source, destination and port, then draws that connection. */
  | { type: 'pickConnection' }
  | { type: 'nodeAction'; nodeId: string; action: NodeAction }
  | { type: 'exportMermaid' }
  | { type: 'exportSvg'; svg: string }
  | { type: 'rendered'; ms: number; nodes: number }
  | { type: 'renderFailed'; message: string };

// ------------------------------------------------------------------ checks

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;
const isProto = (v: unknown): v is 'tcp' | 'udp' => v === 'tcp' || v === 'udp';

function parseScope(v: unknown): TopologyScope | undefined {
  if (!isObject(v)) return undefined;
  if (v.kind === 'host') return { kind: 'host' };
  if (v.kind === 'network' && isString(v.network)) return { kind: 'network', network: v.network };
  if (v.kind === 'container' && isString(v.container)) return { kind: 'container', container: v.container };
  return undefined;
}

function parsePath(v: unknown): PathRequest | undefined {
  if (!isObject(v)) return undefined;
  if (v.kind === 'inbound' && isPort(v.hostPort) && isProto(v.protocol) && (v.ipv6 === undefined || typeof v.ipv6 === 'boolean')) {
    return { kind: 'inbound', hostPort: v.hostPort, protocol: v.protocol, ...(v.ipv6 ? { ipv6: true } : {}) };
  }
  if (v.kind === 'outbound' && isString(v.container) && isString(v.dst) && isPort(v.dport) && isProto(v.protocol)) {
    return { kind: 'outbound', container: v.container, dst: v.dst, dport: v.dport, protocol: v.protocol };
  }
  if (v.kind === 'dns' && isString(v.container)) return { kind: 'dns', container: v.container };
  if (v.kind === 'connection' && isString(v.from) && isString(v.to) && isProto(v.protocol) && (v.ipv6 === undefined || typeof v.ipv6 === 'boolean')) {
    return { kind: 'connection', from: v.from.slice(0, 200), to: v.to.slice(0, 200), protocol: v.protocol, ...(v.ipv6 ? { ipv6: true } : {}) };
  }
  return undefined;
}

/** A diagram request as the webview (or a restored state) sent it, or undefined when malformed. */
export function parseDiagramRequest(v: unknown): DiagramRequest | undefined {
  if (!isObject(v)) return undefined;
  if (v.kind === 'topology') {
    const scope = parseScope(v.scope);
    if (!scope) return undefined;
    // Kept only when it is not the scope's own level (so the same picture is always the same request).
    const detail = (v.detail === 'compact' || v.detail === 'full') && v.detail !== topologyDetail({ scope }) ? v.detail : undefined;
    return { kind: 'topology', scope, filter: isString(v.filter) ? v.filter.slice(0, 200) : '', ...(detail ? { detail } : {}) };
  }
  if (v.kind === 'path') {
    const path = parsePath(v.path);
    return path ? { kind: 'path', path } : undefined;
  }
  return undefined;
}

/** The message, checked field by field, or undefined when it is not one the host understands. */
export function parseFromWebview(v: unknown): FromWebview | undefined {
  if (!isObject(v)) return undefined;
  switch (v.type) {
    case 'ready': {
      const request = isObject(v.state) ? parseDiagramRequest(v.state.request) : undefined;
      return request ? { type: 'ready', state: { request } } : { type: 'ready' };
    }
    case 'request': {
      const request = parseDiagramRequest(v.request);
      return request ? { type: 'request', request } : undefined;
    }
    case 'refresh':
    case 'exportMermaid':
    case 'pickConnection':
      return { type: v.type };
    case 'nodeAction':
      return isString(v.nodeId) && (v.action === 'reveal' || v.action === 'terminal' || v.action === 'open')
        ? { type: 'nodeAction', nodeId: v.nodeId, action: v.action }
        : undefined;
    case 'exportSvg':
      return isString(v.svg) && v.svg.length < 50_000_000 ? { type: 'exportSvg', svg: v.svg } : undefined;
    case 'rendered':
      return typeof v.ms === 'number' && typeof v.nodes === 'number' ? { type: 'rendered', ms: v.ms, nodes: v.nodes } : undefined;
    case 'renderFailed':
      return isString(v.message) ? { type: 'renderFailed', message: v.message.slice(0, 2000) } : undefined;
    default:
      return undefined;
  }
}

/** Same flow or scope: whether a new render replaces the old one in place (keeps zoom) or is a new picture. */
export function sameRequest(a: DiagramRequest, b: DiagramRequest): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
