#!/usr/bin/env node
// Thin launcher: the CLI lives in src/app/cli.ts, compiled to dist/ by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/app/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('ecg-edge: the compiled CLI is missing (dist/app/cli.js). Run `npm install` or `npm run build` in the package folder.');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
