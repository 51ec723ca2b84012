// Runs the diagram panel's browser side outside VS Code: a loopback HTTP server serves exactly
// the page src/render/diagramPage.ts builds (its CSP, a fresh nonce per load, the built
// dist/webview/diagram.js and media/diagram.css), and headless Debian Chromium loads it with a
// stand-in for VS Code's `acquireVsCodeApi` that records what the webview posts and keeps its
// state across reloads (as VS Code does). Messages "from the extension" are window.postMessage
// calls, as VS Code delivers them. CSP violations, page errors and any request that is not one of
// the page's own files are recorded, so tests can assert there were none.
//
//   const server = await startPageServer(); const browser = await launchChromium();
//   const panel = await openPanel(browser, server, { theme: DARK_MODERN });
//   await panel.waitForPosted('ready'); await panel.post(message); await panel.waitForPosted('rendered');
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FromWebview, ToWebview } from '../../src/protocol';
import { diagramPageHtml, makeNonce } from '../../src/render/diagramPage';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/codeServer';
import type { WebviewTheme } from './vscodeThemes';

const ROOT = process.cwd();
export const SCRIPT_PATH = path.join(ROOT, 'dist', 'webview', 'diagram.js');
export const STYLE_PATH = path.join(ROOT, 'media', 'diagram.css');

// ------------------------------------------------------------------ the page server

