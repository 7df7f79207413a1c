// Classification metrics for the beat classifiers: confusion matrix, per-class sensitivity (Se, recall),
// positive predictivity (+P, precision) and F1, macro and support-weighted F1, accuracy, and one-vs-rest ROC
// curves with AUC.
//
// Conventions: rows of the confusion matrix are the reference class, columns the predicted class. A ratio whose
// denominator is 0 (e.g. +P of a class never predicted) is null, not 0 or NaN, so JSON stays valid and honest.
// Macro F1 averages F1 over the classes present in the reference or predicted (those with a defined F1); a class
// absent from both has no F1 and is left out (and reported as such).

export const AAMI_CLASSES = ['N', 'S', 'V', 'F', 'Q'] as const;

export interface ClassMetrics {
  label: string;
  support: number; // reference beats of the class
  predicted: number; // beats predicted as the class
  tp: number;
  fn: number;
  fp: number;
  se: number | null;
  ppv: number | null;
  f1: number | null;
  auc?: number | null;
}

export interface ClassificationMetrics {
  labels: string[];
  n: number;
  confusion: number[][];
  accuracy: number | null;
  macroF1: number | null;
  weightedF1: number | null;
  perClass: ClassMetrics[];
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number[][] {
  if (yTrue.length !== yPred.length) {
    throw new Error(`confusionMatrix: ${yTrue.length} reference labels but ${yPred.length} predictions; they must pair up`);
  }
  const cm = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!, p = yPred[i]!;
    if (!(Number.isInteger(t) && t >= 0 && t < nClasses) || !(Number.isInteger(p) && p >= 0 && p < nClasses)) {
      throw new Error(`confusionMatrix: label out of range at index ${i} (reference ${t}, predicted ${p}); expected integers 0..${nClasses - 1}`);
    }
    cm[t]![p]!++;
  }
  return cm;
}

/** All metrics from a confusion matrix (rows reference, columns predicted). */
export function metricsFromConfusion(cm: number[][], labels: readonly string[] = AAMI_CLASSES): ClassificationMetrics {
  const C = cm.length;
  if (labels.length !== C) throw new Error(`metricsFromConfusion: ${labels.length} labels for a ${C}×${C} confusion matrix`);
  const n = cm.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  let correct = 0;
  const perClass: ClassMetrics[] = [];
  for (let c = 0; c < C; c++) {
    const tp = cm[c]![c]!;
    correct += tp;
    const support = cm[c]!.reduce((a, b) => a + b, 0);
    const predicted = cm.reduce((s, r) => s + r[c]!, 0);
    const fn = support - tp, fp = predicted - tp;
    perClass.push({ label: labels[c]!, support, predicted, tp, fn, fp, se: ratio(tp, support), ppv: ratio(tp, predicted), f1: ratio(2 * tp, 2 * tp + fp + fn) });
  }
  const defined = perClass.filter((m) => m.f1 !== null);
  const macroF1 = defined.length ? defined.reduce((s, m) => s + m.f1!, 0) / defined.length : null;
  const weightedF1 = n > 0 ? perClass.reduce((s, m) => s + (m.f1 ?? 0) * m.support, 0) / n : null;
  return { labels: [...labels], n, confusion: cm.map((r) => [...r]), accuracy: ratio(correct, n), macroF1, weightedF1, perClass };
}

export function classificationMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  labels: readonly string[] = AAMI_CLASSES,
): ClassificationMetrics {
  return metricsFromConfusion(confusionMatrix(yTrue, yPred, labels.length), labels);
}

/** The selection score of every choice made on validation data (best epoch, ensemble weights, class offsets):
 *  macro F1 over the classes with at least 20 reference beats (accuracy when none has). */
export function selectionScore(m: ClassificationMetrics): number {
  const present = m.perClass.filter((c) => c.support >= 20);
  if (!present.length) return m.accuracy ?? 0;
  return present.reduce((s, c) => s + (c.f1 ?? 0), 0) / present.length;
}

export interface RocCurve {
  /** False-positive rate at each operating point, from (0,0) to (1,1). */
  fpr: number[];
  tpr: number[];
  /** Score threshold of each point (predict positive when score ≥ threshold); +Inf for the first point. */
  thresholds: number[];
  auc: number | null;
  positives: number;
  negatives: number;
}

/**
 * ROC curve of scores against binary labels. Tied scores form one operating point (the curve moves diagonally
 * through a tie), so the trapezoidal AUC equals the Mann-Whitney probability P(s+ > s−) + ½·P(s+ = s−).
 * AUC is null when either class is absent.
 */
export function rocCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>): RocCurve {
  if (scores.length !== positive.length) throw new Error(`rocCurve: ${scores.length} scores but ${positive.length} labels`);
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  for (const i of idx) if (Number.isNaN(scores[i]!)) throw new Error(`rocCurve: score ${i} is NaN`);
  idx.sort((a, b) => scores[b]! - scores[a]!);
  let P = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) P++;
  const N = positive.length - P;
  const fpr = [0], tpr = [0], thresholds = [Infinity];
  let tp = 0, fp = 0, auc = 0;
  for (let k = 0; k < idx.length; ) {
    const s = scores[idx[k]!]!;
    let dtp = 0, dfp = 0;
    while (k < idx.length && scores[idx[k]!]! === s) {
      if (positive[idx[k]!]) dtp++; else dfp++;
      k++;
    }
    auc += dfp * (tp + dtp / 2); // area of the trapezoid in (fp, tp) count units
    tp += dtp; fp += dfp;
    fpr.push(N ? fp / N : 0); tpr.push(P ? tp / P : 0); thresholds.push(s);
  }
  return { fpr, tpr, thresholds, auc: P > 0 && N > 0 ? auc / (P * N) : null, positives: P, negatives: N };
}

/** One-vs-rest ROC per class from probabilities [n][C] and reference labels. */
export function oneVsRestRoc(probs: ArrayLike<number>[], yTrue: ArrayLike<number>, nClasses: number): RocCurve[] {
  if (probs.length !== yTrue.length) throw new Error(`oneVsRestRoc: ${probs.length} probability rows but ${yTrue.length} labels`);
  const out: RocCurve[] = [];
  for (let c = 0; c < nClasses; c++) {
    const s = new Float64Array(probs.length);
    const pos = new Uint8Array(probs.length);
    for (let i = 0; i < probs.length; i++) { s[i] = probs[i]![c]!; pos[i] = yTrue[i] === c ? 1 : 0; }
    out.push(rocCurve(s, pos));
  }
  return out;
}

/** Reduce a ROC curve to at most `maxPoints` points for plotting (keeps the first and last points). */
export function thinRoc(roc: RocCurve, maxPoints = 400): { fpr: number[]; tpr: number[] } {
  const n = roc.fpr.length;
  if (n <= maxPoints) return { fpr: roc.fpr, tpr: roc.tpr };
  const fpr: number[] = [], tpr: number[] = [];
  for (let j = 0; j < maxPoints; j++) {
    const i = Math.round((j * (n - 1)) / (maxPoints - 1));
    fpr.push(roc.fpr[i]!); tpr.push(roc.tpr[i]!);
  }
  return { fpr, tpr };
}
