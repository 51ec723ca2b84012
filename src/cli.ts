#!/usr/bin/env node
// container-net: the extension's core from a terminal (see src/commandLine.ts).
// exitCode, not process.exit(): exiting at once would cut large output written to a pipe.
import { main } from './commandLine';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`container-net: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
