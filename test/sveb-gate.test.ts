// The S-vs-N gate on RR features (src/train/ensemble/sveb-gate.ts) and `ecg-edge ensemble build --sveb-gate rr`.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GATE_L2, applySvebGate, fitSvebGate, gateFeatureNames, gateTerms, sStats, validateSvebGate } from '../src/train/ensemble/sveb-gate.js';
import { Ensemble, argmaxRows, probMatrix, rows, validateManifest } from '../src/train/ensemble/index.js';
import { cli, root } from './cli-helpers.js';

const CLASSES = ['N', 'S', 'V', 'F', 'Q'];
const FEATURES = ['pre/recordAvg', 'post/recordAvg', 'pre/localAvg', 'post/localAvg', 'irregularity', 'post/pre'];

/**
 * A network that cannot tell S from N (every N or S beat gets p = [0.7, 0.25, …]), V beats it gets right, and RR
 * features where S beats are premature with a compensatory pause (pre 0.65, post 1.3 of the average) and N beats are
 * on time (±5 %, deterministic jitter). Beats belong to `records` records in turn.
 */
function premature(nN: number, nS: number, nV: number, records = 4) {
  const p: number[][] = [], rr: number[] = [], labels: number[] = [], record: number[] = [];
  const jitter = (i: number) => 1 + 0.05 * Math.sin(i * 2.3);
  const push = (prob: number[], pre: number, post: number, label: number, i: number) => {
    p.push(prob);
    rr.push(pre, post, pre, post, 0.05 * jitter(i + 7), post / pre);
    labels.push(label);
    record.push(i % records);
  };
  for (let i = 0; i < nN; i++) push([0.7, 0.25, 0.03, 0.01, 0.01], jitter(i), jitter(i + 1), 0, i);
  for (let i = 0; i < nS; i++) push([0.7, 0.25, 0.03, 0.01, 0.01], 0.65 * jitter(i), 1.3 * jitter(i + 3), 1, i);
  for (let i = 0; i < nV; i++) push([0.3, 0.25, 0.43, 0.01, 0.01], 0.65 * jitter(i), 1.3 * jitter(i + 3), 2, i);
  return { m: probMatrix(p), rr: Float32Array.from(rr), labels: Int8Array.from(labels), record: Int16Array.from(record) };
}

