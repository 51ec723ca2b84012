#!/usr/bin/env node
// container-net: the extension's core from a terminal (see src/commandLine.ts).
import { main } from './commandLine';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`container-net: ${(err as Error).message ?? String(err)}\n`);
    process.exit(1);
  },
);
