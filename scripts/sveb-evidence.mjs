#!/usr/bin/env node
// How much of the S-vs-N decision the RR features alone carry across patients, on DS1 only (no DS2), over the N and
// S beats of DS1 (V, F and Q beats left out: their morphology decides them):
//  - rrAlone: the S-vs-N gate of src/train/ensemble/sveb-gate.ts on its own (every beat starts undecided between N
//    and S), fitted leave one record out over the 22 DS1 records, each record decided by a gate that did not see it;
//  - ensembleOutOfFold: the default inter-patient ensemble's members, out of fold (each DS1 record scored by the fold
//    models that held it out), as they predict, and with the gate fitted leave one record out on their predictions;
//  - gateL2: the same two, for each L2 strength of the gate's fit. The gate's default L2 is the one with the best
//    ensemble-gated S F1 here (DS1, leave one record out);
//  - medianRR: evidence for a next step, not shipped: the same two with pre- and post-RR divided by the median RR
//    of the record's beats (all of them, unlabelled: computed from pre/recordAvg over the whole record, offline) in
//    place of the running record average, which premature beats pull down in records that have many.
// Usage: ECG_EDGE_DATA=… node scripts/sveb-evidence.mjs   (build first: npx tsc -p tsconfig.json; ~3 min)
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
// medianRR: pre/recordAvg and post/recordAvg re-referenced to the record's median pre-RR (label-free)
const fi = (name) => held.rrFeatures.indexOf(name);
const [iPre, iPost] = [fi('pre/recordAvg'), fi('post/recordAvg')];
const medianOf = new Map();
for (let i = 0; i < held.probs.n; i++) {
  const r = held.record[i];
  if (!medianOf.has(r)) medianOf.set(r, []);
  medianOf.get(r).push(held.rr[i * F + iPre]);
}
for (const [r, v] of medianOf) { v.sort((a, b) => a - b); medianOf.set(r, v[v.length >> 1]); }
const rrMedian = Float32Array.from(rr);
idx.forEach((i, k) => {
  const m = medianOf.get(held.record[i]);
  rrMedian[k * F + iPre] = held.rr[i * F + iPre] / m;
  rrMedian[k * F + iPost] = held.rr[i * F + iPost] / m;
});
const gatedMedian = (m) => fitSvebGate(m, rrMedian, held.rrFeatures, labels, held.data, { record }).outOfRecord;
const medianRR = { rrAlone: sStats(gatedMedian(undecided), labels), ensembleGated: sStats(gatedMedian(probs), labels) };
const count = (c) => labels.filter((l) => l === c).length;
console.log(JSON.stringify({ data: `DS1 N and S beats (${count(0)} N, ${count(1)} S; V, F, Q left out)`, rrAlone, ensembleOutOfFold, gateL2, medianRR }, null, 2));
