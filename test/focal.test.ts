import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { focalLoss, weightedCrossEntropy, meanLoss, classWeights, getLoss, lossNames } from '../src/train/losses/index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** Softmax outputs of a small random dense model on random inputs, with random one-hot labels. */
function realBatch(seed: number, B = 64, C = 5) {
  return tf.tidy(() => {
    const x = tf.randomNormal([B, 8], 0, 2, 'float32', seed);
    const w = tf.randomNormal([8, C], 0, 1, 'float32', seed + 1);
    const p = tf.softmax(tf.matMul(x, w));
    const labels = tf.randomUniform([B], 0, C, 'int32', seed + 2);
    const y = tf.oneHot(labels, C).toFloat();
    return { p, y };
  });
}

describe('focal loss', () => {
  it('with γ = 0 and α = 1 equals categorical cross-entropy', () => {
    const { p, y } = realBatch(1);
    const fl = focalLoss({ gamma: 0, alpha: 1 })(y, p).arraySync() as number[];
    const ce = (tf.metrics.categoricalCrossentropy(y, p) as tf.Tensor).arraySync() as number[];
    const wce = weightedCrossEntropy()(y, p).arraySync() as number[];
    expect(fl).toHaveLength(64);
    for (let i = 0; i < fl.length; i++) {
      expect(fl[i]).toBeCloseTo(ce[i]!, 4);
      expect(wce[i]).toBeCloseTo(ce[i]!, 4);
    }
    tf.dispose([p, y]);
  });

  it('matches the formula −α_c (1−p_c)^γ log p_c with per-class α', () => {
    const p = tf.tensor2d([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25]]);
    const y = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const alpha = [0.25, 2, 4];
    const got = focalLoss({ alpha, gamma: 2 })(y, p).arraySync() as number[];
    const want = [
      -0.25 * 0.3 ** 2 * Math.log(0.7),
      -2 * 0.9 ** 2 * Math.log(0.1),
      -4 * 0.75 ** 2 * Math.log(0.25),
    ];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
    tf.dispose([p, y]);
  });

  it('its gradient down-weights easy examples relative to cross-entropy', () => {
    // Two examples of class 0: an easy one (p0 ≈ 0.95) and a hard one (p0 ≈ 0.2). Gradient w.r.t. logits.
    const logits = tf.tensor2d([[4, 1, 1], [0, 1.2, 0.5]]);
    const y = tf.tensor2d([[1, 0, 0], [1, 0, 0]]);
    const gradOf = (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
      tf.grad((z: tf.Tensor) => tf.sum(fn(y, tf.softmax(z))))(logits).arraySync() as number[][];
    const norm = (v: number[]) => Math.hypot(...v);
    const gFocal = gradOf(focalLoss({ gamma: 2 }));
    const gCE = gradOf(weightedCrossEntropy());
    const easyRatio = norm(gFocal[0]!) / norm(gCE[0]!);
    const hardRatio = norm(gFocal[1]!) / norm(gCE[1]!);
    expect(easyRatio).toBeLessThan(0.05);
    expect(hardRatio).toBeGreaterThan(0.3);
    expect(easyRatio).toBeLessThan(hardRatio / 10);
    // And larger γ focuses harder.
    const gFocal5 = gradOf(focalLoss({ gamma: 5 }));
    expect(norm(gFocal5[0]!) / norm(gCE[0]!)).toBeLessThan(easyRatio);
    tf.dispose([logits, y]);
  });

  it('is finite for saturated wrong predictions (no NaN/Inf in loss or gradient)', () => {
    const logits = tf.tensor2d([[80, -80, 0], [0, 0, 0]]);
    const y = tf.tensor2d([[0, 1, 0], [0, 0, 1]]);
    const f = focalLoss({ gamma: 2, alpha: [1, 3, 1] });
    const loss = f(y, tf.softmax(logits)).arraySync() as number[];
    const g = tf.grad((z: tf.Tensor) => tf.sum(f(y, tf.softmax(z))))(logits).arraySync() as number[][];
    for (const v of [...loss, ...g.flat()]) expect(Number.isFinite(v)).toBe(true);
    expect(loss[0]).toBeGreaterThan(10); // -3·log(1e-7) ≈ 48
    tf.dispose([logits, y]);
  });

  it('trains a model through model.compile and reduces the loss', async () => {
    const { p: _p, y } = realBatch(7, 256, 3);
    _p.dispose();
    const labels = y.argMax(-1);
    // Inputs that carry the label (noisy one-hot): learnable.
    const x = tf.tidy(() => tf.add(tf.mul(y, 2), tf.randomNormal([256, 3], 0, 0.7, 'float32', 9)));
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: focalLoss({ alpha: [1, 2, 1], gamma: 2 }) });
    const h = await model.fit(x, y, { epochs: 15, batchSize: 64, verbose: 0, shuffle: false });
    const losses = h.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.6);
    const acc = tf.tidy(() => tf.mean(tf.equal((model.predict(x) as tf.Tensor).argMax(-1), labels)).dataSync()[0]!);
    expect(acc).toBeGreaterThan(0.8);
    const m = meanLoss(focalLoss({ gamma: 2 }), y, model.predict(x) as tf.Tensor);
    expect(m.shape).toEqual([]);
    tf.dispose([x, y, labels, m]);
    model.dispose();
  });

  it('rejects bad settings with clear errors', () => {
    expect(() => focalLoss({ gamma: -1 })).toThrow(/gamma/);
    expect(() => focalLoss({ alpha: [1, -2] })).toThrow(/alpha/);
    const p = tf.tensor2d([[0.5, 0.5]]);
    expect(() => focalLoss({ alpha: [1, 1, 1] })(tf.tensor2d([[1, 0]]), p)).toThrow(/3 entries .* 2 classes/);
    expect(() => getLoss('hinge')).toThrow(/ce, focal/);
    p.dispose();
  });
});

describe('loss table and class weights', () => {
  it('lists ce and focal and builds working losses', () => {
    expect(lossNames()).toEqual(['ce', 'focal']);
    const p = tf.tensor2d([[0.6, 0.4]]);
    const y = tf.tensor2d([[0, 1]]);
    expect(getLoss('ce', { classWeights: [1, 3] })(y, p).dataSync()[0]).toBeCloseTo(-3 * Math.log(0.4), 5);
    expect(getLoss('focal', { classWeights: [1, 3], gamma: 1 })(y, p).dataSync()[0]).toBeCloseTo(-3 * 0.6 * Math.log(0.4), 5);
    tf.dispose([p, y]);
  });

  it('class weights have count-weighted mean 1 and favour rare classes', () => {
    const counts = [45824, 943, 3788, 414, 8];
    for (const mode of ['inverse', 'sqrt'] as const) {
      const w = classWeights(counts, mode);
      const mean = w.reduce((s, x, i) => s + x * counts[i]!, 0) / counts.reduce((a, b) => a + b);
      expect(mean).toBeCloseTo(1, 10);
      expect(w[4]!).toBeGreaterThan(w[3]!);
      expect(w[3]!).toBeGreaterThan(w[1]!);
      expect(w[1]!).toBeGreaterThan(w[0]!);
    }
    expect(classWeights([10, 0], 'inverse')).toEqual([1, 0]);
    expect(() => classWeights([0, 0])).toThrow(/empty/);
  });
});
