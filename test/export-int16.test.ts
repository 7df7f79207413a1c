// Format 2.2: 16-bit activations chosen per tensor by the exporter. On real beats (fixture records; trained 1
// epoch on 208, calibrated on 208, scored on 119, never seen): the candidates are the early convolution outputs in
// graph order; keeping them at 16 bits writes a 2.2 file whose reference and optimized kernel paths agree bit for
// bit and whose probabilities are closer to the float model's than the all-8-bit file's; `int16: []` writes the
// same bytes as before (2.0/2.1); the automatic choice widens earliest first until the training-beat score reaches
// its target; unknown names are refused with the list of candidates.
import { describe, expect, it, beforeAll } from 'vitest';
import { makeSpec } from '../src/train/spec.js';
import { predictPrepared, argmax } from '../src/train/predict.js';
import { quantizeModel, quantizeAuto } from '../src/nn/quantize.js';
import { Int8Classifier } from '../src/nn/index.js';
import { classifyBothPaths, seededModel, spec, trainAndUnseenBeats, usePrivateCache, type FixtureBeats } from './export-fixture.js';

usePrivateCache('ecg-export16-');

describe('int8 export with 16-bit activations (format 2.2, fixture beats)', () => {
  let tr: FixtureBeats;
  let te: FixtureBeats;
  beforeAll(async () => ({ tr, te } = await trainAndUnseenBeats()));

  const trained = (arch: string) => seededModel(arch, 5, tr);

  for (const arch of ['resnet', 'cnn-lstm'] as const) {
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
      const q = classifyBothPaths(c16, te.beats, te.rr);
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
