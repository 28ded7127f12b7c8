#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`kura: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
