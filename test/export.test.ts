// int8 export fidelity on real beats (fixtures): each architecture is built with the training builders, trained
// for one epoch on record 208, quantized with calibration on those training beats only, and run natively on
// record 119 (never seen). The int8 model must agree with the float model on the class of at least the measured
// floor of beats, and the reference and optimized kernel paths must give bit-identical outputs.
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine, seedGlobalRandom } from '../src/train/engine.js';
import { archByName, ARCH_NAMES } from '../src/train/models/index.js';
import { beatChannels, defaultInputSpec, makeSpec } from '../src/train/spec.js';
import { loadRecords, gather, setInputs } from '../src/train/dataset/protocols.js';
import { predictPrepared, argmax } from '../src/train/predict.js';
import { fixturesDir } from '../src/wfdb/index.js';
import { quantizeModel } from '../src/nn/quantize.js';
import { Int8Classifier } from '../src/nn/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-export-'));
process.env.ECG_EDGE_CACHE = path.join(tmp, 'cache');
const spec = defaultInputSpec();

async function beatsOf(rec: string) {
  const recs = await loadRecords(fixturesDir(), [rec], spec);
  const picks: { r: number; i: number }[] = [];
  for (let i = 0; i < recs[0]!.n; i++) if (recs[0]!.label[i]! >= 0) picks.push({ r: 0, i });
  const set = gather(recs, picks, spec.length);
  const { beats, rr } = setInputs(set, spec); // beats n × length × C, rr n × F (the spec's channels and features)
  return { n: set.n, beats, rr, label: set.label };
}

// Agreement floors for this test's 1-epoch models (many near-ties). Unseeded, dropout made runs differ (one CI
// run measured 97.7 % for cnn-lstm-attention); seeded, every architecture measured 100 % on 2026-11-25. The
// fully trained models' fidelity on DS2 and the intra-patient test split is in docs/RESULTS.md (int8 section).
const FLOOR: Record<string, number> = { cnn: 0.99, 'cnn-lstm': 0.99, 'cnn-lstm-attention': 0.98, resnet: 0.99 };

describe('int8 export of the four architectures (fixture beats)', () => {
  let tr: Awaited<ReturnType<typeof beatsOf>>;
  let te: Awaited<ReturnType<typeof beatsOf>>;
  beforeAll(async () => {
    await initEngine('wasm', { quiet: true });
    tr = await beatsOf('208');
    te = await beatsOf('119');
  });

  for (const arch of ARCH_NAMES) {
    it(`${arch}: int8 agrees with float on unseen beats; reference and optimized paths are bit-identical`, async () => {
      seedGlobalRandom(3); // dropout and any unseeded draw: the same 1-epoch model on every run
      const model = archByName(arch).build(spec, { seed: 3 });
      model.compile({ optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
      const xs = [tf.tensor3d(tr.beats, [tr.n, spec.length, beatChannels(spec).length]), tf.tensor2d(tr.rr, [tr.n, spec.rr.features.length])];
      const ys = tf.tensor1d(Float32Array.from(tr.label));
      await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
      tf.dispose([...xs, ys]);
      const { bytes, report } = await quantizeModel(model, makeSpec(arch, spec), { n: Math.min(tr.n, 1500), beats: tr.beats, rr: tr.rr });
      const clf = Int8Classifier.load(bytes);
      const fl = argmax(await predictPrepared(model, te.beats, spec.length, te.rr));
      const q = clf.classifyBatch(te.beats, te.rr);
      const r = clf.classifyBatch(te.beats, te.rr, { path: 'reference' });
      expect(Buffer.from(q.probs.buffer).equals(Buffer.from(r.probs.buffer))).toBe(true);
      expect(Array.from(q.labels)).toEqual(Array.from(r.labels));
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
    seedGlobalRandom(3);
    const model = archByName('resnet').build(spec, { seed: 3 });
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
