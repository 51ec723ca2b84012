// Trace Packets in a real VS Code (the packaged .vsix in code-server, driven by Chromium): a
// TRACE rule an earlier, killed extension host left behind (made here by hand, with the marker
// comment) is gone once the extension starts; a trace asks before it changes netfilter, shows
// the kernel's path beside the predicted one, and leaves iptables-save as it found it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { TRACE_MARK } from '../../src/host/traceSession';
import { sh } from '../live/lab';
import { pickQuickItem, runCommand, screenshot, type CodeServer, type Workbench } from './codeServer';
import { openLabWorkbench } from './labWorkbench';

let server: CodeServer;
let wb: Workbench;
let page: Page;

const LEFTOVER = ['-p', 'tcp', '-d', '198.18.99.1', '--dport', '9', '-m', 'comment', '--comment', `${TRACE_MARK} e2e-leftover`, '-j', 'TRACE'];

function rules(): string {
  return sh('iptables-save')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '').replace(/^(:\S+ \S+).*$/, '$1'))
    .join('\n');
}

let clean: string;

before(async () => {
  clean = rules();
  assert.ok(!clean.includes(TRACE_MARK), 'no trace rule before the test');
  sh('iptables', '-t', 'raw', '-I', 'PREROUTING', ...LEFTOVER);
  ({ server, wb, page } = await openLabWorkbench('trace', { 'containerNet.refreshIntervalSeconds': 0 }));
});

after(async () => {
  await wb?.close();
  await server?.stop();
  while (sh('iptables-save', '-t', 'raw').includes('e2e-leftover')) sh('iptables', '-t', 'raw', '-D', 'PREROUTING', ...LEFTOVER);
});

test('a TRACE rule left by a killed run is removed when the extension starts', async () => {
  const until = Date.now() + 60_000;
  while (rules().includes(TRACE_MARK) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  assert.equal(rules(), clean, 'iptables-save is as it was before the leftover was made');
});

test('Trace Packets client -> api:80: asked first, the kernel takes the predicted path, nothing left behind', async () => {
  await runCommand(page, 'Container Network: Trace Packets', { server, opensQuickPick: true });
  await pickQuickItem(page, 'Trace Packets: from', 'client', { server });
  await pickQuickItem(page, 'Trace Packets: client to', 'api:80', { server });
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match((await dialog.innerText()).replace(/\s+/g, ' '), /inserts 1 TRACE rule\(s\) into the raw table/);
  assert.equal(rules(), clean, 'nothing is changed before the user says so');
  await dialog.locator('.monaco-button', { hasText: 'Trace and Send One Connection' }).click();
  try {
    await page.locator('.tabs-container .tab', { hasText: 'trace_client_to_api_80' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('.view-lines')).some((e) =>
          (e.textContent ?? '').replace(/\u00a0/g, ' ').includes('the kernel took the predicted path'),
        ),
      undefined,
      {
        timeout: 15_000,
      },
    );
  } catch (err) {
    await screenshot(page, 'failed-trace');
    throw err;
  }
  await screenshot(page, 'trace-client-api');
  assert.equal(rules(), clean, 'iptables-save is as it was');
});
