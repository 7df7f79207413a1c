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
//    chosen: the window, and the shortest interval counted (record 207's flutter waves).
// Usage: ECG_EDGE_DATA=… node scripts/sveb-evidence.mjs   (build first: npx tsc -p tsconfig.json; ~6 min)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { initEngine } = await dist('train/engine.js');
const { heldOutProbs } = await dist('train/ensemble/held-out.js');
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
const { medianRRFeatures, rrColumns } = await dist('train/dataset/features.js');
const { defaultInputSpec, MEDIAN_RR } = await dist('train/spec.js');
const { gateFeatureNames } = await dist('train/ensemble/sveb-gate.js');
const spec = defaultInputSpec(360);
const recs = await loadRecords(db, held.records, spec);
const medianRows = (median) => {
  const perRecord = recs.map((rb) => {
    const all = medianRRFeatures(rb.sample, rb.fs, spec.rr, median);
    const out = [];
    for (let k = 0; k < rb.n; k++) if (rb.label[k] >= 0) out.push(all[2 * k], all[2 * k + 1]);
    return out;
  });
  const next = recs.map(() => 0);
  const rows = new Float32Array(held.probs.n * 2);
  for (let i = 0; i < held.probs.n; i++) {
    const r = held.record[i], k = next[r]++;
    rows[2 * i] = perRecord[r][2 * k];
    rows[2 * i + 1] = perRecord[r][2 * k + 1];
  }
  return rows;
};
const medianFeatures = gateFeatureNames(held.rrFeatures, 'median');
const medianRR = [
  { ...MEDIAN_RR, shipped: true },
  { window: MEDIAN_RR.window, minRR: 0 }, { window: MEDIAN_RR.window, minRR: 0.25 }, { window: MEDIAN_RR.window, minRR: 0.35 },
  { window: MEDIAN_RR.window, minRR: 0.4 }, { window: 128, minRR: MEDIAN_RR.minRR }, { window: 1024, minRR: MEDIAN_RR.minRR },
].map(({ window, minRR, shipped }) => {
  const rows = pick(rrColumns(held.rr, held.rrFeatures, medianRows({ window, minRR }), medianFeatures), medianFeatures.length);
  const g = (m) => fitSvebGate(m, rows, medianFeatures, labels, held.data, { record }).outOfRecord;
  return { window, minRR, ...(shipped ? { shipped } : {}), rrAlone: sStats(g(undecided), labels), ensembleGated: sStats(g(probs), labels) };
});
const count = (c) => labels.filter((l) => l === c).length;
console.log(JSON.stringify({ data: `DS1 N and S beats (${count(0)} N, ${count(1)} S; V, F, Q left out)`, rrAlone, ensembleOutOfFold, gateL2, medianRR }, null, 2));
