import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { top2Weighted, averageProbs, combine, argmaxRows, probMatrix, rows, readManifest, writeManifest, validateManifest, isEnsembleManifest, Ensemble, type EnsembleManifest } from '../src/train/ensemble/index.js';

const A = probMatrix([[0.6, 0.3, 0.1], [0.5, 0.3, 0.2]]);
const B = probMatrix([[0.2, 0.38, 0.42], [0.1, 0.45, 0.45]]);

describe('top-2-weighted ensemble', () => {
  it('keeps only each member’s two most probable classes, weighted by its score', () => {
    // Beat 0, weights 1/1: A gives N .6, S .3; B gives V .42, S .38 → [.6, .68, .42] → S.
    const r = top2Weighted([A, B], [1, 1]);
    const s0 = 0.6 + 0.68 + 0.42;
    rows(r)[0]!.forEach((v, c) => expect(v).toBeCloseTo([0.6 / s0, 0.68 / s0, 0.42 / s0][c]!, 6));
    expect(argmaxRows(r)[0]).toBe(1);
    // Plain averaging picks class 0 for the same beat ([.4, .34, .26]): the methods differ.
    const avg = averageProbs([A, B]);
    rows(avg)[0]!.forEach((v, c) => expect(v).toBeCloseTo([0.4, 0.34, 0.26][c]!, 6));
    expect(argmaxRows(avg)[0]).toBe(0);
    // Weights 2/1: N 1.2 vs S .6 + .38 = .98 → N.
    expect(argmaxRows(top2Weighted([A, B], [2, 1]))[0]).toBe(0);
  });

  it('breaks ties within a member toward the lower class index and rows sum to 1', () => {
    // Beat 1, weights .9/.6: A → N .45, S .27; B has S = V = .45 → S .27, V .27 → [.45, .54, .27].
    const r = top2Weighted([A, B], [0.9, 0.6]);
    const s = 0.45 + 0.54 + 0.27;
    rows(r)[1]!.forEach((v, c) => expect(v).toBeCloseTo([0.45 / s, 0.54 / s, 0.27 / s][c]!, 6));
    for (const row of rows(r)) expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
  });

  it('weighted average and method dispatch', () => {
    const w = combine('weighted-average', [A, B], [3, 1]);
    rows(w)[0]!.forEach((v, c) => expect(v).toBeCloseTo((3 * [0.6, 0.3, 0.1][c]! + [0.2, 0.38, 0.42][c]!) / 4, 6));
    expect(() => combine('median' as never, [A])).toThrow(/top2-weighted, average/);
    expect(() => top2Weighted([A, probMatrix([[1, 0]])], [1, 1])).toThrow(/same beats/);
    expect(() => top2Weighted([A, B], [1])).toThrow(/1 weights for 2 members/);
    expect(() => top2Weighted([A, B], [0, 0])).toThrow(/every member weight is 0/);
  });

  it('Ensemble combines predictor outputs', async () => {
    const e = new Ensemble([{ predictProbs: () => A }, { predictProbs: () => B }], [1, 1], 'top2-weighted');
    const r = await e.predictProbs(new Float32Array(0), 0, new Float32Array(0));
    expect(Array.from(argmaxRows(r))).toEqual([1, 1]);
  });
});

describe('ensemble manifest', () => {
  it('round-trips and resolves member dirs relative to the manifest', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ens-'));
    mkdirSync(path.join(dir, 'cnn'));
    mkdirSync(path.join(dir, 'resnet'));
    const m: EnsembleManifest = {
      format: 'ecg-edge-ensemble', version: 1, protocol: 'inter-patient', method: 'top2-weighted', classes: ['N', 'S', 'V', 'F', 'Q'],
      members: [{ model: 'cnn', weight: 0.8, validation: { metric: 'macroF1', value: 0.8 } }, { model: 'resnet', weight: 0.7 }],
    };
    const f = path.join(dir, 'ensemble.json');
    writeManifest(f, m);
    expect(isEnsembleManifest(f)).toBe(true);
    const { manifest, memberDirs } = readManifest(f);
    expect(manifest.members.map((x) => x.weight)).toEqual([0.8, 0.7]);
    expect(memberDirs).toEqual([path.join(dir, 'cnn'), path.join(dir, 'resnet')]);
  });

  it('explains what is wrong with a bad manifest', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ens-'));
    const f = path.join(dir, 'ensemble.json');
    expect(() => readManifest(f)).toThrow(/does not exist/);
    writeFileSync(f, '{nope');
    expect(() => readManifest(f)).toThrow(/not valid JSON/);
    expect(isEnsembleManifest(f)).toBe(false);
    const base = { format: 'ecg-edge-ensemble', version: 1, protocol: 'x', method: 'top2-weighted', classes: ['N', 'S'] };
    expect(() => validateManifest({ ...base, members: [] })).toThrow(/at least one model/);
    expect(() => validateManifest({ ...base, method: 'vote', members: [{ model: 'a', weight: 1 }] })).toThrow(/"method"/);
    expect(() => validateManifest({ ...base, members: [{ model: 'a', weight: -1 }] })).toThrow(/"weight"/);
    writeFileSync(f, JSON.stringify({ ...base, members: [{ model: 'missing', weight: 1 }] }));
    expect(() => readManifest(f)).toThrow(/"missing" not found/);
  });
});
