#!/usr/bin/env node
// What shape propagation within records (src/train/ensemble/propagation.ts, `ensemble build --propagate shape`) does
// to patients the models never saw, on DS1 only (no DS2): the out-of-fold predictions of a cross-validation recipe's
// fold models (each DS1 record scored by the fold model that held it out), propagated with each setting, then the
// decision step after it (S-vs-N gate and class offsets) fitted on three folds and scored on the fourth, for each
// fold in turn (acrossFolds in src/train/ensemble/decision.ts). Propagation itself fits nothing, so no fold sees
// another's labels through it.
//  - settings: the shipped setting (SHAPE_PROPAGATION) and each of its values changed in turn, with the default's
//    decision step (gate on the median RR features and the record's irregularity, offsets for S and V);
//  - decision: the shipped propagation with each way of fitting the decision step, against none;
//  - perRecord: for each DS1 record, the members' errors (argmax, out of fold) without and with the shipped
//    propagation alone (no gate, no offsets);
//  - intraPatient: the intra-patient default ensemble on its validation beats, without and with propagation (for
//    some values of alpha), which is how the intra-patient default was left without it;
//  - refine: the refinement (`--refine shape`, a second propagation after the offsets) on the session-8 default's
//    recipes (cnn-lstm-focal + cnn-lstm, their fold models averaged) with the shipped propagation, gate and offsets:
//    without it, with the shipped setting (SHAPE_REFINEMENT) and with its alpha and k changed in turn; and per DS1
//    record with at least 30 S beats, S Se / +P / F1 out of fold as the members predict, with propagation alone, with
//    the default's decision step without and with the refinement (where the pooled S F1 comes from).
// Usage: ECG_EDGE_DATA=… node scripts/propagation-evidence.mjs [recipe, default cnn-lstm-focal] [--only refine] [--write]
//        (build first: npx tsc -p tsconfig.json; ~25 min, --only refine ~8 min). --write also updates the
//        propagation-evidence and refine-evidence sections of docs/RESULTS.md.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { heldOutProbs } = await dist('train/ensemble/held-out.js');
const { acrossFolds, outOfFold } = await dist('train/ensemble/decision.js');
const { propagate, SHAPE_PROPAGATION, SHAPE_REFINEMENT } = await dist('train/ensemble/propagation.js');
const { argmaxRows, gatherRows } = await dist('train/ensemble/index.js');
const { heldOutMetrics, heldOutScore } = await dist('train/ensemble/calibrate.js');
const { initEngine } = await dist('train/engine.js');
const { dataDir } = await dist('wfdb/index.js');
const { writeSection } = await dist('train/report/section.js');

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
if (only !== null && only !== 'refine') throw new Error(`--only: unknown part '${only}' (the one part that runs alone is refine)`);
const recipe = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--only') ?? 'cnn-lstm-focal';
await initEngine(process.env.ECG_EDGE_ENGINE ?? 'auto', { quiet: true });
const foldDirs = (name) => [1, 2, 3, 4].map((k) => path.join(root, 'models', 'inter-patient', 'cv', `${name}-fold${k}`));
const classes = ['N', 'S', 'V', 'F', 'Q'];
const DEFAULT_DECISION = { gate: true, gateRR: 'median+irregularity', offsets: ['S', 'V'] };
const f3 = (x) => (x === null || x === undefined ? '–' : x.toFixed(3));
const f4 = (x) => x.toFixed(4);
const today = new Date().toISOString().slice(0, 10);
const resultsFile = path.join(root, 'docs', 'RESULTS.md');

