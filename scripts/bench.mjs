#!/usr/bin/env node
// `npm run bench [-- --json] [-- --only detect]`: runs the exported `run(opts)` of every dist/bench/*.js module
// (compile first: npx tsc) and merges their results into one object. Benchmarks only: nothing here is asserted.
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'dist', 'bench');
const args = process.argv.slice(2);
const json = args.includes('--json');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? new Set((args[onlyIdx + 1] ?? '').split(',').filter(Boolean)) : null;
const unknown = args.filter((a, i) => a !== '--json' && a !== '--only' && !(onlyIdx >= 0 && i === onlyIdx + 1));
if (unknown.length) {
  console.error(`bench: unknown argument(s) ${unknown.join(' ')}; usage: npm run bench [-- --json] [-- --only detect,classify]`);
  process.exit(2);
}
if (!existsSync(dir)) {
  console.error(`bench: ${dir} does not exist; run \`npx tsc -p tsconfig.json\` first`);
  process.exit(1);
}
const log = json ? () => {} : (s) => console.log(s);
const merged = {};
let failed = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  const key = f.slice(0, -3);
  if (only && !only.has(key)) continue;
  const mod = await import(pathToFileURL(path.join(dir, f)).href);
  if (typeof mod.run !== 'function') continue;
  try {
    const res = await mod.run({ log });
    Object.assign(merged, res);
  } catch (err) {
    failed++;
    console.error(`bench ${key} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
if (json) console.log(JSON.stringify(merged));
else console.log(JSON.stringify(merged, null, 2));
process.exitCode = failed ? 1 : 0;
