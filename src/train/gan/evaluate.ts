// Realism evaluation of a trained GAN against the real beats of its protocol (see realism.ts).
import * as tf from '@tensorflow/tfjs';
import { CLASS_NAMES, defaultInputSpec, type InputSpec } from '../spec.js';
import { buildSplit, type BeatSet, type Protocol } from '../dataset/protocols.js';
import { gatherBeats } from '../dataset/features.js';
import { rng } from '../engine.js';
import type { ConditionalGan } from './index.js';
import { nearestDistances, summarize, trainMorphologyClassifier, predictClasses, type Summary } from './realism.js';
import { traceGrid, PALETTE } from '../report/svg.js';

export interface RealismClass {
  class: string;
  nReal: number;
  nValidation: number;
  nSynthetic: number;
  /** Fraction of synthetic beats the real-trained classifier assigns to this class. */
  acceptance: number;
  /** Classifier labels of the synthetic beats: fraction per class N,S,V,F. */
  syntheticPredicted: Record<string, number>;
  /** Reference: the classifier's recall on real validation beats of this class (null when none). */
  realValidationRecall: number | null;
  /** RMS distance (z-scored units) to the nearest real training beat of the same class. */
  nnSynthetic: Summary;
  nnRealValidation: Summary | null;
  nnRealTrainLeaveOneOut: Summary;
  /** Diversity: nearest other synthetic beat (leave-one-out); ≈ 0 means mode collapse. */
  nnSyntheticToSynthetic: Summary;
}

export interface RealismResult {
  kind: 'ecg-edge-gan-realism';
  protocol: string;
  gan: { steps?: number; seed?: number; trainCounts?: Record<string, number> };
  classifier: { classes: string[]; steps: number; trainedOn: string; validationAccuracy: number | null };
  classes: RealismClass[];
  /** SVG: real training beats (top row) and synthetic beats (bottom row) of each class. */
  samplesSvg?: string;
  createdAt: string;
  seconds: number;
}

function modelBeats(set: BeatSet, spec: InputSpec, pick: (i: number) => boolean): { beats: Float32Array; label: Int32Array } {
  const idx: number[] = [];
  for (let i = 0; i < set.n; i++) if (set.label[i]! >= 0 && pick(i)) idx.push(i);
  return { beats: gatherBeats(set.windows, set.margin, spec, Int32Array.from(idx)), label: Int32Array.from(idx.map((i) => set.label[i]!)) };
}

function rowsOf(beats: Float32Array, label: Int32Array, c: number, T: number, max: number, seed: number): Float32Array {
  const idx: number[] = [];
  label.forEach((l, i) => { if (l === c) idx.push(i); });
  if (idx.length > max) {
    const r = rng(seed);
    for (let i = idx.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [idx[i], idx[j]] = [idx[j]!, idx[i]!]; }
    idx.length = max;
  }
  const out = new Float32Array(idx.length * T);
  idx.forEach((i, k) => out.set(beats.subarray(i * T, (i + 1) * T), k * T));
  return out;
}

