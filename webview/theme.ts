// The diagram's colours come from the VS Code theme: the --vscode-* variables VS Code sets on the
// page, resolved by the browser (so whatever form a theme writes a colour in, Mermaid gets
// `rgb(...)`, which its colour library parses), handed to Mermaid's `base` theme. VS Code marks
// the theme kind with a body class and replaces the variables on a theme change; `watchTheme`
// reports such a change once, when the resolved colours actually differ.

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface DiagramTheme {
  kind: ThemeKind;
  /** Mermaid `themeVariables` for `theme: 'base'`. */
  variables: Record<string, string | boolean>;
  /** Equal keys mean an identical picture: no re-render needed. */
  key: string;
}

export function themeKind(body: HTMLElement = document.body): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-dark')) return 'dark';
  return 'light';
}

/**
 * A colour expression such as `var(--vscode-editor-background, Canvas)` as the browser computes
 * it. The last fallback is a CSS system colour (Canvas, CanvasText...), so a page without VS
 * Code's variables (a plain browser) still gets readable, theme-matched colours.
 */
function resolver(): { colour(expr: string): string; dispose(): void } {
  const probe = document.createElement('span');
  probe.setAttribute('aria-hidden', 'true');
  probe.style.display = 'none';
  document.body.appendChild(probe);
  return {
    colour(expr: string): string {
      probe.style.color = '';
      probe.style.color = expr;
      return getComputedStyle(probe).color;
    },
    dispose: () => probe.remove(),
  };
}

const v = (name: string, fallback: string): string => `var(--vscode-${name}, ${fallback})`;

export function currentTheme(): DiagramTheme {
  const kind = themeKind();
  const contrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const style = getComputedStyle(document.body);
  const fontFamily = style.getPropertyValue('--vscode-font-family').trim() || style.fontFamily;
  const fontSize = Number.parseFloat(style.getPropertyValue('--vscode-font-size')) || Number.parseFloat(style.fontSize) || 13;
  const r = resolver();
  try {
    const background = r.colour(v('editor-background', 'Canvas'));
    const foreground = r.colour(v('editor-foreground', v('foreground', 'CanvasText')));
    // High-contrast themes draw every border in contrastBorder; the others have none.
    const border = (expr: string): string => r.colour(contrast ? v('contrastBorder', expr) : expr);
    const nodeFill = r.colour(v('editorWidget-background', v('editor-background', 'Canvas')));
    const nodeBorder = border(v('charts-blue', v('focusBorder', 'CanvasText')));
    const clusterFill = r.colour(v('sideBar-background', v('editor-background', 'Canvas')));
    const clusterBorder = border(v('panel-border', v('widget-border', 'GrayText')));
    const line = r.colour(v('descriptionForeground', v('editor-foreground', 'CanvasText')));
    const errorFill = r.colour(v('inputValidation-errorBackground', 'Canvas'));
    const errorText = r.colour(v('errorForeground', 'CanvasText'));
    // Mermaid 12's "neo" look shadows every node in a fixed light grey; use the theme's widget
    // shadow instead (high-contrast themes have none).
    const shadow = r.colour(v('widget-shadow', 'transparent'));
    const variables: Record<string, string | boolean> = {
      darkMode: kind === 'dark' || kind === 'high-contrast',
      background,
      fontFamily,
      fontSize: `${Math.round(fontSize + 1)}px`,
      primaryColor: nodeFill,
      primaryTextColor: foreground,
      primaryBorderColor: nodeBorder,
      secondaryColor: clusterFill,
      secondaryTextColor: foreground,
      secondaryBorderColor: clusterBorder,
      tertiaryColor: clusterFill,
      tertiaryTextColor: foreground,
      tertiaryBorderColor: clusterBorder,
      mainBkg: nodeFill,
      nodeBorder,
      nodeTextColor: foreground,
      textColor: foreground,
      titleColor: foreground,
      lineColor: line,
      clusterBkg: clusterFill,
      clusterBorder,
      edgeLabelBackground: background,
      errorBkgColor: errorFill,
      errorTextColor: errorText,
      dropShadow: contrast ? 'none' : `drop-shadow(1px 2px 2px ${shadow})`,
    };
    return { kind, variables, key: JSON.stringify(variables) };
  } finally {
    r.dispose();
  }
}

/**
 * Calls `onChange` when the theme VS Code applies changes: it swaps the body's theme class and
 * the variables in the <html> element's style. Both mutations of one switch give one call.
 */
export function watchTheme(onChange: (theme: DiagramTheme) => void): () => void {
  let last = currentTheme().key;
  let scheduled = false;
  const check = (): void => {
    scheduled = false;
    const theme = currentTheme();
    if (theme.key === last) return;
    last = theme.key;
    onChange(theme);
  };
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    // Not requestAnimationFrame: a hidden panel gets no frames, and it must still follow the theme.
    setTimeout(check, 30);
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
