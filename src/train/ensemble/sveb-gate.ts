// The S-vs-N gate: a logistic regression on the beat's RR features alone that decides between N and S for the
// beats an ensemble calls N or S.
//
// Why: across patients, the networks' S-vs-N decision leans on beat shape that does not transfer between patients,
// while prematurity (the RR features) does. On the N and S beats of DS1, scored out of record, RR features alone
// separate S from N better than the networks (docs/RESULTS.md, "S beats across patients"). The gate keeps the
// networks for what shape decides (V, F, Q) and lets RR timing split N from S.
//
// Model: terms = log(max(f_i, 1e-3)) of the F RR features, then the products of every pair i ≤ j (F + F(F+1)/2
// terms), standardized by the fitted mean and std; q = σ(w·terms + b) is the probability of S against N.
// Applied to a probability row whose argmax is N or S: the row's N+S mass m is split as (m(1 − q), m q); rows the
// ensemble calls V, F or Q are left as they are.
//
// Its RR features (GATE_RR): 'member', the members' own RR features (every model input already has them);
// 'median', the same with pre/recordAvg and post/recordAvg replaced by pre- and post-RR over the running median RR;
// 'median+irregularity', those and the record's irregularity, how irregular the patient's rhythm has been over the
// last ~3000 beats (GATE_RR_FEATURE_NAMES and GATE_RR_SETTINGS in spec.ts; causal and label-free like the others).
// These gate-only features are computed next to the model's (RecordBeats.rrGate) and picked by name (rrColumns).
//
// Fitted on held-out beats (each scored by members that did not train on it; `ensemble build --sveb-gate rr`) by
// weighted cross-entropy over their N and S beats, S weighted √(N/S), L2 0.03 (GATE_L2), 200 full-batch Adam steps
// from zero: deterministic. These settings were compared on DS1 only (leave one record out); see docs/TRAINING.md.
// The L2 strength is the one with the best gated S F1 out of record on DS1 (scripts/sveb-evidence.mjs, gateL2):
// a weaker penalty fits the training patients' RR pattern more closely and transfers less.
import { createHash } from 'node:crypto';
import { argmaxRows, gatherRows, type ProbMatrix } from './index.js';
import { heldOutMetrics } from './calibrate.js';
import { GATE_RR_FEATURE_NAMES, GATE_RR_SETTINGS, RR_FEATURE_NAMES } from '../spec.js';
import { rrColumns } from '../dataset/features.js';

export interface SvebGate {
  kind: 'rr-logistic';
  /** RR feature names the gate reads, in this order: the members' (RR_FEATURE_NAMES) and gate-only ones (GATE_RR_FEATURE_NAMES). */
  features: string[];
  /** The settings of the gate-only RR features (GATE_RR_SETTINGS) when `features` has any of them. */
  settings?: { median: { window: number; minRR: number }; irregularityWindow: number };
  /** Standardization of the terms (log features, then pairwise products). */
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
  /** How it was fitted and what it did out of record. */
  fit: SvebGateFit;
}

export interface SvebGateFit {
  data: string;
  nBeats: number;
  sBeats: number;
  sWeight: number;
  l2: number;
  steps: number;
  /**
   * Leave one record out on the same held-out beats: every record gated by a gate fitted without it. S Se/+P/F1
   * over all labelled beats (the ensemble's own V/F/Q calls kept), before and after gating.
   */
  outOfRecord?: { records: number; before: SStats; after: SStats };
}

export interface SStats {
  se: number;
  ppv: number;
  f1: number;
}

const N = 0, S = 1;

/** Which RR features a gate reads (see the file comment). */
export const GATE_RR = ['member', 'median', 'median+irregularity'] as const;
export type GateRR = (typeof GATE_RR)[number];

/** The gate's RR feature names for members that read `member` (their spec's RR features, in order). */
export function gateFeatureNames(member: readonly string[], kind: GateRR = 'member'): string[] {
  if (kind === 'member') return [...member];
  if (kind !== 'median' && kind !== 'median+irregularity') throw new Error(`unknown gate RR features '${String(kind)}': choose one of ${GATE_RR.join(', ')}`);
  const swap: Record<string, string> = { 'pre/recordAvg': 'pre/recordMedian', 'post/recordAvg': 'post/recordMedian' };
  const median = member.map((f) => swap[f] ?? f);
  return kind === 'median' ? median : [...median, 'recordIrregularity'];
}

