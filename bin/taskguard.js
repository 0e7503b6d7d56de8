#!/usr/bin/env node
// The published CLI runs the compiled output; `npm install` builds it through the `prepare` script.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`taskguard: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
