// MIT-format annotation files: SKIP, NUM, SUB, CHN, AUX; writing and reading back; byte layout of a real .atr.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Annotation, codeToSymbol, decodeAnnotations, encodeAnnotations, fixturesDir, readAnnotations, symbolToCode,
  writeAnnotations, WfdbError, FIXTURE_RECORDS,
} from '../src/wfdb/index.js';

const ann = (sample: number, symbol: string, extra: Partial<Annotation> = {}): Annotation => ({
  sample, symbol, code: symbolToCode(symbol), subtype: 0, chan: 0, num: 0, aux: '', ...extra,
});
const words = (...w: number[]) => Uint8Array.from(w.flatMap((x) => [x & 0xff, x >> 8]));

describe('MIT annotation format decoding', () => {
  it('decodes codes, time increments and every pseudo-code', () => {
    const buf = Uint8Array.from([
      ...words((1 << 10) | 100), // N at 100
      ...words((61 << 10) | 0x3ff), // SUB -1
      ...words((62 << 10) | 1), // CHN 1 (carries over)
      ...words((5 << 10) | 20), // V at 120 (chan 1)
      ...words((60 << 10) | 7), // NUM 7
      ...words(59 << 10, 0x0001, 0x0000), // SKIP 65536 (high word first)
      ...words((28 << 10) | 4), // + at 120 + 65536 + 4
      ...words((63 << 10) | 5), 0x28, 0x41, 0x46, 0x49, 0x42, 0, // AUX "(AFIB", padded
      ...words(0),
    ]);
    expect(decodeAnnotations(buf, 'x.atr')).toEqual([
      { sample: 100, symbol: 'N', code: 1, subtype: -1, chan: 1, num: 0, aux: '' },
      { sample: 120, symbol: 'V', code: 5, subtype: 0, chan: 1, num: 7, aux: '' },
      { sample: 65660, symbol: '+', code: 28, subtype: 0, chan: 1, num: 7, aux: '(AFIB' },
    ]);
  });

  it('reads record 100: a rhythm annotation with aux text, 2273 beats', () => {
    const a = readAnnotations(path.join(fixturesDir(), '100'));
    expect(a[0]).toEqual({ sample: 18, symbol: '+', code: 28, subtype: 0, chan: 0, num: 0, aux: '(N' });
    expect(a[1]).toMatchObject({ sample: 77, symbol: 'N' });
    expect(a.filter((x) => x.symbol === 'V')).toHaveLength(1);
    expect(a).toHaveLength(2274);
  });

  it('rejects files that are not MIT annotation files, naming the byte', () => {
    expect(() => decodeAnnotations(words((55 << 10) | 1, 0), 'bad.atr')).toThrow(/bad\.atr: byte 0: annotation code 55 is outside 1\.\.49/);
    expect(() => decodeAnnotations(Uint8Array.from([...words((1 << 10) | 5), ...words((63 << 10) | 40), 65]), 'bad.atr')).toThrow(
      /bad\.atr: byte 2: AUX declares 40 bytes but the file ends/,
    );
    expect(() => decodeAnnotations(words((61 << 10) | 1, 0), 'bad.atr')).toThrow(/SUB modifier without a preceding annotation/);
    expect(() => readAnnotations('/nonexistent/100', 'qrs')).toThrow(/\/nonexistent\/100\.qrs: annotation file not found \(annotator 'qrs'/);
  });

  it('maps codes and symbols both ways', () => {
    for (let c = 1; c <= 41; c++) if (codeToSymbol(c) !== `[${c}]`) expect(symbolToCode(codeToSymbol(c))).toBe(c);
    expect(codeToSymbol(15)).toBe('[15]');
    expect(symbolToCode('[45]')).toBe(45);
    expect(symbolToCode('Z')).toBe(-1);
  });
});

describe('writing annotation files', () => {
  it('round-trips SKIP (gaps over 1023 samples), NUM, SUB (negative), CHN and AUX (odd and even lengths)', () => {
    const anns = [
      ann(0, '+', { aux: '(N' }),
      ann(5, 'N'),
      ann(5, '~', { subtype: -1 }),
      ann(2000, 'V', { chan: 1, num: 3 }),
      ann(2001, 'N', { chan: 1, num: 3 }),
      ann(3_000_000, '"', { aux: 'a note of odd length', chan: 0 }),
      ann(3_000_001, '/', { num: -2, subtype: 5 }),
      ann(3_000_002, '[45]'),
    ];
    const dir = mkdtempSync(path.join(tmpdir(), 'ecg-ann-'));
    writeAnnotations(path.join(dir, 'r'), 'tst', anns);
    expect(readAnnotations(path.join(dir, 'r'), 'tst')).toEqual(anns);
  });

  it('re-writing 100.atr gives the same bytes, and every fixture .atr re-reads identically', () => {
    const orig = readFileSync(path.join(fixturesDir(), '100.atr'));
    const anns = readAnnotations(path.join(fixturesDir(), '100'));
    expect(Buffer.from(encodeAnnotations(anns)).equals(orig)).toBe(true);
    for (const r of FIXTURE_RECORDS) {
      const a = readAnnotations(path.join(fixturesDir(), r));
      expect(decodeAnnotations(encodeAnnotations(a), `${r}.atr`)).toEqual(a);
    }
  });

  it('writes the layout wrann writes: AUX counted with its NUL and padded, then the end word', () => {
    expect([...encodeAnnotations([ann(18, '+', { aux: '(N' })])]).toEqual([
      0x12, 0x70, // code 28, interval 18
      0x03, 0xfc, // AUX, 3 bytes
      0x28, 0x4e, 0x00, 0x00, // "(N" NUL, pad
      0x00, 0x00, // end of file
    ]);
  });

  it('rejects out-of-order samples and unknown symbols, naming the annotation', () => {
    expect(() => encodeAnnotations([ann(10, 'N'), ann(5, 'N')])).toThrow(WfdbError);
    expect(() => encodeAnnotations([ann(10, 'N'), ann(5, 'N')])).toThrow(/annotation 1: samples must be in increasing order \(5 after 10\)/);
    expect(() => encodeAnnotations([{ ...ann(10, 'N'), code: 0, symbol: 'Z' }])).toThrow(/annotation 0 \(sample 10\): neither code 0 nor symbol 'Z'/);
    expect(() => writeAnnotations(path.join(tmpdir(), 'x'), 'bad name', [])).toThrow(/annotator name 'bad name'/);
  });

  it('an empty set writes just the end word', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecg-ann-'));
    writeAnnotations(path.join(dir, 'e'), 'qrs', []);
    expect([...readFileSync(path.join(dir, 'e.qrs'))]).toEqual([0, 0]);
    writeFileSync(path.join(dir, 'f.qrs'), Uint8Array.from([]));
    expect(readAnnotations(path.join(dir, 'f'), 'qrs')).toEqual([]);
  });
});
