// A diagram as src/render produces it, and the Mermaid limits it was made within.
import type { NodeTarget } from '../model/diagramRequest';

/** A diagram as src/render produces it: Mermaid text plus what its nodes mean. */
export interface RenderedDiagram {
  title: string;
  /** One line shown above the drawing: a packet path's verdict and why. */
  summary?: string;
  /** Mermaid flowchart source; every label escaped. */
  mermaid: string;
  /** Mermaid node id -> what it stands for (nodes without an entry are not clickable). */
  nodes: Record<string, NodeTarget>;
  /** Node ids whose rule counters moved since the previous read (drawn highlighted, class `moved`). */
  moved: string[];
  stats: { nodes: number; edges: number; chars: number };
  /** What the reader should know: grouping of large hosts, the filter, an uncertain path. */
  notes: string[];
}

/** Mermaid limits the host rendered within; the webview initialises Mermaid with them. */
export interface RenderLimits {
  maxTextSize: number;
  maxEdges: number;
}
