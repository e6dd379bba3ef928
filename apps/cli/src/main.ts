#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
/** The `clearway` binary (package.json `bin`): see cli.ts. */
import { run } from './cli.js';

// `clearway export | head`: a reader that stops early closes the pipe. That is not an error: stop quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
  stdin: process.stdin,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`clearway: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
