import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initEngine } from '../src/train/engine.js';
import { defaultInputSpec, CLASS_NAMES } from '../src/train/spec.js';
import { loadRecords, gather, classCounts, type BeatSet } from '../src/train/dataset/index.js';
import { fixturesDir } from '../src/wfdb/index.js';
import { ganData, trainGan, augment, ConditionalGan, GAN_CLASSES, synthesizeForTraining } from '../src/train/gan/index.js';
import { nearestDistances, summarize } from '../src/train/gan/realism.js';
import { gatherBeats } from '../src/train/dataset/features.js';

const spec = defaultInputSpec(360);
let set: BeatSet;

beforeAll(async () => {
  await initEngine('wasm', { quiet: true });
  process.env.ECG_EDGE_CACHE ??= mkdtempSync(path.join(tmpdir(), 'gan-cache-'));
  // Fixture records with S (232), V and F (208, 119) beats; at most 120 beats per class: a few hundred beats.
  const recs = await loadRecords(fixturesDir(), ['119', '208', '232'], spec);
  const per = CLASS_NAMES.map(() => 0);
  const picks: { r: number; i: number }[] = [];
  recs.forEach((rb, r) => {
    for (let i = 0; i < rb.n; i++) {
      const c = rb.label[i]!;
      if (c >= 0 && per[c]! < 120) { per[c]!++; picks.push({ r, i }); }
    }
  });
  set = gather(recs, picks, spec.length);
});

describe('realism measures', () => {
  it('nearest-neighbour RMS distances and summaries match hand computation', () => {
    const q = Float32Array.from([0, 0, 3, 4]);
    const r = Float32Array.from([0, 0, 1, 0]);
    const d = nearestDistances(q, r, 2);
    expect(d[0]).toBeCloseTo(0, 3);
    expect(d[1]).toBeCloseTo(Math.sqrt(((3 - 1) ** 2 + 16) / 2), 4);
    const self = nearestDistances(r, r, 2, { excludeSelf: true });
    expect(self[0]).toBeCloseTo(Math.sqrt(1 / 2), 4);
    expect(self[1]).toBeCloseTo(Math.sqrt(1 / 2), 4);
    const s = summarize([4, 1, 3, 2, 5]);
    expect(s.median).toBe(3); expect(s.min).toBe(1); expect(s.max).toBe(5); expect(s.p25).toBe(2); expect(s.mean).toBe(3);
  });
});

