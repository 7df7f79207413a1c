// Batched inference of a Layers model on a BeatSet (or on prepared inputs), returning class probabilities.
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from './spec.js';
import { setInputs, type BeatSet } from './dataset/protocols.js';

export interface Probs {
  n: number;
  C: number;
  data: Float32Array;
}

/**
 * Probabilities for prepared inputs: beats n × T × C (normalized, time-major) and rr n × F. `T` is the window
 * length; n comes from the number of rows of rr when given (`n`), else from beats assuming C = 1.
 */
export async function predictPrepared(model: tf.LayersModel, beats: Float32Array, T: number, rr: Float32Array, batch = 1024, n?: number): Promise<Probs> {
  const inShape = (model.inputs[0]!.shape as (number | null)[]);
  const C = (inShape[2] as number | null) ?? 1;
  const N = n ?? beats.length / (T * C);
  const nf = rr.length / Math.max(1, N);
  let K = 0;
  let data = new Float32Array(0);
  for (let s = 0; s < N; s += batch) {
    const m = Math.min(batch, N - s);
    const out = tf.tidy(() => {
      const xb = tf.tensor3d(beats.subarray(s * T * C, (s + m) * T * C), [m, T, C]);
      const xr = tf.tensor2d(rr.subarray(s * nf, (s + m) * nf), [m, nf]);
      return model.predict([xb, xr]) as tf.Tensor2D;
    });
    const v = (await out.data()) as Float32Array;
    if (K === 0) {
      K = out.shape[1];
      data = new Float32Array(N * K);
    }
    data.set(v, s * K);
    out.dispose();
  }
  return { n: N, C: K, data };
}

/** Probabilities for every beat of a BeatSet (no augmentation). */
export async function predictSet(model: tf.LayersModel, set: BeatSet, spec: InputSpec, batch = 1024): Promise<Probs> {
  const x = setInputs(set, spec);
  return predictPrepared(model, x.beats, spec.length, x.rr, batch);
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
