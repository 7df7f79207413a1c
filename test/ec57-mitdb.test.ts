// The evaluator over the whole MIT-BIH database (needs ECG_EDGE_DATA): the reference annotations against
// themselves score 100%, and the beat totals equal the check figures of the EC57/bxb note
// (91,285 reference beats from 5:00, 109,494 from 0; record 100 from 5:00: 1872 N, 29 S (A), 1 V).
import { describe, expect, it } from 'vitest';
import { classReport, compareRecord, qrsReport, type RecordComparison } from '../src/eval/index.js';
import { MITDB_RECORDS, readAnnotations, readHeader } from '../src/wfdb/index.js';
import path from 'node:path';

const DATA = process.env.ECG_EDGE_DATA;
if (!DATA) console.log('ec57-mitdb: ECG_EDGE_DATA is not set: whole-database evaluator tests skipped');

describe.skipIf(!DATA)('EC57 evaluator over all 48 MIT-BIH records', () => {
  const dir = path.join(DATA ?? '', 'mitdb');
  const run = (from: number) =>
    MITDB_RECORDS.map((record) => {
      const h = readHeader(path.join(dir, record));
      const ref = readAnnotations(path.join(dir, record));
      return { record, cmp: compareRecord(ref, ref, { fs: h.fs, nSamples: h.nSamples, from }) };
    });

  it('reference vs itself from 5:00: Se = +P = 1 on every record, 91,285 beats', () => {
    const res = run(300);
    const q = qrsReport(res);
    expect(q.records).toHaveLength(48);
    for (const r of q.records) expect([r.record, r.se, r.ppv, r.fn, r.fp]).toEqual([r.record, 1, 1, 0, 0]);
    expect(q.gross).toEqual({ se: 1, ppv: 1, tp: 91285, fn: 0, fp: 0 });
    const c = classReport(res.map((x) => x.cmp));
    expect(c.veb.se).toBe(1);
    expect(c.sveb.ppv).toBe(1);
    expect(c.accuracy).toBe(1);
    const r100 = res.find((x) => x.record === '100')!.cmp as RecordComparison;
    expect([r100.matrix.N.n, r100.matrix.S.s, r100.matrix.V.v, r100.tp]).toEqual([1872, 29, 1, 1902]);
  });

  it('reference vs itself from 0: 109,494 beats', () => {
    const q = qrsReport(run(0));
    expect(q.gross).toEqual({ se: 1, ppv: 1, tp: 109494, fn: 0, fp: 0 });
  });

  it('a detector that is always 12 samples early still matches every beat (as gqrs on record 100)', () => {
    const h = readHeader(path.join(dir, '100'));
    const ref = readAnnotations(path.join(dir, '100'));
    const early = ref.map((a) => ({ ...a, sample: a.sample - 12 }));
    const cmp = compareRecord(ref, early, { fs: h.fs, nSamples: h.nSamples });
    expect([cmp.tp, cmp.fn, cmp.fp]).toEqual([1902, 0, 0]);
  });
});