export async function evaluateRealism(
  gan: ConditionalGan,
  protocol: Protocol,
  db: string,
  opts: { nPerClass?: number; seed?: number; classifierSteps?: number; log?: (s: string) => void } = {},
): Promise<RealismResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? 1;
  const spec = gan.meta?.input ?? defaultInputSpec(360);
  const T = spec.length;
  if (T !== gan.cfg.T) throw new Error(`gan realism: GAN beats have ${gan.cfg.T} samples but the dataset spec has ${T}`);
  const split = await buildSplit(protocol, db, spec, ['train', 'val']);
  // The classifier sees N, S, V, F (Q has a handful of beats; it is not a GAN class).
  const clsList = [0, 1, 2, 3];
  const tr = modelBeats(split.train, spec, (i) => clsList.includes(split.train.label[i]!));
  const va = modelBeats(split.val, spec, (i) => clsList.includes(split.val.label[i]!));
  const steps = opts.classifierSteps ?? 800;
  log(`gan realism: training a beat-only classifier (N, S, V, F) on ${tr.label.length} real training beats, ${steps} balanced steps`);
  const clf = await trainMorphologyClassifier(tr.beats, tr.label, T, clsList.length, { steps, seed });
  const vaPred = predictClasses(clf, va.beats, T);
  let correct = 0;
  vaPred.forEach((p, i) => { if (p === va.label[i]) correct++; });
  const out: RealismClass[] = [];
  const nPer = opts.nPerClass ?? 1000;
  const realPanels: { traces: Float32Array[]; title: string; color: string }[] = [];
  const synthPanels: { traces: Float32Array[]; title: string; color: string }[] = [];
  const show = 12;
  for (const c of gan.cfg.classes) {
    const name = CLASS_NAMES[c]!;
    const synth = gan.generateBeats(c, nPer, seed * 1000 + c, spec.normalization.eps);
    const pred = predictClasses(clf, synth, T);
    const frac: Record<string, number> = {};
    clsList.forEach((k) => (frac[CLASS_NAMES[k]!] = pred.filter((p) => p === k).length / nPer));
    let vaN = 0, vaHit = 0;
    va.label.forEach((l, i) => { if (l === c) { vaN++; if (vaPred[i] === c) vaHit++; } });
    const realTrain = rowsOf(tr.beats, tr.label, c, T, Infinity, 0);
    const realVal = rowsOf(va.beats, va.label, c, T, 2000, seed);
    const looQ = rowsOf(tr.beats, tr.label, c, T, 2000, seed + 1);
    const nnS = nearestDistances(synth, realTrain, T);
    const nnV = realVal.length ? nearestDistances(realVal, realTrain, T) : null;
    // Leave-one-out among training beats: a subsample against all training beats, skipping the beat itself.
    const nnLoo = looRows(looQ, realTrain, T);
    const nnSS = nearestDistances(synth, synth, T, { excludeSelf: true });
    const pickRows = (a: Float32Array, k: number, sd: number) => {
      const m = a.length / T, r = rng(sd), rows: Float32Array[] = [];
      for (let j = 0; j < Math.min(k, m); j++) { const i = Math.floor(r() * m); rows.push(a.slice(i * T, (i + 1) * T)); }
      return rows;
    };
    realPanels.push({ traces: pickRows(realTrain, show, seed + 7), title: `real ${name} (training beats)`, color: PALETTE[0]! });
    synthPanels.push({ traces: pickRows(synth, show, seed + 8), title: `synthetic ${name} (GAN)`, color: PALETTE[1]! });
    const r: RealismClass = {
      class: name,
      nReal: realTrain.length / T,
      nValidation: vaN,
      nSynthetic: nPer,
      acceptance: frac[name]!,
      syntheticPredicted: frac,
      realValidationRecall: vaN ? vaHit / vaN : null,
      nnSynthetic: summarize(nnS),
      nnRealValidation: nnV ? summarize(nnV) : null,
      nnRealTrainLeaveOneOut: summarize(nnLoo),
      nnSyntheticToSynthetic: summarize(nnSS),
    };
    log(`gan realism: ${name}: acceptance ${(r.acceptance * 100).toFixed(1)}% (real validation recall ${r.realValidationRecall === null ? 'n/a' : (r.realValidationRecall * 100).toFixed(1) + '%'}), NN median synthetic ${r.nnSynthetic.median.toFixed(3)} vs real validation ${r.nnRealValidation?.median.toFixed(3) ?? 'n/a'} vs train LOO ${r.nnRealTrainLeaveOneOut.median.toFixed(3)}`);
    out.push(r);
  }
  clf.dispose();
  return {
    kind: 'ecg-edge-gan-realism',
    protocol,
    gan: { steps: gan.meta?.steps, seed: gan.meta?.seed, trainCounts: gan.meta?.trainCounts },
    classifier: { classes: clsList.map((k) => CLASS_NAMES[k]!), steps, trainedOn: 'real training beats of the protocol (class-balanced batches, beat only, no RR)', validationAccuracy: va.label.length ? correct / va.label.length : null },
    classes: out,
    samplesSvg: traceGrid([...realPanels, ...synthPanels], { cols: realPanels.length, title: `${protocol}: ${show} random real vs synthetic beats per class (z-scored model input)` }),
    createdAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
  };
}

/** Nearest distance of each query (a subset of refs, by content) to the other reference rows. */
function looRows(queries: Float32Array, refs: Float32Array, T: number): Float32Array {
  // Distances to all refs, with the query's own row (distance exactly 0 to an identical row) skipped by taking
  // the second-nearest when the nearest is 0. Duplicate real beats would also read as 0: none exist in practice.
  const n = queries.length / T, m = refs.length / T;
  const out = new Float32Array(n);
  const R = tf.tensor2d(refs, [m, T]);
  const r2 = tf.tidy(() => tf.sum(tf.square(R), 1).reshape([1, m]));
  for (let s = 0; s < n; s += 256) {
    const k = Math.min(256, n - s);
    const top = tf.tidy(() => {
      const Q = tf.tensor2d(queries.subarray(s * T, (s + k) * T), [k, T]);
      const d2 = tf.relu(tf.sub(tf.add(tf.sum(tf.square(Q), 1, true), r2), tf.mul(2, tf.matMul(Q, R, false, true))));
      return tf.topk(tf.neg(d2), 2).values;
    });
    const v = top.dataSync();
    top.dispose();
    for (let i = 0; i < k; i++) {
      const d0 = -v[2 * i]!, d1 = -v[2 * i + 1]!;
      out[s + i] = Math.sqrt((d0 <= 1e-6 * T ? d1 : d0) / T);
    }
  }
  tf.dispose([R, r2]);
  return out;
}

export function formatRealism(r: RealismResult): string {
  const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const lines = [
    `GAN realism (${r.protocol}); classifier (beat only, ${r.classifier.classes.join('/')}) validation accuracy ${pct(r.classifier.validationAccuracy)}`,
    '',
    '| class | synthetic | accepted as class | classifier recall on real validation beats | NN dist. synthetic→train (median [p5, p95]) | NN dist. real validation→train | NN dist. train→train (LOO) | NN dist. synthetic→synthetic |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of r.classes) {
    const s = (x: Summary | null) => (x ? `${f(x.median)} [${f(x.p5)}, ${f(x.p95)}]` : 'n/a');
    lines.push(`| ${c.class} | ${c.nSynthetic} | ${pct(c.acceptance)} | ${pct(c.realValidationRecall)} (n=${c.nValidation}) | ${s(c.nnSynthetic)} | ${s(c.nnRealValidation)} | ${s(c.nnRealTrainLeaveOneOut)} | ${s(c.nnSyntheticToSynthetic)} |`);
  }
  return lines.join('\n');
}