const run = (h, label, decision, propagation, refine) => {
  const t0 = Date.now();
  const r = acrossFolds(h, classes, { ...decision, ...(propagation ? { propagation } : {}), ...(refine ? { refine } : {}) });
  console.error(`${label}: ${r.after.toFixed(4)}, F1 ${r.f1After.slice(0, 4).map((v) => v?.toFixed(3)).join(' ')} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  return { label, score: r.after, f1: r.f1After.slice(0, 4) };
};

// the refinement, on the session-8 default's recipes
const REFINE_RECIPES = ['cnn-lstm-focal', 'cnn-lstm'];
const refineDirs = REFINE_RECIPES.flatMap(foldDirs);
const refineHeld = await heldOutProbs(refineDirs, refineDirs.map(() => 1), 'average', 'inter-patient', dataDir('mitdb'));
const R = SHAPE_REFINEMENT;
const refineRows = [
  run(refineHeld, 'none', DEFAULT_DECISION, SHAPE_PROPAGATION, null),
  run(refineHeld, 'shipped', DEFAULT_DECISION, SHAPE_PROPAGATION, R),
  ...[0.3, 0.7, 0.9].map((alpha) => run(refineHeld, `alpha ${alpha}`, DEFAULT_DECISION, SHAPE_PROPAGATION, { ...R, alpha })),
  ...[5, 20].map((k) => run(refineHeld, `k ${k}`, DEFAULT_DECISION, SHAPE_PROPAGATION, { ...R, k })),
];
// S per DS1 record (records with ≥ 30 S beats), out of fold, for each step of the decision
const sVariants = [
  ['members', refineHeld.probs],
  ['propagation alone', propagate(refineHeld.probs, refineHeld.beats, refineHeld.T, refineHeld.record, SHAPE_PROPAGATION)],
  ['+ gate + offsets', outOfFold(refineHeld, classes, { ...DEFAULT_DECISION, propagation: SHAPE_PROPAGATION })],
  ['+ refinement', outOfFold(refineHeld, classes, { ...DEFAULT_DECISION, propagation: SHAPE_PROPAGATION, refine: R })],
];
const sPerRecord = refineHeld.records.map((name, r) => {
  const idx = [];
  for (let i = 0; i < refineHeld.labels.length; i++) if (refineHeld.record[i] === r) idx.push(i);
  const labels = Int8Array.from(idx, (i) => refineHeld.labels[i]);
  const steps = sVariants.map(([label, p]) => {
    const c = heldOutMetrics({ n: idx.length, C: p.C, data: gatherRows(p.data, p.C, idx) }, labels, classes).perClass[1];
    return { label, support: c.support, se: c.se, ppv: c.ppv, f1: c.f1 ?? 0 };
  });
  return { record: name, sBeats: steps[0].support, steps };
}).filter((x) => x.sBeats >= 30).sort((a, b) => b.sBeats - a.sBeats);
const sMean = sVariants.map((_, k) => sPerRecord.reduce((a, x) => a + x.steps[k].f1, 0) / sPerRecord.length);
console.error(`S F1 per record (${sPerRecord.map((x) => x.record).join(', ')}), mean: ${sVariants.map(([label], k) => `${label} ${sMean[k].toFixed(3)}`).join(', ')}`);

if (args.includes('--write')) {
  const row = (r) => `| ${r.label} | ${f4(r.score)} | ${r.f1.map(f3).join(' | ')} |`;
  const pc = (x) => (x === null ? '–' : (100 * x).toFixed(1));
  writeSection(resultsFile, 'refine-evidence', [
    '## Refinement after the offsets: leave one DS1 fold out',
    '',
    `\`ECG_EDGE_DATA=… node scripts/propagation-evidence.mjs --only refine --write\` (${today}): the out-of-fold predictions of the ${REFINE_RECIPES.join(' and ')} fold`,
    `models averaged (the session-8 default's members; ${refineHeld.labels.length.toLocaleString('en-US')} DS1 beats), with the shipped propagation, gate (median RR and irregularity) and offsets`,
    '(S, V) fitted on three folds and scored on the fourth, then the refinement: the same propagation once more, over the decided',
    `probabilities. Shipped (\`--refine shape\`): alpha ${R.alpha}, k ${R.k}, ${R.iterations} iterations, window ±${R.window}, channel weights ${JSON.stringify(R.channelWeights)}. DS2 is not used.`,
    '',
    '| refinement | selection score | F1 N | F1 S | F1 V | F1 F |',
    '|---|---|---|---|---|---|',
    ...refineRows.map(row),
    '',
    `Where the S beats are: DS1's held-out S beats by record (records with ≥ 30), S Se / +P (%) / F1 out of fold after each step of the default's`,
    'decision. The pooled S F1 above counts beats, so record 209 weighs as much as the next three; the last row weighs each record alike.',
    '',
    `| record | S beats | ${sVariants.map(([label]) => label).join(' | ')} |`,
    `|---|---|${'---|'.repeat(sVariants.length)}`,
    ...sPerRecord.map((x) => `| ${x.record} | ${x.sBeats} | ${x.steps.map((t) => `${pc(t.se)} / ${pc(t.ppv)} / ${f3(t.f1)}`).join(' | ')} |`),
    `| mean S F1 over these records | | ${sMean.map(f3).join(' | ')} |`,
  ].join('\n'));
  console.error(`wrote the refine-evidence section of ${resultsFile}`);
}
if (only === 'refine') {
  console.log(JSON.stringify({ refine: { recipes: REFINE_RECIPES, data: refineHeld.data, shipped: R, rows: refineRows, sPerRecord } }, null, 2));
  process.exit(0);
}

