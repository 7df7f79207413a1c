// Class offsets chosen on held-out predictions (src/train/ensemble/calibrate.ts, held-out.ts) and
// `ecg-edge ensemble build --calibrate held-out`.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyClassOffsets, fitClassOffsets } from '../src/train/ensemble/calibrate.js';
import { Ensemble, argmaxRows, probMatrix, rows, validateManifest, type ProbMatrix } from '../src/train/ensemble/index.js';
import { cli, root } from './cli-helpers.js';

const CLASSES = ['N', 'S', 'V', 'F', 'Q'];

/** n beats per class of a model that under-calls S: an S beat gets p(S) = 0.3 (N 0.7), an N beat p(S) = 0.1. */
function underCallsS(nN: number, nS: number, nF: number): { m: ProbMatrix; labels: Int8Array } {
  const r: number[][] = [], labels: number[] = [];
  for (let i = 0; i < nN; i++) { r.push([0.88, 0.1, 0.01, 0.005, 0.005]); labels.push(0); }
  for (let i = 0; i < nS; i++) { r.push([0.68, 0.3, 0.01, 0.005, 0.005]); labels.push(1); }
  for (let i = 0; i < nF; i++) { r.push([0.9, 0.05, 0.01, 0.035, 0.005]); labels.push(3); }
  return { m: probMatrix(r), labels: Int8Array.from(labels) };
}

describe('class offsets', () => {
  it('finds the prior shift that recovers the under-called class, and leaves N and rare classes at 0', () => {
    const { m, labels } = underCallsS(500, 40, 5);
    expect(argmaxRows(m).filter((c) => c === 1).length).toBe(0); // no S called without offsets
    const fit = fitClassOffsets(m, labels, CLASSES);
    expect(fit.fitted).toEqual(['S']); // V absent, F (5 beats) and Q too rare to fit
    expect(fit.offsets[0]).toBe(0);
    expect(fit.offsets.slice(2)).toEqual([0, 0, 0]);
    // S is called once exp(b)·0.3 > 0.68 and N stays N while exp(b)·0.1 < 0.88: b in (0.82, 2.17); closest to 0 on the grid
    expect(fit.offsets[1]).toBeCloseTo(0.9, 6);
    // macro F1 over N and S (the 5 F beats, called N, are false N detections): S F1 0 before, 1 after
    expect(fit.before).toBeCloseTo(0.5 * (1000 / (1000 + 45)), 6);
    expect(fit.after).toBeCloseTo(0.5 * (1000 / (1000 + 5) + 1), 6);
    expect(fit.beats).toBe(545);
    const cal = applyClassOffsets(m, fit.offsets);
    expect(Array.from(argmaxRows(cal))).toEqual(Array.from(labels).map((l) => (l === 3 ? 0 : l)));
    for (const row of rows(cal)) expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
  });

  it('skips unlabelled beats, keeps zero offsets when nothing improves, and names bad input', () => {
    const { m, labels } = underCallsS(100, 0, 0);
    const l2 = Int8Array.from(labels);
    l2[0] = -1;
    const fit = fitClassOffsets(m, l2, CLASSES);
    expect(fit.offsets).toEqual([0, 0, 0, 0, 0]);
    expect(fit.beats).toBe(99);
    expect(() => fitClassOffsets(m, labels.subarray(1), CLASSES)).toThrow(/99 labels for 100 scored beats/);
    expect(() => applyClassOffsets(m, [0, 1])).toThrow(/2 offsets for 5 classes/);
  });

  it('an Ensemble applies its manifest offsets; manifests with offsets are version 2', async () => {
    const { m } = underCallsS(3, 2, 0);
    const member = { predictProbs: () => m };
    const plain = await new Ensemble([member], [1], 'average').predictProbs(new Float32Array(0), 128, new Float32Array(0));
    const shifted = await new Ensemble([member], [1], 'average', { classOffsets: [0, 0.9, 0, 0, 0] }).predictProbs(new Float32Array(0), 128, new Float32Array(0));
    expect(Array.from(argmaxRows(plain))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(argmaxRows(shifted))).toEqual([0, 0, 0, 1, 1]);
    const base = { format: 'ecg-edge-ensemble', protocol: 'inter-patient', method: 'average', classes: CLASSES, members: [{ model: 'a', weight: 1 }] };
    expect(validateManifest({ ...base, version: 2, classOffsets: [0, 1, 0, 0, 0] }).classOffsets).toEqual([0, 1, 0, 0, 0]);
    expect(() => validateManifest({ ...base, version: 1, classOffsets: [0, 1, 0, 0, 0] })).toThrow(/"classOffsets" needs "version": 2/);
    expect(() => validateManifest({ ...base, version: 2 })).toThrow(/version 2 needs "classOffsets"/);
    expect(() => validateManifest({ ...base, version: 2, classOffsets: [0, 1] })).toThrow(/one finite number per class \(5\)/);
    expect(() => validateManifest({ ...base, version: 3 })).toThrow(/version 3 needs "svebGate"/);
    expect(() => validateManifest({ ...base, version: 4 })).toThrow(/version 4 needs "propagation"/);
    expect(() => validateManifest({ ...base, version: 5 })).toThrow(/version 5 needs "refine"/);
    expect(() => validateManifest({ ...base, version: 6 })).toThrow(/reads versions 1 to 5/);
  });
});

