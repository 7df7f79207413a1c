#!/usr/bin/env node
// How much of the S-vs-N decision the RR features alone carry across patients, on DS1 only (no DS2):
//  - rrLogistic: a logistic regression on the six RR features of the shipped input spec (logs, with their
//    pairwise products), trained leave-one-record-out over the 22 DS1 records on their N and S beats (class
//    weight √(N/S) for S), each record scored by the model that did not see it;
//  - ensembleOutOfFold: the default inter-patient ensemble's out-of-fold predictions (each DS1 record scored by
//    the fold models that held it out), without and with its class offsets, on the same N and S beats.
// Both report S Se, +P and F1 over N and S beats only (V and F beats are left out: their morphology decides them).
// Usage: ECG_EDGE_DATA=… node scripts/sveb-evidence.mjs   (build first: npx tsc -p tsconfig.json; ~2 min)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { DS1, loadRecords } = await dist('train/dataset/protocols.js');
const { defaultInputSpec } = await dist('train/spec.js');
const { initEngine } = await dist('train/engine.js');
const { heldOutProbs } = await dist('train/ensemble/held-out.js');
const { argmaxRows } = await dist('train/ensemble/index.js');
const { applyClassOffsets } = await dist('train/ensemble/calibrate.js');
const { dataDir } = await dist('wfdb/index.js');
const db = dataDir('mitdb');

const stats = (tp, fp, fn) => ({ se: tp / (tp + fn), ppv: tp / (tp + fp), f1: (2 * tp) / (2 * tp + fp + fn), tp, fp, fn });

// ---- RR features alone, leave one DS1 record out
const spec = defaultInputSpec(360);
const F = spec.rr.features.length;
const recs = await loadRecords(db, DS1, spec);
const expand = (f) => {
  const x = f.map((v) => Math.log(Math.max(v, 1e-3)));
  const o = [...x];
  for (let i = 0; i < x.length; i++) for (let j = i; j < x.length; j++) o.push(x[i] * x[j]);
  return o;
};
const data = recs.map((r) => {
  const X = [], y = [];
  for (let k = 0; k < r.n; k++) {
    if (r.label[k] !== 0 && r.label[k] !== 1) continue;
    X.push(expand(Array.from(r.rr.subarray(k * F, (k + 1) * F))));
    y.push(r.label[k]);
  }
  return { X, y, record: r.record };
});
function fit(X, y, epochs = 300, lr = 0.5, l2 = 1e-3) {
  const d = X[0].length, th = new Float64Array(d + 1);
  const pos = y.reduce((a, b) => a + b, 0), wPos = Math.sqrt((y.length - pos) / pos);
  const W = y.reduce((s, v) => s + (v ? wPos : 1), 0);
  for (let e = 0; e < epochs; e++) {
    const g = new Float64Array(d + 1);
    for (let i = 0; i < X.length; i++) {
      let z = th[d];
      for (let j = 0; j < d; j++) z += th[j] * X[i][j];
      const err = (1 / (1 + Math.exp(-z)) - y[i]) * (y[i] ? wPos : 1);
      for (let j = 0; j < d; j++) g[j] += err * X[i][j];
      g[d] += err;
    }
    for (let j = 0; j <= d; j++) th[j] -= lr * (g[j] / W + (j < d ? l2 * th[j] : 0));
  }
  return th;
}
let tp = 0, fp = 0, fn = 0;
const perRecord = {};
for (let h = 0; h < data.length; h++) {
  const X = [], y = [];
  data.forEach((d, i) => { if (i !== h) { X.push(...d.X); y.push(...d.y); } });
  const th = fit(X, y);
  let a = 0, b = 0, c = 0;
  data[h].X.forEach((x, i) => {
    let z = th[x.length];
    for (let j = 0; j < x.length; j++) z += th[j] * x[j];
    const p = z > 0, t = data[h].y[i] === 1;
    if (p && t) a++; else if (p) b++; else if (t) c++;
  });
  tp += a; fp += b; fn += c;
  perRecord[data[h].record] = { tp: a, fp: b, fn: c };
}
const rrLogistic = { ...stats(tp, fp, fn), perRecord };

// ---- the default ensemble out of fold
await initEngine(process.env.ECG_EDGE_ENGINE ?? 'auto', { quiet: true });
const manFile = path.join(root, 'models', 'inter-patient', 'ensemble.json');
const man = JSON.parse(fs.readFileSync(manFile, 'utf8'));
const dirs = man.members.map((m) => path.resolve(path.dirname(manFile), m.model));
const held = await heldOutProbs(dirs, man.members.map((m) => m.weight), man.method, 'inter-patient', db);
const score = (probs) => {
  const p = argmaxRows(probs);
  let a = 0, b = 0, c = 0;
  for (let i = 0; i < p.length; i++) {
    const l = held.labels[i];
    if (l !== 0 && l !== 1) continue;
    if (l === 1 && p[i] === 1) a++; else if (p[i] === 1) b++; else if (l === 1) c++;
  }
  return stats(a, b, c);
};
const ensembleOutOfFold = { members: man.members.map((m) => m.model), raw: score(held.probs), ...(man.classOffsets ? { withOffsets: score(applyClassOffsets(held.probs, man.classOffsets)) } : {}) };
console.log(JSON.stringify({ data: 'DS1 N and S beats (V, F, Q left out)', rrLogistic, ensembleOutOfFold }, null, 2));
