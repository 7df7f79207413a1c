// The CLI, run as a user runs it (the compiled bin/ecg-edge.js), on the records shipped in fixtures/.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, root } from './cli-helpers.js';
import { compareRecord } from '../src/eval/index.js';
import { isBeatCode, readAnnotations, readHeader, writeAnnotations } from '../src/wfdb/index.js';

const fixtures = path.join(root, 'fixtures', 'mitdb');
const noData = { ECG_EDGE_DATA: undefined };

describe('ecg-edge --help', () => {
  it('lists the commands, and each has its own --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    const names = [...r.stdout.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
    for (const c of ['info', 'eval', 'data', 'demo']) expect(names).toContain(c);
    for (const c of names) {
      const h = await cli([c, '--help']);
      expect(h.code, `${c} --help`).toBe(0);
      expect(h.stdout, `${c} --help`).toMatch(/Usage: ecg-edge/);
    }
    for (const sub of [['eval', 'detect'], ['data', 'fetch']]) {
      const h = await cli([...sub, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toContain(`Usage: ecg-edge ${sub.join(' ')}`);
    }
  });

  it('rejects an unknown command or subcommand, naming it', async () => {
    const r = await cli(['nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'nope'");
    const e = await cli(['eval', 'nope']);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("unknown subcommand 'nope'");
  });
});

describe('ecg-edge info', () => {
  it('prints the header, the duration, signal checks and the annotation summary of a fixture', async () => {
    const r = await cli(['info', 'fixtures/mitdb/100']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 signal(s) at 360 Hz, 650000 samples per signal, duration 00:30:05.556');
    expect(r.stdout).toMatch(/0 +MLII +100\.dat +212 +200 +1024 +mV +11 +1024 +995 +-22131 +ok/);
    expect(r.stdout).toContain('69 M 1085 1629 x1');
    expect(r.stdout).toContain('2274 in total, 2273 beats');
    expect(r.stdout).toContain('by AAMI class: N 2239, S 33, V 1, F 0, Q 0');
  });

  it('resolves a bare record name against fixtures when ECG_EDGE_DATA is unset, and prints JSON', async () => {
    const r = await cli(['info', '208', '--json'], noData);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.path).toBe(path.join(fixtures, '208'));
    expect(j.header.signals.map((s: { description: string }) => s.description)).toEqual(['MLII', 'V1']);
    expect(j.annotations.byClass.V).toBe(992);
    expect(j.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
  });

  it('reports a corrupted signal file: checksum mismatch, exit code 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecg-info-'));
    for (const ext of ['hea', 'atr']) copyFileSync(path.join(fixtures, `100.${ext}`), path.join(dir, `100.${ext}`));
    const dat = readFileSync(path.join(fixtures, '100.dat'));
    dat[30000] ^= 0x01;
    writeFileSync(path.join(dir, '100.dat'), dat);
    const r = await cli(['info', path.join(dir, '100')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/checksum mismatch: header says -22131, data give -2213[02]/);
  });

  it('explains a missing record', async () => {
    const r = await cli(['info', 'fixtures/mitdb/999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('fixtures/mitdb/999.hea does not exist');
    const bare = await cli(['info', '999'], noData);
    expect(bare.stderr).toContain("record '999' not found");
  });
});

describe('ecg-edge eval detect', () => {
  it('the reference detector scores 100% with the JSON contract', async () => {
    const r = await cli(['eval', 'detect', '--db', 'fixtures/mitdb', '--records', '100,232', '--detector', 'reference', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['records', 'gross', 'average']);
    expect(j.records).toEqual([
      { record: '100', se: 1, ppv: 1, tp: 1902, fn: 0, fp: 0 },
      { record: '232', se: 1, ppv: 1, tp: 1485, fn: 0, fp: 0 },
    ]);
    expect(j.gross).toEqual({ se: 1, ppv: 1, tp: 3387, fn: 0, fp: 0 });
    expect(j.average).toEqual({ se: 1, ppv: 1 });
  });

  it('--from 0 compares whole records; the table shows percentages', async () => {
    const r = await cli(['eval', 'detect', '--db', 'fixtures/mitdb', '--records', '100', '--detector', 'reference', '--from', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^100 +2273 +0 +0 +100\.00 +100\.00$/m);
    expect(r.stdout).toMatch(/^gross +2273 /m);
  });

  it('--annotations DIR:ANNOTATOR scores files written by another program', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecg-ann-'));
    const recs = ['100', '208'];
    const expected: Array<{ tp: number; fn: number; fp: number }> = [];
    for (const rec of recs) {
      const ref = readAnnotations(path.join(fixtures, rec));
      // Another detector: beats 10 samples late, every 50th beat after 5:00 missed, one spurious beat at 6:00.
      let k = 0;
      const test = ref
        .filter((a) => isBeatCode(a.code))
        .filter((a) => a.sample < 108000 || k++ % 50 !== 0)
        .map((a) => ({ ...a, sample: a.sample + 10, symbol: 'N', code: 1 }));
      const spurious = { sample: 129600, symbol: 'N', code: 1, subtype: 0, chan: 0, num: 0, aux: '' };
      test.push(spurious);
      test.sort((a, b) => a.sample - b.sample);
      writeAnnotations(path.join(dir, rec), 'tst', test);
      const h = readHeader(path.join(fixtures, rec));
      expected.push(compareRecord(ref, test, { fs: h.fs, nSamples: h.nSamples }));
    }
    const r = await cli(['eval', 'detect', '--db', 'fixtures/mitdb', '--records', recs.join(','), '--annotations', `${dir}:tst`, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    j.records.forEach((row: { tp: number; fn: number; fp: number }, i: number) => {
      expect([row.tp, row.fn, row.fp]).toEqual([expected[i]!.tp, expected[i]!.fn, expected[i]!.fp]);
    });
    // 1902 beats in 100 after 5:00: every 50th missed → 39 FN; the beat at 6:00 is far from any beat in 100.
    expect(j.records[0].fn).toBe(39);
    expect(j.records[0].tp).toBe(1902 - 39);
    expect(j.records[0].fp).toBeGreaterThanOrEqual(0);
  });

  it('rejects bad input naming the parameter, what was expected and what was given', async () => {
    const base = ['eval', 'detect', '--db', 'fixtures/mitdb'];
    const cases: Array<[string[], RegExp]> = [
      [['--from', 'abc'], /--from: expected a number >= 0, got 'abc'/],
      [['--from=-5'], /--from: expected a number >= 0, got -5/],
      [['--records', '100,999'], /--records: expected records of .*'999'/],
      [['--records', '100,,101'], /--records: expected a comma-separated list/],
      [['--detector', 'nope'], /--detector: expected one of reference.*got 'nope'/],
      [['--annotations', 'nocolon'], /--annotations: expected DIR:ANNOTATOR/],
      [['--annotations', '/does/not/exist:qrs'], /--annotations: expected a folder .*does not exist/],
      [['--records', '100', '--channel', '5'], /--channel: expected a channel from 0 to 1 of record 100, got 5/],
      [['--records', '100', '--channel', 'V9'], /--channel: expected a channel number or a signal name .*MLII, V5.*got 'V9'/],
      [['--from', '600', '--to', '300'], /--to: expected a time after --from \(600 s\), got 300/],
      [['--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [extra, re] of cases) {
      const r = await cli([...base, ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr, extra.join(' ')).toMatch(re);
    }
    const noDb = await cli(['eval', 'detect'], noData);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain('--db: expected a folder of WFDB records; none given and ECG_EDGE_DATA is not set');
  });
});

describe('ecg-edge demo (npm start)', () => {
  it('streams a fixture record and reports beats found against the reference', async () => {
    const r = await cli(['demo', '--seconds', '20']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('record 100 (MIT-BIH Arrhythmia Database, PhysioNet, ODC-By 1.0');
    expect(r.stdout).toMatch(/t = +20\.0 s +reference beats +25/);
    const m = /beats: 25 in the reference, (\d+) found; TP (\d+), FN (\d+), FP (\d+)/.exec(r.stdout);
    if (m) {
      // With a detector: TP + FN = the 25 reference beats, TP + FP = beats found.
      expect(Number(m[2]) + Number(m[3])).toBe(25);
      expect(Number(m[2]) + Number(m[4])).toBe(Number(m[1]));
    } else {
      expect(r.stdout).toContain('no detector to run');
    }
  });

  it('--detector reference replays the annotations: every beat found', async () => {
    const r = await cli(['demo', '--record', '208', '--seconds', '30', '--detector', 'reference']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/beats: (\d+) in the reference, \1 found; TP \1, FN 0, FP 0; Se 100\.00%, \+P 100\.00%/);
  });

  it('validates its options', async () => {
    const r = await cli(['demo', '--seconds', '99999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--seconds: expected a number from 0 to 1805\.55\d* , got 99999|--seconds: expected a number from 0 to 1805\.5\d+, got 99999/);
    const b = await cli(['demo', '--record', '555']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--record: expected a record of");
  });
});