/**
 * The RR rows a decision's gate reads, picked from the beats' RR rows (the members' `rr`, named by `rrFeatures`, and
 * the gate-only `rrGate`); the members' rows when there is no gate.
 */
export function gateInput(b: { rr: Float32Array; rrFeatures: readonly string[]; rrGate: Float32Array }, gate: Pick<SvebGate, 'features'> | undefined): Float32Array {
  return gate ? rrColumns(b.rr, b.rrFeatures, b.rrGate, gate.features) : b.rr;
}

/** Does a gate read gate-only RR features (which callers pass as gateRR rows)? */
export const readsGateOnly = (features: readonly string[]) => features.some((f) => (GATE_RR_FEATURE_NAMES as readonly string[]).includes(f));

/** The gate's terms for one beat's RR features (F values). */
export function gateTerms(rr: ArrayLike<number>, off = 0, F = rr.length): number[] {
  const x: number[] = [];
  for (let i = 0; i < F; i++) x.push(Math.log(Math.max(rr[off + i]!, 1e-3)));
  const t = [...x];
  for (let i = 0; i < F; i++) for (let j = i; j < F; j++) t.push(x[i]! * x[j]!);
  return t;
}

function logit(g: Pick<SvebGate, 'mean' | 'std' | 'weights' | 'bias'>, t: number[]): number {
  let s = g.bias;
  for (let j = 0; j < t.length; j++) s += g.weights[j]! * ((t[j]! - g.mean[j]!) / g.std[j]!);
  return s;
}

/** Gated probabilities (see the file comment); `rr` holds F features per beat, in the gate's feature order. */
export function applySvebGate(m: ProbMatrix, rr: Float32Array, gate: SvebGate): ProbMatrix {
  const F = gate.features.length;
  if (rr.length !== m.n * F) throw new Error(`S-vs-N gate: ${rr.length / F} RR rows of ${F} features for ${m.n} scored beats`);
  const out = new Float32Array(m.data);
  const top = argmaxRows(m);
  for (let i = 0; i < m.n; i++) {
    if (top[i] !== N && top[i] !== S) continue;
    const q = 1 / (1 + Math.exp(-logit(gate, gateTerms(rr, i * F, F))));
    const o = i * m.C, mass = m.data[o + N]! + m.data[o + S]!;
    out[o + N] = mass * (1 - q);
    out[o + S] = mass * q;
  }
  return { n: m.n, C: m.C, data: out };
}

/** Checks a manifest's gate against the members' RR feature names. */
export function validateSvebGate(g: unknown, where: string): SvebGate {
  const x = g as Partial<SvebGate> | null;
  const bad = (what: string) => new Error(`${where}: "svebGate" ${what}`);
  if (!x || typeof x !== 'object' || x.kind !== 'rr-logistic') throw bad('must have "kind": "rr-logistic"');
  if (!Array.isArray(x.features) || !x.features.length || !x.features.every((f) => typeof f === 'string')) throw bad('must list its RR "features"');
  const known: readonly string[] = [...RR_FEATURE_NAMES, ...GATE_RR_FEATURE_NAMES];
  const unknown = x.features.find((f) => !known.includes(f));
  if (unknown !== undefined) throw bad(`reads RR feature '${unknown}', which this build does not compute (it knows ${known.join(', ')})`);
  if (readsGateOnly(x.features) && JSON.stringify(x.settings) !== JSON.stringify(GATE_RR_SETTINGS)) {
    throw bad(`reads gate-only RR features computed with ${JSON.stringify(x.settings)}, but this build computes them with ${JSON.stringify(GATE_RR_SETTINGS)}: rebuild the ensemble with \`ecg-edge ensemble build --gate-rr …\``);
  }
  const F = x.features.length, T = F + (F * (F + 1)) / 2;
  const finite = (a: unknown, n: number) => Array.isArray(a) && a.length === n && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!finite(x.mean, T) || !finite(x.std, T) || !finite(x.weights, T)) throw bad(`needs "mean", "std" and "weights" of ${T} finite numbers each (${F} features)`);
  if (!x.std!.every((v) => v > 0)) throw bad('"std" values must be > 0');
  if (typeof x.bias !== 'number' || !Number.isFinite(x.bias)) throw bad('needs a finite "bias"');
  return x as SvebGate;
}

