#!/usr/bin/env node
// What the post-processing of an ensemble does on patients it never saw, on DS1 only (no DS2): for each way of
// fitting it (no offsets, class offsets for all classes or some, with or without the S-vs-N gate, the gate on the
// members' RR features, on the median RR features, or on those and the record's irregularity), the fit is made on
// the out-of-fold predictions of three DS1 cross-validation folds and scored on the fourth (leave one fold out,
// src/train/ensemble/decision.ts). The default inter-patient ensemble's `ensemble build` options are the row with
// the best selection score here, with shape propagation before them (chosen in scripts/propagation-evidence.mjs,
// which repeats these rows with and without it).
// Then, for the other recipes given (--also r1,r2,…), the gate alone (the default's RR features), fitted and scored the same way.
// Usage: ECG_EDGE_DATA=… node scripts/calibration-transfer.mjs [recipe, default cnn-lstm-focal] [--also LIST] [--write]
//        (build first: npx tsc -p tsconfig.json; ~10 min, plus ~2 min per --also recipe). --write also updates the
//        calibration-transfer section of docs/RESULTS.md.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { heldOutProbs } = await dist('train/ensemble/held-out.js');
const { acrossFolds } = await dist('train/ensemble/decision.js');
const { initEngine } = await dist('train/engine.js');
const { dataDir } = await dist('wfdb/index.js');
const { writeSection } = await dist('train/report/section.js');

const args = process.argv.slice(2);
const alsoAt = args.indexOf('--also');
const also = alsoAt >= 0 ? (args[alsoAt + 1] ?? '').split(',').filter(Boolean) : [];
const recipe = args.find((a, i) => !a.startsWith('--') && i !== alsoAt + 1) ?? 'cnn-lstm-focal';
await initEngine(process.env.ECG_EDGE_ENGINE ?? 'auto', { quiet: true });
const heldOf = (r) => {
  const dirs = [1, 2, 3, 4].map((k) => path.join(root, 'models', 'inter-patient', 'cv', `${r}-fold${k}`));
  return heldOutProbs(dirs, dirs.map(() => 1), 'average', 'inter-patient', dataDir('mitdb'));
};
const held = await heldOf(recipe);
const classes = ['N', 'S', 'V', 'F', 'Q'];
// the gate reads the members' own RR features, the median RR features, or those and the record's irregularity
// (--gate-rr member|median|median+irregularity)
const variants = [
  { gate: false, offsets: 'all' },
  { gate: false, offsets: ['S', 'V'] },
  ...['member', 'median', 'median+irregularity'].flatMap((gateRR) => ['none', 'all', ['S'], ['S', 'V']].map((offsets) => ({ gate: true, gateRR, offsets }))),
];
const gateName = (v) => (v.gate ? `${v.gateRR} RR` : 'no');
const rows = [];
for (const v of variants) {
  const t0 = Date.now();
  const r = acrossFolds(held, classes, v);
  rows.push({ gate: v.gate, gateRR: v.gateRR, offsets: Array.isArray(v.offsets) ? v.offsets.join(',') : v.offsets, before: r.before, after: r.after, f1Before: r.f1Before, f1After: r.f1After });
  console.error(`gate ${gateName(v)}, offsets ${rows.at(-1).offsets}: ${r.before.toFixed(4)} → ${r.after.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
// the other recipes: the gate the default uses (median RR and record irregularity), alone
const gateAlone = [];
for (const r of also) {
  const h = await heldOf(r);
  const x = acrossFolds(h, classes, { gate: true, gateRR: 'median+irregularity', offsets: 'none' });
  gateAlone.push({ recipe: r, before: x.before, after: x.after, f1Before: x.f1Before, f1After: x.f1After });
  console.error(`${r}: gate alone ${x.before.toFixed(4)} → ${x.after.toFixed(4)}, S F1 ${x.f1Before[1]} → ${x.f1After[1]}`);
}
console.log(JSON.stringify({ recipe, data: held.data, folds: held.folds, classes, rows, gateAlone }, null, 2));

if (args.includes('--write')) {
  const f3 = (x) => (x === null || x === undefined ? '–' : x.toFixed(3));
  const best = rows.reduce((b, r) => (r.after > b.after ? r : b), rows[0]);
  const lines = [
    '## Fitting the decision step on other patients: leave one DS1 fold out',
    '',
    `\`ECG_EDGE_DATA=… node scripts/calibration-transfer.mjs ${recipe}${also.length ? ` --also ${also.join(',')}` : ''} --write\` (${new Date().toISOString().slice(0, 10)}): the out-of-fold predictions of the ${recipe} fold models`,
    '(51,021 DS1 beats); each way of fitting the step after the members is fitted on three folds and scored on the fourth,',
    'for each fold in turn (src/train/ensemble/decision.ts). Selection score = macro F1 over N, S, V, F. DS2 is not used.',
    '',
    '| S-vs-N gate (its RR features) | class offsets | selection score | F1 N | F1 S | F1 V | F1 F |',
    '|---|---|---|---|---|---|---|',
    `| no | none (as the members predict) | ${f3(rows[0].before)} | ${rows[0].f1Before.slice(0, 4).map(f3).join(' | ')} |`,
    ...rows.map((r) => `| ${gateName(r)} | ${r.offsets} | ${f3(r.after)} | ${r.f1After.slice(0, 4).map(f3).join(' | ')} |`),
    '',
    `Best: ${best.gate ? `the gate on ${best.gateRR} RR` : "no gate"}, offsets ${best.offsets} (\`ensemble build --sveb-gate ${best.gate ? `rr --gate-rr ${best.gateRR}` : 'none'} --offsets ${best.offsets}\`).`,
    ...(gateAlone.length ? [
      '',
      'The gate alone (median RR and record irregularity, no offsets) for the other cross-validation recipes, fitted and scored the same way:',
      '',
      '| recipe | selection score without → with the gate | F1 S without → with | F1 V without → with |',
      '|---|---|---|---|',
      ...gateAlone.map((g) => `| ${g.recipe} | ${f3(g.before)} → ${f3(g.after)} | ${f3(g.f1Before[1])} → ${f3(g.f1After[1])} | ${f3(g.f1Before[2])} → ${f3(g.f1After[2])} |`),
    ] : []),
  ];
  const file = path.join(root, 'docs', 'RESULTS.md');
  writeSection(file, 'calibration-transfer', lines.join('\n'));
  console.error(`wrote the calibration-transfer section of ${file}`);
}
