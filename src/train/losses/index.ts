// Classification losses for the beat classifiers: categorical focal loss (Lin et al. 2017) with per-class α
// and focusing parameter γ, weighted categorical cross-entropy, and the table behind the CLI's `--loss`.
//
// Every loss takes one-hot (or soft) targets yTrue [B, C] and softmax probabilities yPred [B, C] and returns the
// per-example loss [B], which is what tfjs `model.compile({ loss })` expects (it averages over the batch); use
// `meanLoss()` in a custom loop. Probabilities are clipped to [ε, 1-ε] before the log, so a confident wrong
// prediction gives a large finite loss and a finite gradient instead of Inf/NaN.
import * as tf from '@tensorflow/tfjs';

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

export interface FocalOptions {
  /** Per-class weight α_c (length = number of classes) or one weight for every class. Default 1. */
  alpha?: number[] | number;
  /** Focusing parameter γ ≥ 0: 0 gives (α-weighted) cross-entropy; larger values down-weight easy examples. Default 2. */
  gamma?: number;
  /** Probability clip ε. Default 1e-7. */
  epsilon?: number;
}

function checkAlpha(alpha: number[] | number | undefined, where: string): number[] | number {
  if (alpha === undefined) return 1;
  const arr = Array.isArray(alpha) ? alpha : [alpha];
  for (const a of arr) {
    if (!Number.isFinite(a) || a < 0) throw new Error(`${where}: alpha must be finite and ≥ 0, got ${a}`);
  }
  if (Array.isArray(alpha) && alpha.length === 0) throw new Error(`${where}: alpha is an empty list; give one weight per class`);
  return alpha;
}

function alphaTensor(alpha: number[] | number, nClasses: number, where: string): tf.Tensor {
  if (typeof alpha === 'number') return tf.scalar(alpha);
  if (alpha.length !== nClasses) {
    throw new Error(`${where}: alpha has ${alpha.length} entries but the model outputs ${nClasses} classes; give one weight per class`);
  }
  return tf.tensor1d(alpha);
}

/**
 * Categorical focal loss FL = -Σ_c α_c · y_c · (1 - p_c)^γ · log p_c, per example.
 * With γ = 0 and α = 1 it equals categorical cross-entropy.
 */
export function focalLoss(opts: FocalOptions = {}): LossFn {
  const gamma = opts.gamma ?? 2;
  const eps = opts.epsilon ?? 1e-7;
  if (!Number.isFinite(gamma) || gamma < 0) throw new Error(`focalLoss: gamma must be finite and ≥ 0, got ${gamma}`);
  if (!(eps > 0 && eps < 0.5)) throw new Error(`focalLoss: epsilon must be in (0, 0.5), got ${eps}`);
  const alpha = checkAlpha(opts.alpha, 'focalLoss');
  const fn: LossFn = (yTrue, yPred) =>
    tf.tidy(() => {
      const C = yPred.shape[yPred.shape.length - 1]!;
      const p = tf.clipByValue(yPred, eps, 1 - eps);
      const ce = tf.mul(tf.neg(yTrue), tf.log(p));
      const mod = gamma === 0 ? tf.onesLike(p) : tf.pow(tf.sub(1, p), gamma);
      const w = tf.mul(alphaTensor(alpha, C, 'focalLoss'), mod);
      return tf.sum(tf.mul(w, ce), -1);
    });
  Object.defineProperty(fn, 'name', { value: 'focalLoss' });
  return fn;
}

export interface WeightedCEOptions {
  /** Per-class weight (length = number of classes) or one weight for all. Default 1 (plain cross-entropy). */
  weights?: number[] | number;
  epsilon?: number;
}

/** Weighted categorical cross-entropy: -Σ_c w_c · y_c · log p_c, per example. */
export function weightedCrossEntropy(opts: WeightedCEOptions = {}): LossFn {
  const eps = opts.epsilon ?? 1e-7;
  const weights = checkAlpha(opts.weights, 'weightedCrossEntropy');
  const fn: LossFn = (yTrue, yPred) =>
    tf.tidy(() => {
      const C = yPred.shape[yPred.shape.length - 1]!;
      const p = tf.clipByValue(yPred, eps, 1 - eps);
      return tf.sum(tf.mul(alphaTensor(weights, C, 'weightedCrossEntropy'), tf.mul(tf.neg(yTrue), tf.log(p))), -1);
    });
  Object.defineProperty(fn, 'name', { value: 'weightedCrossEntropy' });
  return fn;
}

/** Scalar mean of a per-example loss, for custom training loops (tf.variableGrads / optimizer.minimize). */
export function meanLoss(fn: LossFn, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(fn(yTrue, yPred)) as tf.Scalar);
}

/**
 * Class weights from training counts, normalized so the count-weighted mean weight is 1.
 *   'inverse': w_c ∝ 1/n_c;  'sqrt': w_c ∝ 1/√n_c;  'none': all 1.
 * Classes with no examples get weight 0 (they cannot contribute to the loss anyway).
 */
export function classWeights(counts: number[], mode: 'inverse' | 'sqrt' | 'none' = 'sqrt'): number[] {
  if (counts.some((n) => !(n >= 0))) throw new Error(`classWeights: counts must be ≥ 0, got [${counts.join(', ')}]`);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) throw new Error('classWeights: every class count is 0; the dataset is empty');
  if (mode === 'none') return counts.map(() => 1);
  const raw = counts.map((n) => (n === 0 ? 0 : mode === 'inverse' ? 1 / n : 1 / Math.sqrt(n)));
  const mean = raw.reduce((s, w, i) => s + w * counts[i]!, 0) / total;
  return raw.map((w) => w / mean);
}

export interface LossConfig {
  /** Per-class weights (α for focal, w for cross-entropy), typically from classWeights(). */
  classWeights?: number[];
  /** γ for the focal loss (default 2). */
  gamma?: number;
}

export interface LossEntry {
  name: string;
  description: string;
  make(cfg?: LossConfig): LossFn;
}

/** The losses selectable with `ecg-edge train --loss <name>`. 'ce' first (the default). */
export const LOSSES: LossEntry[] = [
  {
    name: 'ce',
    description: 'categorical cross-entropy, weighted by the class weights when given',
    make: (cfg = {}) => weightedCrossEntropy({ weights: cfg.classWeights }),
  },
  {
    name: 'focal',
    description: 'categorical focal loss, α = class weights (or 1), γ = 2 unless set',
    make: (cfg = {}) => focalLoss({ alpha: cfg.classWeights, gamma: cfg.gamma ?? 2 }),
  },
];

export function lossNames(): string[] {
  return LOSSES.map((l) => l.name);
}

/** Look up a loss by name; a clear error lists the choices. */
export function getLoss(name: string, cfg?: LossConfig): LossFn {
  const entry = LOSSES.find((l) => l.name === name);
  if (!entry) throw new Error(`unknown loss '${name}': choose one of ${lossNames().join(', ')}`);
  return entry.make(cfg);
}
