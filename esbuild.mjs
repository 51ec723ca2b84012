// Builds every bundle the project ships or tests:
//  - dist/extension.js  the VS Code extension (node, cjs, `vscode` external)
//  - dist/cli.js        the command-line front end over the same core
//  - dist/test/**       each test file bundled on its own, for `node --test`
//  - dist/bench/**      benchmark scripts
//  - dist/webview/diagram.js  the diagram panel's browser code (one IIFE: Mermaid and the
//                       vscode-elements it uses inlined, no chunk loaded at run time)
// `node esbuild.mjs --watch` rebuilds on change; `--production` minifies the shipped bundles.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, statSync, rmSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// Native or optional modules that must not be bundled: `vscode` is provided by the host;
// dockerode's ssh2 drags optional native add-ons that are loaded with try/catch.
const nodeExternals = ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node', 'node-pty', 'playwright-core', 'jsdom', 'esbuild'];

function testEntries(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testEntries(p));
    else if (/\.(test|bench)\.ts$/.test(name) || (dir.startsWith('bench') && name.endsWith('.ts'))) out.push(p);
  }
  return out;
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: nodeExternals,
  logLevel: 'warning',
};

const builds = [];
const entryExists = (p) => existsSync(p);
if (entryExists('src/extension.ts')) builds.push({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' });
if (entryExists('src/cli.ts')) builds.push({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' });
// The webview runs under a CSP that allows only this one script: everything, including the
// diagrams Mermaid registers with import(), must be inside it (iife has no code splitting, so
// esbuild inlines every dynamic import of a static path).
//
// The panel draws flowcharts only. Mermaid registers every diagram type and layout engine
// with import() of its own chunk; all but the flowchart's are replaced by a stub that fails
// with a clear message if it is ever loaded. That takes ELK, cytoscape and the parsers of ~30
// other diagram types out of the bundle: 1.5 MB instead of 5.5 MB minified, for every panel
// load. If Mermaid renames its chunks, the filter stops matching and everything is bundled
// again (bigger, still correct); the browser tests draw flowcharts through this bundle.
const mermaidFlowchartOnly = {
  name: 'mermaid-flowchart-only',
  setup(build) {
    const chunk = /^\.\/(chunks\/mermaid\.core\/)?[A-Za-z-]*(Diagram|definition|diagram|elk|cose-bilkent|swimlanes)-[A-Z0-9]+\.mjs$/;
    build.onResolve({ filter: chunk }, (args) => {
      if (!/[\\/]node_modules[\\/]mermaid[\\/]/.test(args.importer) || /flowDiagram-/.test(args.path)) return undefined;
      return { path: args.path, namespace: 'mermaid-stub' };
    });
    build.onLoad({ filter: /.*/, namespace: 'mermaid-stub' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`Mermaid ${args.path.replace(/^.*\//, '')} is not bundled in the diagram panel (it draws flowcharts only)`)});`,
      loader: 'js',
    }));
  },
};
if (entryExists('webview/diagram.ts')) {
  builds.push({
    entryPoints: ['webview/diagram.ts'],
    outfile: 'dist/webview/diagram.js',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome120'],
    splitting: false,
    plugins: [mermaidFlowchartOnly],
    sourcemap: !production,
    minify: production,
    ...(production ? { legalComments: 'linked' } : {}),
    logLevel: 'warning',
  });
  // A source map left by an earlier development build must not ship in the .vsix.
  if (production) rmSync('dist/webview/diagram.js.map', { force: true });
}
const tests = [...testEntries('test'), ...testEntries('bench')];
// Tests run in plain Node: `vscode` is the stand-in in test/vscodeStandIn.ts (tree nodes' unit tests).
if (tests.length) {
  builds.push({
    ...common,
    entryPoints: tests,
    outdir: 'dist',
    outbase: '.',
    sourcemap: true,
    minify: false,
    external: common.external.filter((x) => x !== 'vscode'),
    alias: { vscode: './test/vscodeStandIn.ts' },
  });
}

// node-pty is a native addon: it cannot be bundled. Its runtime files are copied next to the
// bundle (dist/node_modules/node-pty), where `require('node-pty')` from dist/*.js finds them
// and the .vsix ships them (a platform-specific package: the addon is built for this platform).
function copyNodePty() {
  const from = 'node_modules/node-pty';
  const to = 'dist/node_modules/node-pty';
  if (!existsSync(join(from, 'build/Release/pty.node'))) return;
  rmSync(to, { recursive: true, force: true });
  mkdirSync(join(to, 'build/Release'), { recursive: true });
  cpSync(join(from, 'package.json'), join(to, 'package.json'));
  cpSync(join(from, 'LICENSE'), join(to, 'LICENSE'));
  cpSync(join(from, 'build/Release/pty.node'), join(to, 'build/Release/pty.node'));
  cpSync(join(from, 'lib'), join(to, 'lib'), { recursive: true, filter: (src) => !/\.(test\.js|map)$/.test(src) });
}
copyNodePty();

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
