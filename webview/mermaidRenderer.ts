// Mermaid, configured for this panel: strict security (labels sanitised, `click` ignored), the
// VS Code theme's colours, the host's limits. One render at a time; Mermaid's scratch element
// is removed even when a render fails, so a failure leaves nothing behind in the page.
import mermaid from 'mermaid';
import type { RenderLimits } from '../src/protocol.js';
import type { DiagramTheme } from './theme.js';

export class DiagramTooLargeError extends Error {}

export class MermaidRenderer {
  private configured = '';
  private count = 0;

  /**
   * (Re-)initialises Mermaid when the theme or the limits differ from the last render's.
   * Returns a key of the configuration: equal keys and equal text give an identical picture.
   */
  configure(theme: DiagramTheme, limits: RenderLimits): string {
    const key = `${theme.key}|${limits.maxTextSize}|${limits.maxEdges}`;
    if (key === this.configured) return key;
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: 'base',
      // Mermaid 12 lays flowcharts out with ELK by default. Dagre (Mermaid 11's layout) draws
      // these diagrams 2-3 times faster, which matters as counters refresh every few seconds,
      // and lets the bundle leave ELK out (esbuild.mjs).
      layout: 'dagre',
      themeVariables: theme.variables,
      maxTextSize: limits.maxTextSize,
      maxEdges: limits.maxEdges,
      // Errors are shown by the panel itself, as text; Mermaid's own error picture is not wanted.
      suppressErrorRendering: true,
      // Rule specs are long: Mermaid 12 wraps labels at 120 px, which stacks an iptables rule
      // into a dozen lines. 320 px keeps one on two or three.
      flowchart: { htmlLabels: true, useMaxWidth: false, wrappingWidth: 320, nodeSpacing: 24, rankSpacing: 32, padding: 8 },
    });
    this.configured = key;
    return key;
  }

  /** The SVG text for a Mermaid source, and the id of its root <svg> element. */
  async render(text: string, limits: RenderLimits): Promise<{ svg: string; svgId: string }> {
    // Mermaid replaces a text over the limit with a picture saying so; say it in words instead.
    if (text.length > limits.maxTextSize) {
      throw new DiagramTooLargeError(`The diagram text is ${text.length} characters, over the limit of ${limits.maxTextSize}.`);
    }
    const svgId = `cnd-diagram-${++this.count}`;
    try {
      const { svg } = await mermaid.render(svgId, text);
      return { svg, svgId };
    } finally {
      // Mermaid draws into a temporary `#d<id>` element; after a failure it may still be there
      // (the SVG text is only inserted by the caller, after this).
      document.getElementById(`d${svgId}`)?.remove();
      document.getElementById(svgId)?.remove();
    }
  }
}
