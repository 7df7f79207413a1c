// Per-class decision offsets for an ensemble, chosen on out-of-fold predictions.
//
// The ensemble's score for class c is multiplied by exp(b_c) before the argmax (b_N = 0): a shift of the class
// priors, which moves each class's operating point along its ROC curve without retraining. The offsets are
// chosen on beats the members did not train on: under inter-patient cross-validation, every DS1 beat is scored by
// the members that held its record out, so the choice rests on all of DS1 (944 S beats) instead of one small
// validation split, and never on DS2.
import { classificationMetrics, selectionScore } from '../report/metrics.js';
import { argmaxRows, type ProbMatrix } from './index.js';

export interface ClassOffsetFit {
  /** Log-space offset per class (0 for the reference class and for classes too rare to fit). */
  offsets: number[];
  /** Selection score (macro F1 over classes with ≥ minBeats beats) without and with the offsets. */
  before: number;
  after: number;
  /** Classes whose offset was fitted. */
  fitted: string[];
  beats: number;
}

/** Classification metrics of argmax(m) over the labelled beats (`labels` −1 = unlabelled, skipped). */
export function heldOutMetrics(m: ProbMatrix, labels: ArrayLike<number>, classes: readonly string[]) {
  const pred = argmaxRows(m);
  const y: number[] = [], p: number[] = [];
  for (let i = 0; i < m.n; i++) if (labels[i]! >= 0) { y.push(labels[i]!); p.push(pred[i]!); }
  return classificationMetrics(y, p, classes);
}

/** The selection score of argmax(m) over the labelled beats (`labels` −1 = unlabelled, skipped). */
export function heldOutScore(m: ProbMatrix, labels: ArrayLike<number>, classes: readonly string[]): number {
  return selectionScore(heldOutMetrics(m, labels, classes));
}

/** F1 per class of argmax(m) over the labelled beats, rounded to 4 digits (null for a class never seen or called). */
export function heldOutF1(m: ProbMatrix, labels: ArrayLike<number>, classes: readonly string[]): (number | null)[] {
  return heldOutMetrics(m, labels, classes).perClass.map((c) => (c.f1 === null || Number.isNaN(c.f1) ? null : Math.round(c.f1 * 10000) / 10000));
}

/** Scores multiplied by exp(offset) per class, rows renormalized to sum 1. */
export function applyClassOffsets(m: ProbMatrix, offsets: readonly number[]): ProbMatrix {
  if (offsets.length !== m.C) throw new Error(`class offsets: ${offsets.length} offsets for ${m.C} classes`);
  const f = offsets.map((b) => Math.exp(b));
  const out = new Float32Array(m.n * m.C);
  for (let i = 0; i < m.n; i++) {
    let s = 0;
    for (let c = 0; c < m.C; c++) s += m.data[i * m.C + c]! * f[c]!;
    for (let c = 0; c < m.C; c++) out[i * m.C + c] = s > 0 ? (m.data[i * m.C + c]! * f[c]!) / s : 1 / m.C;
  }
  return { n: m.n, C: m.C, data: out };
}

/**
 * Chooses offsets that maximize the selection score of argmax(log p + b) against `labels` (−1 = unlabelled, skipped):
 * coordinate ascent over a grid, class by class, until a round changes nothing. Class 0 (N) is the reference;
 * classes with fewer than `minBeats` labelled beats, and classes not in `only` (when given), keep 0. Ties go to the
 * offset closest to 0.
 */
export function fitClassOffsets(
  m: ProbMatrix,
  labels: ArrayLike<number>,
  classes: readonly string[],
  opts: { minBeats?: number; range?: number; step?: number; rounds?: number; only?: readonly string[] } = {},
): ClassOffsetFit {
  const { minBeats = 20, range = 3, step = 0.1, rounds = 4 } = opts;
  for (const c of opts.only ?? []) if (!classes.includes(c) || c === classes[0]) throw new Error(`class offsets: cannot fit class '${c}': choose among ${classes.slice(1).join(', ')} (${classes[0]} is the reference)`);
  if (labels.length !== m.n) throw new Error(`class offsets: ${labels.length} labels for ${m.n} scored beats`);
  const keep: number[] = [];
  for (let i = 0; i < m.n; i++) if (labels[i]! >= 0) keep.push(i);
  if (!keep.length) throw new Error('class offsets: no labelled beats to fit on');
  const C = m.C, n = keep.length;
  const logp = new Float64Array(n * C);
  const y = new Int32Array(n);
  keep.forEach((i, k) => {
    y[k] = labels[i]!;
    for (let c = 0; c < C; c++) logp[k * C + c] = Math.log(Math.max(m.data[i * C + c]!, 1e-30));
  });
  const support = new Array<number>(C).fill(0);
  for (let k = 0; k < n; k++) support[y[k]!]!++;
  const pred = new Int32Array(n);
  const score = (b: readonly number[]): number => {
    for (let k = 0; k < n; k++) {
      let best = 0, bv = logp[k * C]! + b[0]!;
      for (let c = 1; c < C; c++) {
        const v = logp[k * C + c]! + b[c]!;
        if (v > bv) { bv = v; best = c; }
      }
      pred[k] = best;
    }
    return selectionScore(classificationMetrics(y, pred, classes));
  };
  const b = new Array<number>(C).fill(0);
  const before = score(b);
  let cur = before;
  const fit = Array.from({ length: C }, (_, c) => c).filter((c) => c > 0 && support[c]! >= minBeats && (!opts.only || opts.only.includes(classes[c]!)));
  const steps = Math.round(range / step);
  for (let r = 0; r < rounds; r++) {
    let changed = false;
    for (const c of fit) {
      const keepB = b[c]!;
      let bestV = keepB, bestS = cur;
      for (let j = -steps; j <= steps; j++) {
        const v = j * step;
        b[c] = v;
        const s = score(b);
        if (s > bestS + 1e-12 || (Math.abs(s - bestS) <= 1e-12 && Math.abs(v) < Math.abs(bestV))) { bestS = s; bestV = v; }
      }
      b[c] = bestV;
      if (bestV !== keepB) changed = true;
      cur = bestS;
    }
    if (!changed) break;
  }
  return { offsets: b.map((v) => Math.round(v * 1000) / 1000), before, after: score(b), fitted: fit.map((c) => classes[c]!), beats: n };
}
