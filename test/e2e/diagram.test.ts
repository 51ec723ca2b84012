// The diagram panel in a real VS Code: the packaged .vsix in code-server, driven by headless
// Chromium, against the real lab. What the drawing says is checked against Docker, the
// kernel (ip -j link, nsenter) and iptables itself; real packets move a rule's counter.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as http from 'node:http';
import type { Frame, Page } from 'playwright-core';
import { kernelDnatPackets, nsenterIp, pidOf, sh } from '../live/lab';
import {
  openViewContainer,
  pickQuickItem,
  runCommand,
  screenshot,
  treeItemContextMenu,
  treeItemDetails,
  viewPane,
  waitForNotification,
  waitForTerminalText,
  webviewContentFrames,
  type CodeServer,
  type Workbench,
} from './codeServer';
import { focusPane, openLabWorkbench } from './labWorkbench';
import { recordTiming } from './timings';

let server: CodeServer;
let wb: Workbench;
let workspace: string;
let page: Page;

/** One drawn node of the diagram: its Mermaid id, classes and label text (one line per <br>). */
interface DrawnNode {
  id: string;
  classes: string[];
  text: string;
}

interface Drawing {
  frame: Frame;
  nodes: DrawnNode[];
  /** The page's visible text (title, notes, errors): for failure messages. */
  page: string;
}

async function drawing(): Promise<Drawing | undefined> {
  for (const frame of webviewContentFrames(page)) {
    const got = await frame
      .evaluate(() => {
        // The drawing on screen: Mermaid renders each new one in a scratch element first.
        const svg = document.querySelector('#app[data-state="diagram"] .canvas svg[id^="cnd-diagram-"]');
        if (!svg) return { nodes: [], page: document.body?.innerText ?? '' };
        const nodes = Array.from(svg.querySelectorAll<SVGGElement>('g.node')).map((g) => {
          const label = g.querySelector('foreignObject div, foreignObject span') as HTMLElement | null;
          return { id: g.dataset.nodeId ?? g.id, classes: Array.from(g.classList), text: (label?.innerText ?? g.textContent ?? '').trim() };
        });
        // Edge labels too (class edgeLabel): a veth pair is the line from a namespace to its bridge, labelled with the host veth.
        for (const g of Array.from(svg.querySelectorAll<SVGGElement>('g.edgeLabel'))) {
          const text = (g.textContent ?? '').trim();
          if (text) nodes.push({ id: '', classes: ['edgeLabel'], text });
        }
        return { nodes, page: document.body.innerText };
      })
      .catch(() => undefined);
    if (got && (got.nodes.length > 0 || got.page.trim())) return { frame, ...got };
  }
  return undefined;
}

/** Polls the webview until `ok` holds for its drawing; returns it. */
async function untilDrawn(what: string, ok: (nodes: DrawnNode[]) => boolean, timeoutMs = 45_000): Promise<Drawing> {
  const started = Date.now();
  let last: Drawing | undefined;
  while (Date.now() - started < timeoutMs) {
    last = await drawing();
    if (last && last.nodes.length > 0 && ok(last.nodes)) return last;
    await page.waitForTimeout(200);
  }
  await screenshot(page, `failed-diagram-${what.replace(/\W+/g, '-')}`);
  throw new Error(
    `diagram: ${what} not seen within ${timeoutMs} ms\n--- webview text\n${last?.page.slice(0, 1500) ?? '(no webview)'}\n--- node labels\n${
      last?.nodes
        .map((n) => n.text.replace(/\n/g, ' | '))
        .join('\n')
        .slice(0, 3000) ?? ''
    }\n${server.logTail(20)}`,
  );
}

