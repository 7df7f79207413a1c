#!/usr/bin/env node
// How much of the S-vs-N decision the RR features alone carry across patients, on DS1 only (no DS2), over the N and
// S beats of DS1 (V, F and Q beats left out: their morphology decides them):
//  - rrAlone: the S-vs-N gate of src/train/ensemble/sveb-gate.ts on its own (every beat starts undecided between N
//    and S), fitted leave one record out over the 22 DS1 records, each record decided by a gate that did not see it;
//  - ensembleOutOfFold: the default inter-patient ensemble's members, out of fold (each DS1 record scored by the fold
//    models that held it out), as they predict, and with the gate fitted leave one record out on their predictions;
//  - gateL2: the same two, for each L2 strength of the gate's fit. The gate's default L2 is the one with the best
//    ensemble-gated S F1 here (DS1, leave one record out);
//  - medianRR: the same two with the gate's 'median' RR features (`ensemble build --gate-rr median`): pre- and
//    post-RR over the running median RR in place of the running record average, which premature beats pull down in
//    records that have many; for the shipped median (MEDIAN_RR in src/train/spec.ts) and others, to show how it was
//    chosen: the window, and the shortest interval counted (record 207's flutter waves); gateL2Median: the L2 grid
//    again with the shipped median features;
//  - recordIrregularity: the median features and the record's irregularity (`--gate-rr median+irregularity`), for
//    several windows.
// Usage: ECG_EDGE_DATA=… node scripts/sveb-evidence.mjs [--write]   (build first: npx tsc -p tsconfig.json; ~8 min).
//        --write also updates the sveb-evidence section of docs/RESULTS.md.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { initEngine } = await dist('train/engine.js');
const { heldOutProbs, recipeOf } = await dist('train/ensemble/held-out.js');
const { fitSvebGate, sStats } = await dist('train/ensemble/sveb-gate.js');
const { gatherRows } = await dist('train/ensemble/index.js');
const { dataDir } = await dist('wfdb/index.js');
const db = dataDir('mitdb');

await initEngine(process.env.ECG_EDGE_ENGINE ?? 'auto', { quiet: true });
const manFile = path.join(root, 'models', 'inter-patient', 'ensemble.json');
const man = JSON.parse(fs.readFileSync(manFile, 'utf8'));
const dirs = man.members.map((m) => path.resolve(path.dirname(manFile), m.model));
const held = await heldOutProbs(dirs, man.members.map((m) => m.weight), man.method, 'inter-patient', db);

// the N and S beats only
const idx = [];
for (let i = 0; i < held.probs.n; i++) if (held.labels[i] === 0 || held.labels[i] === 1) idx.push(i);
const C = held.probs.C, F = held.rrFeatures.length;
const pick = (src, width) => gatherRows(src, width, idx);
const labels = Int8Array.from(idx, (i) => held.labels[i]);
const record = Int16Array.from(idx, (i) => held.record[i]);
const rr = pick(held.rr, F);
const probs = { n: idx.length, C, data: pick(held.probs.data, C) };
const undecided = { n: idx.length, C, data: Float32Array.from({ length: idx.length * C }, (_, j) => (j % C < 2 ? 0.5 : 0)) };
const gated = (m, o = {}) => fitSvebGate(m, rr, held.rrFeatures, labels, held.data, { ...o, record }).outOfRecord;

