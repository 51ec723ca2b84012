// Benchmark: how large the lab's diagrams are drawn, and the zoom "Fit" gives them in a
// 1280x800 panel (the question is whether a diagram reads at Fit, not how fast it draws).
//   npm run bench:fit          (no root, no lab: the captured lab of each engine)
// For each capture (Docker 20.10 `lab`, Docker 28.5 `lab28`) and diagram it posts the message
// the extension host would post to the real page (dist/webview/diagram.js) in headless
// Chromium, waits for `rendered`, presses Fit and reads the drawing's size at 100% and the
// zoom Fit chose. Layout only: no timing, one run is the figure. The "before" column is the
// same measurement of the layouts this branch replaced (bench/diagramFitBefore.json, taken by
// this script with FIT_SAVE_BEFORE=1 on commit 0d6fee3). Results go into BENCHMARKS.md between
// the fit-bench markers.
//   Then the same diagrams with ELK, the layout Mermaid 12 would use by default: a variant of the
// panel's bundle built here (dist/bench/diagram-elk.js) with `layout: 'elk'` and Mermaid's ELK
// chunk left in, measured in the same browser right after; ELK against dagre (the panel's
// layout) goes between the fit-elk markers, with the render time each took (ratios, one run).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiagramRequest, ToWebview } from '../src/protocol';
import { DEFAULT_RENDER_LIMITS, diagramChoices, renderDiagram } from '../src/render/diagram';
import { labSnapshot } from '../test/fixtures';
import { LIGHT_MODERN } from '../test/browser/vscodeThemes';
import { launchChromium, openPanel, startPageServer, type Panel, type PageServer } from '../test/browser/webviewHarness';
import type { Browser } from 'playwright-core';
import { writeBenchSection } from './benchmarksFile';
import * as esbuild from 'esbuild';

const BEFORE_FILE = join(process.cwd(), 'bench', 'diagramFitBefore.json');
const ENGINES = ['lab', 'lab28'] as const;
/** `before`: the name the "before" file measured the same content under (the whole host had one level of detail then: every interface). */
const DIAGRAMS: { name: string; request: DiagramRequest; before?: string }[] = [
  { name: 'topology: whole host (compact)', request: { kind: 'topology', scope: { kind: 'host' }, filter: '' }, before: 'topology: whole host' },
  {
    name: 'topology: whole host, every interface',
    request: { kind: 'topology', scope: { kind: 'host' }, filter: '', detail: 'full' },
    before: 'topology: whole host',
  },
  { name: 'packet path: tcp :8080', request: { kind: 'path', path: { kind: 'inbound', hostPort: 8080, protocol: 'tcp' } } },
];

export interface FitFigure {
  engine: string;
  diagram: string;
  width: number;
  height: number;
  fit: number;
  /** How long the page took to draw it (its `rendered` message). */
  ms?: number;
  /** The diagram's name in the "before" file, when it differs. */
  before?: string;
}

/** Mermaid's label font size at 100% (its default theme, which the panel keeps). */
const LABEL_FONT_PX = 16;

const ELK_BUNDLE = join(process.cwd(), 'dist', 'bench', 'diagram-elk.js');

/**
 * The panel's bundle with ELK as the layout: webview/diagram.ts as esbuild.mjs builds it, but
 * with Mermaid's chunks all kept (the panel stubs every one but the flowchart's, ELK's included)
 * and `layout: 'dagre'` replaced by `layout: 'elk'` in the renderer. For this benchmark only.
 */
async function buildElkVariant(): Promise<void> {
  await esbuild.build({
    entryPoints: ['webview/diagram.ts'],
    outfile: ELK_BUNDLE,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome120'],
    minify: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'layout-elk',
        setup(build) {
          build.onLoad({ filter: /webview[\\/]mermaidRenderer\.ts$/ }, (args) => {
            const text = readFileSync(args.path, 'utf8');
            if (!text.includes("layout: 'dagre'")) throw new Error(`${args.path} no longer says layout: 'dagre': update the ELK variant`);
            return { contents: text.replace("layout: 'dagre'", "layout: 'elk'"), loader: 'ts' };
          });
        },
      },
    ],
  });
}

/** Each diagram of each capture drawn on the page `server` serves: its size, Fit and render time. */
async function measureAll(server: PageServer, browser: Browser, screenshots?: string): Promise<FitFigure[]> {
  const figures: FitFigure[] = [];
  const panel = await openPanel(browser, server, { theme: LIGHT_MODERN, viewport: { width: 1280, height: 800 } });
  await panel.waitForPosted('ready');
  for (const engine of ENGINES) {
    const snapshot = labSnapshot(engine);
    for (const d of DIAGRAMS) {
      const m: ToWebview = {
        type: 'diagram',
        request: d.request,
        diagram: renderDiagram(snapshot, d.request),
        takenAt: snapshot.takenAt,
        choices: diagramChoices(snapshot),
        limits: DEFAULT_RENDER_LIMITS,
      };
      figures.push({ engine, diagram: d.name, ...(d.before ? { before: d.before } : {}), ...(await measure(panel, m)) });
      if (screenshots) await panel.page.screenshot({ path: join(screenshots, `${engine}-${d.name.replace(/\W+/g, '-')}.png`) });
      process.stderr.write(`${JSON.stringify(figures.at(-1))}\n`);
    }
  }
  if (panel.problems.length) throw new Error(`the webview reported problems: ${panel.problems.join(' | ')}`);
  await panel.close();
  return figures;
}

