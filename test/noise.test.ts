// Noise stress test (nstdb pattern, em noise on records 118 and 119): the targets, and the noise
// calibration itself. Needs ECG_EDGE_DATA (MIT-BIH + nstdb-noise).
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { addNoiseStress, noisePower, qrsSignalPower } from '../src/pipeline/nst.js';
import { detect, peaksToAnnotations } from '../src/pipeline/index.js';
import { compareRecord, qrsReport } from '../src/eval/index.js';
import { readAnnotations, readRecord } from '../src/wfdb/index.js';

const DATA = process.env.ECG_EDGE_DATA;
if (!DATA) console.log('noise: ECG_EDGE_DATA is not set: the noise stress test is skipped');

describe.skipIf(!DATA)('noise stress test, em noise, records 118 and 119 (ECG_EDGE_DATA)', () => {
  const noise = DATA ? readRecord(path.join(DATA, 'nstdb-noise', 'em')) : null;
  const recs = DATA ? ['118', '119'].map((r) => {
    const p = path.join(DATA, 'mitdb', r);
    return { r, rec: readRecord(p), ann: readAnnotations(p, 'atr') };
  }) : [];

  it('adds noise at the requested SNR only in the noisy segments, after a clean 5-minute start', () => {
    const { rec, ann } = recs[0];
    const fs = rec.header.fs;
    const { signal, gain } = addNoiseStress(rec.signals[0], noise!.signals[0], ann, { fs, snrDb: 6 });
    const clean = rec.signals[0];
    for (let i = 0; i < 300 * fs; i++) if (signal[i] !== clean[i]) throw new Error(`sample ${i} changed in the clean start`);
    // Measured SNR of the first noisy segment (5-7 min) with the same definitions: 6 dB within rounding.
    const added = new Float64Array(120 * fs);
    for (let i = 0; i < added.length; i++) added[i] = signal[300 * fs + i] - clean[300 * fs + i];
    const snr = 10 * Math.log10(qrsSignalPower(clean, ann, fs) / noisePower(added, fs));
    expect(Math.abs(snr - 6)).toBeLessThan(0.5);
    expect(gain).toBeGreaterThan(0);
    // 7-9 min is clean again apart from the step-cancelling offset.
    const d0 = signal[420 * fs + 10] - clean[420 * fs + 10];
    for (let i = 420 * fs; i < 540 * fs; i += 997) expect(Math.abs(signal[i] - clean[i] - d0)).toBeLessThanOrEqual(1);
  });

  const targets: Array<[number, number]> = [[24, 0.99], [18, 0.99], [12, 0.99], [6, 0.95]];
  for (const [snr, floor] of targets) {
    it(`at ${snr} dB: Se and +P >= ${floor * 100}%`, () => {
      const results = recs.map(({ r, rec, ann }) => {
        const signals = rec.signals.slice();
        signals[0] = addNoiseStress(rec.signals[0], noise!.signals[0], ann, { fs: rec.header.fs, snrDb: snr }).signal;
        const peaks = detect({ header: rec.header, signals }, { channel: 0 });
        return { record: r, cmp: compareRecord(ann, peaksToAnnotations(peaks), { fs: rec.header.fs, nSamples: rec.header.nSamples }) };
      });
      const q = qrsReport(results);
      expect(q.gross.se!).toBeGreaterThanOrEqual(floor);
      expect(q.gross.ppv!).toBeGreaterThanOrEqual(floor);
    });
  }
});
