// The diagram panel's HTML page and its Content Security Policy, built in one place. Pure, so
// the browser test loads exactly the page the extension serves.
//
// CSP: nothing by default; scripts only with this page's nonce; styles from the extension's
// own files plus inline (Mermaid injects a <style> element into each SVG, which a nonce cannot
// cover); images from the extension and data: (Mermaid's markers); no network at all.

export interface DiagramPageOptions {
  /** The webview's resource origin (`webview.cspSource`), or the test server's origin. */
  cspSource: string;
  /** A fresh random nonce per page load. */
  nonce: string;
  /** URI of the bundled webview script (dist/webview/diagram.js as a webview URI). */
  scriptUri: string;
  /** URI of the panel stylesheet (media/diagram.css as a webview URI). */
  styleUri: string;
}

export function diagramPageCsp(o: Pick<DiagramPageOptions, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource} 'unsafe-inline'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A nonce for one page load: 32 characters from a CSPRNG, base64url. */
export function makeNonce(randomBytes: (n: number) => Uint8Array): string {
  return Buffer.from(randomBytes(24)).toString('base64url');
}

export function diagramPageHtml(o: DiagramPageOptions): string {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(o.nonce)) throw new Error('diagram page: the nonce must be at least 16 base64url characters');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(diagramPageCsp(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>Container Network diagram</title>
</head>
<body>
<div id="app" data-state="loading"></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