/** Draws one message, presses Fit and reads the drawing's own size and the zoom chosen. */
async function measure(panel: Panel, message: ToWebview): Promise<{ width: number; height: number; fit: number; ms?: number }> {
  const count = (await panel.posted()).filter((m) => m.type === 'rendered' || m.type === 'renderFailed').length;
  await panel.post(message);
  await panel.page.waitForFunction((n) => window.__cnd.posted.filter((m) => m.type === 'rendered' || m.type === 'renderFailed').length > n, count, {
    timeout: 120_000,
  });
  const last = (await panel.posted()).filter((m) => m.type === 'rendered' || m.type === 'renderFailed').at(-1);
  if (last?.type !== 'rendered') throw new Error(`the webview could not draw it: ${JSON.stringify(last)}`);
  await panel.page.getByRole('button', { name: 'Fit the diagram in the panel (0)' }).click();
  const drawn = await panel.page.evaluate(() => {
    const svg = document.querySelector<SVGSVGElement>('.viewport:not([hidden]) .canvas svg');
    const canvas = svg?.closest<HTMLElement>('.canvas');
    const scale = Number(/scale\(([\d.]+)\)/.exec(canvas?.style.transform ?? '')?.[1] ?? Number.NaN);
    return { width: Number.parseFloat(svg?.getAttribute('width') ?? 'NaN'), height: Number.parseFloat(svg?.getAttribute('height') ?? 'NaN'), fit: scale };
  });
  return { ...drawn, ms: last.ms };
}

async function main(): Promise<void> {
  const server = await startPageServer();
  const browser = await launchChromium();
  let figures: FitFigure[];
  let elk: FitFigure[] = [];
  try {
    figures = await measureAll(server, browser, process.env.FIT_SCREENSHOTS);
    if (process.env.FIT_SAVE_BEFORE !== '1' && process.env.FIT_QUICK !== '1') {
      await buildElkVariant();
      const elkServer = await startPageServer(ELK_BUNDLE);
      try {
        elk = await measureAll(elkServer, browser, process.env.FIT_SCREENSHOTS && join(process.env.FIT_SCREENSHOTS, 'elk'));
      } finally {
        await elkServer.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  if (process.env.FIT_QUICK === '1') return; // figures on stderr only, for trying a layout
  if (process.env.FIT_SAVE_BEFORE === '1') {
    writeFileSync(BEFORE_FILE, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`saved ${BEFORE_FILE}\n`);
    return;
  }
  const before = JSON.parse(readFileSync(BEFORE_FILE, 'utf8')) as FitFigure[];
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const size = (f: { width: number; height: number }): string => `${Math.round(f.width)}x${Math.round(f.height)}`;
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} in headless Chromium, panel 1280x800 (the page the extension serves, Light Modern). Before: commit 0d6fee3, same script.`,
    '',
    '| capture | diagram | size at 100% before -> after (px) | Fit before -> after | Fit after / before | label text at Fit (px) |',
    '|---|---|---|---:|---:|---:|',
    ...figures.map((f) => {
      const b = before.find((x) => x.engine === f.engine && x.diagram === (f.before ?? f.diagram));
      return `| ${f.engine === 'lab' ? 'Docker 20.10 (lab)' : 'Docker 28.5 (lab28)'} | ${f.diagram} | ${b ? size(b) : '?'} -> ${size(f)} | ${b ? pct(b.fit) : '?'} -> ${pct(f.fit)} | ${b ? (f.fit / b.fit).toFixed(2) : '?'} | ${(LABEL_FONT_PX * f.fit).toFixed(1)} |`;
    }),
  ];
  writeBenchSection('fit-bench', lines.join('\n'));
  const elkLines = [
    `Measured ${new Date().toISOString().slice(0, 10)}, same run, same browser and panel: the panel's bundle (dagre) and its ELK variant (dist/bench/diagram-elk.js).`,
    '',
    '| capture | diagram | size at 100% dagre / ELK (px) | Fit dagre / ELK | render ms dagre / ELK | ELK time / dagre time |',
    '|---|---|---|---:|---:|---:|',
    ...figures.map((f) => {
      const e = elk.find((x) => x.engine === f.engine && x.diagram === f.diagram);
      const ratio = e?.ms && f.ms ? (e.ms / f.ms).toFixed(1) : '?';
      return `| ${f.engine === 'lab' ? 'Docker 20.10 (lab)' : 'Docker 28.5 (lab28)'} | ${f.diagram} | ${size(f)} / ${e ? size(e) : '?'} | ${pct(f.fit)} / ${e ? pct(e.fit) : '?'} | ${f.ms ?? '?'} / ${e?.ms ?? '?'} | ${ratio} |`;
    }),
  ];
  writeBenchSection('fit-elk', elkLines.join('\n'));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
