#!/usr/bin/env node
// What the post-processing of an ensemble does on patients it never saw, on DS1 only (no DS2): for each way of
// fitting it (no offsets, class offsets for all classes or some, with or without the S-vs-N gate), the fit is made on
// the out-of-fold predictions of three DS1 cross-validation folds and scored on the fourth (leave one fold out,
// src/train/ensemble/decision.ts). The default inter-patient ensemble's `ensemble build` options are the row with
// the best selection score here.
// Usage: ECG_EDGE_DATA=… node scripts/calibration-transfer.mjs [recipe, default cnn-lstm-focal]
//        (build first: npx tsc -p tsconfig.json; ~8 min)
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { heldOutProbs } = await dist('train/ensemble/held-out.js');
const { acrossFolds } = await dist('train/ensemble/decision.js');
const { initEngine } = await dist('train/engine.js');
const { dataDir } = await dist('wfdb/index.js');

const recipe = process.argv[2] ?? 'cnn-lstm-focal';
await initEngine(process.env.ECG_EDGE_ENGINE ?? 'auto', { quiet: true });
const dirs = [1, 2, 3, 4].map((k) => path.join(root, 'models', 'inter-patient', 'cv', `${recipe}-fold${k}`));
const held = await heldOutProbs(dirs, dirs.map(() => 1), 'average', 'inter-patient', dataDir('mitdb'));
const classes = ['N', 'S', 'V', 'F', 'Q'];
const variants = [
  { gate: false, offsets: 'all' },
  { gate: false, offsets: ['S', 'V'] },
  { gate: true, offsets: 'none' },
  { gate: true, offsets: 'all' },
  { gate: true, offsets: ['S'] },
  { gate: true, offsets: ['S', 'V'] },
];
const rows = [];
for (const v of variants) {
  const t0 = Date.now();
  const r = acrossFolds(held, classes, v);
  rows.push({ gate: v.gate, offsets: Array.isArray(v.offsets) ? v.offsets.join(',') : v.offsets, before: r.before, after: r.after, f1Before: r.f1Before, f1After: r.f1After });
  console.error(`${v.gate ? 'gate' : 'no gate'}, offsets ${rows.at(-1).offsets}: ${r.before.toFixed(4)} → ${r.after.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
console.log(JSON.stringify({ recipe, data: held.data, folds: held.folds, classes, rows }, null, 2));
