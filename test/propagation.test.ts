// Shape propagation within records (src/train/ensemble/propagation.ts) and the ensembles that use it.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { propagate, validatePropagation, SHAPE_PROPAGATION, SHAPE_REFINEMENT, type Propagation } from '../src/train/ensemble/propagation.js';
import { applyClassOffsets } from '../src/train/ensemble/calibrate.js';
import { Ensemble, argmaxRows, decide, manifestVersion, probMatrix, validateManifest } from '../src/train/ensemble/index.js';
import { rng } from '../src/util/random.js';
import { cli, root } from './cli-helpers.js';

const T = 32;
const CFG: Propagation = { ...SHAPE_PROPAGATION, stride: 1, channelWeights: [1] };

/** A beat of one of two shapes (a narrow or a wide bump), with noise. */
function shape(kind: 0 | 1, rnd: () => number): number[] {
  const w = kind === 0 ? 2 : 6;
  return Array.from({ length: T }, (_, t) => Math.exp(-(((t - 12) / w) ** 2)) + 0.05 * (rnd() - 0.5));
}

/**
 * One record of `n` beats, every 5th of the wide shape (truly V); the members call 30 % of the wide beats N
 * (p = 0.6 N, 0.4 V) and a few narrow ones V.
 */
function record(n: number, seed: number) {
  const rnd = rng(seed);
  const beats: number[] = [], probs: number[][] = [], truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const wide = i % 5 === 0;
    beats.push(...shape(wide ? 1 : 0, rnd));
    truth.push(wide ? 2 : 0);
    const wrong = rnd() < (wide ? 0.3 : 0.03);
    const callV = wide !== wrong;
    probs.push(callV ? [0.3, 0.05, 0.6, 0.025, 0.025] : [0.6, 0.05, 0.3, 0.025, 0.025]);
  }
  return { beats, probs, truth };
}

const errors = (pred: Int32Array, truth: number[]) => truth.filter((y, i) => pred[i] !== y).length;