const startsWithName = (text: string, name: string): boolean => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.-])`).test(text);
/** A container in another's namespace is named in that one's node: `+ sidecar (container:api)`. */
const sharesNode = (text: string, name: string): boolean => text.includes(`+ ${name} (container:`) || text.includes(`, ${name} (container:`);

function apiFacts(): { ip: string; veth: string } {
  const ip = sh('docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'api').trim();
  const eth0 = nsenterIp(pidOf('api'), 'link', 'show').find((l) => l.ifname === 'eth0');
  const veth = (JSON.parse(sh('ip', '-j', 'link', 'show')) as { ifindex: number; ifname: string }[]).find((l) => l.ifindex === eth0?.link_index);
  assert.ok(ip && veth, 'api has an address and a host veth');
  return { ip, veth: veth.ifname };
}

/** One HTTP GET to a lab address; resolves with the status. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
  });
}

async function containerRow(label: string) {
  const rows = await treeItemDetails(page, 'Containers', { server, minCount: 0 });
  return rows.find((r) => r.label === label);
}

before(async () => {
  ({ server, wb, page, workspace } = await openLabWorkbench('diagram', {
    'containerNet.refreshIntervalSeconds': 0,
    'containerNet.diagram.counterRefreshSeconds': 2,
  }));
});

after(async () => {
  await wb?.close();
  await server?.stop();
});

test('F1 > Show Topology Diagram > whole host draws every running lab container', async () => {
  const oracle = sh('docker', 'ps', '--filter', 'label=containernet.lab=1', '--format', '{{.Names}}').split('\n').filter(Boolean);
  assert.ok(oracle.includes('hostnet') && oracle.includes('nonet') && oracle.includes('sidecar'), 'the lab has its host, none and container: mode containers');
  const started = Date.now();
  await runCommand(page, 'Container Network: Show Topology Diagram', { server, opensQuickPick: true });
  await pickQuickItem(page, 'Show Topology Diagram', 'Topology: whole host', { server });
  const { nodes } = await untilDrawn('every lab container', (n) =>
    oracle.every((name) => n.some((x) => startsWithName(x.text, name) || sharesNode(x.text, name))),
  );
  recordTiming('command to whole-host topology drawn (ms)', Date.now() - started);
  assert.ok(
    nodes.some((n) => n.classes.includes('clickable')),
    'nodes that stand for something are clickable',
  );
  await screenshot(page, 'diagram-topology-host');

  // Compact (the default for the whole host): api's node is a line with the address docker
  // inspect gives and its published port; no veth is drawn. Open topology on it opens api's own
  // topology in a new tab, with the host veth the kernel pairs with api's eth0.
  const { ip, veth } = apiFacts();
  const api = nodes.find((x) => x.classes.includes('clickable') && x.text.startsWith(`api ${ip}\n`));
  assert.ok(api, `api's node reads "api ${ip}": ${nodes.map((x) => x.text.replace(/\n/g, ' | ')).join('; ')}`);
  assert.match(api.text, /:8080 \u2192 80/, "api's published port in its node");
  assert.ok(!nodes.some((x) => startsWithName(x.text, veth)), 'no veth drawn in compact');
  const { frame } = await untilDrawn('the compact whole host', (n) => n.some((x) => x.id === api.id));
  await frame.locator(`g.node[data-node-id="${api.id}"]`).click();
  await frame.locator('.action-bar vscode-button[data-action="open"]').click();
  await untilDrawn(
    "api's own topology with its host veth",
    (n) => n.some((x) => startsWithName(x.text, veth)) && !n.some((x) => startsWithName(x.text, 'lone')),
  );
  const tabs = await frame.locator('[role="tab"] .tab-label').allTextContents();
  assert.ok(tabs.includes('Topology: container api'), `api's topology has a tab: ${tabs.join(' | ')}`);
  assert.ok(tabs.includes(`Topology: ${hostname()}`), `the whole host keeps its tab: ${tabs.join(' | ')}`);
});

