// The packaged extension in code-server against the live lab, as each e2e file starts it:
// the lab must be up and the .vsix built (test/all does both); a fresh workspace; the
// workbench open in Chromium with the extension host ready. Plus the one sidebar gesture
// every file needs: giving one view the whole sidebar.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requireLab } from '../live/lab';
import { ensureCodeServer, openWorkbench, startCodeServer, type CodeServer, type Workbench } from './codeServer';

export const VSIX = join(process.cwd(), 'dist', 'container-network-debugger.vsix');

export interface LabWorkbench {
  server: CodeServer;
  wb: Workbench;
  page: Page;
  workspace: string;
}

export async function openLabWorkbench(name: string, settings: Record<string, unknown>): Promise<LabWorkbench> {
  requireLab();
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing: run npm run package first (test/all does)`);
  await ensureCodeServer();
  const workspace = mkdtempSync(join(tmpdir(), 'cnd-ws-'));
  writeFileSync(join(workspace, 'README.txt'), `Container Network Debugger e2e workspace (${name})\n`);
  const server = await startCodeServer({ vsix: VSIX, workspace, settings });
  const wb = await openWorkbench(server.url, { server, waitForExtensionHost: true });
  return { server, wb, page: wb.page, workspace };
}

export const SIDEBAR_VIEWS = ['Containers', 'Networks', 'Host', 'Netfilter', 'Problems'];

/**
 * Gives one view the whole sidebar: opens its pane and collapses the others. Trees render
 * only the rows in sight, so a view squeezed to a quarter of the sidebar hides most rows.
 */
export async function focusPane(page: Page, view: string): Promise<void> {
  for (const v of [...SIDEBAR_VIEWS.filter((x) => x !== view), view]) {
    const header = page.locator('.pane-header', { hasText: new RegExp(`^${v}`) }).first();
    const open = (await header.getAttribute('aria-expanded')) === 'true';
    if (open !== (v === view)) await header.click();
  }
}

/** Scrolls a view's tree back to its first row (an earlier reveal may have scrolled it down). */
export async function scrollPaneToTop(page: Page, view: string): Promise<void> {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: new RegExp(`^${view}`) }) }).first();
  const list = pane.locator('.monaco-list').first();
  await list.hover();
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -4000);
}
