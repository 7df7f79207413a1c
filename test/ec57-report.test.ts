// Statistics from a hand-made confusion matrix, worked out by hand.
import { describe, expect, it } from 'vitest';
import { classStats, emptyMatrix, qrsReport, type RecordComparison } from '../src/eval/index.js';

function matrix() {
  const m = emptyMatrix();
  Object.assign(m.N, { n: 50, s: 3, v: 2, o: 1 });
  Object.assign(m.S, { n: 1, s: 4 });
  Object.assign(m.V, { n: 2, v: 8 });
  Object.assign(m.F, { n: 1, v: 1 });
  Object.assign(m.Q, { q: 1 });
  Object.assign(m.O, { n: 2, v: 1 });
  Object.assign(m.X, { n: 1 });
  return m;
}

describe('class statistics', () => {
  const c = classStats(matrix());
  it('VEB: TP = Vv, FN = Vn+Vs+Vf+Vq+Vo+Vx, FP = Nv+Sv+Ov+Xv (Fv not counted), FPR over rows N,S,F,Q,O,X × n,s,f,q', () => {
    expect(c.veb.tp).toBe(8);
    expect(c.veb.fn).toBe(2);
    expect(c.veb.fp).toBe(3);
    expect(c.veb.tn).toBe(63);
    expect(c.veb.se).toBeCloseTo(0.8, 12);
    expect(c.veb.ppv).toBeCloseTo(8 / 11, 12);
    expect(c.veb.fpr).toBeCloseTo(3 / 66, 12);
    expect(c.veb.f1).toBeCloseTo(16 / 21, 12);
  });
  it('SVEB: TP = Ss, FN = Sn+…+Sx, FP = Ns+Vs+Fs+Os+Xs', () => {
    expect([c.sveb.tp, c.sveb.fn, c.sveb.fp, c.sveb.tn]).toEqual([4, 1, 3, 69]);
    expect(c.sveb.se).toBeCloseTo(0.8, 12);
    expect(c.sveb.ppv).toBeCloseTo(4 / 7, 12);
    expect(c.sveb.fpr).toBeCloseTo(3 / 72, 12);
  });
  it('per-class Se, +P, F1, accuracy and macro F1', () => {
    expect(c.classes.N.se).toBeCloseTo(50 / 56, 12);
    expect(c.classes.N.ppv).toBeCloseTo(50 / 57, 12);
    expect(c.classes.N.f1).toBeCloseTo(100 / 113, 12);
    expect(c.classes.F).toEqual({ se: 0, ppv: null, f1: 0 });
    expect(c.classes.Q).toEqual({ se: 1, ppv: 1, f1: 1 });
    expect(c.accuracy).toBeCloseTo(63 / 78, 12);
    expect(c.classes.V.f1).toBeCloseTo(16 / 22, 12); // class V counts Fv as an FP, unlike VEB
    expect(c.macro_f1).toBeCloseTo((100 / 113 + 8 / 12 + 16 / 22 + 0 + 1) / 5, 12);
  });
});

describe('QRS report', () => {
  const rec = (tp: number, fn: number, fp: number): RecordComparison => ({
    start: 0, end: 1, window: 54, matrix: emptyMatrix(), tp, fn, fp,
    se: tp + fn ? tp / (tp + fn) : null, ppv: tp + fp ? tp / (tp + fp) : null,
  });
  it('gross statistics divide summed counts; average statistics average defined per-record ratios', () => {
    const q = qrsReport([
      { record: 'a', cmp: rec(90, 10, 0) },
      { record: 'b', cmp: rec(10, 0, 10) },
      { record: 'c', cmp: rec(0, 0, 5) },
    ]);
    expect(q.gross).toEqual({ se: 100 / 110, ppv: 100 / 115, tp: 100, fn: 10, fp: 15 });
    expect(q.average.se).toBeCloseTo((0.9 + 1) / 2, 12); // record c has no reference beat
    expect(q.average.ppv).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(q.records.map((r) => r.record)).toEqual(['a', 'b', 'c']);
    expect(Object.keys(q.records[0]!)).toEqual(['record', 'se', 'ppv', 'tp', 'fn', 'fp']);
  });
});
