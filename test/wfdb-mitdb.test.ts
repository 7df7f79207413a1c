// All 48 MIT-BIH records (needs ECG_EDGE_DATA): every header, signal and annotation file parses; the first
// samples equal the initial values; the checksums match; .atr files re-read identically after re-writing; and
// the beat counts per record and class agree with the database's own documentation
// (test/fixtures/mitdb-beat-counts.json, from mitdb/doc/records.htm, with its documented exceptions).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aamiClass, checkSignals, decodeAnnotations, encodeAnnotations, isBeatCode, MITDB_RECORDS, readAnnotations, readRecord,
} from '../src/wfdb/index.js';

const DATA = process.env.ECG_EDGE_DATA;
if (!DATA) console.log('wfdb-mitdb: ECG_EDGE_DATA is not set: whole-database WFDB tests skipped (fixtures are tested in wfdb-*.test.ts)');

interface Counts { before5: number; after5: number; total: number }
interface Fixture {
  records: Record<string, { bySymbol: Record<string, Counts>; total: Counts }>;
  exceptions: Record<string, Array<{ symbol: string; field: keyof Counts; documented: number; atr: number; reason: string }>>;
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'mitdb-beat-counts.json'), 'utf8')) as Fixture;

describe('beat-count fixture', () => {
  it('covers the 48 records and cites its source', () => {
    expect(Object.keys(fixture.records).sort()).toEqual([...MITDB_RECORDS].sort());
    expect((fixture as unknown as { source: string }).source).toContain('records.htm');
  });
});

describe.skipIf(!DATA)('all 48 MIT-BIH records', () => {
  const dir = path.join(DATA ?? '', 'mitdb');

  it('every record reads; first samples equal the initial values; checksums match', () => {
    for (const r of MITDB_RECORDS) {
      const rec = readRecord(path.join(dir, r), { verify: 'ignore' });
      expect(rec.header.fs, r).toBe(360);
      expect(rec.signals.map((s) => s.length), r).toEqual([650000, 650000]);
      const checks = checkSignals(rec.header, rec.signals);
      expect(checks.map((c) => c.problems.join('; ')), r).toEqual(['', '']);
      expect(rec.signals.map((s) => s[0]), r).toEqual(rec.header.signals.map((s) => s.initValue));
    }
  });

  it('every .atr parses and re-reads identically after re-writing', () => {
    for (const r of MITDB_RECORDS) {
      const a = readAnnotations(path.join(dir, r));
      expect(a.length, r).toBeGreaterThan(1000);
      expect(decodeAnnotations(encodeAnnotations(a), r), r).toEqual(a);
    }
  });

  it('beat counts per record and symbol (before 5:00, after, total) agree with records.htm, except the documented exceptions', () => {
    let checked = 0;
    for (const r of MITDB_RECORDS) {
      const a = readAnnotations(path.join(dir, r));
      const got: Record<string, Counts> = {};
      // The documentation counts Blocked APC ('x', not a beat annotation) among its beat rows.
      for (const x of a) {
        if (!isBeatCode(x.code) && x.symbol !== 'x') continue;
        const c = (got[x.symbol] ??= { before5: 0, after5: 0, total: 0 });
        c.total++;
        if (x.sample < 108000) c.before5++;
        else c.after5++;
      }
      const doc = fixture.records[r]!;
      const expected: Record<string, Counts> = JSON.parse(JSON.stringify(doc.bySymbol));
      for (const e of fixture.exceptions[r] ?? []) {
        expect(expected[e.symbol]![e.field], `${r} exception ${e.symbol}`).toBe(e.documented);
        expected[e.symbol]![e.field] = e.atr;
      }
      expect(got, r).toEqual(expected);
      const beats = a.filter((x) => isBeatCode(x.code)).length + (got.x?.total ?? 0);
      expect(beats, `${r} total`).toBe(doc.total.total);
      checked++;
    }
    expect(checked).toBe(48);
  });

  it('per AAMI class over the database: N, S, V, F, Q totals from the .atr equal those of the documentation', () => {
    const doc: Record<string, number> = {};
    const atr: Record<string, number> = {};
    for (const r of MITDB_RECORDS) {
      for (const [sym, c] of Object.entries(fixture.records[r]!.bySymbol)) {
        const k = aamiClass(sym) ?? 'none';
        const exc = (fixture.exceptions[r] ?? []).find((e) => e.symbol === sym && e.field === 'total');
        doc[k] = (doc[k] ?? 0) + (exc ? exc.atr : c.total);
      }
      for (const x of readAnnotations(path.join(dir, r))) {
        if (isBeatCode(x.code)) atr[aamiClass(x.symbol)!] = (atr[aamiClass(x.symbol)!] ?? 0) + 1;
      }
    }
    delete doc.none; // Blocked APCs
    expect(atr).toEqual(doc);
    // 109,966 beats; without the 472 flutter waves ('!', row O) these are the note's 109,494 reference beats.
    expect(atr).toEqual({ N: 90386, S: 3026, V: 7236, F: 803, Q: 8043, O: 472 });
  });
});
