// The model inputs the training dataset builds (src/train/dataset/features.ts): the six RR features and the
// 'beat-template' channel, checked against hand computations and on a fixture record.
import { describe, expect, it } from 'vitest';
import { rrFeatures, medianRRFeatures, gateRRFeatures, rrColumns, BeatTemplate, recordTemplates, gatherBeats } from '../src/train/dataset/features.js';
import { loadRecords, gather, setInputs } from '../src/train/dataset/protocols.js';
import { checkSpec, defaultInputSpec, makeSpec, MEDIAN_RR, RECORD_IRREGULARITY_WINDOW, RR_FEATURE_NAMES, type RRSpec } from '../src/train/spec.js';
import { fixturesDir } from '../src/wfdb/index.js';

const rrSpec = (features: RRSpec['features'], localWindow = 3): RRSpec => ({ features, recordWindow: 300, localWindow, clampMin: 0.15, clampMax: 3 });

describe('RR features', () => {
  it('computes post/pre and the irregularity of the rhythm as the spec defines them', () => {
    const fs = 100;
    // intervals 1.0, 1.0, 0.6 (premature), 1.4 (compensatory pause), 1.0 s
    const pos = [0, 100, 200, 260, 400, 500];
    const out = rrFeatures(pos, fs, rrSpec(['pre/localAvg', 'post/pre', 'irregularity']));
    const pre = [1.0, 1.0, 1.0, 0.6, 1.4, 1.0];
    const post = [1.0, 1.0, 0.6, 1.4, 1.0, 1.0];
    // hand computation of the causal averages (window 3) and the irregularity
    let loc = 0, irr = 0, prevP = 0;
    for (let k = 0; k < pos.length; k++) {
      const n = k + 1;
      loc = k === 0 ? pre[k]! : loc + (pre[k]! - loc) / Math.min(n, 3);
      const p = pre[k]! / loc;
      irr += ((k === 0 ? 0 : Math.abs(p - prevP)) - irr) / Math.min(n, 3);
      prevP = p;
      expect(out[k * 3]).toBe(Math.fround(p));
      expect(out[k * 3 + 1]).toBe(Math.fround(post[k]! / pre[k]!));
      expect(out[k * 3 + 2]).toBe(Math.fround(irr));
    }
    expect(out[3 * 3 + 1]).toBeCloseTo(1.4 / 0.6, 6); // the premature beat: long pause after it
    expect(out[2]).toBe(0); // a regular start has no irregularity
    expect(out[3 * 3 + 2]).toBeGreaterThan(0.1); // the premature beat raises it
  });

  it('lists features in the spec order: the first four equal the original features', () => {
    const pos = [0, 300, 610, 800, 1190, 1500, 1790];
    const four = rrFeatures(pos, 360, rrSpec(['pre/recordAvg', 'post/recordAvg', 'pre/localAvg', 'post/localAvg'], 10));
    const six = rrFeatures(pos, 360, rrSpec([...RR_FEATURE_NAMES], 10));
    for (let k = 0; k < pos.length; k++) expect(Array.from(six.subarray(k * 6, k * 6 + 4))).toEqual(Array.from(four.subarray(k * 4, k * 4 + 4)));
  });

  it('is small on sinus rhythm (record 100, rare APCs)', async () => {
    const spec = defaultInputSpec(360);
    const f = spec.rr.features.indexOf('irregularity');
    const [r100] = await loadRecords(fixturesDir(), ['100'], spec);
    const F = spec.rr.features.length;
    let mean = 0;
    for (let k = 0; k < r100!.n; k++) mean += r100!.rr[k * F + f]!;
    mean /= r100!.n;
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(0.1); // record 100: sinus rhythm with rare APCs
  });
});

