// WFDB signal files: formats 212, 16, 80; initial-value and checksum checks; writing format 16 with a header.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checksum16, checkSignals, decodeSamples, encodeFormat16, fixturesDir, readHeader, readRecord, writeRecord, WfdbError,
} from '../src/wfdb/index.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'ecg-wfdb-'));

describe('format 212', () => {
  it('unpacks two 12-bit two\'s-complement samples from three bytes', () => {
    // Samples 0x123 and -2 (0xFFE): byte0 = 0x23, byte1 = high nibble of s1 (0xF) << 4 | high nibble of s0 (0x1), byte2 = 0xFE.
    const out = decodeSamples(212, Uint8Array.from([0x23, 0xf1, 0xfe, 0x00, 0x08, 0x00]), 0, 4);
    expect([...out]).toEqual([0x123, -2, -2048, 0]);
  });

  it('reads record 100: first samples equal the initial values and the checksums match', () => {
    const { header, signals } = readRecord(path.join(fixturesDir(), '100'));
    expect(signals).toHaveLength(2);
    expect(signals[0]!.length).toBe(650000);
    expect([...signals[0]!.subarray(0, 4)]).toEqual([995, 995, 995, 995]);
    expect([...signals[1]!.subarray(0, 4)]).toEqual([1011, 1011, 1011, 1011]);
    expect(checksum16(signals[0]!)).toBe(header.signals[0]!.checksum);
    expect(checksum16(signals[1]!)).toBe(header.signals[1]!.checksum);
    expect(checkSignals(header, signals).every((c) => c.ok)).toBe(true);
  });
});

describe('formats 16 and 80', () => {
  it('decodes little-endian 16-bit and offset-binary 8-bit samples', () => {
    expect([...decodeSamples(16, Uint8Array.from([0x01, 0x00, 0xff, 0xff, 0x00, 0x80]), 0, 3)]).toEqual([1, -1, -32768]);
    expect([...decodeSamples(80, Uint8Array.from([0, 128, 255]), 0, 3)]).toEqual([-128, 0, 127]);
  });

  it('reads a format-80 record with a byte offset', () => {
    const dir = tmp();
    const bytes = Uint8Array.from([9, 9, 9, 128 + 5, 128 - 3, 128 + 7, 128 + 1]);
    writeFileSync(path.join(dir, 'r80.dat'), bytes);
    const sum = 5 - 3 + 7 + 1;
    writeFileSync(path.join(dir, 'r80.hea'), `r80 1 100 4\nr80.dat 80+3 100/mV 8 0 5 ${sum} 0 test\n`);
    const { signals } = readRecord(path.join(dir, 'r80'));
    expect([...signals[0]!]).toEqual([5, -3, 7, 1]);
  });

  it('writes format 16 with a header and reads it back identically (two signals, interleaved)', () => {
    const dir = tmp();
    const a = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const b = Int16Array.from([5, 4, 3, 2, 1, 0]);
    const h = writeRecord(path.join(dir, 'w16'), 250, [
      { samples: a, description: 'ECG', gain: 400, adcZero: 0, units: 'mV' },
      { samples: b, description: 'resp', baseline: 2, units: 'V' },
    ], { comments: ['written by ecg-edge'] });
    // Byte layout: frame by frame, little endian.
    expect([...readFileSync(path.join(dir, 'w16.dat')).subarray(0, 8)]).toEqual([0, 0, 5, 0, 1, 0, 4, 0]);
    expect(readFileSync(path.join(dir, 'w16.hea'), 'utf8')).toBe(
      'w16 2 250 6\n' +
        `w16.dat 16 400/mV 16 0 0 ${checksum16(a)} 0 ECG\n` +
        'w16.dat 16 200(2)/V 16 0 5 15 0 resp\n' +
        '# written by ecg-edge\n',
    );
    const rec = readRecord(path.join(dir, 'w16'));
    expect(rec.header).toEqual(h);
    expect(rec.signals).toEqual([a, b]);
    expect([...encodeFormat16(Int16Array.from([-2]))]).toEqual([0xfe, 0xff]);
  });

  it('re-writes record 100 as format 16: same samples, initial values and checksums', () => {
    const src = readRecord(path.join(fixturesDir(), '100'));
    const dir = tmp();
    writeRecord(path.join(dir, 'c100'), 360, src.signals.map((s, i) => ({
      samples: s, description: src.header.signals[i]!.description, gain: 200, adcZero: 1024, adcResolution: 11,
    })));
    const back = readRecord(path.join(dir, 'c100'));
    // Compared as bytes: a deep element-by-element equality of 1.3 M samples is needlessly slow.
    back.signals.forEach((x, i) => expect(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(src.signals[i]!.buffer, src.signals[i]!.byteOffset, src.signals[i]!.byteLength))).toBe(true));
    expect(back.header.signals.map((s) => [s.initValue, s.checksum])).toEqual(src.header.signals.map((s) => [s.initValue, s.checksum]));
  });

  it('rejects unequal signal lengths and bad record names when writing', () => {
    expect(() => writeRecord(path.join(tmp(), 'x'), 360, [{ samples: new Int16Array(3) }, { samples: new Int16Array(2) }])).toThrow(/signal 1 has 2 samples; signal 0 has 3/);
    expect(() => writeRecord(path.join(tmp(), 'bad name'), 360, [{ samples: new Int16Array(3) }])).toThrow(/record name 'bad name'/);
  });
});

