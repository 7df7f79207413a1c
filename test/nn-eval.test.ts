// `eval classify --pipeline native` core (src/nn/evaluate.ts) on fixture records: at reference positions every
// reference beat is matched and classified; at detected positions the native detector's beats are matched by
// EC57 rules (almost all reference beats found, few extra); the class matrix holds the int8 labels.
import { describe, expect, it } from 'vitest';
import { fixturesDir, readAnnotations, BEAT_SYMBOLS } from '../src/wfdb/index.js';
import { Int8Classifier } from '../src/nn/index.js';
import { evaluateNative } from '../src/nn/evaluate.js';
import { BEAT_ROWS, BEAT_COLS } from '../src/eval/index.js';
import { tinyModelBytes } from './nn-model-fixture.js';
import path from 'node:path';

const recs = ['100', '119'];
const refBeats = recs.reduce((s, r) => s + readAnnotations(path.join(fixturesDir(), r)).filter((a) => BEAT_SYMBOLS.has(a.symbol)).length, 0);

describe('evaluateNative (int8 through the native pipeline, EC57 matching)', () => {
  const clf = Int8Classifier.load(tinyModelBytes(5));
  it('reference positions: every reference beat is matched and labelled', async () => {
    const r = await evaluateNative(clf, 'inter-patient', fixturesDir(), { positions: 'reference', records: recs });
    let inBeatCells = 0;
    for (const R of BEAT_ROWS) for (const c of BEAT_COLS) inBeatCells += r.report.matrix[R][c];
    expect(r.beats).toBe(refBeats);
    expect(inBeatCells).toBe(refBeats); // N/S/V/F/Q rows × n/s/v/f/q columns: no missed (o) or extra (O) beats
    expect(r.report.matrix.N.o).toBe(0);
  });

  it('detected positions: the native detector finds ≥ 99.5 % of the reference beats with ≤ 0.5 % extra', async () => {
    const r = await evaluateNative(clf, 'inter-patient', fixturesDir(), { positions: 'detected', records: recs });
    let matched = 0, missed = 0, extra = 0;
    for (const R of BEAT_ROWS) {
      for (const c of BEAT_COLS) matched += r.report.matrix[R][c];
      missed += r.report.matrix[R].o;
    }
    for (const c of BEAT_COLS) extra += r.report.matrix.O[c];
    expect(matched / refBeats).toBeGreaterThanOrEqual(0.995);
    expect(missed).toBe(refBeats - matched);
    expect(extra / refBeats).toBeLessThanOrEqual(0.005);
    expect(r.report.macro_f1).not.toBeNull();
  });
});
