// Benchmark: drawing diagrams of bigger hosts, in Node and in the browser.
//   npm run bench:render          (BENCH_ROUNDS=5 by default; no root, no lab: fixtures only)
// Hosts are the lab fixture plus N cloned containers (test/scaledSnapshot.ts: copies of
// web1, lone and vault with their own names, ids, IPs, MACs, namespaces and host veths). For
// each host and diagram it times, as medians of R rounds:
//   model+text  renderDiagram() in Node: topology or packet path model plus the Mermaid text;
//   browser     in headless Chromium, on the real page (dist/webview/diagram.js as shipped):
//               from posting the `diagram` message to the webview's `rendered` message, both
//               timed inside the page (Mermaid parse, dagre layout, SVG, node binding);
// and the panel's load (navigation start to the webview's `ready`). The diagrams alternate, so every
// browser round is a full Mermaid render (an unchanged text is not redrawn). Results go into
// BENCHMARKS.md between the render-bench markers.
import { cpus, loadavg } from 'node:os';
import type { HostSnapshot } from '../src/snapshot/hostSnapshot';
import type { DiagramRequest, ToWebview } from '../src/protocol';
import { DEFAULT_RENDER_LIMITS, diagramChoices, renderDiagram } from '../src/render/diagram';
import { scaledLabSnapshot } from '../test/scaledSnapshot';
import { DARK_MODERN } from '../test/browser/vscodeThemes';
import { launchChromium, openPanel, startPageServer, type Panel } from '../test/browser/webviewHarness';
import { median, writeBenchSection } from './benchmarksFile';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SIZES = [10, 100, 300];

const DIAGRAMS: { name: string; request: DiagramRequest }[] = [
  { name: 'topology: whole host', request: { kind: 'topology', scope: { kind: 'host' }, filter: '' } },
  { name: 'topology: network lab-net', request: { kind: 'topology', scope: { kind: 'network', network: 'lab-net' }, filter: '' } },
  { name: 'packet path: tcp :8080', request: { kind: 'path', path: { kind: 'inbound', hostPort: 8080, protocol: 'tcp' } } },
];

interface Row {
  extra: number;
  containers: number;
  diagram: string;
  nodes: number;
  edges: number;
  chars: number;
  textMs: number;
  browserMs: number;
}

function message(snapshot: HostSnapshot, request: DiagramRequest): Extract<ToWebview, { type: 'diagram' }> {
  return {
    type: 'diagram',
    request,
    diagram: renderDiagram(snapshot, request),
    takenAt: snapshot.takenAt,
    choices: diagramChoices(snapshot),
    limits: DEFAULT_RENDER_LIMITS,
  };
}

/** Milliseconds from posting the message to the webview's answer, both timed inside the page. */
async function browserRender(panel: Panel, m: ToWebview): Promise<number> {
  const count = (await panel.posted()).length;
  const sentAt = await panel.page.evaluate((message) => {
    const t = performance.now();
    window.postMessage(message, '*');
    return t;
  }, m);
  const done = await panel.page.waitForFunction((n) => window.__cnd.posted.slice(n).some((x) => x.type === 'rendered' || x.type === 'renderFailed'), count, {
    timeout: 300_000,
  });
  await done.dispose();
  const answer = await panel.page.evaluate((n) => {
    const i = window.__cnd.posted.findIndex((x, j) => j >= n && (x.type === 'rendered' || x.type === 'renderFailed'));
    return { message: window.__cnd.posted[i], at: window.__cnd.postedAt[i] ?? Number.NaN };
  }, count);
  if (answer.message?.type !== 'rendered') throw new Error(`the webview could not draw it: ${JSON.stringify(answer.message)}`);
  return answer.at - sentAt;
}

async function main(): Promise<void> {
  const server = await startPageServer();
  // What ships: the minified bundle (a development build ends with its source map's address).
  if (/sourceMappingURL=diagram\.js\.map\s*$/.test(server.script.toString('utf8').slice(-200))) {
    await server.close();
    throw new Error('dist/webview/diagram.js is a development build: run `npm run bench:render` (it builds with --production)');
  }
  const browser = await launchChromium();
  const rows: Row[] = [];
  const loads: number[] = [];
  try {
    // The panel's load: from the start of navigation to the webview's `ready`, timed by the page.
    for (let r = 0; r < ROUNDS; r++) {
      const p = await openPanel(browser, server, { theme: DARK_MODERN });
      await p.waitForPosted('ready');
      loads.push(await p.page.evaluate(() => window.__cnd.postedAt[0] ?? Number.NaN));
      await p.close();
    }
    const panel = await openPanel(browser, server, { theme: DARK_MODERN, viewport: { width: 1280, height: 800 } });
    await panel.waitForPosted('ready');
    for (const extra of SIZES) {
      const snapshot = scaledLabSnapshot(extra);
      const messages = DIAGRAMS.map((d) => message(snapshot, d.request));
      const text = DIAGRAMS.map(() => [] as number[]);
      const drawn = DIAGRAMS.map(() => [] as number[]);
      // A first round not counted: Mermaid's and V8's warm-up.
      for (const m of messages) await browserRender(panel, m);
      for (let r = 0; r < ROUNDS; r++) {
        for (const [i, d] of DIAGRAMS.entries()) {
          const t = performance.now();
          renderDiagram(snapshot, d.request);
          text[i]?.push(performance.now() - t);
          drawn[i]?.push(await browserRender(panel, messages[i] as ToWebview));
        }
      }
      for (const [i, d] of DIAGRAMS.entries()) {
        const stats = (messages[i] as Extract<ToWebview, { type: 'diagram' }>).diagram.stats;
        rows.push({
          extra,
          containers: snapshot.docker?.containers.length ?? 0,
          diagram: d.name,
          ...stats,
          textMs: median(text[i] ?? []),
          browserMs: median(drawn[i] ?? []),
        });
        process.stderr.write(`${JSON.stringify(rows[rows.length - 1])}\n`);
      }
    }
    if (panel.problems.length) throw new Error(`the webview reported problems: ${panel.problems.join(' | ')}`);
    const stamp =
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ` +
      `Node ${process.version}, Chromium ${browser.version()} headless, ${ROUNDS} rounds, medians; ` +
      `load average ${loadavg()[0]?.toFixed(1)} at the end (a shared machine). Hosts: the lab fixture's 14 containers plus N clones.`;
    const kb = Math.round(server.script.length / 1024);
    const lines = [
      stamp,
      '',
      `Panel load (navigation start to the webview's \`ready\`, dist/webview/diagram.js of ${kb} KiB minified): ${median(loads).toFixed(0)} ms.`,
      '',
      '| extra N | containers | diagram | nodes | edges | chars | model + text (Node) ms | drawn in Chromium ms |',
      '|---:|---:|---|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) => `| ${r.extra} | ${r.containers} | ${r.diagram} | ${r.nodes} | ${r.edges} | ${r.chars} | ${r.textMs.toFixed(1)} | ${r.browserMs.toFixed(0)} |`,
      ),
    ];
    writeBenchSection('render-bench', `${lines.join('\n')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