describe('S-vs-N gate', () => {
  it('learns prematurity from the RR features and decides N vs S only where the ensemble says N or S', () => {
    const { m, rr, labels, record } = premature(400, 40, 20);
    expect(sStats(m, labels)).toEqual({ se: 0, ppv: 0, f1: 0 }); // the network calls no S
    const { gate, outOfRecord } = fitSvebGate(m, rr, FEATURES, labels, 'synthetic', { record });
    expect(gate.features).toEqual(FEATURES);
    expect(gate.weights).toHaveLength(6 + 21);
    expect(gate.fit).toMatchObject({ nBeats: 400, sBeats: 40, sWeight: Math.round(Math.sqrt(10) * 1e6) / 1e6, steps: 200 });
    // leave one record out: every record gated by a gate that never saw it
    expect(gate.fit.outOfRecord!.records).toBe(4);
    expect(gate.fit.outOfRecord!.before.f1).toBe(0);
    expect(gate.fit.outOfRecord!.after.f1).toBe(1);
    expect(Array.from(argmaxRows(outOfRecord!))).toEqual(Array.from(labels));
    const g = applySvebGate(m, rr, gate);
    expect(Array.from(argmaxRows(g))).toEqual(Array.from(labels));
    // V beats (premature too) keep the ensemble's V call and their probabilities; N+S mass is kept per row
    rows(g).forEach((row, i) => {
      const before = rows(m)[i]!;
      if (labels[i] === 2) expect(row).toEqual(before.map(Math.fround));
      expect(row[0]! + row[1]!).toBeCloseTo(before[0]! + before[1]!, 5);
      expect(row.slice(2)).toEqual(before.slice(2).map(Math.fround));
    });
    // deterministic
    expect(fitSvebGate(m, rr, FEATURES, labels, 'synthetic').gate).toEqual({ ...gate, fit: { ...gate.fit, outOfRecord: undefined } });
  });

  it('remembers fits by what they read: the same inputs give the same gate, and a changed gate does not leak into the next fit', () => {
    const { m, rr, labels } = premature(400, 40, 20);
    const first = fitSvebGate(m, rr, FEATURES, labels, 'synthetic').gate;
    const kept = structuredClone(first);
    first.weights.fill(0);
    first.mean[0] = 99;
    expect(fitSvebGate(m, rr, FEATURES, labels, 'synthetic').gate).toEqual(kept);
    // other labels, other fit
    const moved = Int8Array.from(labels, (l, i) => (i < 10 ? 1 : l));
    expect(fitSvebGate(m, rr, FEATURES, moved, 'synthetic').gate.weights).not.toEqual(kept.weights);
  });

  it('its L2 strength (default GATE_L2) shrinks the weights and is recorded in the fit', () => {
    const { m, rr, labels } = premature(400, 40, 20);
    const fit = (l2?: number) => fitSvebGate(m, rr, FEATURES, labels, 'synthetic', l2 === undefined ? {} : { l2 }).gate;
    const norm = (g: ReturnType<typeof fit>) => Math.hypot(...g.weights);
    expect(fit().fit.l2).toBe(GATE_L2);
    expect(fit(1e-3).fit.l2).toBe(1e-3);
    expect(norm(fit(1))).toBeLessThan(norm(fit(GATE_L2)));
    expect(norm(fit(GATE_L2))).toBeLessThan(norm(fit(1e-3)));
  });

  it('terms are the logs of the features and their pairwise products', () => {
    const t = gateTerms([1, Math.E, 1e-9]);
    expect(t.slice(0, 3).map((v) => +v.toFixed(6))).toEqual([0, 1, +Math.log(1e-3).toFixed(6)]);
    expect(t).toHaveLength(3 + 6);
    expect(t[3 + 3]).toBeCloseTo(1, 9); // x1·x1
  });

  it('names bad input', () => {
    const { m, rr, labels } = premature(50, 5, 0);
    expect(() => fitSvebGate(m, rr.subarray(6), FEATURES, labels, 'x')).toThrow(/54 RR rows of 6 features for 55 held-out beats/);
    expect(() => fitSvebGate(m, rr, FEATURES, labels.map(() => 0), 'x')).toThrow(/needs both N and S beats to fit \(55 N, 0 S\)/);
    const { gate } = fitSvebGate(m, rr, FEATURES, labels, 'x');
    expect(() => applySvebGate(m, rr.subarray(6), gate)).toThrow(/54 RR rows of 6 features for 55 scored beats/);
    expect(() => validateSvebGate({ ...gate, weights: [1] }, 'm.json')).toThrow(/m.json: "svebGate" needs "mean", "std" and "weights" of 27 finite numbers each \(6 features\)/);
    expect(() => validateSvebGate({ ...gate, kind: 'tree' }, 'm.json')).toThrow(/"kind": "rr-logistic"/);
  });

  it('reads the median RR features in place of the record-average ratios with --gate-rr median, and says which window', async () => {
    const MEDIAN = gateFeatureNames(FEATURES, 'median');
    expect(MEDIAN).toEqual(['pre/recordMedian', 'post/recordMedian', 'pre/localAvg', 'post/localAvg', 'irregularity', 'post/pre']);
    expect(gateFeatureNames(FEATURES)).toEqual(FEATURES);
    expect(gateFeatureNames(FEATURES, 'median+irregularity')).toEqual([...MEDIAN, 'recordIrregularity']);
    expect(() => gateFeatureNames(FEATURES, 'mode' as 'median')).toThrow(/unknown gate RR features 'mode': choose one of member, median, median\+irregularity/);
    const { m, rr, labels } = premature(100, 20, 5);
    const { gate } = fitSvebGate(m, rr, MEDIAN, labels, 'synthetic');
    expect(gate.settings).toEqual({ median: { window: 512, minRR: 0.3 }, irregularityWindow: 3000 });
    expect(fitSvebGate(m, rr, FEATURES, labels, 'synthetic').gate.settings).toBeUndefined();
    expect(validateSvebGate(gate, 'm.json')).toEqual(gate);
    expect(() => validateSvebGate({ ...gate, settings: { median: { window: 128, minRR: 0.3 }, irregularityWindow: 3000 } }, 'm.json')).toThrow(/gate-only RR features computed with \{"median":\{"window":128,"minRR":0.3\},"irregularityWindow":3000\}, but this build computes them with \{"median":\{"window":512,"minRR":0.3\},"irregularityWindow":3000\}: rebuild the ensemble/);
    expect(() => validateSvebGate({ ...gate, settings: undefined }, 'm.json')).toThrow(/computed with undefined/);
    expect(() => validateSvebGate({ ...gate, features: ['pre/recordMode', ...MEDIAN.slice(1)] }, 'm.json')).toThrow(/reads RR feature 'pre\/recordMode', which this build does not compute/);
    // an ensemble whose gate reads median features needs their rows: the members' RR rows are not them
    const member = { predictProbs: () => m };
    const e = new Ensemble([member], [1], 'average', { svebGate: gate });
    await expect(e.predictProbs(new Float32Array(0), 128, rr)).rejects.toThrow(/S-vs-N gate reads pre\/recordMedian, .*: pass those rows as gateRR/);
    expect(Array.from(argmaxRows(await e.predictProbs(new Float32Array(0), 128, new Float32Array(0), { gateRR: rr })))).toEqual(Array.from(labels));
  });

  it('an Ensemble applies the gate before the offsets; manifests with a gate are version 3', async () => {
    const { m, rr, labels } = premature(100, 20, 5);
    const { gate } = fitSvebGate(m, rr, FEATURES, labels, 'synthetic');
    const member = { predictProbs: () => m };
    const gated = await new Ensemble([member], [1], 'average', { svebGate: gate }).predictProbs(new Float32Array(0), 128, rr);
    expect(Array.from(argmaxRows(gated))).toEqual(Array.from(labels));
    // an offset against S after the gate turns the S calls back into N
    const both = await new Ensemble([member], [1], 'average', { svebGate: gate, classOffsets: [0, -30, 0, 0, 0] }).predictProbs(new Float32Array(0), 128, rr);
    expect(Array.from(argmaxRows(both)).filter((c) => c === 1)).toHaveLength(0);
    const base = { format: 'ecg-edge-ensemble', protocol: 'inter-patient', method: 'average', classes: ['N', 'S', 'V', 'F', 'Q'], members: [{ model: 'a', weight: 1 }] };
    expect(validateManifest({ ...base, version: 3, svebGate: gate }).svebGate).toEqual(gate);
    expect(() => validateManifest({ ...base, version: 2, classOffsets: [0, 0, 0, 0, 0], svebGate: gate })).toThrow(/"svebGate" needs "version": 3/);
    expect(() => validateManifest({ ...base, version: 3, svebGate: gate, classes: ['S', 'N', 'V', 'F', 'Q'] })).toThrow(/needs classes N and S first/);
  });

  it('the CLI refuses a gate without held-out calibration, and unknown gates', async () => {
    const out = path.join(tmpdir(), 'never.json');
    let r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--sveb-gate', 'rr', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sveb-gate rr is fitted on held-out beats: add --calibrate held-out/);
    r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--sveb-gate', 'tree', '--calibrate', 'held-out', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown --sveb-gate 'tree': choose none or rr/);
    r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--calibrate', 'held-out', '--gate-l2', '0.1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--gate-l2 sets the S-vs-N gate's fit: add --sveb-gate rr/);
    r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--calibrate', 'held-out', '--sveb-gate', 'rr', '--gate-l2', 'lots', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--gate-l2 must be a number ≥ 0, got 'lots'/);
    r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--calibrate', 'held-out', '--gate-rr', 'median', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--gate-rr chooses the S-vs-N gate's RR features: add --sveb-gate rr/);
    r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--calibrate', 'held-out', '--sveb-gate', 'rr', '--gate-rr', 'mean', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown --gate-rr 'mean': choose member, median, median\+irregularity/);
  });
});