/** The gate's default L2 strength, chosen on DS1 out of record (see the file comment). */
export const GATE_L2 = 0.03;

interface FitOptions { sWeightPower?: number; l2?: number; steps?: number }

type Weights = ReturnType<typeof fitWeightsUncached>;

// The gate reads RR features and labels only, never the members' probabilities, so ensembles scored on the same
// held-out beats (the candidates of `ensemble build --pick held-out`) fit identical gates. Fits are remembered by a
// digest of exactly what they read (settings, terms and labels: `inputs`, digested once per fitSvebGate call; rows);
// at most FIT_CACHE_SIZE of them.
const FIT_CACHE_SIZE = 1024;
const fitCache = new Map<string, Weights>();

/** The digest of a fit's shared inputs, the first part of its cache key. */
function inputsDigest(terms: Float64Array, T: number, labels: ArrayLike<number>, o: Required<FitOptions>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([T, o.sWeightPower, o.l2, o.steps]));
  h.update(new Uint8Array(terms.buffer, terms.byteOffset, terms.byteLength));
  h.update(Int8Array.from(labels));
  return h.digest('hex');
}

/** Fits the gate's standardization and weights on the N and S rows of `idx` (remembered; see fitCache). */
function fitWeights(inputs: string, terms: Float64Array, T: number, labels: ArrayLike<number>, idx: number[], o: Required<FitOptions>): Weights {
  const key = inputs + createHash('sha256').update(new Uint8Array(Int32Array.from(idx).buffer)).digest('hex');
  const copy = (w: Weights): Weights => ({ ...w, mean: [...w.mean], std: [...w.std], weights: [...w.weights] });
  const hit = fitCache.get(key);
  if (hit) return copy(hit);
  const w = fitWeightsUncached(terms, T, labels, idx, o);
  if (fitCache.size >= FIT_CACHE_SIZE) fitCache.delete(fitCache.keys().next().value!);
  fitCache.set(key, w);
  return copy(w);
}

function fitWeightsUncached(terms: Float64Array, T: number, labels: ArrayLike<number>, idx: number[], o: Required<FitOptions>) {
  const rows = idx.filter((i) => labels[i] === N || labels[i] === S);
  const sCount = rows.filter((i) => labels[i] === S).length;
  if (sCount === 0 || sCount === rows.length) throw new Error(`S-vs-N gate: needs both N and S beats to fit (${rows.length - sCount} N, ${sCount} S)`);
  const mean = new Float64Array(T), std = new Float64Array(T);
  for (const i of rows) for (let j = 0; j < T; j++) mean[j] += terms[i * T + j]! / rows.length;
  for (const i of rows) for (let j = 0; j < T; j++) std[j] += (terms[i * T + j]! - mean[j]!) ** 2 / rows.length;
  for (let j = 0; j < T; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const sW = Math.pow((rows.length - sCount) / sCount, o.sWeightPower);
  const total = rows.length - sCount + sCount * sW;
  // the standardized terms of the fitted rows, computed once for all steps
  const X = new Float64Array(rows.length * T), isS = Uint8Array.from(rows, (i) => (labels[i] === S ? 1 : 0));
  rows.forEach((i, r) => { for (let j = 0; j < T; j++) X[r * T + j] = (terms[i * T + j]! - mean[j]!) / std[j]!; });
  const th = new Float64Array(T + 1), m1 = new Float64Array(T + 1), m2 = new Float64Array(T + 1), g = new Float64Array(T + 1);
  const lr = 0.05, b1 = 0.9, b2 = 0.999;
  for (let step = 1; step <= o.steps; step++) {
    g.fill(0);
    for (let r = 0; r < rows.length; r++) {
      let z = th[T]!;
      for (let j = 0; j < T; j++) z += th[j]! * X[r * T + j]!;
      const y = isS[r]!;
      const e = ((1 / (1 + Math.exp(-z)) - y) * (y ? sW : 1)) / total;
      for (let j = 0; j < T; j++) g[j] += e * X[r * T + j]!;
      g[T] += e;
    }
    for (let k = 0; k <= T; k++) {
      const gk = g[k]! + (k < T ? o.l2 * th[k]! : 0);
      m1[k] = b1 * m1[k]! + (1 - b1) * gk;
      m2[k] = b2 * m2[k]! + (1 - b2) * gk * gk;
      th[k] -= (lr * (m1[k]! / (1 - b1 ** step))) / (Math.sqrt(m2[k]! / (1 - b2 ** step)) + 1e-8);
    }
  }
  const r = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    mean: Array.from(mean, r), std: Array.from(std, r), weights: Array.from(th.subarray(0, T), r), bias: r(th[T]!),
    nBeats: rows.length - sCount, sBeats: sCount, sWeight: r(sW),
  };
}

