// Builds every bundle the project ships or tests:
//  - dist/extension.js  the VS Code extension (node, cjs, `vscode` external)
//  - dist/cli.js        the command-line front end over the same core
//  - dist/test/**       each test file bundled on its own, for `node --test`
//  - dist/bench/**      benchmark scripts
// `node esbuild.mjs --watch` rebuilds on change; `--production` minifies the shipped bundles.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, statSync, rmSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// Native or optional modules that must not be bundled: `vscode` is provided by the host;
// dockerode's ssh2 drags optional native add-ons that are loaded with try/catch.
const nodeExternals = ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node', 'node-pty', 'playwright-core'];

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
const tests = [...testEntries('test'), ...testEntries('bench')];
if (tests.length) builds.push({ ...common, entryPoints: tests, outdir: 'dist', outbase: '.', sourcemap: true, minify: false });

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
