// Batched inference of a Layers model on a BeatSet (or on prepared inputs), returning class probabilities.
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from './spec.js';
import { gatherBeats } from './dataset/features.js';
import type { BeatSet } from './dataset/protocols.js';

export interface Probs {
  n: number;
  C: number;
  data: Float32Array;
}

/** Probabilities for prepared inputs: beats n×T (normalized) and rr n×4. */
export async function predictPrepared(model: tf.LayersModel, beats: Float32Array, T: number, rr: Float32Array, batch = 1024): Promise<Probs> {
  const n = beats.length / T;
  const nf = rr.length / Math.max(1, n);
  let C = 0;
  let data = new Float32Array(0);
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const out = tf.tidy(() => {
      const xb = tf.tensor3d(beats.subarray(s * T, (s + m) * T), [m, T, 1]);
      const xr = tf.tensor2d(rr.subarray(s * nf, (s + m) * nf), [m, nf]);
      return model.predict([xb, xr]) as tf.Tensor2D;
    });
    const v = (await out.data()) as Float32Array;
    if (C === 0) {
      C = out.shape[1];
      data = new Float32Array(n * C);
    }
    data.set(v, s * C);
    out.dispose();
  }
  return { n, C, data };
}

/** Probabilities for every beat of a BeatSet (no augmentation). */
export async function predictSet(model: tf.LayersModel, set: BeatSet, spec: InputSpec, batch = 1024): Promise<Probs> {
  const idx = new Int32Array(set.n);
  for (let i = 0; i < set.n; i++) idx[i] = i;
  const beats = gatherBeats(set.windows, set.margin, spec, idx);
  return predictPrepared(model, beats, spec.length, set.rr, batch);
}

export function argmax(p: Probs): Int32Array {
  const out = new Int32Array(p.n);
  for (let i = 0; i < p.n; i++) {
    let b = 0;
    for (let c = 1; c < p.C; c++) if (p.data[i * p.C + c]! > p.data[i * p.C + b]!) b = c;
    out[i] = b;
  }
  return out;
}
