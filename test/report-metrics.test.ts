import { describe, it, expect } from 'vitest';
import { classificationMetrics, confusionMatrix, metricsFromConfusion, rocCurve, oneVsRestRoc, thinRoc } from '../src/train/report/metrics.js';
import { linePlot, matrixPlot, heatTraceGrid, ticks } from '../src/train/report/svg.js';

describe('classification metrics', () => {
  it('computes Se, +P, F1, macro/weighted F1 and accuracy from a hand-made case', () => {
    // 3 classes. Reference: 4×A, 3×B, 1×C. Predictions chosen by hand.
    const yTrue = [0, 0, 0, 0, 1, 1, 1, 2];
    const yPred = [0, 0, 0, 1, 1, 1, 0, 1];
    const m = classificationMetrics(yTrue, yPred, ['A', 'B', 'C']);
    expect(m.confusion).toEqual([[3, 1, 0], [1, 2, 0], [0, 1, 0]]);
    expect(m.accuracy).toBeCloseTo(5 / 8, 12);
    const [a, b, c] = m.perClass;
    expect(a!.se).toBeCloseTo(3 / 4); expect(a!.ppv).toBeCloseTo(3 / 4); expect(a!.f1).toBeCloseTo(3 / 4);
    expect(b!.se).toBeCloseTo(2 / 3); expect(b!.ppv).toBeCloseTo(2 / 4); expect(b!.f1).toBeCloseTo(4 / 7);
    expect(c!.se).toBe(0); expect(c!.ppv).toBeNull(); expect(c!.f1).toBe(0);
    expect(m.macroF1).toBeCloseTo((3 / 4 + 4 / 7 + 0) / 3, 12);
    expect(m.weightedF1).toBeCloseTo((4 * 3 / 4 + 3 * 4 / 7 + 0) / 8, 12);
  });

  it('leaves a class absent from reference and predictions out of the macro F1', () => {
    const m = metricsFromConfusion([[2, 0], [0, 0]], ['N', 'Q']);
    expect(m.perClass[1]!.f1).toBeNull();
    expect(m.macroF1).toBe(1);
  });

  it('rejects mismatched or out-of-range labels', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/pair up/);
    expect(() => confusionMatrix([0, 5], [0, 1], 5)).toThrow(/out of range at index 1/);
  });
});

describe('ROC and AUC', () => {
  it('perfect and reversed rankings give AUC 1 and 0', () => {
    expect(rocCurve([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]).auc).toBe(1);
    expect(rocCurve([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]).auc).toBe(0);
  });

  it('matches a hand-computed case without ties', () => {
    // positives: 0.9, 0.6, 0.35; negatives: 0.8, 0.4, 0.1.
    // pairs (p > n): 0.9 beats all 3; 0.6 beats 0.4, 0.1; 0.35 beats 0.1 → 6 of 9.
    const r = rocCurve([0.9, 0.8, 0.6, 0.4, 0.35, 0.1], [1, 0, 1, 0, 1, 0]);
    expect(r.auc).toBeCloseTo(6 / 9, 12);
    expect(r.fpr).toEqual([0, 0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1]);
    expect(r.tpr).toEqual([0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1, 1]);
  });

  it('counts ties as one half (Mann-Whitney) and makes one point per tied score', () => {
    // positives: 0.5, 0.5, 0.2; negatives: 0.5, 0.2, 0.1.
    // pairs: 0.5+ vs (0.5 tie=½, 0.2 win, 0.1 win) = 2.5 each → 5; 0.2+ vs (0.5 loss, 0.2 tie ½, 0.1 win) = 1.5. Total 6.5 / 9.
    const r = rocCurve([0.5, 0.5, 0.5, 0.2, 0.2, 0.1], [1, 1, 0, 1, 0, 0]);
    expect(r.auc).toBeCloseTo(6.5 / 9, 12);
    expect(r.fpr.length).toBe(4); // (0,0) + one point per distinct score
    // Brute-force Mann-Whitney agrees on a random case with many ties.
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const s: number[] = [], y: number[] = [];
    for (let i = 0; i < 300; i++) { y.push(rnd() < 0.3 ? 1 : 0); s.push(Math.round((rnd() + y[i]! * 0.3) * 10) / 10); }
    let u = 0, np = 0, nn = 0;
    for (let i = 0; i < s.length; i++) if (y[i]) { np++; for (let j = 0; j < s.length; j++) if (!y[j]) u += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0; } else nn++;
    expect(rocCurve(s, y).auc).toBeCloseTo(u / (np * nn), 12);
  });

  it('all-equal scores give AUC ½; a missing class gives null', () => {
    expect(rocCurve([0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0]).auc).toBe(0.5);
    expect(rocCurve([0.3, 0.2], [1, 1]).auc).toBeNull();
  });

  it('one-vs-rest uses each class column', () => {
    const probs = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]];
    const rocs = oneVsRestRoc(probs, [0, 1, 2, 1], 3);
    expect(rocs[2]!.auc).toBe(1);
    // class 0: positive 0.7, 0.6? no: labels [0,1,2,1] → positive only row 0 (0.7) vs 0.1, 0.2, 0.6 → 1.
    expect(rocs[0]!.auc).toBe(1);
    // class 1: positives rows 1 (0.8) and 3 (0.3); negatives 0.2, 0.3 → (1+1) + (1 + 0.5) = 3.5 / 4.
    expect(rocs[1]!.auc).toBeCloseTo(3.5 / 4, 12);
    const thin = thinRoc(rocCurve(Array.from({ length: 1000 }, (_, i) => i), Array.from({ length: 1000 }, (_, i) => i % 2)), 50);
    expect(thin.fpr.length).toBe(50);
    expect(thin.fpr[0]).toBe(0); expect(thin.fpr[49]).toBe(1);
  });
});

describe('svg', () => {
  it('draws well-formed documents with the expected elements', () => {
    const roc = linePlot([{ x: [0, 0.5, 1], y: [0, 0.9, 1], label: 'V (AUC 0.95)' }], { diagonal: true, title: 'ROC', xlabel: 'FPR', ylabel: 'TPR' });
    expect(roc.startsWith('<svg')).toBe(true);
    expect(roc).toContain('<polyline');
    expect(roc).toContain('V (AUC 0.95)');
    const cm = matrixPlot([[5, 1], [0, 3]], ['N', 'V'], ['N', 'V'], { title: 'a<b' });
    expect(cm.match(/<rect x=/g)!.length).toBe(4);
    expect(cm).toContain('a&lt;b');
    const g = heatTraceGrid([{ signal: [0, 1, 0, -1], weight: [0, 0.5, 1, 0], title: 'S' }]);
    expect(g.match(/<line /g)!.length).toBe(3);
    expect(() => heatTraceGrid([{ signal: [0, 1], weight: [1] }])).toThrow(/2 samples but 1 weights/);
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
