// Mermaid's own parser, run in plain Node for the unit tests. Mermaid sanitises labels with
// DOMPurify, which needs a DOM: jsdom provides one (only for that; the parsing is Mermaid's).
// Import this module before anything that imports mermaid.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
const g = globalThis as Record<string, unknown>;
g.window ??= dom.window;
g.document ??= dom.window.document;

export interface ParsedFlowchart {
  vertices: Map<string, { id: string; text: string; classes: string[] }>;
  edges: { start: string; end: string; text: string }[];
  subgraphs: { id: string; title: string; nodes: string[] }[];
}

interface MermaidModule {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  mermaidAPI: unknown;
}
let mermaidPromise: Promise<MermaidModule> | undefined;

async function mermaid(): Promise<MermaidModule> {
  mermaidPromise ??= import('mermaid').then(async (m) => {
    const mermaid = m.default as unknown as MermaidModule;
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    // Registers the diagram types; getDiagramFromText needs them.
    await mermaid.parse('flowchart LR\n  A --> B\n');
    return mermaid;
  });
  return mermaidPromise;
}

/** Mermaid's entity placeholders and HTML character references back to the text a reader sees. */
export function shownText(mermaidText: string): string {
  const html = mermaidText
    .replace(/ﬂ°°/g, '&#')
    .replace(/ﬂ°/g, '&')
    .replace(/¶ß/g, ';')
    .replace(/<br\s*\/?>/g, '\n');
  const div = dom.window.document.createElement('div');
  div.innerHTML = html;
  return div.textContent ?? '';
}

/** Parses flowchart text with Mermaid; throws Mermaid's own error when it does not parse. */
export async function parseFlowchart(text: string): Promise<ParsedFlowchart> {
  const m = await mermaid();
  await m.parse(text);
  const api = (m as { mermaidAPI: { getDiagramFromText(t: string): Promise<{ db: FlowDb }> } }).mermaidAPI;
  const { db } = await api.getDiagramFromText(text);
  return { vertices: db.getVertices(), edges: db.getEdges(), subgraphs: db.getSubGraphs() };
}

interface FlowDb {
  getVertices(): ParsedFlowchart['vertices'];
  getEdges(): ParsedFlowchart['edges'];
  getSubGraphs(): ParsedFlowchart['subgraphs'];
}