const dirs = foldDirs(recipe);
const held = await heldOutProbs(dirs, dirs.map(() => 1), 'average', 'inter-patient', dataDir('mitdb'));

const S = SHAPE_PROPAGATION;
const changes = [
  ['k', [5, 20]],
  ['alpha', [0.8, 0.9]],
  ['iterations', [3, 30]],
  ['window', [250, 1000]],
  ['channelWeights', [[1, 0], [0, 1], [1, 1], [1, 0.25]]],
];
const settings = [run(held, 'none', DEFAULT_DECISION, null), run(held, 'shipped', DEFAULT_DECISION, S)];
for (const [key, values] of changes) for (const v of values) settings.push(run(held, `${key} ${JSON.stringify(v)}`, DEFAULT_DECISION, { ...S, [key]: v }));

const decisions = [
  ['no gate, no offsets', { gate: false, offsets: 'none' }],
  ['no gate, offsets for all classes', { gate: false, offsets: 'all' }],
  ['gate on member RR, offsets S,V', { gate: true, gateRR: 'member', offsets: ['S', 'V'] }],
  ['gate on median RR, offsets S,V', { gate: true, gateRR: 'median', offsets: ['S', 'V'] }],
  ['gate on median RR + irregularity, no offsets', { gate: true, gateRR: 'median+irregularity', offsets: 'none' }],
  ['gate on median RR + irregularity, offsets S,V (the default)', DEFAULT_DECISION],
];
const decisionRows = decisions.map(([label, d]) => ({ label, none: label.endsWith('(the default)') ? settings[0] : run(held, `${label}, no propagation`, d, null), shape: label.endsWith('(the default)') ? settings[1] : run(held, `${label}, shipped propagation`, d, S) }));

const raw = argmaxRows(held.probs), prop = argmaxRows(propagate(held.probs, held.beats, held.T, held.record, S));
const perRecord = held.records.map((name, r) => {
  let before = 0, after = 0, beats = 0;
  for (let i = 0; i < held.probs.n; i++) {
    if (held.record[i] !== r || held.labels[i] < 0) continue;
    beats++;
    if (raw[i] !== held.labels[i]) before++;
    if (prop[i] !== held.labels[i]) after++;
  }
  return { record: name, beats, before, after };
}).sort((a, b) => (a.record < b.record ? -1 : 1));
console.error(`per record, errors without → with: ${perRecord.map((r) => `${r.record} ${r.before} → ${r.after}`).join(', ')}`);

