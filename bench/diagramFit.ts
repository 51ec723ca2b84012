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
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiagramRequest, ToWebview } from '../src/protocol';
import { DEFAULT_RENDER_LIMITS, diagramChoices, renderDiagram } from '../src/render/diagram';
import { labSnapshot } from '../test/fixtures';
import { LIGHT_MODERN } from '../test/browser/vscodeThemes';
import { launchChromium, openPanel, startPageServer, type Panel } from '../test/browser/webviewHarness';
import { writeBenchSection } from './benchmarksFile';

const BEFORE_FILE = join(process.cwd(), 'bench', 'diagramFitBefore.json');
const ENGINES = ['lab', 'lab28'] as const;
const DIAGRAMS: { name: string; request: DiagramRequest }[] = [
  { name: 'topology: whole host', request: { kind: 'topology', scope: { kind: 'host' }, filter: '' } },
  { name: 'packet path: tcp :8080', request: { kind: 'path', path: { kind: 'inbound', hostPort: 8080, protocol: 'tcp' } } },
];

export interface FitFigure {
  engine: string;
  diagram: string;
  width: number;
  height: number;
  fit: number;
}

/** Draws one message, presses Fit and reads the drawing's own size and the zoom chosen. */
async function measure(panel: Panel, message: ToWebview): Promise<{ width: number; height: number; fit: number }> {
  const count = (await panel.posted()).filter((m) => m.type === 'rendered' || m.type === 'renderFailed').length;
  await panel.post(message);
  await panel.page.waitForFunction((n) => window.__cnd.posted.filter((m) => m.type === 'rendered' || m.type === 'renderFailed').length > n, count, {
    timeout: 120_000,
  });
  const last = (await panel.posted()).filter((m) => m.type === 'rendered' || m.type === 'renderFailed').at(-1);
  if (last?.type !== 'rendered') throw new Error(`the webview could not draw it: ${JSON.stringify(last)}`);
  await panel.page.getByRole('button', { name: 'Fit the diagram in the panel (0)' }).click();
  return panel.page.evaluate(() => {
    const svg = document.querySelector<SVGSVGElement>('.viewport:not([hidden]) .canvas svg');
    const canvas = svg?.closest<HTMLElement>('.canvas');
    const scale = Number(/scale\(([\d.]+)\)/.exec(canvas?.style.transform ?? '')?.[1] ?? Number.NaN);
    return { width: Number.parseFloat(svg?.getAttribute('width') ?? 'NaN'), height: Number.parseFloat(svg?.getAttribute('height') ?? 'NaN'), fit: scale };
  });
}

async function main(): Promise<void> {
  const server = await startPageServer();
  const browser = await launchChromium();
  const figures: FitFigure[] = [];
  try {
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
        figures.push({ engine, diagram: d.name, ...(await measure(panel, m)) });
        if (process.env.FIT_SCREENSHOTS)
          await panel.page.screenshot({ path: join(process.env.FIT_SCREENSHOTS, `${engine}-${d.name.replace(/\W+/g, '-')}.png`) });
        process.stderr.write(`${JSON.stringify(figures.at(-1))}\n`);
      }
    }
    if (panel.problems.length) throw new Error(`the webview reported problems: ${panel.problems.join(' | ')}`);
  } finally {
    await browser.close();
    await server.close();
  }
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
    '| capture | diagram | size at 100% before -> after (px) | Fit before -> after | Fit after / before |',
    '|---|---|---|---:|---:|',
    ...figures.map((f) => {
      const b = before.find((x) => x.engine === f.engine && x.diagram === f.diagram);
      return `| ${f.engine === 'lab' ? 'Docker 20.10 (lab)' : 'Docker 28.5 (lab28)'} | ${f.diagram} | ${b ? size(b) : '?'} -> ${size(f)} | ${b ? pct(b.fit) : '?'} -> ${pct(f.fit)} | ${b ? (f.fit / b.fit).toFixed(2) : '?'} |`;
    }),
  ];
  writeBenchSection('fit-bench', lines.join('\n'));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