describe('gate RR features: the running median RR and the record irregularity (read by the S-vs-N gate)', () => {
  // the definition in spec.ts, computed the slow way: sort the last `window` pre-RRs of ≥ minRR s at every beat
  const naive = (pos: ArrayLike<number>, fs: number, { window, minRR }: { window: number; minRR: number }) => {
    const n = pos.length, kept: number[] = [], out: number[] = [];
    const clamp = (v: number) => Math.min(3, Math.max(0.15, v));
    for (let k = 0; k < n; k++) {
      const pre = k >= 1 ? clamp((pos[k]! - pos[k - 1]!) / fs) : n >= 2 ? clamp((pos[1]! - pos[0]!) / fs) : 1;
      if (pre >= minRR) kept.push(pre);
      const last = kept.slice(Math.max(0, kept.length - window)).sort((a, b) => a - b);
      const med = last.length ? last[last.length >> 1]! : pre;
      const post = k + 1 < n ? clamp((pos[k + 1]! - pos[k]!) / fs) : pre;
      out.push(pre / med, post / med);
    }
    return Float32Array.from(out);
  };

  it('is pre- and post-RR over the upper median of the last `window` pre-RRs of ≥ minRR s, on record 208 (frequent V beats)', async () => {
    const spec = defaultInputSpec(360);
    const [r208] = await loadRecords(fixturesDir(), ['208'], spec);
    const pos = r208!.sample;
    expect(pos.length).toBeGreaterThan(2 * MEDIAN_RR.window); // the window wraps around
    // the dataset's gate columns: the median pair, then the record irregularity (the irregularity recurrence with
    // RECORD_IRREGULARITY_WINDOW for both of its windows)
    const irr = rrFeatures(pos, 360, { ...spec.rr, features: ['irregularity'], localWindow: RECORD_IRREGULARITY_WINDOW });
    const med = naive(pos, 360, MEDIAN_RR);
    expect(Array.from(r208!.rrGate)).toEqual(Array.from(gateRRFeatures(pos, 360, spec.rr)));
    expect(Array.from(r208!.rrGate)).toEqual(Array.from({ length: 3 * pos.length }, (_, j) => (j % 3 < 2 ? med[2 * Math.floor(j / 3) + (j % 3)]! : irr[Math.floor(j / 3)]!)));
    // 208's frequent V beats make it irregular: far above the regular-rhythm level of the local feature's start
    expect(r208!.rrGate[3 * (pos.length - 1) + 2]).toBeGreaterThan(0.15);
    expect(Array.from(medianRRFeatures(pos, 360, spec.rr, { window: 7, minRR: 0.5 }))).toEqual(Array.from(naive(pos, 360, { window: 7, minRR: 0.5 })));
    // the dataset carries them per beat, next to the model's RR features
    const set = gather([r208!], [{ r: 0, i: 5 }, { r: 0, i: 900 }], spec.length);
    expect(Array.from(set.rrGate)).toEqual(Array.from(r208!.rrGate.subarray(15, 18)).concat(Array.from(r208!.rrGate.subarray(2700, 2703))));
  });

  it('flutter waves (intervals under minRR) do not move the median', () => {
    // 30 beats at 0.8 s, 100 flutter waves at 0.22 s, then 0.8 s again
    const pos = [0];
    for (let i = 0; i < 30; i++) pos.push(pos.at(-1)! + 288);
    for (let i = 0; i < 100; i++) pos.push(pos.at(-1)! + 79);
    for (let i = 0; i < 5; i++) pos.push(pos.at(-1)! + 288);
    const med = medianRRFeatures(pos, 360, { clampMin: 0.15, clampMax: 3 });
    expect(med[2 * (pos.length - 1)]).toBeCloseTo(1, 6);
    const all = medianRRFeatures(pos, 360, { clampMin: 0.15, clampMax: 3 }, { window: 512, minRR: 0 });
    expect(all[2 * (pos.length - 1)]).toBeGreaterThan(3); // counted in, they make the next normal beat look 3.6× late
  });

  it('a run of premature beats pulls the average down but leaves the median: they stay premature', () => {
    // 40 beats at 1 s, then 12 bigeminal pairs (0.6 s, 1.4 s), then one more 0.6 s beat
    const pos = [0];
    for (let i = 0; i < 40; i++) pos.push(pos.at(-1)! + 360);
    for (let i = 0; i < 12; i++) pos.push(pos.at(-1)! + 216, pos.at(-1)! + 216 + 504);
    pos.push(pos.at(-1)! + 216);
    const k = pos.length - 1;
    const med = medianRRFeatures(pos, 360, { clampMin: 0.15, clampMax: 3 });
    const avg = rrFeatures(pos, 360, rrSpec(['pre/recordAvg']));
    expect(med[2 * k]).toBeCloseTo(0.6, 6);
    expect(avg[k]!).toBeGreaterThan(0.6);
  });

  it('rrColumns picks features by name from the model RR rows and the gate rows, and names what it lacks', () => {
    const rr = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2 beats × 3 features
    const gate = Float32Array.from([7, 8, 9, 10, 11, 12]);
    const got = rrColumns(rr, ['a', 'b', 'c'], gate, ['c', 'post/recordMedian', 'a', 'recordIrregularity']);
    expect(Array.from(got)).toEqual([3, 8, 1, 9, 6, 11, 4, 12]);
    expect(() => rrColumns(rr, ['a', 'b', 'c'], gate, ['pre/recordAvg'])).toThrow(/RR feature 'pre\/recordAvg' is neither one of the model's \(a, b, c\) nor one of pre\/recordMedian, post\/recordMedian, recordIrregularity/);
    expect(() => rrColumns(rr.subarray(1), ['a', 'b', 'c'], gate, ['a'])).toThrow(/5 RR values for 2 beats of 3 features/);
    expect(() => medianRRFeatures([0, 300], 360, { clampMin: 0.15, clampMax: 3 }, { window: 0, minRR: 0.3 })).toThrow(/median RR window must be an integer ≥ 1, got 0/);
  });
});

describe("the 'beat-template' channel", () => {
  it('starts at the first beat, then follows the running mean in float32', () => {
    const T = 3;
    const tpl = new BeatTemplate(T, 2);
    const z0 = Float32Array.from([1, 2, 3]);
    const z1 = Float32Array.from([3, 2, 0.1]);
    const z2 = Float32Array.from([0, 0, 0]);
    expect(Array.from(tpl.current(z0))).toEqual([1, 2, 3]); // first beat: its own template, difference 0
    tpl.update(z0);
    expect(Array.from(tpl.current(z1))).toEqual([1, 2, 3]);
    tpl.update(z1); // m = 2: tpl + (z − tpl) / 2
    const want1 = [0, 1, 2].map((t) => Math.fround(z0[t]! + Math.fround(Math.fround(z1[t]! - z0[t]!) / 2)));
    expect(Array.from(tpl.current(z2))).toEqual(want1);
    tpl.update(z2); // m = 3, window 2: still / 2
    expect(Array.from(tpl.current(z2))).toEqual(want1.map((v) => Math.fround(v + Math.fround(Math.fround(0 - v) / 2))));
    tpl.reset();
    expect(Array.from(tpl.current(z1))).toEqual(Array.from(z1));
  });

  it('on record 208 (frequent V beats): the channel is the beat minus the record template before it', async () => {
    const spec = defaultInputSpec(360);
    expect(spec.channels).toEqual(['beat', 'beat-template']);
    const [rb] = await loadRecords(fixturesDir(), ['208'], spec);
    const T = spec.length;
    const tpls = recordTemplates(rb!.windows, rb!.margin, spec, rb!.n)!;
    expect(Array.from(tpls)).toEqual(Array.from(rb!.tpl!));
    const picks = Array.from({ length: rb!.n }, (_, i) => ({ r: 0, i })).filter((p) => rb!.label[p.i]! >= 0);
    const set = gather([rb!], picks, T);
    const x = setInputs(set, spec);
    const z = gatherBeats(set.windows, set.margin, { ...spec, channels: ['beat'] }, Int32Array.from({ length: set.n }, (_, i) => i));
    let dN = 0, dV = 0, nN = 0, nV = 0;
    for (let k = 0; k < set.n; k++) {
      let d = 0;
      for (let t = 0; t < T; t++) {
        expect(x.beats[(k * T + t) * 2]).toBe(z[k * T + t]);
        expect(x.beats[(k * T + t) * 2 + 1]).toBe(Math.fround(z[k * T + t]! - set.tpl![k * T + t]!));
        d += x.beats[(k * T + t) * 2 + 1]! ** 2;
      }
      if (set.label[k] === 0) { dN += d; nN++; } else if (set.label[k] === 2) { dV += d; nV++; }
    }
    // V beats differ from the patient's running template more than N beats do
    expect(nV).toBeGreaterThan(500);
    expect(dV / nV).toBeGreaterThan(1.5 * (dN / nN));
  });
});

describe('spec checks', () => {
  it('rejects unknown RR features and channels, and a template channel without a window', () => {
    const good = makeSpec('cnn', defaultInputSpec(360));
    expect(checkSpec(good, 'x')).toBe(good);
    const badF = { ...good, input: { ...good.input, rr: { ...good.input.rr, features: ['pre/foo'] } } };
    expect(() => checkSpec(badF, 'model.json')).toThrow(/unknown RR feature 'pre\/foo'/);
    const badC = { ...good, input: { ...good.input, channels: ['beat', 'other'] } };
    expect(() => checkSpec(badC, 'model.json')).toThrow(/unknown beat channel 'other'/);
    const noW = { ...good, input: { ...good.input, template: undefined } };
    expect(() => checkSpec(noW, 'model.json')).toThrow(/template\.window/);
  });
});