/** S Se/+P/F1 of argmax(m) over the labelled beats (labels −1 skipped; 0 where nothing is called or present). */
export function sStats(m: ProbMatrix, labels: ArrayLike<number>): SStats {
  const c = heldOutMetrics(m, labels, Array.from({ length: m.C }, (_, k) => String(k))).perClass[S]!;
  const r = (v: number | null) => Math.round((v ?? 0) * 10000) / 10000;
  return { se: r(c.se), ppv: r(c.ppv), f1: r(c.f1) };
}

/**
 * Fits the gate on held-out predictions: `rr` (F features per beat, named `features`), `labels` (−1 = unlabelled).
 * When `record` (a record index per beat) is given, also gates every record with a gate fitted without it
 * (leave one record out): `outOfRecord` holds those probabilities, and the gate's `fit.outOfRecord` their effect.
 * What is chosen after the gate (the class offsets) is chosen on them, so that no choice sees the gate's own fit.
 */
export function fitSvebGate(
  probs: ProbMatrix,
  rr: Float32Array,
  features: string[],
  labels: ArrayLike<number>,
  data: string,
  opts: FitOptions & { record?: ArrayLike<number> } = {},
): { gate: SvebGate; outOfRecord: ProbMatrix | null } {
  const o: Required<FitOptions> = { sWeightPower: opts.sWeightPower ?? 0.5, l2: opts.l2 ?? GATE_L2, steps: opts.steps ?? 200 };
  const F = features.length;
  if (rr.length !== probs.n * F) throw new Error(`S-vs-N gate: ${rr.length / F} RR rows of ${F} features for ${probs.n} held-out beats`);
  if (labels.length !== probs.n) throw new Error(`S-vs-N gate: ${labels.length} labels for ${probs.n} held-out beats`);
  const T = F + (F * (F + 1)) / 2;
  const terms = new Float64Array(probs.n * T);
  for (let i = 0; i < probs.n; i++) terms.set(gateTerms(rr, i * F, F), i * T);
  const all = Array.from({ length: probs.n }, (_, i) => i);
  const inputs = inputsDigest(terms, T, labels, o);
  const w = fitWeights(inputs, terms, T, labels, all, o);
  const gate: SvebGate = {
    kind: 'rr-logistic', features: [...features], ...(readsGateOnly(features) ? { settings: structuredClone(GATE_RR_SETTINGS) } : {}), mean: w.mean, std: w.std, weights: w.weights, bias: w.bias,
    fit: { data, nBeats: w.nBeats, sBeats: w.sBeats, sWeight: w.sWeight, l2: o.l2, steps: o.steps },
  };
  if (opts.record) {
    const recs = [...new Set(Array.from(opts.record))].sort((a, b) => a - b);
    const gated = new Float32Array(probs.data);
    for (const h of recs) {
      const train = all.filter((i) => opts.record![i] !== h);
      const test = all.filter((i) => opts.record![i] === h);
      let g: Weights;
      try {
        g = fitWeights(inputs, terms, T, labels, train, o);
      } catch {
        continue; // no S beats outside this record: left ungated
      }
      const sub: ProbMatrix = { n: test.length, C: probs.C, data: gatherRows(probs.data, probs.C, test) };
      const out = applySvebGate(sub, gatherRows(rr, F, test), { ...gate, mean: g.mean, std: g.std, weights: g.weights, bias: g.bias });
      test.forEach((i, k) => gated.set(out.data.subarray(k * probs.C, (k + 1) * probs.C), i * probs.C));
    }
    const outOfRecord = { ...probs, data: gated };
    gate.fit.outOfRecord = { records: recs.length, before: sStats(probs, labels), after: sStats(outOfRecord, labels) };
    return { gate, outOfRecord };
  }
  return { gate, outOfRecord: null };
}