test('Containers view > api > Show Topology Diagram: api with its docker-inspect IP and its host veth', async () => {
  const { ip, veth } = apiFacts();
  await openViewContainer(page, 'Container Network', { server });
  await focusPane(page, 'Containers');
  await treeItemContextMenu(page, 'Containers', 'api', 'Show Topology Diagram', { server });
  // Scoped to api: no container of another namespace (sidecar shares api's, so it is there).
  const others = (n: DrawnNode[]): boolean => n.some((x) => ['lone', 'vault', 'web1', 'legacy'].some((name) => startsWithName(x.text, name)));
  const { nodes } = await untilDrawn(
    'api alone, its IP and veth',
    (n) => !others(n) && n.some((x) => startsWithName(x.text, 'api') && x.text.includes(`${ip}/`)) && n.some((x) => startsWithName(x.text, veth)),
  );
  assert.ok(
    nodes.some((x) => startsWithName(x.text, 'api') && sharesNode(x.text, 'sidecar')),
    "sidecar, which shares api's namespace, is drawn with it",
  );
  await screenshot(page, 'diagram-topology-api');

  // The panel follows VS Code's theme: pick a dark theme with the theme picker and the
  // drawing is redone with the dark theme's colours; pick the light one back after.
  const chooseTheme = async (name: string): Promise<void> => {
    await runCommand(page, 'Preferences: Color Theme', { server, opensQuickPick: true });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(name);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
  };
  const darkBackground = async (): Promise<string | undefined> => {
    const d = await drawing();
    return d?.frame
      .evaluate(() => (document.body.classList.contains('vscode-dark') ? getComputedStyle(document.body).backgroundColor : undefined))
      .catch(() => undefined);
  };
  await chooseTheme('Dark Modern');
  try {
    const started = Date.now();
    let dark: string | undefined;
    while (!dark && Date.now() - started < 30_000) {
      dark = await darkBackground();
      if (!dark) await page.waitForTimeout(250);
    }
    if (!dark) await screenshot(page, 'failed-diagram-dark-theme');
    assert.ok(dark, 'the webview body says vscode-dark after the theme switch');
    const [r, g, b] = (dark.match(/\d+/g) ?? []).map(Number);
    assert.ok((r ?? 255) + (g ?? 255) + (b ?? 255) < 200, `a dark background (${dark})`);
    await untilDrawn('api drawn again in the dark theme', (n) => n.some((x) => startsWithName(x.text, 'api')));
    await page.waitForTimeout(500);
    await screenshot(page, 'diagram-topology-api-dark');
  } finally {
    await chooseTheme('Light Modern');
  }
});

