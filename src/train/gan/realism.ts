// Evidence that GAN beats are realistic, computed on model-input beats (central T samples, z-scored):
//  (a) acceptance: a beat-only classifier trained on real training beats labels the synthetic beats of class c
//      as c (reported next to its recall on real held-out beats of c, the reference);
//  (b) nearest-neighbour distance: RMS distance of each synthetic beat to its nearest real training beat of the
//      same class, against the same distance for real held-out beats (how far a new real beat lies from the
//      training set) and for training beats themselves (leave-one-out). Much smaller than the real references
//      means copying; much larger means drifting.
import * as tf from '@tensorflow/tfjs';
import { FramedConv1D } from '../layers/framed-conv1d.js';
import { rng, seedStream } from '../engine.js';

/**
 * RMS distance sqrt(mean_t (q_t − r_t)²) from each query row to its nearest reference row.
 * `excludeSelf`: queries are the references themselves (same order); a row's distance to itself is ignored.
 */
export function nearestDistances(queries: Float32Array, refs: Float32Array, T: number, opts: { excludeSelf?: boolean } = {}): Float32Array {
  const n = queries.length / T, m = refs.length / T;
  if (!Number.isInteger(n) || !Number.isInteger(m)) throw new Error(`nearestDistances: arrays are not whole rows of ${T}`);
  if (m === 0 || (opts.excludeSelf && m < 2)) throw new Error('nearestDistances: not enough reference beats');
  const out = new Float32Array(n);
  const R = tf.tensor2d(refs, [m, T]);
  const r2 = tf.tidy(() => tf.sum(tf.square(R), 1));
  const B = 512;
  for (let s = 0; s < n; s += B) {
    const k = Math.min(B, n - s);
    const d = tf.tidy(() => {
      const Q = tf.tensor2d(queries.subarray(s * T, (s + k) * T), [k, T]);
      const q2 = tf.sum(tf.square(Q), 1, true);
      let d2 = tf.sub(tf.add(q2, r2.reshape([1, m])), tf.mul(2, tf.matMul(Q, R, false, true)));
      if (opts.excludeSelf) {
        const self = tf.oneHot(tf.range(s, s + k, 1, 'int32'), m).toFloat();
        d2 = tf.add(d2, tf.mul(self, 1e30));
      }
      return tf.sqrt(tf.div(tf.relu(tf.min(d2, 1)), T));
    });
    out.set(d.dataSync() as Float32Array, s);
    d.dispose();
  }
  tf.dispose([R, r2]);
  return out;
}

export interface Summary { n: number; min: number; p5: number; p25: number; median: number; p75: number; p95: number; max: number; mean: number }

export function summarize(x: ArrayLike<number>): Summary {
  const a = Float64Array.from(x as ArrayLike<number>).sort();
  const n = a.length;
  if (n === 0) return { n: 0, min: NaN, p5: NaN, p25: NaN, median: NaN, p75: NaN, p95: NaN, max: NaN, mean: NaN };
  const q = (p: number) => {
    const pos = p * (n - 1), i = Math.floor(pos), u = pos - i;
    return i + 1 < n ? a[i]! * (1 - u) + a[i + 1]! * u : a[i]!;
  };
  return { n, min: a[0]!, p5: q(0.05), p25: q(0.25), median: q(0.5), p75: q(0.75), p95: q(0.95), max: a[n - 1]!, mean: a.reduce((s, v) => s + v, 0) / n };
}

/** A small beat-only classifier (morphology, no RR): FramedConv1D ×2 + pooling + dense. */
export function buildMorphologyClassifier(T: number, nClasses: number, seed: number): tf.LayersModel {
  const s = seedStream(seed);
  const x = tf.input({ shape: [T, 1], name: 'beat' });
  let h = new FramedConv1D({ filters: 16, kernelSize: 7, seed: s(), name: 'm_conv1' }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu', name: 'm_relu1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling1d({ poolSize: 2, strides: 2, name: 'm_pool1' }).apply(h) as tf.SymbolicTensor;
  h = new FramedConv1D({ filters: 32, kernelSize: 5, seed: s(), name: 'm_conv2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu', name: 'm_relu2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling1d({ poolSize: 4, strides: 4, name: 'm_pool2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'm_flat' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: s() }), name: 'm_dense' }).apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: nClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: s() }), name: 'm_probs' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'morphology' });
}

/**
 * Trains the morphology classifier on class-balanced batches of real beats (beats n×T, labels 0..C−1).
 * Balanced sampling keeps rare classes learnable; returns the model.
 */
export async function trainMorphologyClassifier(beats: Float32Array, labels: Int32Array, T: number, nClasses: number, opts: { steps?: number; batchPerClass?: number; seed?: number } = {}): Promise<tf.LayersModel> {
  const seed = opts.seed ?? 1;
  const model = buildMorphologyClassifier(T, nClasses, seed);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const members: number[][] = Array.from({ length: nClasses }, () => []);
  labels.forEach((c, i) => members[c]!.push(i));
  const present = members.map((m, c) => (m.length ? c : -1)).filter((c) => c >= 0);
  const bpc = opts.batchPerClass ?? 16;
  const rand = rng(seed ^ 0x77);
  const B = bpc * present.length;
  const xb = new Float32Array(B * T);
  const yb = new Int32Array(B);
  for (let step = 0; step < (opts.steps ?? 600); step++) {
    let o = 0;
    for (const c of present) {
      const m = members[c]!;
      for (let j = 0; j < bpc; j++, o++) {
        const i = m[Math.min(m.length - 1, Math.floor(rand() * m.length))]!;
        xb.set(beats.subarray(i * T, (i + 1) * T), o * T);
        yb[o] = c;
      }
    }
    const [x, y] = tf.tidy(() => [tf.tensor3d(xb, [B, T, 1]), tf.oneHot(tf.tensor1d(yb, 'int32'), nClasses).toFloat()]);
    await model.trainOnBatch(x!, y!);
    tf.dispose([x!, y!]);
  }
  return model;
}

export function predictClasses(model: tf.LayersModel, beats: Float32Array, T: number): Int32Array {
  const n = beats.length / T;
  const out = new Int32Array(n);
  for (let s = 0; s < n; s += 1024) {
    const k = Math.min(1024, n - s);
    const p = tf.tidy(() => (model.predict(tf.tensor3d(beats.subarray(s * T, (s + k) * T), [k, T, 1])) as tf.Tensor).argMax(-1));
    out.set(p.dataSync() as Int32Array, s);
    p.dispose();
  }
  return out;
}