describe('mismatch reports', () => {
  function corruptCopy(mutate: (dat: Buffer, hea: string) => [Buffer, string]) {
    const dir = tmp();
    const [dat, hea] = mutate(Buffer.from(readFileSync(path.join(fixturesDir(), '100.dat'))), readFileSync(path.join(fixturesDir(), '100.hea'), 'utf8'));
    writeFileSync(path.join(dir, '100.dat'), dat);
    writeFileSync(path.join(dir, '100.hea'), hea);
    copyFileSync(path.join(fixturesDir(), '100.atr'), path.join(dir, '100.atr'));
    return path.join(dir, '100');
  }

  it('reports a checksum mismatch naming the record, signal and both values', () => {
    const p = corruptCopy((dat, hea) => {
      dat[3000] = dat[3000]! ^ 0x04;
      return [dat, hea];
    });
    expect(() => readRecord(p)).toThrow(WfdbError);
    expect(() => readRecord(p)).toThrow(/signal 0 \(MLII, .*100\.dat\): checksum mismatch: header says -22131, data give -22127/);
    // It can still be read on purpose.
    expect(readRecord(p, { verify: 'ignore' }).signals[0]!.length).toBe(650000);
  });

  it('reports an initial-value mismatch', () => {
    const p = corruptCopy((dat, hea) => [dat, hea.replace('1024 995 -22131', '1024 996 -22131')]);
    expect(() => readRecord(p)).toThrow(/signal 0 \(MLII.*\): initial value mismatch: header says 996, first sample is 995/);
    const h = readHeader(p);
    const c = checkSignals(h, readRecord(p, { verify: 'ignore' }).signals);
    expect(c.map((x) => x.ok)).toEqual([false, true]);
  });

  it('reports a truncated signal file', () => {
    const p = corruptCopy((dat, hea) => [dat.subarray(0, 3000), hea]);
    expect(() => readRecord(p)).toThrow(/100\.dat: holds 1000 frame\(s\) of 2 sample\(s\) but the header declares 650000 samples per signal \(file truncated\?\)/);
  });

  it('names a missing signal file', () => {
    const dir = tmp();
    copyFileSync(path.join(fixturesDir(), '100.hea'), path.join(dir, '100.hea'));
    expect(() => readRecord(path.join(dir, '100'))).toThrow(/100\.dat: signal file not found/);
  });
});
