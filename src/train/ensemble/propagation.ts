// Shape propagation within a recording: beats of one patient that look alike get alike class probabilities.
//
// Why: across patients, a network's call on one beat is noisy, but a patient's ectopic beats come in families of
// near-identical shape (one ectopic focus makes the same QRS again and again). Holter analysis has always worked
// this way: beats are grouped by shape over the whole recording and the groups are labelled. Here the grouping is
// soft: every beat's k nearest beats in shape (the same record, within ±`window` beats) vote with their current
// probabilities, and the votes are propagated (label propagation on the k-nearest-neighbour graph):
//
//   P ← (1 − α)·P₀ + α·mean over the k neighbours of P,   `iterations` times,
//
// where P₀ is what the ensemble's members said. It uses no labels and fits nothing: only the beats of the record
// being analysed, so it applies to a new patient as it is. It reads shape only (the model's beat channels); the
// S-vs-N gate, applied after it, reads the timing.
//
// Distance: squared Euclidean over the beat channels (each z-scored per beat by the input spec), every `stride`-th
// sample, each channel scaled by its weight. Exact k-nearest neighbours by brute force with early abandon; cost
// O(n · 2·window · L) per record.
//
// Not causal: a beat's neighbours include later beats (up to `window` beats ahead), so it is an analysis of a
// recording (eval, report), not of the live monitor's stream, which classifies each beat as it arrives.
//
// The settings were chosen on DS1 only (leave one fold out: scripts/propagation-evidence.mjs, docs/TRAINING.md).
import type { ProbMatrix } from './index.js';

export interface Propagation {
  kind: 'knn-shape';
  /** Neighbours per beat. */
  k: number;
  /** Weight of the neighbours' vote, in [0, 1). */
  alpha: number;
  iterations: number;
  /** Neighbours are searched among the beats within ±window beats of the same record. */
  window: number;
  /** Every stride-th sample of each beat channel enters the distance. */
  stride: number;
  /** Weight of each beat channel (the input spec's channels, in order). */
  channelWeights: number[];
}

/** The shipped setting (chosen on DS1, leave one fold out). */
export const SHAPE_PROPAGATION: Propagation = { kind: 'knn-shape', k: 10, alpha: 0.95, iterations: 10, window: 5000, stride: 2, channelWeights: [1, 0.5] };

/**
 * The shipped refinement (`ensemble build --refine shape`): the same propagation once more, last, over the decided
 * probabilities (after the S-vs-N gate and the offsets), with a lighter neighbours' weight. The first propagation
 * runs before the gate, which reads timing and moves S calls beat by beat; the refinement lets a beat's shape family
 * agree on those calls. Its alpha was chosen on DS1 (leave one fold out, scripts/propagation-evidence.mjs); placed
 * before the offsets instead (offsets fitted on refined beats), it scored lower and less stably across alphas in a
 * scratch run (not in the repo).
 */
export const SHAPE_REFINEMENT: Propagation = { ...SHAPE_PROPAGATION, alpha: 0.5 };

export function validatePropagation(p: unknown, where: string, field = 'propagation'): Propagation {
  const x = p as Partial<Propagation> | null;
  const bad = (what: string) => new Error(`${where}: "${field}" ${what}`);
  if (!x || typeof x !== 'object') throw bad('must be an object');
  if (x.kind !== 'knn-shape') throw bad(`kind must be "knn-shape", got ${JSON.stringify(x.kind)}; update ecg-edge to read it`);
  const int = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (!int(x.k, 1)) throw bad('k must be an integer ≥ 1');
  if (!(typeof x.alpha === 'number' && x.alpha >= 0 && x.alpha < 1)) throw bad('alpha must be a number in [0, 1)');
  if (!int(x.iterations, 0)) throw bad('iterations must be an integer ≥ 0');
  if (!int(x.window, 1)) throw bad('window must be an integer ≥ 1');
  if (!int(x.stride, 1)) throw bad('stride must be an integer ≥ 1');
  if (!Array.isArray(x.channelWeights) || !x.channelWeights.length || !x.channelWeights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0)) {
    throw bad('channelWeights must list a finite weight ≥ 0 per beat channel');
  }
  return x as Propagation;
}

/** The beats `idx` of row-major beats (T samples × channels each), as distance features: every stride-th sample, weighted. */
function shapeFeatures(beats: Float32Array, T: number, channels: number, idx: readonly number[], cfg: Propagation): { X: Float32Array; D: number } {
  const perChannel = Math.ceil(T / cfg.stride), D = perChannel * channels;
  const X = new Float32Array(idx.length * D);
  idx.forEach((i, a) => {
    let q = a * D;
    for (let c = 0; c < channels; c++) {
      const w = cfg.channelWeights[c]!;
      for (let t = 0; t < T; t += cfg.stride) X[q++] = w * beats[(i * T + t) * channels + c]!;
    }
  });
  return { X, D };
}