export interface PageServer {
  origin: string;
  /** The script served, read once at start (a rebuild while the server runs changes nothing). */
  script: Buffer;
  /** Every path the browser asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves the diagram page on 127.0.0.1 (a free port), with the panel's bundle or, for a benchmark,
 * a variant of it. The bundle must be built (`npm run build`);
 * it is read once, here, so a rebuild by someone else meanwhile does not change what is served.
 */
export async function startPageServer(scriptPath = SCRIPT_PATH): Promise<PageServer> {
  for (const f of [scriptPath, STYLE_PATH]) {
    if (!existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run \`npm run build\` first (from the repository root)`);
  }
  const requests: string[] = [];
  const script = readFileSync(scriptPath);
  const style = readFileSync(STYLE_PATH);
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    requests.push(url.pathname);
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/') {
      // A fresh nonce for each load, as the extension does.
      const html = diagramPageHtml({
        cspSource: origin,
        nonce: makeNonce((n) => randomBytes(n)),
        scriptUri: `${origin}/dist/webview/diagram.js`,
        styleUri: `${origin}/media/diagram.css`,
      });
      send(200, 'text/html; charset=utf-8', html);
    } else if (url.pathname === '/dist/webview/diagram.js') {
      // No charset, as a webview's resource loader may serve it: the script is then decoded in
      // the page's encoding (<meta charset="utf-8">). The bundle holds non-ASCII regular
      // expressions (Mermaid's entity placeholders) that only match when decoded as UTF-8.
      send(200, 'text/javascript', script);
    } else if (url.pathname === '/media/diagram.css') {
      send(200, 'text/css', style);
    } else {
      send(404, 'text/plain; charset=utf-8', 'not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    script,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ------------------------------------------------------------------ the browser

/** Headless Debian Chromium, as the e2e tests drive it. Throws (never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set E2E_CHROMIUM; the webview tests need a real browser`,
    );
  }
  // Chromium writes crash reports under XDG_CONFIG_HOME even with a temporary profile.
  const xdg = path.join(os.tmpdir(), `cnd-webview-chromium-${process.pid}`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_CACHE_HOME: path.join(xdg, 'cache') },
  });
}

// ------------------------------------------------------------------ one panel

export interface CspViolation {
  directive: string;
  blockedURI: string;
  sample: string;
}

interface Recorder {
  posted: FromWebview[];
  /** performance.now() of each posted message (ms since the page's navigation started). */
  postedAt: number[];
  states: unknown[];
  csp: CspViolation[];
}

declare global {
  interface Window {
    __cnd: Recorder;
    __cndTheme(theme: WebviewTheme): void;
  }
}

/** Installed before any page script: VS Code's API stand-in, the CSP listener, the theme setter. */
function initScript(arg: { theme: WebviewTheme; stateKey: string }): void {
  const rec: Recorder = { posted: [], postedAt: [], states: [], csp: [] };
  window.__cnd = rec;
  document.addEventListener('securitypolicyviolation', (e) => {
    rec.csp.push({ directive: e.violatedDirective, blockedURI: e.blockedURI, sample: e.sample });
  });
  let acquired = false;
  (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => {
    // VS Code allows one call per page load.
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m: unknown) => {
        rec.postedAt.push(performance.now());
        rec.posted.push(JSON.parse(JSON.stringify(m)) as FromWebview);
      },
      getState: () => {
        const s = sessionStorage.getItem(arg.stateKey);
        return s === null ? undefined : (JSON.parse(s) as unknown);
      },
      setState: (s: unknown) => {
        rec.states.push(JSON.parse(JSON.stringify(s)));
        sessionStorage.setItem(arg.stateKey, JSON.stringify(s));
        return s;
      },
    });
  };
  // Like VS Code: the variables on <html>, the theme kind as a class on <body>.
  let current = arg.theme;
  const apply = (): void => {
    const html = document.documentElement;
    if (html) {
      html.removeAttribute('style');
      for (const [k, v] of Object.entries(current.vars)) html.style.setProperty(k, v);
    }
    const body = document.body;
    if (body) {
      body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
      body.classList.add(current.kind);
      if (current.kind === 'vscode-high-contrast-light') body.classList.add('vscode-high-contrast');
      body.dataset.vscodeThemeKind = current.kind;
    }
  };
  window.__cndTheme = (theme: WebviewTheme) => {
    current = theme;
    apply();
  };
  // <html> and <body> do not exist yet: apply as soon as each appears (before the page's script runs).
  const observer = new MutationObserver(() => {
    apply();
    if (document.body) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
}

export interface Panel {
  page: Page;
  context: BrowserContext;
  /** Page errors, console errors and requests to anything but the page server. */
  problems: string[];
  /** Posts a message as the extension host would. */
  post(message: ToWebview): Promise<void>;
  posted(): Promise<FromWebview[]>;
  states(): Promise<unknown[]>;
  cspViolations(): Promise<CspViolation[]>;
  /** Resolves with all posted messages once `count` of type `type` have been posted. */
  waitForPosted(type: FromWebview['type'], count?: number, timeoutMs?: number): Promise<FromWebview[]>;
  setTheme(theme: WebviewTheme): Promise<void>;
  close(): Promise<void>;
}

export async function openPanel(
  browser: Browser,
  server: PageServer,
  opts: { theme: WebviewTheme; viewport?: { width: number; height: number } },
): Promise<Panel> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
  const problems: string[] = [];
  // Nothing may leave loopback; the page's own server is the only place it may load from.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${server.origin}/`)) return route.continue();
    problems.push(`request outside the page server: ${url}`);
    return route.abort();
  });
  await context.addInitScript(initScript, { theme: opts.theme, stateKey: 'cnd-webview-state' });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(`${server.origin}/`, { waitUntil: 'load' });
  const panel: Panel = {
    page,
    context,
    problems,
    post: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
    posted: () => page.evaluate(() => window.__cnd.posted),
    states: () => page.evaluate(() => window.__cnd.states),
    cspViolations: () => page.evaluate(() => window.__cnd.csp),
    waitForPosted: async (type, count = 1, timeoutMs = 30_000) => {
      try {
        await page.waitForFunction(
          ({ type, count }) => window.__cnd.posted.filter((m) => m.type === type).length >= count,
          { type, count },
          { timeout: timeoutMs, polling: 50 },
        );
      } catch (err) {
        const seen = await page.evaluate(() => window.__cnd.posted).catch(() => []);
        throw new Error(
          `the webview did not post ${count} '${type}' within ${timeoutMs} ms; it posted ${JSON.stringify(seen).slice(0, 2000)}; problems: ${problems.join(' | ')}\n${(err as Error).message}`,
        );
      }
      return page.evaluate(() => window.__cnd.posted);
    },
    setTheme: (theme) => page.evaluate((t) => window.__cndTheme(t), theme),
    close: () => context.close(),
  };
  return panel;
}
