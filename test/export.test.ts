// int8 export fidelity on real beats (fixtures): each architecture is built with the training builders, trained
// for one epoch on record 208, quantized with calibration on those training beats only, and run natively on
// record 119 (never seen). The int8 model must agree with the float model on the class of at least the measured
// floor of beats, and the reference and optimized kernel paths must give bit-identical outputs.
import { describe, expect, it, beforeAll } from 'vitest';
import { initEngine } from '../src/train/engine.js';
import { ARCH_NAMES } from '../src/train/models/index.js';
import { makeSpec } from '../src/train/spec.js';
import { predictPrepared, argmax } from '../src/train/predict.js';
import { quantizeModel } from '../src/nn/quantize.js';
import { Int8Classifier } from '../src/nn/index.js';
import { beatsOf, classifyBothPaths, seededModel, spec, trainAndUnseenBeats, usePrivateCache, type FixtureBeats } from './export-fixture.js';

usePrivateCache('ecg-export-');

// Agreement floors for this test's 1-epoch models (many near-ties). Unseeded, dropout made runs differ (one CI
// run measured 97.7 % for cnn-lstm-attention); seeded, every architecture measured 100 % on 2026-11-25. The
// fully trained models' fidelity on DS2 and the intra-patient test split is in docs/RESULTS.md (int8 section).
const FLOOR: Record<string, number> = { cnn: 0.99, 'cnn-lstm': 0.99, 'cnn-lstm-attention': 0.98, resnet: 0.99 };

describe('int8 export of the four architectures (fixture beats)', () => {
  let tr: FixtureBeats;
  let te: FixtureBeats;
  beforeAll(async () => ({ tr, te } = await trainAndUnseenBeats()));

  for (const arch of ARCH_NAMES) {
    it(`${arch}: int8 agrees with float on unseen beats; reference and optimized paths are bit-identical`, async () => {
      const model = await seededModel(arch, 3, tr); // seeded: the same 1-epoch model on every run
      const { bytes, report } = await quantizeModel(model, makeSpec(arch, spec), { n: Math.min(tr.n, 1500), beats: tr.beats, rr: tr.rr });
      const clf = Int8Classifier.load(bytes);
      const fl = argmax(await predictPrepared(model, te.beats, spec.length, te.rr));
      const q = classifyBothPaths(clf, te.beats, te.rr);
      let agree = 0;
      for (let i = 0; i < te.n; i++) agree += +(fl[i] === q.labels[i]);
      const hist = [0, 0, 0, 0, 0];
      for (const l of fl) hist[l]!++;
      console.log(`${arch}: ${bytes.length} bytes, arena ${clf.arenaBytes} B, agreement ${(100 * agree / te.n).toFixed(2)}% of ${te.n} beats (float classes ${hist.join('/')}); lstm ${JSON.stringify(report.lstm)}`);
      expect(te.n).toBeGreaterThan(1500);
      expect(agree / te.n).toBeGreaterThanOrEqual(FLOOR[arch]!);
      model.dispose();
    });
  }
});

describe('export diagnosis: widening one activation range', () => {
  it('widen doubles one tensor\'s range (rr or a named layer), factor 1 changes nothing, unknown names are refused', async () => {
    await initEngine('wasm', { quiet: true });
    const tr = await beatsOf('208');
    const model = await seededModel('resnet', 3);
    const mspec = makeSpec('resnet', spec);
    const cal = { n: Math.min(tr.n, 300), beats: tr.beats, rr: tr.rr };
    const base = await quantizeModel(model, mspec, cal);
    const same = await quantizeModel(model, mspec, cal, { widen: { rr: 1 } });
    expect(Buffer.from(same.bytes).equals(Buffer.from(base.bytes))).toBe(true);
    const layer = Object.keys(base.report.ranges).find((k) => k !== 'beat' && k !== 'rr')!;
    for (const w of [{ rr: 2 }, { [layer]: 2 }]) {
      const wide = await quantizeModel(model, mspec, cal, { widen: w });
      expect(wide.bytes.length).toBe(base.bytes.length);
      expect(Buffer.from(wide.bytes).equals(Buffer.from(base.bytes))).toBe(false);
      expect(Int8Classifier.load(wide.bytes).classifyBatch(tr.beats.subarray(0, 10 * tr.beats.length / tr.n), tr.rr.subarray(0, 10 * tr.rr.length / tr.n)).n).toBe(10);
    }
    await expect(quantizeModel(model, mspec, cal, { widen: { no_such_layer: 2 } })).rejects.toThrow(/not an int8 activation/);
    await expect(quantizeModel(model, mspec, cal, { widen: { rr: 0 } })).rejects.toThrow(/positive number/);
    model.dispose();
  });
});
