// Format 2.2: 16-bit activations chosen per tensor by the exporter. On real beats (fixture records; trained 1
// epoch on 208, calibrated on 208, scored on 119, never seen): the candidates are the early convolution outputs in
// graph order; keeping them at 16 bits writes a 2.2 file whose reference and optimized kernel paths agree bit for
// bit and whose probabilities are closer to the float model's than the all-8-bit file's; `int16: []` writes the
// same bytes as before (2.0/2.1); the automatic choice widens earliest first until the training-beat score reaches
// its target; unknown names are refused with the list of candidates.
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine, seedGlobalRandom } from '../src/train/engine.js';
import { archByName } from '../src/train/models/index.js';
import { beatChannels, defaultInputSpec, makeSpec } from '../src/train/spec.js';
import { loadRecords, gather, setInputs } from '../src/train/dataset/protocols.js';
import { predictPrepared, argmax } from '../src/train/predict.js';
import { fixturesDir } from '../src/wfdb/index.js';
import { quantizeModel, quantizeAuto } from '../src/nn/quantize.js';
import { Int8Classifier } from '../src/nn/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-export16-'));
process.env.ECG_EDGE_CACHE = path.join(tmp, 'cache');
const spec = defaultInputSpec();

async function beatsOf(rec: string) {
  const recs = await loadRecords(fixturesDir(), [rec], spec);
  const picks: { r: number; i: number }[] = [];
  for (let i = 0; i < recs[0]!.n; i++) if (recs[0]!.label[i]! >= 0) picks.push({ r: 0, i });
  const set = gather(recs, picks, spec.length);
  const { beats, rr } = setInputs(set, spec);
  return { n: set.n, beats, rr, label: set.label };
}

describe('int8 export with 16-bit activations (format 2.2, fixture beats)', () => {
  let tr: Awaited<ReturnType<typeof beatsOf>>;
  let te: Awaited<ReturnType<typeof beatsOf>>;
  beforeAll(async () => {
    await initEngine('wasm', { quiet: true });
    tr = await beatsOf('208');
    te = await beatsOf('119');
  });

  async function trained(arch: string) {
    seedGlobalRandom(5);
    const model = archByName(arch).build(spec, { seed: 5 });
    model.compile({ optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
    const xs = [tf.tensor3d(tr.beats, [tr.n, spec.length, beatChannels(spec).length]), tf.tensor2d(tr.rr, [tr.n, spec.rr.features.length])];
    const ys = tf.tensor1d(Float32Array.from(tr.label));
    await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
    tf.dispose([...xs, ys]);
    return model;
  }

  for (const arch of ['resnet', 'cnn-lstm']) {
    it(`${arch}: 16-bit early activations give a 2.2 file closer to float, both kernel paths bit-identical`, async () => {
      const model = await trained(arch);
      const mspec = makeSpec(arch, spec);
      const cal = { n: Math.min(tr.n, 1500), beats: tr.beats, rr: tr.rr };
      const base = await quantizeModel(model, mspec, cal);
      const none = await quantizeModel(model, mspec, cal, { int16: [] });
      expect(Buffer.from(none.bytes).equals(Buffer.from(base.bytes))).toBe(true); // default: all 8 bits, as before
      expect(base.bytes[6]).toBeLessThanOrEqual(1); // format 2.0/2.1
      const cands = base.report.int16Candidates;
      expect(cands[0]).toBe('relu_1'); // the stem convolution's output comes first
      expect(cands.length).toBeGreaterThanOrEqual(arch === 'resnet' ? 6 : 2);
      const wide = await quantizeModel(model, mspec, cal, { int16: cands });
      expect(wide.report.int16).toEqual(cands);
      expect(wide.bytes[6]).toBe(2); // format 2.2
      const c8 = Int8Classifier.load(base.bytes), c16 = Int8Classifier.load(wide.bytes);
      const q = c16.classifyBatch(te.beats, te.rr);
      const r = c16.classifyBatch(te.beats, te.rr, { path: 'reference' });
      expect(Buffer.from(q.probs.buffer).equals(Buffer.from(r.probs.buffer))).toBe(true);
      expect(Array.from(q.labels)).toEqual(Array.from(r.labels));
      // closer to the float model: mean |p_int − p_float| over the unseen beats
      const pf = await predictPrepared(model, te.beats, spec.length, te.rr);
      const q8 = c8.classifyBatch(te.beats, te.rr);
      const C = pf.C;
      let e8 = 0, e16 = 0, agree8 = 0, agree16 = 0;
      const fl = argmax(pf);
      for (let i = 0; i < te.n; i++) {
        for (let c = 0; c < C; c++) {
          e8 += Math.abs(q8.probs[i * C + c]! - pf.data[i * C + c]!);
          e16 += Math.abs(q.probs[i * C + c]! - pf.data[i * C + c]!);
        }
        agree8 += +(q8.labels[i] === fl[i]);
        agree16 += +(q.labels[i] === fl[i]);
      }
      console.log(`${arch}: 16-bit [${cands.join(', ')}]: mean |dp| ${(e16 / te.n).toExponential(3)} vs all-8-bit ${(e8 / te.n).toExponential(3)}; agreement ${(100 * agree16 / te.n).toFixed(2)} % vs ${(100 * agree8 / te.n).toFixed(2)} % of ${te.n}; arena ${c16.arenaBytes} vs ${c8.arenaBytes} B`);
      expect(te.n).toBeGreaterThan(1500);
      expect(e16).toBeLessThan(e8);
      expect(agree16 / te.n).toBeGreaterThanOrEqual(0.99);
      c8.close();
      c16.close();
      model.dispose();
    });
  }

  it('the automatic choice widens earliest first until the training-beat score reaches its target; bad names are refused', async () => {
    const model = await trained('resnet');
    const mspec = makeSpec('resnet', spec);
    const cal = { n: Math.min(tr.n, 300), beats: tr.beats, rr: tr.rr };
    const seen: number[] = [];
    // a score that records each candidate file's format minor version and reaches the target at the third file
    const score = (b: Uint8Array) => { seen.push(b[6]!); return seen.length >= 3 ? 1 : 0; };
    const auto = await quantizeAuto(model, mspec, cal, score, { target: 0.5 });
    const cands = auto.report.int16Candidates;
    expect(auto.steps.map((s) => s.int16)).toEqual([[], cands.slice(0, 1), cands.slice(0, 2)]);
    expect(auto.report.int16).toEqual(cands.slice(0, 2));
    expect(seen).toEqual([1, 2, 2]); // 2.1 without 16-bit tensors, then 2.2
    const never = await quantizeAuto(model, mspec, cal, () => 0, { target: 0.5 });
    expect(never.report.int16).toEqual(cands); // never reached: every candidate
    expect(never.steps.length).toBe(cands.length + 1);
    const first = await quantizeAuto(model, mspec, cal, () => 1);
    expect(first.report.int16).toEqual([]);
    expect(first.steps.length).toBe(1);
    await expect(quantizeModel(model, mspec, cal, { int16: ['no_such_layer'] })).rejects.toThrow(/cannot be kept at 16 bits.*candidates, earliest first: relu_1/);
    await expect(quantizeModel(model, mspec, cal, { int16: ['probs'] })).rejects.toThrow(/cannot be kept at 16 bits/);
    model.dispose();
  });
});