describe('shape propagation', () => {
  it('turns the minority call within a family of like beats into the family’s call', () => {
    const r = record(400, 7);
    const p = probMatrix(r.probs);
    const before = errors(argmaxRows(p), r.truth);
    expect(before).toBeGreaterThan(20);
    const out = propagate(p, Float32Array.from(r.beats), T, new Int16Array(400), CFG);
    expect(errors(argmaxRows(out), r.truth)).toBe(0);
    // rows stay probability vectors
    for (let i = 0; i < 400; i++) expect(out.data.subarray(i * 5, i * 5 + 5).reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    // no iterations, or alpha 0: as the members said
    expect(Array.from(propagate(p, Float32Array.from(r.beats), T, new Int16Array(400), { ...CFG, iterations: 0 }).data)).toEqual(Array.from(p.data));
    expect(Array.from(propagate(p, Float32Array.from(r.beats), T, new Int16Array(400), { ...CFG, alpha: 0 }).data)).toEqual(Array.from(p.data));
  });

  it('never lets one record’s beats vote in another’s', () => {
    // record 0: wide beats called V; record 1: the same wide shape, every beat called N with certainty, so
    // propagated over one graph record 1 would pull record 0 towards N
    const a = record(200, 1), b = record(200, 2);
    const probsB = b.probs.map(() => [0.98, 0.005, 0.005, 0.005, 0.005]);
    const both = probMatrix([...a.probs, ...probsB]);
    const rec = Int16Array.from({ length: 400 }, (_, i) => (i < 200 ? 0 : 1));
    const out = propagate(both, Float32Array.from([...a.beats, ...b.beats]), T, rec, CFG);
    const alone = propagate(probMatrix(a.probs), Float32Array.from(a.beats), T, new Int16Array(200), CFG);
    expect(Array.from(out.data.subarray(0, 200 * 5))).toEqual(Array.from(alone.data));
    // the records may come interleaved: each record's beats keep their order
    const order = Array.from({ length: 400 }, (_, i) => (i % 2 ? 200 + (i >> 1) : i >> 1));
    const inter = propagate(
      probMatrix(order.map((i) => Array.from(both.data.subarray(i * 5, i * 5 + 5)))),
      Float32Array.from(order.flatMap((i) => (i < 200 ? a.beats : b.beats).slice((i % 200) * T, (i % 200 + 1) * T))),
      T, Int16Array.from(order, (i) => rec[i]!), CFG,
    );
    order.forEach((i, j) => expect(Array.from(inter.data.subarray(j * 5, j * 5 + 5))).toEqual(Array.from(out.data.subarray(i * 5, i * 5 + 5))));
  });

  it('reuses a neighbour graph only for the same beats, records and distance settings', () => {
    const r = record(120, 5);
    const m = probMatrix(r.probs);
    const beats = Float32Array.from(r.beats), one = new Int16Array(120), two = Int16Array.from({ length: 120 }, (_, i) => (i < 60 ? 0 : 1));
    const fresh = (rec: Int16Array, cfg: Propagation) => Array.from(propagate(m, beats.slice(), T, rec, cfg).data);
    for (const [rec, cfg] of [[one, CFG], [two, CFG], [one, { ...CFG, alpha: 0.5 }], [one, { ...CFG, k: 3 }], [two, { ...CFG, window: 10 }]] as const) {
      expect(Array.from(propagate(m, beats, T, rec, cfg).data)).toEqual(fresh(rec, cfg));
    }
  });

  it('names what is wrong with bad input and bad settings', () => {
    const p = probMatrix([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]);
    expect(() => propagate(p, new Float32Array(3 * T), T, new Int16Array(2), CFG)).toThrow(/96 beat values for 2 beats of 32 samples × 1 channels/);
    expect(() => propagate(p, new Float32Array(2 * T), T, new Int16Array(3), CFG)).toThrow(/3 record indices for 2 beats/);
    expect(validatePropagation(SHAPE_PROPAGATION, 'm.json')).toEqual(SHAPE_PROPAGATION);
    expect(() => validatePropagation({ ...SHAPE_PROPAGATION, alpha: 1 }, 'm.json')).toThrow(/m.json: "propagation" alpha must be a number in \[0, 1\)/);
    expect(() => validatePropagation({ ...SHAPE_PROPAGATION, kind: 'knn-rr' }, 'm.json')).toThrow(/kind must be "knn-shape", got "knn-rr"; update ecg-edge/);
    expect(() => validatePropagation({ ...SHAPE_PROPAGATION, channelWeights: [] }, 'm.json')).toThrow(/channelWeights/);
  });

  it('an Ensemble with propagation needs each beat’s record; manifests with it are version 4', async () => {
    const r = record(100, 3);
    const m = probMatrix(r.probs);
    const e = new Ensemble([{ predictProbs: () => m }], [1], 'average', { propagation: CFG });
    await expect(e.predictProbs(Float32Array.from(r.beats), T, new Float32Array(0))).rejects.toThrow(/propagates within each record: pass each beat's record/);
    const out = await e.predictProbs(Float32Array.from(r.beats), T, new Float32Array(0), { record: new Int16Array(100) });
    expect(errors(argmaxRows(out), r.truth)).toBeLessThan(errors(argmaxRows(m), r.truth));
    // one decision path: what the Ensemble predicts is decide() of the combined probabilities (the report uses decide)
    expect(Array.from(decide(m, new Float32Array(0), e.decision, { beats: Float32Array.from(r.beats), T, record: new Int16Array(100) }).data)).toEqual(Array.from(out.data));
    expect(() => decide(m, new Float32Array(0), e.decision, { beats: Float32Array.from(r.beats), T })).toThrow(/propagates within each record/);
    const base = { format: 'ecg-edge-ensemble', protocol: 'inter-patient', method: 'average', classes: ['N', 'S', 'V', 'F', 'Q'], members: [{ model: 'a', weight: 1 }] };
    expect(validateManifest({ ...base, version: 4, propagation: SHAPE_PROPAGATION }).propagation).toEqual(SHAPE_PROPAGATION);
    expect(() => validateManifest({ ...base, version: 2, classOffsets: [0, 0, 0, 0, 0], propagation: SHAPE_PROPAGATION })).toThrow(/"propagation" needs "version": 4/);
  });

  it('the refinement runs last, after the offsets, and needs each beat’s record; manifests with it are version 5', async () => {
    const r = record(100, 4);
    const m = probMatrix(r.probs);
    const beats = Float32Array.from(r.beats), rec = new Int16Array(100);
    const refine: Propagation = { ...CFG, alpha: SHAPE_REFINEMENT.alpha };
    // offsets and propagation do not commute, so the order is part of the manifest's meaning
    const classOffsets = [0, 0, 0.5, 0, 0];
    const d = { classOffsets, refine };
    const out = decide(m, new Float32Array(0), d, { beats, T, record: rec });
    expect(Array.from(out.data)).toEqual(Array.from(propagate(applyClassOffsets(m, classOffsets), beats, T, rec, refine).data));
    expect(Array.from(out.data)).not.toEqual(Array.from(applyClassOffsets(propagate(m, beats, T, rec, refine), classOffsets).data));
    const e = new Ensemble([{ predictProbs: () => m }], [1], 'average', d);
    await expect(e.predictProbs(beats, T, new Float32Array(0))).rejects.toThrow(/propagates within each record: pass each beat's record/);
    expect(Array.from((await e.predictProbs(beats, T, new Float32Array(0), { record: rec })).data)).toEqual(Array.from(out.data));
    const base = { format: 'ecg-edge-ensemble', protocol: 'inter-patient', method: 'average', classes: ['N', 'S', 'V', 'F', 'Q'], members: [{ model: 'a', weight: 1 }] };
    expect(validateManifest({ ...base, version: 5, propagation: SHAPE_PROPAGATION, refine: SHAPE_REFINEMENT }).refine).toEqual(SHAPE_REFINEMENT);
    expect(() => validateManifest({ ...base, version: 4, propagation: SHAPE_PROPAGATION, refine: SHAPE_REFINEMENT })).toThrow(/"refine" needs "version": 5/);
    expect(() => validateManifest({ ...base, version: 5, propagation: SHAPE_PROPAGATION })).toThrow(/version 5 needs "refine"/);
    expect(() => validateManifest({ ...base, version: 5, refine: { ...SHAPE_REFINEMENT, k: 0 } })).toThrow(/"refine" k must be an integer ≥ 1/);
    expect(() => validateManifest({ ...base, version: 6 })).toThrow(/reads versions 1 to 5/);
    // a build writes the version of the latest step it holds
    expect(manifestVersion({})).toBe(1);
    expect(manifestVersion({ classOffsets })).toBe(2);
    expect(manifestVersion({ classOffsets, propagation: SHAPE_PROPAGATION })).toBe(4);
    expect(manifestVersion({ refine: SHAPE_REFINEMENT })).toBe(5);
  });
});

const DATA = process.env.ECG_EDGE_DATA;

describe.skipIf(!DATA)('shape propagation on MIT-BIH (needs ECG_EDGE_DATA)', () => {
  it('on a DS1 record its fold model never saw, propagation removes most of the model’s errors', async () => {
    const { loadClassifier } = await import('../src/train/classify.js');
    const { recordsSet, setInputs } = await import('../src/train/dataset/protocols.js');
    const { initEngine } = await import('../src/train/engine.js');
    await initEngine('wasm', { quiet: true });
    // record 106 (520 V beats in bigeminy runs) is in fold 1's held-out records
    const dir = path.join(root, 'models', 'inter-patient', 'cv', 'cnn-lstm-focal-fold1');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')).validation.records).toContain('106');
    const clf = await loadClassifier(dir);
    const spec = clf.spec.input;
    const set = await recordsSet(path.join(DATA!, 'mitdb'), ['106'], spec);
    const { beats, rr } = setInputs(set, spec);
    const p = await clf.predictor.predictProbs(beats, spec.length, rr);
    const wrong = (m: Int32Array) => Array.from(set.label).filter((y, i) => y >= 0 && m[i] !== y).length;
    const before = wrong(argmaxRows(p)), after = wrong(argmaxRows(propagate(p, beats, spec.length, set.rec, SHAPE_PROPAGATION)));
    expect(before).toBeGreaterThan(20);
    expect(after).toBeLessThan(before / 2);
    // the shipped inter-patient default propagates with this setting, and refines with the shipped refinement
    const { readManifest } = await import('../src/train/ensemble/index.js');
    const shipped = readManifest(path.join(root, 'models', 'inter-patient', 'ensemble.json')).manifest;
    expect(shipped.propagation).toEqual(SHAPE_PROPAGATION);
    expect(shipped.refine).toEqual(SHAPE_REFINEMENT);
  }, 180_000);

  it('ensemble build --propagate shape --refine shape writes a version-5 manifest: gate fitted on propagated beats, refinement scored last', async () => {
    const out = path.join(fs.mkdtempSync(path.join(tmpdir(), 'ecg-prop-')), 'ens.json');
    const members = path.join(root, 'models', 'inter-patient', 'cnn-lstm-focal');
    const r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', members, '--method', 'average', '--calibrate', 'held-out', '--sveb-gate', 'rr', '--offsets', 'none', '--propagate', 'shape', '--refine', 'shape', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(j.version).toBe(5);
    expect(j.propagation).toEqual(SHAPE_PROPAGATION);
    expect(j.refine).toEqual(SHAPE_REFINEMENT);
    expect(j.calibration.propagated).toEqual(expect.any(Number));
    expect(j.calibration.propagated).not.toBe(j.calibration.before);
    // without offsets, the score before the refinement is the gate's; `after` is the refined one
    expect(j.calibration.unrefined).toBe(j.calibration.gated);
    expect(j.calibration.after).not.toBe(j.calibration.unrefined);
    expect(r.stderr).toMatch(/shape propagation within records, held-out selection score \d\.\d{4} → \d\.\d{4}/);
    expect(r.stderr).toMatch(/refinement after the offsets, held-out selection score \d\.\d{4} → \d\.\d{4}/);
    const bad = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', members, '--propagate', 'rr', '--out', out]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown --propagate 'rr': choose none or shape/);
    const badRefine = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', members, '--refine', 'yes', '--out', out]);
    expect(badRefine.code).not.toBe(0);
    expect(badRefine.stderr).toMatch(/unknown --refine 'yes': choose none or shape/);
  }, 300_000);
});
