#!/usr/bin/env node
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`Error: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(125);
  },
);
