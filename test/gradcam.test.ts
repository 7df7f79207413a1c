import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initEngine, rng } from '../src/train/engine.js';
import { ARCHS, archByName } from '../src/train/models/index.js';
import { beatChannels, defaultInputSpec, type InputSpec } from '../src/train/spec.js';
import { gradcam, gradcamLayer, runGraph, resample } from '../src/train/gradcam/index.js';

beforeAll(async () => {
  await initEngine('wasm', { quiet: true });
});

function smallSpec(): InputSpec {
  const s = defaultInputSpec(360);
  return { ...s, before: 24, after: 40, length: 64, beforeSamples: 48, afterSamples: 80 };
}

/** Beats whose class is where a narrow bump sits: class 0 early (t≈T/4), class 1 late (t≈3T/4), class 2 none. */
function bumpData(n: number, T: number, seed: number) {
  const r = rng(seed);
  const beats = new Float32Array(n * T), labels: number[] = [], centres: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const centre = Math.round((c === 0 ? 0.25 : 0.75) * T) + Math.round((r() - 0.5) * 6);
    const amp = c === 2 ? 0 : 2.5;
    for (let t = 0; t < T; t++) beats[i * T + t] = amp * Math.exp(-((t - centre) ** 2) / 8) + (r() - 0.5) * 0.6;
    labels.push(c); centres.push(centre);
  }
  return { beats, labels, centres };
}

describe('Grad-CAM', () => {
  it('runs the graph eagerly with the same outputs as predict, for every architecture', () => {
    const spec = smallSpec();
    for (const a of ARCHS) {
      const model = a.build(spec, { seed: 3, width: 0.5 });
      const layer = gradcamLayer(model);
      const cls = model.getLayer(layer).getClassName();
      if (a.name === 'cnn-lstm-attention') expect(cls).toBe('LSTM');
      else expect(['Activation', 'ReLU']).toContain(cls);
      const x = tf.randomNormal([3, spec.length, beatChannels(spec).length], 0, 1, 'float32', 5);
      const rr = tf.ones([3, spec.rr.features.length]);
      const want = model.predict([x, rr]) as tf.Tensor;
      const got = runGraph(model, [x, rr]).output;
      expect(Math.max(...(tf.abs(tf.sub(want, got)).dataSync() as Float32Array))).toBeLessThan(1e-5);
      const g = gradcam(model, x, rr, { classes: [0, 1, 2] });
      expect(g.cam).toHaveLength(3);
      for (const c of g.cam) {
        expect(c.length).toBe(spec.length);
        for (const v of c) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1 + 1e-6); }
      }
      tf.dispose([x, rr, want, got]);
      model.dispose();
    }
  });

  // The CNN's last feature map keeps time resolution (T/8) and bump position maps to class without recurrence,
  // so Grad-CAM must point at the bump. (A CNN-LSTM may legitimately learn 'class 0 = no late bump'.)
  it.each(['cnn'])('on a small trained %s: maps have the beat length, are normalized, point at the evidence and differ by class', async (arch) => {
    const spec: InputSpec = { ...defaultInputSpec(360), channels: ['beat'] }; // the bumps are single-channel beats
    const T = spec.length;
    const F = spec.rr.features.length;
    const { beats, labels, centres } = bumpData(256, T, 11);
    const model = archByName(arch).build(spec, { seed: 1, width: 0.5, dropout: 0 }, 3);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = tf.tensor3d(beats, [256, T, 1]);
    const rr = tf.ones([256, F]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat());
    const h = await model.fit([x, rr], y, { epochs: 8, batchSize: 32, verbose: 0, shuffle: false });
    expect((h.history.acc ?? h.history.accuracy)!.at(-1)! as number).toBeGreaterThan(0.9);

    const k = 60;
    const xs = x.slice([0, 0, 0], [k, T, 1]);
    const rrs = rr.slice([0, 0], [k, F]);
    const own = gradcam(model, xs, rrs, { classes: labels.slice(0, k) });
    let nearPeak = 0, withBump = 0;
    for (let i = 0; i < k; i++) {
      const c = own.cam[i]!;
      expect(c.length).toBe(T);
      const mx = Math.max(...c);
      expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
      expect(mx === 1 || mx === 0).toBe(true);
      const arg = c.indexOf(mx);
      if (labels[i] !== 2) {
        withBump++;
        if (Math.abs(arg - centres[i]!) <= 10) nearPeak++;
      }
    }
    // For the classes defined by a bump, the true-class map peaks at the bump for most beats.
    expect(nearPeak).toBeGreaterThanOrEqual(0.7 * withBump);
    // Explaining the other class gives a different map.
    const other = gradcam(model, xs, rrs, { classes: labels.slice(0, k).map((l) => (l + 1) % 3) });
    let diff = 0;
    for (let i = 0; i < k; i++) diff += own.cam[i]!.reduce((s, v, t) => s + Math.abs(v - other.cam[i]![t]!), 0) / T;
    expect(diff / k).toBeGreaterThan(0.1);
    tf.dispose([x, rr, y, xs, rrs]);
    model.dispose();
  });

  it('resamples with aligned centres', () => {
    expect(Array.from(resample([0, 1], 4))).toEqual([0, 0.25, 0.75, 1]);
    expect(Array.from(resample([2], 3))).toEqual([2, 2, 2]);
  });
});