const rrAlone = sStats(gated(undecided), labels);
const ensembleOutOfFold = { members: man.members.map((m) => m.model), raw: sStats(probs, labels), gated: sStats(gated(probs), labels) };
const gateL2 = [1e-3, 1e-2, 3e-2, 1e-1, 1].map((l2) => ({ l2, rrAlone: sStats(gated(undecided, { l2 }), labels), ensembleGated: sStats(gated(probs, { l2 }), labels) }));
// medianRR: pre/recordAvg and post/recordAvg replaced by pre- and post-RR over the running median RR (the gate's
// 'median' RR features, `ensemble build --gate-rr median`), for several medians: computed from every beat of each
// record (what a device sees), the record's labelled beats taken in order
const { loadRecords } = await dist('train/dataset/protocols.js');
const { gateRRFeatures, rrColumns } = await dist('train/dataset/features.js');
const { defaultInputSpec, GATE_RR_SETTINGS, MEDIAN_RR, RECORD_IRREGULARITY_WINDOW } = await dist('train/spec.js');
const { gateFeatureNames } = await dist('train/ensemble/sveb-gate.js');
const spec = defaultInputSpec(360);
const recs = await loadRecords(db, held.records, spec);
// the gate's RR columns (gateRRFeatures: pre/recordMedian, post/recordMedian, recordIrregularity) of the held-out
// beats, computed from every beat of each record with the given settings, then taken for its labelled beats in
// held-out order
const gateTable = ({ median = MEDIAN_RR, irregularityWindow = RECORD_IRREGULARITY_WINDOW } = {}) => {
  const settings = { ...GATE_RR_SETTINGS, median, irregularityWindow };
  const perRecord = recs.map((rb) => {
    const all = gateRRFeatures(rb.sample, rb.fs, spec.rr, settings);
    const out = [];
    for (let k = 0; k < rb.n; k++) if (rb.label[k] >= 0) out.push(...all.subarray(3 * k, 3 * k + 3));
    return out;
  });
  const next = recs.map(() => 0);
  const rows = new Float32Array(held.probs.n * 3);
  for (let i = 0; i < held.probs.n; i++) {
    const r = held.record[i], k = next[r]++;
    for (let j = 0; j < 3; j++) rows[3 * i + j] = perRecord[r][3 * k + j];
  }
  return rows;
};
// the gate out of record on the N and S beats, with the gate features `names` read from `table`
const gateWith = (names, table, o = {}) => {
  const rows = pick(rrColumns(held.rr, held.rrFeatures, table, names), names.length);
  const g = (m) => fitSvebGate(m, rows, names, labels, held.data, { ...o, record }).outOfRecord;
  return { rrAlone: sStats(g(undecided), labels), ensembleGated: sStats(g(probs), labels) };
};
const medianFeatures = gateFeatureNames(held.rrFeatures, 'median');
const medianRR = [
  { ...MEDIAN_RR, shipped: true },
  { window: MEDIAN_RR.window, minRR: 0 }, { window: MEDIAN_RR.window, minRR: 0.25 }, { window: MEDIAN_RR.window, minRR: 0.35 },
  { window: MEDIAN_RR.window, minRR: 0.4 }, { window: 128, minRR: MEDIAN_RR.minRR }, { window: 1024, minRR: MEDIAN_RR.minRR },
].map(({ window, minRR, shipped }) => ({ window, minRR, ...(shipped ? { shipped } : {}), ...gateWith(medianFeatures, gateTable({ median: { window, minRR } })) }));
// the L2 grid again for the shipped median RR features: the default L2 was chosen with the members' features
const gateL2Median = [1e-2, 3e-2, 1e-1].map((l2) => ({ l2, ensembleGated: gateWith(medianFeatures, gateTable(), { l2 }).ensembleGated }));
// recordIrregularity: the median features and the irregularity over a long window (10 = the members' own)
const irrFeatures = gateFeatureNames(held.rrFeatures, 'median+irregularity');
const recordIrregularity = [10, 100, 400, 1000, RECORD_IRREGULARITY_WINDOW].map((window) => ({ window, ...(window === RECORD_IRREGULARITY_WINDOW ? { shipped: true } : {}), ...gateWith(irrFeatures, gateTable({ irregularityWindow: window })) }));
const count = (c) => labels.filter((l) => l === c).length;
console.log(JSON.stringify({ data: `DS1 N and S beats (${count(0)} N, ${count(1)} S; V, F, Q left out)`, rrAlone, ensembleOutOfFold, gateL2, medianRR, gateL2Median, recordIrregularity }, null, 2));