describe('fitting the decision, and leaving one fold out', () => {
  const heldOut = (folds: number) => {
    const { m, rr, labels, record } = premature(400, 40, 20, 8);
    // median RR features equal to the record-average ratios here (a regular rhythm's median is its average), and
    // the record irregularity equal to the local one
    const rrGate = Float32Array.from({ length: m.n * 3 }, (_, j) => rr[Math.floor(j / 3) * 6 + [0, 1, 4][j % 3]!]!);
    return {
      probs: m, labels, rr, rrFeatures: FEATURES, rrGate, record, records: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
      fold: Int8Array.from(record, (r) => r % folds), folds: Array.from({ length: folds }, (_, k) => [`fold${k}`]), data: 'synthetic',
      beats: new Float32Array(m.n * 4), T: 4, // the beats' shapes, read by propagation only (none here)
    };
  };

  it('fits the gate, then offsets on its out-of-record probabilities, and scores each fold with a fit made without it', async () => {
    const { fitDecision, acrossFolds } = await import('../src/train/ensemble/decision.js');
    const h = heldOut(4);
    const d = fitDecision(h, CLASSES, { gate: true, offsets: ['S'] });
    expect(d.svebGate!.fit.outOfRecord!.records).toBe(8);
    expect(d.offsetFit!.fitted).toEqual(['S']);
    expect(d.classOffsets).toEqual([0, 0, 0, 0, 0]); // the gate already separates S: no offset improves it
    expect(d.before).toBeLessThan(d.gated!);
    expect(d.after).toBe(d.gated);
    const noGate = fitDecision(h, CLASSES, { gate: false, offsets: 'none' });
    expect(noGate.svebGate).toBeUndefined();
    expect(noGate.offsetFit).toBeNull();
    expect(noGate.after).toBe(noGate.before);
    const x = acrossFolds(h, CLASSES, { gate: true, offsets: 'none' })!;
    expect(x.folds).toBe(4);
    expect(x.f1Before[1]).toBe(0);
    expect(x.f1After[1]).toBe(1); // every fold's S beats found by a gate fitted on the other three folds
    expect(x.after).toBeGreaterThan(x.before);
    expect(acrossFolds(heldOut(1), CLASSES, { gate: true, offsets: 'none' })).toBeNull();
    // outOfFold gives the probabilities acrossFolds scores: every S beat called S out of fold
    const { outOfFold } = await import('../src/train/ensemble/decision.js');
    const oof = outOfFold(h, CLASSES, { gate: true, offsets: 'none' })!;
    const pred = argmaxRows(oof);
    expect(Array.from(h.labels).every((y, i) => y !== 1 || pred[i] === 1)).toBe(true);
    expect(outOfFold(heldOut(1), CLASSES, { gate: true, offsets: 'none' })).toBeNull();
    // with gateRR 'median' the gate reads the median columns by name: the same values here, so the same fit
    const med = fitDecision(h, CLASSES, { gate: true, offsets: ['S'], gateRR: 'median' });
    expect(med.svebGate!.features.slice(0, 2)).toEqual(['pre/recordMedian', 'post/recordMedian']);
    expect(med.svebGate!.weights).toEqual(d.svebGate!.weights);
    expect(acrossFolds(h, CLASSES, { gate: true, offsets: 'none', gateRR: 'median' })!.after).toBe(x.after);
    // 'median+irregularity' adds the third gate column, the record irregularity (here the local one: 27 → 35 terms)
    const withIrr = fitDecision(h, CLASSES, { gate: true, offsets: ['S'], gateRR: 'median+irregularity' }).svebGate!;
    expect(withIrr.features.at(-1)).toBe('recordIrregularity');
    expect(withIrr.weights).toHaveLength(35);
    h.rrGate.fill(1); // flat gate columns: only the median gate's fit changes
    expect(fitDecision(h, CLASSES, { gate: true, offsets: ['S'], gateRR: 'median' }).svebGate!.weights).not.toEqual(d.svebGate!.weights);
    expect(fitDecision(h, CLASSES, { gate: true, offsets: ['S'] }).svebGate!.weights).toEqual(d.svebGate!.weights);
    expect(() => fitDecision(h, CLASSES, { gate: false, offsets: ['N'] })).toThrow(/cannot fit class 'N': choose among S, V, F, Q \(N is the reference\)/);
  });

  it('the CLI checks --offsets', async () => {
    const out = path.join(tmpdir(), 'never.json');
    let r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--calibrate', 'held-out', '--offsets', 'S,X', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--offsets: unknown class 'X': list some of S, V, F, Q/);
    r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--offsets', 'S', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--offsets chooses which classes --calibrate held-out fits: add --calibrate held-out/);
  });
});

