// Statistics over compared records: the QRS detection report and the beat classification report, in the
// JSON shapes that scripts rely on (rates are fractions 0..1; null when undefined).
import { type ClassMatrix, type Col, type Row, addMatrix, emptyMatrix, sumCells } from './matrix.js';
import { ratio, type RecordComparison } from './compare.js';

export interface QrsRecordRow {
  record: string;
  se: number | null;
  ppv: number | null;
  tp: number;
  fn: number;
  fp: number;
}

export interface QrsReport {
  records: QrsRecordRow[];
  gross: { se: number | null; ppv: number | null; tp: number; fn: number; fp: number };
  /** Mean of per-record ratios over records whose denominator is > 0. */
  average: { se: number | null; ppv: number | null };
}

function mean(xs: Array<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

export function qrsReport(results: Array<{ record: string; cmp: RecordComparison }>): QrsReport {
  const records = results.map(({ record, cmp }) => ({ record, se: cmp.se, ppv: cmp.ppv, tp: cmp.tp, fn: cmp.fn, fp: cmp.fp }));
  const tp = records.reduce((a, r) => a + r.tp, 0);
  const fn = records.reduce((a, r) => a + r.fn, 0);
  const fp = records.reduce((a, r) => a + r.fp, 0);
  return {
    records,
    gross: { se: ratio(tp, tp + fn), ppv: ratio(tp, tp + fp), tp, fn, fp },
    average: { se: mean(records.map((r) => r.se)), ppv: mean(records.map((r) => r.ppv)) },
  };
}

export interface ClassStats {
  se: number | null;
  ppv: number | null;
  f1: number | null;
}
export interface EctopicStats extends ClassStats {
  fpr: number | null;
  tp: number;
  fn: number;
  fp: number;
  tn: number;
}
export type AamiClassName = 'N' | 'S' | 'V' | 'F' | 'Q';

export interface ClassReport {
  classes: Record<AamiClassName, ClassStats>;
  veb: EctopicStats;
  sveb: EctopicStats;
  /** Diagonal (Nn+Ss+Vv+Ff+Qq) over every counted cell of the matrix. */
  accuracy: number | null;
  /** Mean F1 over the classes with a defined F1 (some reference or test beats). */
  macro_f1: number | null;
  /** Rows: reference N S V F Q O X; columns: test n s v f q o x. */
  matrix: ClassMatrix;
}

function f1(tp: number, fn: number, fp: number): number | null {
  return ratio(2 * tp, 2 * tp + fn + fp);
}

function ectopic(tp: number, fn: number, fp: number, tn: number): EctopicStats {
  return { se: ratio(tp, tp + fn), ppv: ratio(tp, tp + fp), f1: f1(tp, fn, fp), fpr: ratio(fp, fp + tn), tp, fn, fp, tn };
}

/**
 * Class statistics from a summed matrix.
 * - Per class C: TP = Cc; FN = row C minus Cc (columns n..q, o, x); FP = column c minus Cc (rows N..Q, O, X).
 * - VEB (bxb): TP = Vv; FN = Vn+Vs+Vf+Vq+Vo+Vx; FP = Nv+Sv+Ov+Xv; TN = rows N,S,F,Q,O,X × columns n,s,f,q.
 * - SVEB (bxb): TP = Ss; FN = Sn+Sv+Sf+Sq+So+Sx; FP = Ns+Vs+Fs+Os+Xs; TN (by analogy with VEB; bxb prints no
 *   SVEB FPR) = rows N,V,F,Q,O,X × columns n,v,f,q.
 */
export function classStats(matrix: ClassMatrix): ClassReport {
  const m = matrix;
  const classes = {} as Record<AamiClassName, ClassStats>;
  const rows: Row[] = ['N', 'S', 'V', 'F', 'Q', 'O', 'X'];
  const cols: Col[] = ['n', 's', 'v', 'f', 'q', 'o', 'x'];
  const f1s: Array<number | null> = [];
  for (const C of ['N', 'S', 'V', 'F', 'Q'] as const) {
    const c = C.toLowerCase() as Col;
    const tp = m[C][c];
    const fn = sumCells(m, [C], cols) - tp;
    const fp = sumCells(m, rows, [c]) - tp;
    const s = { se: ratio(tp, tp + fn), ppv: ratio(tp, tp + fp), f1: f1(tp, fn, fp) };
    classes[C] = s;
    f1s.push(s.f1);
  }
  const veb = ectopic(
    m.V.v,
    m.V.n + m.V.s + m.V.f + m.V.q + m.V.o + m.V.x,
    m.N.v + m.S.v + m.O.v + m.X.v,
    sumCells(m, ['N', 'S', 'F', 'Q', 'O', 'X'], ['n', 's', 'f', 'q']),
  );
  const sveb = ectopic(
    m.S.s,
    m.S.n + m.S.v + m.S.f + m.S.q + m.S.o + m.S.x,
    m.N.s + m.V.s + m.F.s + m.O.s + m.X.s,
    sumCells(m, ['N', 'V', 'F', 'Q', 'O', 'X'], ['n', 'v', 'f', 'q']),
  );
  const diag = m.N.n + m.S.s + m.V.v + m.F.f + m.Q.q;
  const total = sumCells(m, rows, cols);
  const defined = f1s.filter((x): x is number => x !== null);
  return {
    classes, veb, sveb, accuracy: ratio(diag, total),
    macro_f1: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
    matrix: m,
  };
}

/** Class report over several compared records (matrices summed). */
export function classReport(results: RecordComparison[]): ClassReport {
  const m = emptyMatrix();
  for (const r of results) addMatrix(m, r.matrix);
  return classStats(m);
}
