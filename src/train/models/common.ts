// Shared pieces of the architecture builders. Only the layer set agreed with the int8 exporter is used:
// FramedConv1D, BatchNormalization, Activation(relu), MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D,
// LSTM, TemporalAttention, Add, Concatenate, Flatten, Dense, Dropout, softmax.
import * as tf from '@tensorflow/tfjs';
import { FramedConv1D } from '../layers/framed-conv1d.js';
import { seedStream } from '../engine.js';
import { beatChannels, type InputSpec } from '../spec.js';

export interface BuildOptions {
  seed?: number;
  /** Width multiplier for the channel counts (1 = default). */
  width?: number;
  dropout?: number;
  /** Units of the dense layer on the RR features before they join the morphology (0 = join directly; default 16). */
  rrBranch?: number;
}

export interface Ctx {
  seed: () => number;
  width: number;
  dropout: number;
  rrBranch: number;
  n: Record<string, number>;
}

export function ctx(opts: BuildOptions): Ctx {
  return { seed: seedStream(opts.seed ?? 1), width: opts.width ?? 1, dropout: opts.dropout ?? 0.3, rrBranch: opts.rrBranch ?? 16, n: {} };
}

export function nm(c: Ctx, base: string): string {
  c.n[base] = (c.n[base] ?? 0) + 1;
  return `${base}_${c.n[base]}`;
}

export function inputs(spec: InputSpec): { beat: tf.SymbolicTensor; rr: tf.SymbolicTensor } {
  const beat = tf.input({ shape: [spec.length, beatChannels(spec).length], name: 'beat', dtype: 'float32' });
  const rr = tf.input({ shape: [spec.rr.features.length], name: 'rr', dtype: 'float32' });
  return { beat, rr };
}

export function conv(c: Ctx, x: tf.SymbolicTensor, filters: number, k: number, useBias = false): tf.SymbolicTensor {
  return new FramedConv1D({ filters: Math.max(1, Math.round(filters * c.width)), kernelSize: k, useBias, seed: c.seed(), name: nm(c, 'fconv') }).apply(x) as tf.SymbolicTensor;
}

export function bn(c: Ctx, x: tf.SymbolicTensor): tf.SymbolicTensor {
  return tf.layers.batchNormalization({ name: nm(c, 'bn'), momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
}

export function relu(c: Ctx, x: tf.SymbolicTensor): tf.SymbolicTensor {
  return tf.layers.activation({ activation: 'relu', name: nm(c, 'relu') }).apply(x) as tf.SymbolicTensor;
}

/** FramedConv1D → BatchNormalization → ReLU. */
export function convBnRelu(c: Ctx, x: tf.SymbolicTensor, filters: number, k: number): tf.SymbolicTensor {
  return relu(c, bn(c, conv(c, x, filters, k)));
}

export function maxPool(c: Ctx, x: tf.SymbolicTensor, size = 2): tf.SymbolicTensor {
  return tf.layers.maxPooling1d({ poolSize: size, strides: size, padding: 'valid', name: nm(c, 'maxpool') }).apply(x) as tf.SymbolicTensor;
}

export function dense(c: Ctx, x: tf.SymbolicTensor, units: number, activation: 'relu' | 'linear' | 'softmax', name?: string): tf.SymbolicTensor {
  return tf.layers
    .dense({
      units,
      activation,
      kernelInitializer: activation === 'relu' ? tf.initializers.heNormal({ seed: c.seed() }) : tf.initializers.glorotUniform({ seed: c.seed() }),
      name: name ?? nm(c, 'dense'),
    })
    .apply(x) as tf.SymbolicTensor;
}

// No per-layer dropout seed: tfjs would then draw the same mask at every step. The trainer seeds the process's
// Math.random instead (engine.seedGlobalRandom), which every unseeded tfjs random op draws from.
export function dropout(c: Ctx, x: tf.SymbolicTensor, rate = c.dropout): tf.SymbolicTensor {
  return tf.layers.dropout({ rate, name: nm(c, 'dropout') }).apply(x) as tf.SymbolicTensor;
}

export function lstm(c: Ctx, x: tf.SymbolicTensor, units: number, returnSequences: boolean): tf.SymbolicTensor {
  return tf.layers
    .lstm({
      units: Math.max(1, Math.round(units * c.width)),
      returnSequences,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed() }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: c.seed() }),
      unitForgetBias: true,
      name: nm(c, 'lstm'),
    })
    .apply(x) as tf.SymbolicTensor;
}

/**
 * Joins the morphology features with the rhythm features and ends in the 5-class softmax named 'probs'. The RR
 * input first gets its own small dense layer: with the raw ratios concatenated straight onto the morphology
 * features, models learned patient-specific S shapes instead of prematurity and failed on unseen patients
 * (the input ablation in docs/TRAINING.md).
 */
export function head(c: Ctx, features: tf.SymbolicTensor, rr: tf.SymbolicTensor, nClasses: number, hidden = 32): tf.SymbolicTensor {
  const rhythm = c.rrBranch > 0 ? dense(c, rr, c.rrBranch, 'relu') : rr;
  const joined = tf.layers.concatenate({ name: nm(c, 'concat') }).apply([features, rhythm]) as tf.SymbolicTensor;
  const h = dropout(c, dense(c, joined, hidden, 'relu'));
  return dense(c, h, nClasses, 'softmax', 'probs');
}
