// WFDB headers: parsing every field, defaults, formatting, and errors that name the file, the line and the problem.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fixturesDir, formatHeader, parseHeader, readHeader, signalIndex, WfdbError } from '../src/wfdb/index.js';

describe('WFDB header parsing', () => {
  it('reads a two-signal MIT-BIH header with comments', () => {
    const h = readHeader(path.join(fixturesDir(), '100'));
    expect(h).toMatchObject({ record: '100', nSignals: 2, fs: 360, nSamples: 650000 });
    expect(h.signals[0]).toEqual({
      fileName: '100.dat', format: 212, samplesPerFrame: 1, skew: 0, byteOffset: 0, gain: 200, baseline: 1024,
      units: 'mV', adcResolution: 11, adcZero: 1024, initValue: 995, checksum: -22131, blockSize: 0, description: 'MLII',
    });
    expect(h.signals[1]!.description).toBe('V5');
    expect(h.comments).toEqual(['69 M 1085 1629 x1', 'Aldomet, Inderal']);
    expect(signalIndex(h, 'V5')).toBe(1);
    expect(signalIndex(h, 'V1')).toBe(-1);
  });

  it('reads every optional field: counter frequency, base time/date, spf, skew, offset, baseline, units', () => {
    const text = [
      '# leading comment',
      'rec1 2 500/1000(0) 1000 12:30:00 25/11/2026',
      'rec1.dat 16x2:3+512 1000(-5)/uV 16 0 12 345 0 ECG lead I',
      'rec1.dat 16 0 # trailing comment',
      '',
    ].join('\n');
    const h = parseHeader(text, 'rec1.hea');
    expect(h).toMatchObject({ record: 'rec1', nSignals: 2, fs: 500, nSamples: 1000, baseTime: '12:30:00', baseDate: '25/11/2026' });
    expect(h.signals[0]).toMatchObject({
      format: 16, samplesPerFrame: 2, skew: 3, byteOffset: 512, gain: 1000, baseline: -5, units: 'uV', adcResolution: 16,
      adcZero: 0, initValue: 12, checksum: 345, description: 'ECG lead I',
    });
    // Defaults: gain 0 means uncalibrated → 200; units mV; ADC resolution of the format; baseline = ADC zero.
    expect(h.signals[1]).toMatchObject({ gain: 200, units: 'mV', adcResolution: 16, adcZero: 0, baseline: 0, initValue: 0, description: '' });
    expect(h.comments).toEqual(['leading comment', 'trailing comment']);
  });

  it('uses WFDB defaults when the record line is short', () => {
    const h = parseHeader('r 0\n', 'r.hea');
    expect(h).toMatchObject({ fs: 250, nSamples: 0, nSignals: 0, signals: [] });
  });

  it('formats a header that parses back to the same values', () => {
    const h = readHeader(path.join(fixturesDir(), '208'));
    const again = parseHeader(formatHeader(h), 'x.hea');
    expect(again).toEqual(h);
    expect(formatHeader(h).split('\n')[1]).toBe('208.dat 212 200/mV 11 1024 1003 8074 0 MLII');
  });
});

describe('WFDB header errors name the file, the line and what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['100 x 360 650000\n', /bad\.hea, line 1: number of signals must be an integer, got 'x'/],
    ['100 2 abc 650000\n', /bad\.hea, line 1: sampling frequency must be a number, got 'abc'/],
    ['100 2 360 -5\n', /bad\.hea, line 1: number of samples must be >= 0, got -5/],
    ['100/2 2 360\n', /bad\.hea, line 1: multi-segment records .* are not supported/],
    ['# c\n100 1 360 10\n100.dat 999 200 11 1024 0 0 0 MLII\n', /bad\.hea, line 3: signal format 999 is not supported \(supported: 212, 16, 80\)/],
    ['100 1 360 10\n100.dat 212 2x0 11\n', /bad\.hea, line 2: ADC gain must be a number, got '2x0'/],
    ['100 1 360 10\n100.dat 212 200 11 1024 zero\n', /bad\.hea, line 2: initial value must be an integer, got 'zero'/],
    ['100 1 360 10\n100.dat 212 200 11 1024 0 1.5\n', /bad\.hea, line 2: checksum must be an integer, got '1\.5'/],
    ['100 1 360 10\n100.dat\n', /bad\.hea, line 2: a signal line needs at least the file name and the format/],
    ['100 2 360 10\n100.dat 212\n', /bad\.hea, line 3: the record line declares 2 signal\(s\) but only 1 signal line\(s\) follow/],
    ['100 1 360 10\n100.dat 212\n100.dat 212\n', /bad\.hea, line 3: unexpected line: the record line declares 1 signal/],
    ['100 1 360 10 noon\n', /bad\.hea, line 1: base time must be hh:mm:ss, got 'noon'/],
    ['# only a comment\n', /bad\.hea: no record line/],
  ];
  for (const [text, re] of cases) {
    it(re.source.slice(0, 70), () => {
      expect(() => parseHeader(text, 'bad.hea')).toThrow(WfdbError);
      expect(() => parseHeader(text, 'bad.hea')).toThrow(re);
    });
  }
  it('quotes the offending line', () => {
    expect(() => parseHeader('100 1 360 10\n100.dat 212 200 11 1024 zero\n', 'bad.hea')).toThrow(/line: "100\.dat 212 200 11 1024 zero"/);
  });
  it('names a missing header file and how to give a record', () => {
    expect(() => readHeader('/nonexistent/100')).toThrow(/\/nonexistent\/100\.hea: header not found \(give the record path without extension/);
  });
});
