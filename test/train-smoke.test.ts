// Training smoke test (CI): a few hundred beats of a fixture record, one epoch on the wasm engine. The loss on
// the training beats must fall, and the saved model must reload (custom layers registered, tfjs format on disk)
// and predict exactly what the trained model predicted.
import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../src/train/engine.js';
import { train } from '../src/train/trainer.js';
import { loadModel } from '../src/train/io.js';
import { archByName } from '../src/train/models/index.js';
import { defaultInputSpec } from '../src/train/spec.js';
import { loadRecords, gather, setInputs } from '../src/train/dataset/protocols.js';
import { predictPrepared } from '../src/train/predict.js';
import { fixturesDir } from '../src/wfdb/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-train-smoke-'));
process.env.ECG_EDGE_CACHE = path.join(tmp, 'cache');

async function meanLoss(model: tf.LayersModel, beats: Float32Array, rr: Float32Array, labels: Int8Array, T: number): Promise<number> {
  const p = await predictPrepared(model, beats, T, rr);
  let s = 0;
  for (let i = 0; i < p.n; i++) s -= Math.log(Math.max(1e-7, p.data[i * p.C + labels[i]!]!));
  return s / p.n;
}

describe('train smoke (fixture record 208, one epoch, wasm)', () => {
  beforeAll(async () => {
    await initEngine('wasm', { quiet: true });
  });

  it('lowers the loss and the saved model reloads with identical predictions', async () => {
    const spec = defaultInputSpec();
    const db = fixturesDir();
    const seed = 7;
    const maxBeats = 400;
    const out = path.join(tmp, 'model');
    // The training beats exactly as train() draws them (stratified subset of record 208's labelled beats).
    const recs = await loadRecords(db, ['208'], spec);
    const picks: { r: number; i: number }[] = [];
    for (let i = 0; i < recs[0]!.n; i++) if (recs[0]!.label[i]! >= 0) picks.push({ r: 0, i });
    const set = gather(recs, picks, spec.length);
    const { beats, rr } = setInputs(set, spec);
    expect(new Set(set.label).size).toBeGreaterThanOrEqual(2); // record 208 has N, V and F beats

    const initial = archByName('cnn').build(spec, { seed, dropout: 0.3 });
    const before = await meanLoss(initial, beats, rr, set.label, spec.length);

    const res = await train(
      {
        arch: 'cnn', protocol: 'inter-patient', loss: 'ce', gan: false, seed, epochs: 1, out, db, engine: 'wasm',
        batchSize: 16, lr: 3e-3, nPerEpoch: 0, weighting: 'sqrt', jitter: 1, width: 1, sPremature: 0, noise: 0.05, tilt: 0.1, dropout: 0.3,
        maxTrainBeats: maxBeats, records: { train: ['208'], val: ['119'] }, quiet: true,
      },
      () => {},
    );
    expect(res.bestEpoch).toBe(1);
    for (const f of ['model.json', 'weights.bin', 'spec.json', 'metrics.json', 'checkpoint/state.json', 'checkpoint/optimizer.bin']) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
    const metrics = JSON.parse(fs.readFileSync(res.metricsFile, 'utf8'));
    expect(metrics.history).toHaveLength(1);
    expect(metrics.counts.train.reduce((a: number, b: number) => a + b, 0)).toBe(maxBeats);

    const { model, spec: saved } = await loadModel(out);
    expect(saved?.arch).toBe('cnn');
    expect(saved?.input.length).toBe(spec.length);
    const after = await meanLoss(model, beats, rr, set.label, spec.length);
    expect(after).toBeLessThan(before * 0.8);

    // The reloaded model predicts exactly what the trained model in memory predicts.
    const p1 = await predictPrepared(res.model, beats, spec.length, rr);
    const p2 = await predictPrepared(model, beats, spec.length, rr);
    expect(p2.n).toBe(set.n);
    expect(Array.from(p2.data)).toEqual(Array.from(p1.data));
  });

  it('is deterministic under a fixed seed, and a resumed run equals an uninterrupted one', async () => {
    const db = fixturesDir();
    const base = {
      arch: 'cnn' as const, protocol: 'inter-patient' as const, loss: 'ce', gan: false, seed: 11, db, engine: 'wasm' as const,
      batchSize: 32, lr: 2e-3, nPerEpoch: 0, weighting: 'sqrt' as const, jitter: 1, width: 1, sPremature: 0, noise: 0.05, tilt: 0.1,
      dropout: 0.3, maxTrainBeats: 200, records: { train: ['208'], val: ['119'] }, quiet: true,
    };
    const straight = path.join(tmp, 'straight');
    const resumed = path.join(tmp, 'resumed');
    await train({ ...base, epochs: 2, out: straight }, () => {});
    await train({ ...base, epochs: 1, out: resumed }, () => {}); // "interrupted" after epoch 1
    const logs: string[] = [];
    await train({ ...base, epochs: 2, out: resumed }, (s) => logs.push(s));
    expect(logs.some((l) => l.includes('resuming'))).toBe(true);
    const a = fs.readFileSync(path.join(straight, 'checkpoint', 'weights.bin'));
    const b = fs.readFileSync(path.join(resumed, 'checkpoint', 'weights.bin'));
    expect(b.length).toBeGreaterThan(0);
    expect(b.equals(a)).toBe(true);
    const ha = JSON.parse(fs.readFileSync(path.join(straight, 'metrics.json'), 'utf8')).history.map((h: { loss: number }) => h.loss);
    const hb = JSON.parse(fs.readFileSync(path.join(resumed, 'metrics.json'), 'utf8')).history.map((h: { loss: number }) => h.loss);
    expect(hb).toEqual(ha);
  });

  it('with --ema: validates and saves the averaged weights, and resumes them exactly', async () => {
    const db = fixturesDir();
    const base = {
      arch: 'cnn' as const, protocol: 'inter-patient' as const, loss: 'ce', gan: false, seed: 5, db, engine: 'wasm' as const,
      batchSize: 32, lr: 2e-3, nPerEpoch: 0, weighting: 'sqrt' as const, jitter: 1, width: 1, sPremature: 0, noise: 0.05, tilt: 0.1,
      dropout: 0.3, maxTrainBeats: 200, records: { train: ['208'], val: ['119'] }, quiet: true, ema: 0.9,
    };
    const straight = path.join(tmp, 'ema-straight');
    const resumed = path.join(tmp, 'ema-resumed');
    const res = await train({ ...base, epochs: 2, out: straight }, () => {});
    await train({ ...base, epochs: 1, out: resumed }, () => {});
    // After one epoch (necessarily the best) the saved model holds exactly the averages, weight by weight.
    const avg1 = new Float32Array(new Uint8Array(fs.readFileSync(path.join(resumed, 'checkpoint', 'ema.bin'))).buffer);
    const saved1 = (await loadModel(resumed)).model;
    expect(saved1.weights.flatMap((w) => Array.from(w.read().dataSync()))).toEqual(Array.from(avg1));
    await train({ ...base, epochs: 2, out: resumed }, () => {});
    for (const f of ['checkpoint/ema.bin', 'checkpoint/weights.bin', 'weights.bin']) {
      expect(fs.readFileSync(path.join(resumed, f)).equals(fs.readFileSync(path.join(straight, f))), f).toBe(true);
    }
    // The checkpoint keeps the trained weights; the averages differ from them.
    const avg = new Float32Array(new Uint8Array(fs.readFileSync(path.join(straight, 'checkpoint', 'ema.bin'))).buffer);
    const raw = res.model.weights.map((w) => Array.from(w.read().dataSync()));
    expect(avg.length).toBe(raw.reduce((s, r) => s + r.length, 0));
    expect(Array.from(avg)).not.toEqual(raw.flat());
    expect(JSON.parse(fs.readFileSync(res.metricsFile, 'utf8')).config.ema).toBe(0.9);
  });
  it('without validation beats (like --fold all): keeps every epoch, the last one is the model, and no score is invented', async () => {
    const db = fixturesDir();
    const out = path.join(tmp, 'no-val');
    const logs: string[] = [];
    const res = await train({
      arch: 'cnn', protocol: 'inter-patient', loss: 'ce', gan: false, seed: 3, db, engine: 'wasm', epochs: 2, out,
      batchSize: 32, lr: 2e-3, nPerEpoch: 0, weighting: 'sqrt', jitter: 1, width: 1, sPremature: 0, noise: 0.05, tilt: 0.1,
      dropout: 0.3, maxTrainBeats: 200, records: { train: ['208'], val: [] }, quiet: false,
    }, (l) => logs.push(l));
    const m = JSON.parse(fs.readFileSync(res.metricsFile, 'utf8'));
    expect(m.bestEpoch).toBe(2);
    expect(m.validation.score).toBeNull();
    expect(m.validation.split).toMatch(/^none: no validation beats for 2 epochs, the last one kept/);
    expect(m.history.map((h: { val: unknown }) => h.val)).toEqual([null, null]);
    expect(fs.existsSync(path.join(out, 'val-metrics.json'))).toBe(false);
    expect(logs.some((l) => /epoch 2\/2: .*no validation \(kept\)/.test(l))).toBe(true);
    // the saved model is the model after the last epoch
    const saved = (await loadModel(out)).model;
    expect(saved.weights.flatMap((w) => Array.from(w.read().dataSync()))).toEqual(res.model.weights.flatMap((w) => Array.from(w.read().dataSync())));
  });
});