/** k nearest beats of each beat (indices into the record's beats; a beat with fewer candidates repeats itself). */
function neighbours(X: Float32Array, D: number, m: number, k: number, window: number): Int32Array {
  const nb = new Int32Array(m * k);
  const bd = new Float64Array(k), bi = new Int32Array(k);
  for (let a = 0; a < m; a++) {
    bd.fill(Infinity);
    bi.fill(a);
    const lo = Math.max(0, a - window), hi = Math.min(m, a + window + 1), oa = a * D;
    for (let b = lo; b < hi; b++) {
      if (b === a) continue;
      const ob = b * D, worst = bd[k - 1]!;
      let s = 0;
      for (let q = 0; q < D && s < worst; q++) {
        const e = X[oa + q]! - X[ob + q]!;
        s += e * e;
      }
      if (s >= worst) continue;
      let j = k - 1;
      while (j > 0 && bd[j - 1]! > s) {
        bd[j] = bd[j - 1]!;
        bi[j] = bi[j - 1]!;
        j--;
      }
      bd[j] = s;
      bi[j] = b;
    }
    nb.set(bi, a * k);
  }
  return nb;
}

/** The neighbour graph of one record: its beats (indices into the batch) and each one's kk nearest (indices into idx). */
interface RecordGraph {
  idx: number[];
  kk: number;
  nb: Int32Array;
}

/**
 * Neighbour graphs already built, per beats array: the graph depends only on the beats, their records and the
 * distance settings (not on alpha or iterations), so a propagation and a refinement of the same beats, or the
 * candidates of `ensemble build --pick` (the same held-out beats, other probabilities), share one. Keyed by the
 * arrays themselves: beats and records are never modified once built.
 */
const graphCache = new WeakMap<Float32Array, { record: ArrayLike<number>; key: string; graphs: RecordGraph[] }[]>();

function recordGraphs(beats: Float32Array, T: number, record: ArrayLike<number>, cfg: Propagation): RecordGraph[] {
  const key = JSON.stringify([T, cfg.k, cfg.window, cfg.stride, cfg.channelWeights]);
  const entries = graphCache.get(beats) ?? [];
  const hit = entries.find((e) => e.record === record && e.key === key);
  if (hit) return hit.graphs;
  const channels = cfg.channelWeights.length;
  const byRecord = new Map<number, number[]>();
  for (let i = 0; i < record.length; i++) {
    const r = record[i]!;
    const list = byRecord.get(r);
    if (list) list.push(i);
    else byRecord.set(r, [i]);
  }
  const graphs: RecordGraph[] = [];
  for (const idx of byRecord.values()) {
    const m = idx.length;
    if (m < 2) continue;
    const { X, D } = shapeFeatures(beats, T, channels, idx, cfg);
    const kk = Math.min(cfg.k, m - 1);
    graphs.push({ idx, kk, nb: neighbours(X, D, m, kk, cfg.window) });
  }
  entries.push({ record, key, graphs });
  graphCache.set(beats, entries);
  return graphs;
}

/**
 * Propagates `p` within each record: `record[i]` names beat i's record (beats of a record in time order), `beats`
 * holds the beats' model inputs (T samples × channels each, row-major, as the members read them).
 */
export function propagate(p: ProbMatrix, beats: Float32Array, T: number, record: ArrayLike<number>, cfg: Propagation): ProbMatrix {
  const { n, C } = p;
  const channels = cfg.channelWeights.length;
  if (beats.length !== n * T * channels) throw new Error(`propagate: ${beats.length} beat values for ${n} beats of ${T} samples × ${channels} channels (the propagation's channelWeights); the beats must be the members' inputs`);
  if (record.length !== n) throw new Error(`propagate: ${record.length} record indices for ${n} beats`);
  const out = new Float32Array(p.data);
  for (const { idx, kk, nb } of recordGraphs(beats, T, record, cfg)) {
    const m = idx.length;
    const p0 = new Float32Array(m * C);
    idx.forEach((i, a) => p0.set(p.data.subarray(i * C, (i + 1) * C), a * C));
    let cur = p0.slice(), next = new Float32Array(m * C);
    for (let it = 0; it < cfg.iterations; it++) {
      for (let a = 0; a < m; a++) {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let j = 0; j < kk; j++) s += cur[nb[a * kk + j]! * C + c]!;
          next[a * C + c] = (1 - cfg.alpha) * p0[a * C + c]! + (cfg.alpha * s) / kk;
        }
      }
      [cur, next] = [next, cur];
    }
    idx.forEach((i, a) => out.set(cur.subarray(a * C, (a + 1) * C), i * C));
  }
  return { n, C, data: out };
}