if (process.argv.includes('--write')) {
  const { writeSection } = await dist('train/report/section.js');
  const { GATE_L2 } = await dist('train/ensemble/sveb-gate.js');
  const shipsIrregularity = (man.svebGate?.features ?? []).includes('recordIrregularity');
  const st = (x) => `${(100 * x.se).toFixed(1)} / ${(100 * x.ppv).toFixed(1)} / ${x.f1.toFixed(3)}`;
  const lines = [
    '## S beats across patients: RR features alone vs the default ensemble (DS1 only)',
    '',
    `\`ECG_EDGE_DATA=… node scripts/sveb-evidence.mjs --write\` (${new Date().toISOString().slice(0, 10)}): S Se % / +P % / F1 over the N and S beats of DS1`,
    `(${count(0).toLocaleString('en-US')} N, ${count(1).toLocaleString('en-US')} S; V, F and Q beats left out), every record scored by models that did not train on it.`,
    '',
    '| classifier | how DS1 is held out | S Se / +P / F1 |',
    '|---|---|---|',
    `| the S-vs-N gate alone: logistic regression on the members' six RR features (logs and pairwise products), S weight √(N/S), L2 ${GATE_L2} | leave one record out (21 records train) | ${st(rrAlone)} |`,
    `| default inter-patient ensemble's members (${man.members.length} ${[...new Set(man.members.map((m) => recipeOf(m.model)))].join(', ')} fold models), argmax | out of fold (16–17 records train) | ${st(ensembleOutOfFold.raw)} |`,
    `| the same with the gate, fitted leave one record out on their predictions | out of fold | ${st(ensembleOutOfFold.gated)} |`,
    '',
    "The gate's L2 strength (`gateL2` in the output), the same two rows for each:",
    '',
    '| L2 | gate alone: S Se / +P / F1 | ensemble + gate: S Se / +P / F1 |',
    '|---|---|---|',
    ...gateL2.map((g) => `| ${g.l2 === GATE_L2 ? `**${g.l2} (default)**` : g.l2} | ${st(g.rrAlone)} | ${st(g.ensembleGated)} |`),
    '',
    "The gate's RR features on the running median RR (`medianRR` in the output; `ensemble build --gate-rr median`, the",
    'inter-patient default since session 7): pre- and post-RR over the upper median of the last `window` pre-RRs of at',
    'least `minRR` s, computed from every beat of the record, in place of the running record average, which premature',
    `beats pull down in records that have many of them. L2 ${GATE_L2}:`,
    '',
    '| median RR: window, shortest interval counted | gate alone: S Se / +P / F1 | ensemble + gate: S Se / +P / F1 |',
    '|---|---|---|',
    `| (the members' record-average ratios, above) | ${st(rrAlone)} | ${st(ensembleOutOfFold.gated)} |`,
    ...medianRR.map((m) => {
      const name = `${m.window}, ${m.minRR ? `${m.minRR} s` : 'none'}`;
      return `| ${m.shipped ? `**${name} (shipped)**` : name} | ${st(m.rrAlone)} | ${st(m.ensembleGated)} |`;
    }),
    '',
    `The L2 strength was chosen with the members' features; with the shipped median features (\`gateL2Median\`), ensemble + gate S F1: ${gateL2Median.map((g) => `L2 ${g.l2} → ${g.ensembleGated.f1.toFixed(3)}`).join(', ')}.`,
    '',
    'With the record\'s irregularity as well (`recordIrregularity` in the output; `--gate-rr median+irregularity`): the',
    "members' irregularity feature (the running mean of |p_k − p_{k−1}|, p = pre-RR over the running average RR) with",
    'both of its windows lengthened from 10 beats to `window`: how irregular the patient\'s rhythm has been.',
    '',
    '| record irregularity window (beats) | gate alone: S Se / +P / F1 | ensemble + gate: S Se / +P / F1 |',
    '|---|---|---|',
    `| (none: the median features alone) | ${st(medianRR[0].rrAlone)} | ${st(medianRR[0].ensembleGated)} |`,
    ...recordIrregularity.map((m) => `| ${m.shipped ? `**${m.window}${shipsIrregularity ? ' (shipped)' : ''}**` : m.window} | ${st(m.rrAlone)} | ${st(m.ensembleGated)} |`),
    '',
    "Without a shortest interval, record 207's ventricular-flutter waves (472, annotated `!`, about 0.29 s apart) set the",
    'median for minutes, and the median features lose to the average ones (docs/TRAINING.md, "The gate\'s RR features").',
    '',
    "RR intervals alone separate S from N beats on unseen DS1 patients better than the networks, which also see the beat's",
    'shape and the same RR features: the networks learn the S morphology of the training patients, which does not carry',
    'over on DS1. A firmer L2 penalty than the first one transfers better between DS1 patients; the default is the one',
    'with the best ensemble-gated F1. DS2 figures of the gated ensembles are in the training section and in',
    'docs/TRAINING.md ("The S-vs-N gate").',
  ];
  const file = path.join(root, 'docs', 'RESULTS.md');
  writeSection(file, 'sveb-evidence', lines.join('\n'));
  console.error(`wrote the sveb-evidence section of ${file}`);
}