const DATA = process.env.ECG_EDGE_DATA;
describe.skipIf(!DATA)('ensemble build --calibrate held-out on MIT-BIH (needs ECG_EDGE_DATA)', () => {
  const inter = path.join(root, 'models', 'inter-patient');

  it('fits the offsets on the members’ held-out DS1 records and writes a version-2 manifest', async () => {
    const out = path.join(fs.mkdtempSync(path.join(tmpdir(), 'ecg-cal-')), 'ens.json');
    const members = ['cnn-focal', 'cnn-lstm-focal'].map((m) => path.join(inter, m)).join(',');
    const r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', members, '--method', 'average', '--calibrate', 'held-out', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(j.version).toBe(2);
    expect(j.classOffsets).toHaveLength(5);
    expect(j.classOffsets[0]).toBe(0);
    // both members were validated on DS1 records 108, 114, 116, 220: 8,102 beats, classes N, S and V have ≥ 20
    expect(j.calibration.data).toMatch(/held-out DS1 records 108,114,116,220/);
    expect(j.calibration.beats).toBe(8102);
    expect(j.calibration.fitted).toEqual(['S', 'V']);
    expect(j.calibration.after).toBeGreaterThan(j.calibration.before);
  }, 120_000);

  it('refuses members whose validation records overlap', async () => {
    const fold = fs.readdirSync(path.join(inter, 'cv')).find((d) => d.endsWith('-fold4'));
    expect(fold).toBeDefined();
    const members = [path.join(inter, 'cnn-focal'), path.join(inter, 'cv', fold!)].join(',');
    const r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', members, '--calibrate', 'held-out', '--out', path.join(tmpdir(), 'never.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/overlapping DS1 records \(record 108 .*--fold 1\.\.4/);
  }, 120_000);

  it('--pick held-out under intra-patient: each model is a recipe, scored on the validation beats it was chosen on', async () => {
    const intra = path.join(root, 'models', 'intra-patient');
    const out = path.join(fs.mkdtempSync(path.join(tmpdir(), 'ecg-pick-')), 'ens.json');
    const names = ['cnn-lstm', 'cnn-ema'];
    const r = await cli(['ensemble', 'build', '--protocol', 'intra-patient', '--members', names.map((m) => path.join(intra, m)).join(','), '--pick', 'held-out', '--method', 'average', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    // alone, each model's held-out score is the validation score its trainer chose its epoch by
    for (const a of j.selection.alone) {
      const m = JSON.parse(fs.readFileSync(path.join(intra, a.recipe, 'metrics.json'), 'utf8'));
      expect(a.score).toBeCloseTo(m.validation.score, 3);
    }
    expect(j.selection.alone.map((a: { recipe: string }) => a.recipe).sort()).toEqual([...names].sort());
    // the better model comes first; the weaker one joins only if the average scores higher
    const best = j.selection.alone.reduce((x: { score: number }, y: { score: number }) => (y.score > x.score ? y : x));
    expect(j.selection.steps[0].recipe).toBe(best.recipe);
    for (let k = 1; k < j.selection.steps.length; k++) expect(j.selection.steps[k].score).toBeGreaterThan(j.selection.steps[k - 1].score);
    expect(j.members.map((m: { model: string }) => path.basename(m.model)).sort()).toEqual(j.selection.steps.map((x: { recipe: string }) => x.recipe).sort());
  }, 180_000);
});

describe('recipe selection on held-out predictions', () => {
  it('adds recipes greedily while the averaged score improves, then stops', async () => {
    const { selectRecipes, recipeOf } = await import('../src/train/ensemble/held-out.js');
    const labels = Array.from({ length: 100 }, (_, i) => (i % 2));
    // A is right (0.9) on beats 0..69 and wrong (0.6 on the other class) on 70..99; B the reverse; C always wrong
    const row = (right: boolean, conf: number, l: number) => (right === (l === 1) ? [1 - conf, conf] : [conf, 1 - conf]);
    const A = probMatrix(labels.map((l, i) => (i < 70 ? row(true, 0.9, l) : row(false, 0.6, l))));
    const B = probMatrix(labels.map((l, i) => (i < 70 ? row(false, 0.6, l) : row(true, 0.9, l))));
    const Cw = probMatrix(labels.map((l) => row(false, 0.99, l)));
    const accuracy = (m: ProbMatrix) => Array.from(argmaxRows(m)).filter((p, i) => p === labels[i]).length / labels.length;
    const sel = selectRecipes(new Map([['b', B], ['c', Cw], ['a', A]]), accuracy);
    expect(sel.alone).toEqual([{ recipe: 'b', score: 0.3 }, { recipe: 'c', score: 0 }, { recipe: 'a', score: 0.7 }]);
    // A alone 0.7; the mean of A and B is right everywhere (0.65 on the right class); C cannot improve on 1
    expect(sel.steps).toEqual([{ recipe: 'a', score: 0.7 }, { recipe: 'b', score: 1 }]);
    expect(() => selectRecipes(new Map([['a', A], ['x', probMatrix([[1, 0]])]]), accuracy)).toThrow(/recipe x scores 1 held-out beats, a scores 100/);
    expect(recipeOf('/m/cv/cnn-lstm-focal-fold3')).toBe('cnn-lstm-focal');
    expect(recipeOf('cnn-focal')).toBe('cnn-focal');
  });

  it('--pick held-out needs --method average', async () => {
    const r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--pick', 'held-out', '--method', 'top2-weighted', '--out', path.join(tmpdir(), 'never.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pick held-out averages the chosen recipes: use --method average/);
  });
});

describe('ensemble build with members trained on all DS1 records (train --fold all)', () => {
  it('averages them with equal weights, and refuses to weight or calibrate what has nothing held out', async () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'ecg-full-'));
    const member = path.join(dir, 'cnn-lstm-all');
    fs.mkdirSync(member);
    fs.writeFileSync(path.join(member, 'metrics.json'), JSON.stringify({ arch: 'cnn-lstm', protocol: 'inter-patient', fold: 'all', validation: { split: 'none: trained on all 22 DS1 records for 6 epochs, the last one kept', records: [], score: null } }));
    const out = path.join(dir, 'ens.json');
    let r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', member, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/trained on all DS1 records \(--fold all\) and has no validation score to weight by: use --method average/);
    r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', member, '--method', 'average', '--calibrate', 'held-out', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no held-out data for --calibrate held-out or --pick/);
    r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', member, '--method', 'average', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(j.members).toEqual([expect.objectContaining({ model: 'cnn-lstm-all', weight: 1, validation: expect.objectContaining({ metric: 'none (trained on all DS1 records)' }) })]);
  });
});