const DATA = process.env.ECG_EDGE_DATA;
describe.skipIf(!DATA)('ensemble build --sveb-gate rr on MIT-BIH (needs ECG_EDGE_DATA)', () => {
  it('fits the gate on the members’ held-out DS1 records, out of record, and writes a version-3 manifest', async () => {
    const out = path.join(fs.mkdtempSync(path.join(tmpdir(), 'ecg-gate-')), 'ens.json');
    const members = ['cnn-focal', 'cnn-lstm-focal'].map((m) => path.join(root, 'models', 'inter-patient', m)).join(',');
    const r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', members, '--method', 'average', '--calibrate', 'held-out', '--sveb-gate', 'rr', '--gate-l2', '0.1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(j.version).toBe(3);
    expect(j.svebGate.features).toEqual(FEATURES);
    expect(j.svebGate.fit.l2).toBe(0.1);
    // DS1 records 108, 114, 116, 220: their N and S beats, each record gated by a gate fitted on the other three
    expect(j.svebGate.fit.nBeats + j.svebGate.fit.sBeats).toBeLessThan(8102);
    expect(j.svebGate.fit.sBeats).toBeGreaterThanOrEqual(100);
    expect(j.svebGate.fit.outOfRecord.records).toBe(4);
    expect(j.calibration.gated).toEqual(expect.any(Number));
    expect(r.stderr).toMatch(/S-vs-N gate on \d+ N and \d+ S held-out beats; leave one record out, S F1/);
    // the manifest loads and classifies with its gate
    const { loadClassifier } = await import('../src/train/classify.js');
    const clf = await loadClassifier(out);
    expect(clf.kind).toBe('ensemble');
  }, 180_000);

  it('--pick held-out scores each candidate with the whole decision step across DS1 folds, the same score the manifest records', async () => {
    const out = path.join(fs.mkdtempSync(path.join(tmpdir(), 'ecg-pick-')), 'ens.json');
    const cv = path.join(root, 'models', 'inter-patient', 'cv');
    const members = ['cnn-focal', 'cnn-lstm-focal'].flatMap((r) => [1, 2, 3, 4].map((k) => path.join(cv, `${r}-fold${k}`))).join(',');
    const r = await cli(['ensemble', 'build', '--protocol', 'inter-patient', '--members', members, '--method', 'average', '--pick', 'held-out', '--calibrate', 'held-out', '--sveb-gate', 'rr', '--offsets', 'S,V', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(j.selection.method).toMatch(/leave-one-fold-out selection score of the whole decision step \(S-vs-N gate, offsets S,V\)/);
    expect(j.selection.alone.map((a: { recipe: string }) => a.recipe).sort()).toEqual(['cnn-focal', 'cnn-lstm-focal']);
    // the chosen ensemble's last selection step is what its own leave-one-fold-out check records
    expect(j.selection.steps.at(-1).score).toBeCloseTo(j.calibration.acrossFolds.after, 10);
    expect(j.members).toHaveLength(4 * j.selection.steps.length);
  }, 600_000);

  it('the shipped default inter-patient ensemble gates real beats: only N/S calls change, and S false positives fall on record 209', async () => {
    const { loadClassifier } = await import('../src/train/classify.js');
    const { recordsSet, setInputs } = await import('../src/train/dataset/protocols.js');
    const { rrColumns } = await import('../src/train/dataset/features.js');
    const { combine, Ensemble } = await import('../src/train/ensemble/index.js');
    const { initEngine } = await import('../src/train/engine.js');
    await initEngine('wasm', { quiet: true });
    const clf = await loadClassifier(path.join(root, 'models', 'inter-patient', 'ensemble.json'));
    const e = clf.predictor as InstanceType<typeof Ensemble>;
    // the default gate reads the median RR features in place of the record-average ratios, and the record's
    // irregularity (--gate-rr median+irregularity)
    expect(e.decision.svebGate?.features).toEqual(gateFeatureNames(clf.spec.input.rr.features, 'median+irregularity'));
    expect(clf.gateFeatures).toEqual(e.decision.svebGate?.features);
    const spec = clf.spec.input;
    const set = await recordsSet(path.join(DATA!, 'mitdb'), ['209'], spec);
    const { beats, rr } = setInputs(set, spec);
    const raw = argmaxRows(combine(e.method, await e.memberProbs(beats, spec.length, rr), e.weights));
    // the gate alone (the manifest's offsets after it may move other classes too)
    const gateOnly = new Ensemble(e.members, e.weights, e.method, { svebGate: e.decision.svebGate });
    const gated = argmaxRows(await gateOnly.predictProbs(beats, spec.length, rr, { gateRR: rrColumns(rr, spec.rr.features, set.rrGate, clf.gateFeatures!) }));
    const count = (p: Int32Array) => {
      let tp = 0, fp = 0;
      for (let i = 0; i < set.n; i++) if (p[i] === 1) { if (set.label[i] === 1) tp++; else fp++; }
      return { tp, fp };
    };
    for (let i = 0; i < set.n; i++) if (raw[i]! >= 2 || gated[i]! >= 2) expect(gated[i]).toBe(raw[i]);
    const a = count(raw), b = count(gated);
    expect(b.fp).toBeLessThan(a.fp);
    expect(b.tp).toBeGreaterThan(0.8 * a.tp);
  }, 180_000);
});