test('Show Packet Path for :8080: the DNAT rule as iptables has it, and its counter follows real packets', async () => {
  const { ip } = apiFacts();
  // lab-net's bridge address: a lab address of this host (the kernel says which).
  const bridge = `br-${sh('docker', 'network', 'inspect', '-f', '{{.Id}}', 'lab-net').trim().slice(0, 12)}`;
  const addrs = JSON.parse(sh('ip', '-j', '-4', 'addr', 'show', 'dev', bridge)) as { addr_info: { local: string }[] }[];
  const gateway = addrs[0]?.addr_info[0]?.local ?? '';
  assert.match(gateway, /^172\.30\.1\.\d+$/, `${bridge} has its lab-net address`);
  await runCommand(page, 'Container Network: Show Packet Path', { server, opensQuickPick: true });
  await pickQuickItem(page, 'Show Packet Path', 'Packet path: tcp :8080 -> api:80', { server });
  const isDnat = (n: DrawnNode): boolean => n.text.includes('--dport 8080') && n.text.includes(`--to-destination ${ip}:80`);
  const packetsOf = (n: DrawnNode | undefined): number => Number(/^(\d+) pkts/m.exec(n?.text ?? '')?.[1] ?? NaN);
  const before = kernelDnatPackets(8080);
  const first = await untilDrawn('the DNAT rule with the current counter', (n) => packetsOf(n.find(isDnat)) === before);
  await screenshot(page, 'diagram-packet-path-8080');

  // The highlight lasts one counter read: record every time the rule's node is drawn as moved.
  await first.frame.evaluate(() => {
    const w = window as unknown as { __dnatMoved?: boolean };
    w.__dnatMoved = false;
    const check = (): void => {
      for (const g of Array.from(document.querySelectorAll('g.node.moved')))
        if (/--dport 8080\b/.test(g.textContent ?? '') && /DNAT/.test(g.textContent ?? '')) w.__dnatMoved = true;
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
  });
  // Two new connections from the host to a lab address: nat OUTPUT -> DOCKER -> this DNAT rule.
  for (let i = 0; i < 2; i++) assert.equal(await get(`http://${gateway}:8080/`), 200);
  const after = kernelDnatPackets(8080);
  assert.ok(after >= before + 2, `iptables counted the two connections (${before} -> ${after})`);
  const started = Date.now();
  const moved = await untilDrawn('the DNAT counter moved', (n) => packetsOf(n.find(isDnat)) >= before + 2, 20_000);
  recordTiming('packets sent to DNAT counter shown (ms)', Date.now() - started);
  assert.equal(packetsOf(moved.nodes.find(isDnat)), kernelDnatPackets(8080), 'the diagram shows what iptables counts');
  const seen = await moved.frame.evaluate(() => (window as unknown as { __dnatMoved?: boolean }).__dnatMoved === true);
  assert.ok(seen || moved.nodes.find(isDnat)?.classes.includes('moved'), 'the DNAT rule node was drawn with the class `moved`');
  await screenshot(page, 'diagram-packet-path-8080-moved');
});

test('Reveal in sidebar on the api node selects api in the Containers view; Open shell opens one in its namespace', async () => {
  await openViewContainer(page, 'Container Network', { server });
  await focusPane(page, 'Containers');
  // Select another row first, so that the selection is the reveal's doing.
  await viewPane(page, 'Containers')
    .locator('[role="treeitem"]', { has: page.locator('.label-name', { hasText: /^client$/ }) })
    .first()
    .click();
  assert.equal((await containerRow('api'))?.selected, false);
  await runCommand(page, 'Container Network: Show Topology Diagram', { server, opensQuickPick: true });
  await pickQuickItem(page, 'Show Topology Diagram', 'Topology: container api', { server });
  const { frame, nodes } = await untilDrawn('the api node', (n) => n.some((x) => startsWithName(x.text, 'api') && x.classes.includes('clickable')));
  const api = nodes.find((x) => startsWithName(x.text, 'api') && x.classes.includes('clickable'));
  assert.ok(api);
  await frame.locator(`g.node[data-node-id="${api.id}"]`).click();
  await frame.locator('.action-bar vscode-button[data-action="reveal"]').click();
  const started = Date.now();
  while (!(await containerRow('api'))?.selected) {
    if (Date.now() - started > 15_000) {
      await screenshot(page, 'failed-diagram-reveal');
      throw new Error(`api was not selected in the Containers view\n${server.logTail(20)}`);
    }
    await page.waitForTimeout(200);
  }
  assert.equal((await containerRow('client'))?.selected, false);

  // The other action on a running container: a shell in its namespace (the tree's own command).
  await frame.locator(`g.node[data-node-id="${api.id}"]`).click();
  await frame.locator('.action-bar vscode-button[data-action="terminal"]').click();
  await waitForTerminalText(page, /shell in .*api/, { timeoutMs: 20_000, server });
  await runCommand(page, 'Terminal: Kill All Terminals', { server });
});

test('Export SVG saves the drawing where the save dialog says; Export Mermaid opens its source', async () => {
  const { frame } = await untilDrawn('a diagram to export', (n) => n.length > 0);
  await frame.locator('vscode-button', { hasText: 'Export SVG' }).first().click();
  // code-server's save dialog is a quick input holding the proposed path: accept it.
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.waitForFunction(
    () =>
      /\/topology-[^/]+-\d{8}-\d{6}\.svg$/.test((document.querySelector('.quick-input-widget .quick-input-box input') as HTMLInputElement | null)?.value ?? ''),
    undefined,
    { timeout: 15_000 },
  );
  const file = await input.inputValue();
  assert.ok(file.startsWith(workspace), `proposed in the workspace folder: ${file}`);
  await input.press('Enter');
  await waitForNotification(page, 'Diagram saved to', { server });
  const svg = readFileSync(file, 'utf8');
  assert.match(svg, /^<svg[\s>]/);
  assert.ok(svg.includes('api'), 'the saved drawing is the one shown');

  await frame.locator('vscode-button', { hasText: 'Export Mermaid' }).first().click();
  // Monaco renders spaces as U+00A0: look for words without spaces.
  await page.waitForFunction(
    () => Array.from(document.querySelectorAll('.view-lines')).some((e) => /^flowchart/.test(e.textContent ?? '') && /subgraph/.test(e.textContent ?? '')),
    undefined,
    { timeout: 15_000 },
  );
});

test('F1 > Explain Connection: client to lone:80 is blocked by the rule iptables has, as a real connection finds; client to api:80 is reachable', async () => {
  const loneIp = sh('docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'lone').trim();
  // The wire, from client's own namespace: api answers, lone does not.
  const apiIp = sh('docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'api').trim();
  assert.match(sh('docker', 'exec', 'client', 'timeout', '3', 'wget', '-q', '-O-', `http://${apiIp}/`), /api/);
  assert.throws(() => sh('docker', 'exec', 'client', 'timeout', '3', 'wget', '-q', '-O-', `http://${loneIp}/`), 'client cannot open lone:80');

  await runCommand(page, 'Container Network: Explain Connection', { server, opensQuickPick: true });
  await pickQuickItem(page, 'Explain Connection: from', 'client', { server });
  await pickQuickItem(page, 'Explain Connection: client to', 'lone:80', { server });
  const drawn = await untilDrawn('the blocked connection', () => true);
  let text = '';
  const started = Date.now();
  while (Date.now() - started < 30_000 && !/BLOCKED \(rule\)/.test(text)) {
    text = (await drawing())?.page ?? '';
    await page.waitForTimeout(200);
  }
  assert.match(text, /BLOCKED \(rule\): DROP/, `the panel states the verdict and why on top:\n${drawn.page.slice(0, 1500)}`);
  const spec = /-A [A-Z0-9_-]+ [^\n]*?-j DROP/.exec(text)?.[0];
  assert.ok(spec, `the deciding rule is shown:\n${text.slice(0, 1500)}`);
  assert.ok(sh('iptables-save').includes(spec), `the deciding rule is one iptables has: ${spec}`);
  // The explanation as text, beside it.
  await page
    .locator('.tabs-container .tab', { hasText: `explain_client_to_${loneIp}_80` })
    .first()
    .waitFor({ state: 'visible', timeout: 15_000 });
  await screenshot(page, 'explain-client-lone');

  await runCommand(page, 'Container Network: Explain Connection', { server, opensQuickPick: true });
  await pickQuickItem(page, 'Explain Connection: from', 'client', { server });
  await pickQuickItem(page, 'Explain Connection: client to', 'api:80', { server });
  let ok = '';
  const again = Date.now();
  while (Date.now() - again < 30_000 && !/REACHABLE/.test(ok)) {
    ok = (await drawing())?.page ?? '';
    await page.waitForTimeout(200);
  }
  assert.match(ok, /REACHABLE/, `client -> api:80 is reachable, as wget found:\n${ok.slice(0, 1500)}`);
});

test("a dead bridge holding lab-net's address: the whole host says MISROUTED first, as ip route get finds, and draws the stale bridge, which reveals as STALE in the Host view", async () => {
  const dead = 'br-00000cdead02';
  const labBridge = `br-${sh('docker', 'network', 'inspect', '-f', '{{.Id}}', 'lab-net').trim().slice(0, 12)}`;
  const labRoute = (): boolean =>
    sh('ip', 'route', 'show', '172.30.1.0/24')
      .split('\n')
      .some((l) => l.includes(`dev ${labBridge} `));
  const routeGet = (): string | undefined => (JSON.parse(sh('ip', '-j', 'route', 'get', '172.30.1.10')) as { dev?: string }[])[0]?.dev;
  const cleanUp = (): void => {
    if (sh('ip', '-j', 'link', 'show').includes(`"${dead}"`)) sh('ip', 'link', 'del', dead);
    if (!labRoute()) sh('ip', 'route', 'append', '172.30.1.0/24', 'dev', labBridge, 'proto', 'kernel', 'scope', 'link', 'src', '172.30.1.1');
  };
  assert.ok(labRoute(), `lab-net's route through ${labBridge}`);
  try {
    // An earlier engine's bridge, down, holding lab-net's gateway address, its route listed first.
    sh('ip', 'link', 'add', dead, 'type', 'bridge');
    sh('ip', 'addr', 'add', '172.30.1.1/24', 'dev', dead);
    sh('ip', 'link', 'set', dead, 'up');
    sh('ip', 'route', 'del', '172.30.1.0/24', 'dev', labBridge);
    sh('ip', 'route', 'append', '172.30.1.0/24', 'dev', labBridge, 'proto', 'kernel', 'scope', 'link', 'src', '172.30.1.1');
    assert.equal(routeGet(), dead, 'the oracle: ip route get 172.30.1.10 picks the dead bridge');

    await runCommand(page, 'Container Network: Show Topology Diagram', { server, opensQuickPick: true });
    await pickQuickItem(page, 'Show Topology Diagram', 'Topology: whole host', { server });
    // A link change is no Docker event: the panel's Refresh reads the host again.
    const { frame } = await untilDrawn('the whole host', (n) => n.some((x) => x.text.startsWith('api ')));
    await frame.getByRole('button', { name: 'Read the host again' }).click();
    const { nodes } = await untilDrawn('the stale bridge', (n) => n.some((x) => x.text.startsWith(`STALE ${dead} (down)`)));
    const staleNode = nodes.find((x) => x.text.startsWith(`STALE ${dead} (down)`));
    assert.match(staleNode?.text ?? '', /172\.30\.1\.1\/24\ncollides with lab-net \(172\.30\.1\.0\/24\)/);
    assert.ok(
      nodes.some((x) => x.text.startsWith(`${labBridge} `) && new RegExp(`MISROUTED: 172\\.30\\.1\\.\\d+ goes to ${dead}`).test(x.text)),
      "lab-net's bridge says where its subnet goes",
    );
    const summary = (await frame.locator('.summary').textContent()) ?? '';
    assert.match(
      summary,
      new RegExp(
        `^MISROUTED lab-net 172\\.30\\.1\\.0/24: 172\\.30\\.1\\.\\d+ is routed to ${dead}, which no Docker network owns \\(down\\), not to ${labBridge}`,
      ),
    );
    await screenshot(page, 'diagram-topology-stale-bridge');
    // The stale bridge's node reveals it in the Host view, marked STALE there too.
    // From the keyboard (the panel shares the editor area with the explanation: the node may sit under the notes).
    await frame.locator(`g.node[data-node-id="${staleNode?.id}"]`).press('Enter');
    assert.equal(await frame.locator('.action-subject').textContent(), `host interface ${dead}`);
    await frame.locator('.action-bar vscode-button[data-action="reveal"]').press('Enter');
    const started = Date.now();
    for (;;) {
      const row = (await treeItemDetails(page, 'Host', { server, minCount: 0 })).find((r) => r.label === dead);
      if (row?.selected) {
        assert.match(row.description, /^STALE · /, `the Host view's row: ${row.description}`);
        break;
      }
      if (Date.now() - started > 15_000) {
        await screenshot(page, 'failed-diagram-reveal-stale');
        throw new Error(`${dead} was not selected in the Host view (${JSON.stringify(row)})\n${server.logTail(20)}`);
      }
      await page.waitForTimeout(200);
    }
  } finally {
    cleanUp();
  }
  assert.equal(routeGet(), labBridge, 'lab-net is routed to its own bridge again');
});
