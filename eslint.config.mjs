// Lint: typescript-eslint's recommended rules, plus the project's own layer rules: every arrow
// between src/snapshot, src/host, src/model, src/render and src/ui, and no 'vscode' below src/ui.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Forbids `vscode` and the named sibling layers (src/<name>) in `files`. */
function layer(files, forbidden, message) {
  const patterns = forbidden.map((name) => ({ group: [`**/${name}`, `**/${name}/**`, `../${name}/*`, `./${name}/*`, `../${name}`, `./${name}`], message }));
  return [{ files, rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message }], patterns }] } }];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  // The layers, one direction of dependency (see README, Layout):
  //   snapshot <- host, model <- render <- ui; model never imports host; nothing below ui imports vscode.
  ...layer(['src/snapshot/**'], ['host', 'model', 'render', 'ui', 'protocol'], 'src/snapshot is the schema and its helpers: it imports no other layer'),
  ...layer(['src/host/**'], ['model', 'render', 'ui', 'protocol'], 'src/host reads the host: it imports only src/snapshot'),
  ...layer(['src/model/**'], ['host', 'render', 'ui', 'protocol'], 'src/model reasons on snapshots: it imports only src/snapshot, never src/host'),
  ...layer(['src/render/**'], ['host', 'ui', 'protocol'], 'src/render draws the model: no src/host, src/ui or protocol'),
  ...layer(['src/cli.ts', 'src/commandLine.ts', 'src/watchCommand.ts'], ['ui'], 'the CLI runs in plain Node: no src/ui'),
  {
    files: ['esbuild.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