describe('conditional GAN (fixture beats)', () => {
  it('trains: losses move, outputs have the window shape, class conditioning changes the beat, runs are deterministic', async () => {
    const data = ganData(set, spec);
    expect(data.counts.every((n) => n >= 100)).toBe(true);
    expect(data.cfg.L).toBe(spec.length + 2 * set.margin);
    const run = () => trainGan(data, { steps: 40, batch: 16, seed: 7, logEvery: 10, lr: 1e-3 });
    const { gan, history } = run();
    expect(history).toHaveLength(4);
    for (const h of history) for (const v of Object.values(h)) expect(Number.isFinite(v)).toBe(true);
    // Both players' losses change during training (neither is frozen).
    expect(Math.abs(history[3]!.dLoss - history[0]!.dLoss)).toBeGreaterThan(0.01);
    expect(Math.abs(history[3]!.gLoss - history[0]!.gLoss)).toBeGreaterThan(0.01);

    const [S, V, F] = GAN_CLASSES as [number, number, number];
    const wS = gan.generateWindows(S, 8, 123);
    expect(wS.length).toBe(8 * data.cfg.L);
    for (const v of wS) expect(Number.isFinite(v)).toBe(true);
    const beats = gan.generateBeats(V, 8, 123);
    expect(beats.length).toBe(8 * spec.length);
    // Normalized like dataset beats: per-beat mean 0, std 1.
    const b0 = beats.subarray(0, spec.length);
    const mean = b0.reduce((a, b) => a + b, 0) / spec.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(Math.sqrt(b0.reduce((a, b) => a + (b - mean) ** 2, 0) / spec.length)).toBeCloseTo(1, 3);
    // Same noise, different class → a different beat.
    const wV = gan.generateWindows(V, 8, 123), wF = gan.generateWindows(F, 8, 123);
    const mad = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0) / a.length;
    expect(mad(wS, wV)).toBeGreaterThan(0.02);
    expect(mad(wV, wF)).toBeGreaterThan(0.02);
    // Same seed → the same generator (deterministic training and sampling).
    const again = run().gan;
    expect(mad(again.generateWindows(S, 8, 123), wS)).toBe(0);

    // Save and reload give the same samples.
    const dir = mkdtempSync(path.join(tmpdir(), 'gan-'));
    await gan.save(dir, { kind: 'ecg-edge-gan', version: 1, config: data.cfg, input: spec, seed: 7, steps: 40, batch: 16, trainCounts: {}, history, createdAt: new Date().toISOString() });
    const loaded = await ConditionalGan.load(dir);
    expect(mad(loaded.generateWindows(F, 8, 5), gan.generateWindows(F, 8, 5))).toBeLessThan(1e-6);
    expect(() => gan.generateWindows(0, 1, 1)).toThrow(/not synthesized/);

    // The trainer's --gan hook: normalized beats with same-class RR from the real set.
    const idx = Int32Array.from({ length: set.n }, (_, i) => i);
    const syn = await synthesizeForTraining({ beats: gatherBeats(set.windows, set.margin, { ...spec, channels: ['beat'] }, idx), rr: set.rr, label: set.label, T: spec.length, seed: 2, spec, ganDir: dir, ratio: 0.5 });
    const nS = set.label.filter((l) => l === S).length;
    expect(syn.label.filter((l) => l === S).length).toBe(Math.round(0.5 * nS));
    expect(syn.beats.length).toBe(syn.label.length * spec.length);
    const nF = spec.rr.features.length;
    expect(syn.rr.length).toBe(syn.label.length * nF);
    // each synthetic beat's RR row is its donor's, and the donor is a real beat of the same class
    for (let i = 0; i < syn.label.length; i++) {
      expect(set.label[syn.donor[i]!]).toBe(syn.label[i]);
      expect(Array.from(syn.rr.subarray(i * nF, (i + 1) * nF))).toEqual(Array.from(set.rr.subarray(syn.donor[i]! * nF, (syn.donor[i]! + 1) * nF)));
    }
    expect(syn.label.every((l) => l === S || l === V || l === F)).toBe(true);
    await expect(synthesizeForTraining({ beats: new Float32Array(0), rr: new Float32Array(0), label: new Int8Array(0), T: 64, seed: 1, ganDir: dir })).rejects.toThrow(/retrain the GAN/);
    gan.generator.dispose(); again.generator.dispose(); loaded.generator.dispose();
  });

  it('augment() adds synthetic beats of the requested classes with same-class RR features', () => {
    const data = ganData(set, spec);
    const { gan } = trainGan(data, { steps: 2, batch: 8, seed: 1 });
    const before = classCounts(set);
    const { set: aug, added } = augment(set, gan, { targetCounts: { S: 200, F: 150 }, seed: 3 });
    const after = classCounts(aug);
    expect(added).toEqual({ S: 200 - before[1]!, V: 0, F: 150 - before[3]! });
    expect(after[1]).toBe(200);
    expect(after[3]).toBe(150);
    expect(after[0]).toBe(before[0]); expect(after[2]).toBe(before[2]);
    expect(aug.windows.length).toBe(aug.n * (spec.length + 2 * aug.margin));
    const rrRows = new Set<string>();
    const nF = spec.rr.features.length;
    for (let i = 0; i < set.n; i++) if (set.label[i] === 1) rrRows.add(Array.from(set.rr.subarray(i * nF, (i + 1) * nF)).join());
    for (let i = set.n; i < aug.n; i++) {
      expect(aug.sample[i]).toBe(-1);
      if (aug.label[i] === 1) expect(rrRows.has(Array.from(aug.rr.subarray(i * nF, (i + 1) * nF)).join())).toBe(true);
    }
    const r2 = augment(set, gan, { ratio: 0.5, seed: 3 });
    expect(r2.added.V).toBe(Math.round(0.5 * before[2]!));
    expect(() => augment(set, gan, { targetCounts: { N: 10 } })).toThrow(/synthesizes only S, V, F/);
    gan.generator.dispose();
  });
});