const fs = await import('node:fs');
const intraFile = path.join(root, 'models', 'intra-patient', 'ensemble.json');
const intraMan = JSON.parse(fs.readFileSync(intraFile, 'utf8'));
const intra = await heldOutProbs(intraMan.members.map((m) => path.resolve(path.dirname(intraFile), m.model)), intraMan.members.map((m) => m.weight), intraMan.method, 'intra-patient', dataDir('mitdb'));
const intraPatient = [{ label: 'none', score: heldOutScore(intra.probs, intra.labels, classes) }, ...[S.alpha, 0.8, 0.5].map((alpha) => ({
  label: `alpha ${alpha}${alpha === S.alpha ? ' (shipped)' : ''}`,
  score: heldOutScore(propagate(intra.probs, intra.beats, intra.T, intra.record, { ...S, alpha }), intra.labels, classes),
}))];
console.error(`intra-patient validation: ${intraPatient.map((r) => `${r.label} ${r.score.toFixed(4)}`).join(', ')}`);
console.log(JSON.stringify({ recipe, data: held.data, shipped: S, settings, decisions: decisionRows, perRecord, intraPatient: { data: intra.data, rows: intraPatient }, refine: { recipes: REFINE_RECIPES, data: refineHeld.data, shipped: R, rows: refineRows, sPerRecord } }, null, 2));

if (args.includes('--write')) {
  const row = (r) => `| ${r.label} | ${f4(r.score)} | ${r.f1.map(f3).join(' | ')} |`;
  const lines = [
    '## Shape propagation within records: leave one DS1 fold out',
    '',
    `\`ECG_EDGE_DATA=… node scripts/propagation-evidence.mjs ${recipe} --write\` (${today}): the out-of-fold predictions of the ${recipe} fold models`,
    `(${held.labels.length.toLocaleString('en-US')} DS1 beats), propagated within each record (src/train/ensemble/propagation.ts), then the decision step fitted on three`,
    'folds and scored on the fourth, for each fold in turn. Selection score = macro F1 over N, S, V, F. DS2 is not used.',
    `Shipped setting (\`--propagate shape\`): k ${S.k}, alpha ${S.alpha}, ${S.iterations} iterations, window ±${S.window} beats, every ${S.stride}nd sample, channel weights ${JSON.stringify(S.channelWeights)} (beat, beat − template).`,
    '',
    'Each setting changed in turn, with the default decision step (gate on the median RR and the record\'s irregularity, offsets S, V):',
    '',
    '| propagation | selection score | F1 N | F1 S | F1 V | F1 F |',
    '|---|---|---|---|---|---|',
    ...settings.map(row),
    '',
    'Each way of fitting the decision step, without and with the shipped propagation:',
    '',
    '| decision step | selection score without → with | F1 S without → with | F1 V without → with | F1 F without → with |',
    '|---|---|---|---|---|',
    ...decisionRows.map((r) => `| ${r.label} | ${f4(r.none.score)} → ${f4(r.shape.score)} | ${f3(r.none.f1[1])} → ${f3(r.shape.f1[1])} | ${f3(r.none.f1[2])} → ${f3(r.shape.f1[2])} | ${f3(r.none.f1[3])} → ${f3(r.shape.f1[3])} |`),
    '',
    'Per DS1 record, the members\' wrong calls (argmax, out of fold) without → with the shipped propagation alone (no gate, no offsets):',
    '',
    '| record | beats | wrong without → with |',
    '|---|---|---|',
    ...perRecord.map((r) => `| ${r.record} | ${r.beats} | ${r.before} → ${r.after} |`),
    '',
    `Intra-patient: the default intra-patient ensemble (${intraMan.members.map((m) => m.model).join(', ')}) on its ${intra.labels.length.toLocaleString('en-US')} validation beats, selection score:`,
    '',
    '| propagation | selection score |',
    '|---|---|',
    ...intraPatient.map((r) => `| ${r.label} | ${f4(r.score)} |`),
  ];
  writeSection(resultsFile, 'propagation-evidence', lines.join('\n'));
  console.error(`wrote the propagation-evidence section of ${resultsFile}`);
}
