// The native signal path from TypeScript: argument errors, bit-exactness under re-blocking (randomized),
// fuzzing over random rates and blocks, ecgClean = the streaming filter, and the fixed-point vs float64 SNR
// (fixtures always; all 48 MIT-BIH records when ECG_EDGE_DATA is set).
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Pipeline, ecgClean, ecgCleanQ12, ecgCleanReference, detectSignal, MAX_BLOCK, type PipelineOutput } from '../src/pipeline/index.js';
import { FIXTURE_RECORDS, MITDB_RECORDS, fixturesDir, readRecord, signalIndex } from '../src/wfdb/index.js';
import { rng } from '../src/util/random.js';

const DATA = process.env.ECG_EDGE_DATA;
if (!DATA) console.log('pipeline: ECG_EDGE_DATA is not set: the whole-database SNR test is skipped (fixtures are tested)');


interface Collected { q12: number[]; peaks: string[]; quality: string[] }

/** Streams `x` through a fresh pipeline in blocks cut at `cuts` (frame counts), then flushes. */
function streamed(x: Int16Array | Int32Array, fs: number, channels: number, sizes: number[]): Collected {
  const p = new Pipeline({ fs, channels });
  const outs: PipelineOutput[] = [];
  let i = 0, k = 0;
  while (i < x.length) {
    const n = Math.min(sizes[k++ % sizes.length] * channels, x.length - i);
    outs.push(p.push(x.subarray(i, i + n)));
    i += n;
  }
  outs.push(p.flush());
  p.close();
  const c: Collected = { q12: [], peaks: [], quality: [] };
  for (const o of outs) {
    expect(o.start * channels).toBe(c.q12.length);
    for (const v of o.filteredQ12) c.q12.push(v);
    for (const pk of o.peaks) c.peaks.push(`${pk.channel}:${pk.sample}:${pk.amplitude}:${pk.quality}:${pk.emitted}:${pk.searchback}`);
    for (const q of o.quality) c.quality.push(`${q.channel}:${q.second}:${q.flags}`);
  }
  return c;
}

function snrDb(fixed: Float32Array | Int32Array, ref: Float64Array, scale = 1): number {
  let ps = 0, pe = 0;
  for (let i = 0; i < ref.length; i++) {
    const y = fixed[i] * scale;
    ps += ref[i] * ref[i];
    pe += (y - ref[i]) ** 2;
  }
  return pe === 0 ? Infinity : 10 * Math.log10(ps / pe);
}

describe('Pipeline: bad arguments are TypeError / RangeError naming the parameter, expected and given', () => {
  it('rejects bad constructor options', () => {
    expect(() => new Pipeline(undefined as never)).toThrow(TypeError);
    expect(() => new Pipeline({ fs: '360' as never })).toThrow(/opts\.fs: expected .*given string "360"/);
    expect(() => new Pipeline({ fs: '360' as never })).toThrow(TypeError);
    expect(() => new Pipeline({ fs: 100 })).toThrow(RangeError);
    expect(() => new Pipeline({ fs: 100 })).toThrow(/opts\.fs: expected an integer from 125 to 1000 Hz, given 100/);
    expect(() => new Pipeline({ fs: NaN })).toThrow(/given NaN/);
    expect(() => new Pipeline({ fs: 360.5 })).toThrow(RangeError);
    expect(() => new Pipeline({ fs: 1001 })).toThrow(RangeError);
    expect(() => new Pipeline({ fs: 360, channels: 0 })).toThrow(/opts\.channels: expected an integer from 1 to 8, given 0/);
    expect(() => new Pipeline({ fs: 360, channels: 9 })).toThrow(RangeError);
    expect(() => new Pipeline({ fs: 360, mains: 55 as never })).toThrow(/opts\.mains: expected 50 or 60 \(Hz\), given 55/);
    expect(() => new Pipeline({ fs: 360, rails: [10, 5] })).toThrow(/opts\.rails: expected low < high/);
    expect(() => new Pipeline({ fs: 360, adcPerMv: -1 })).toThrow(RangeError);
  });

  it('rejects bad blocks, and every call after close()', () => {
    const p = new Pipeline({ fs: 250, channels: 2 });
    expect(() => p.push(new Float32Array(4) as never)).toThrow(/block: expected an Int16Array or Int32Array of ADC samples, given Float32Array\(4\)/);
    expect(() => p.push([1, 2] as never)).toThrow(TypeError);
    expect(() => p.push(null as never)).toThrow(TypeError);
    expect(() => p.push(new Int16Array(3))).toThrow(/block: expected a length that is a multiple of channels \(2\), given 3/);
    expect(() => p.push(new Int16Array(MAX_BLOCK + 2))).toThrow(RangeError);
    expect(() => p.push(new Int16Array(0))).toThrow(/block: expected at least one frame \(2 samples\), given an empty Int16Array/);
    expect(() => p.push(new Int16Array(0))).toThrow(RangeError);
    p.close();
    expect(p.closed).toBe(true);
    expect(() => p.push(new Int16Array(2))).toThrow(/Pipeline\.push: the pipeline is closed/);
    expect(() => p.push(new Int16Array(2))).toThrow(TypeError);
    expect(() => p.flush()).toThrow(TypeError);
    expect(() => p.reset()).toThrow(/closed/);
    p.close(); // idempotent
  });

  it('the raw native object rejects bad calls with JS errors instead of crashing', async () => {
    const { pipelineNative } = await import('../src/pipeline/native.js');
    const N = (pipelineNative() as unknown as { NativePipeline: new (...a: unknown[]) => Record<string, (...a: unknown[]) => unknown> }).NativePipeline;
    expect(() => new N()).toThrow(TypeError);
    expect(() => new N(100, 1, 60, -1, 1, 200)).toThrow(RangeError);
    const n = new N(360, 1, 60, -32768, 32767, 200);
    expect(() => n.push('x')).toThrow(TypeError);
    expect(() => n.push(new Float64Array(3))).toThrow(TypeError);
    expect(() => n.configure(360, 99, 60, 0, 1, 1)).toThrow(RangeError);
    n.close();
    expect(() => n.push(new Int16Array(3))).toThrow(TypeError);
    expect(() => n.info()).toThrow(/closed/);
  });

  it('ecgClean validates its arguments', () => {
    expect(() => ecgClean(new Float64Array(10) as never, 360)).toThrow(TypeError);
    expect(() => ecgClean(new Int16Array(10), 99)).toThrow(/fs: expected an integer from 125 to 1000 Hz, given 99/);
    expect(() => ecgClean(new Int16Array(10), 360, { mains: 51 as never })).toThrow(RangeError);
    expect(() => ecgClean(new Int16Array(10), 360, 'x' as never)).toThrow(TypeError);
    expect(ecgClean(new Int16Array(0), 360).length).toBe(0);
  });
});

describe('Pipeline: exact streaming', () => {
  const rec = readRecord(path.join(fixturesDir(), '208'));
  const x = rec.signals[0].subarray(0, 360 * 120);

  it('gives bit-identical output, events and quality for 20 random splits into blocks', () => {
    const ref = streamed(x, 360, 1, [x.length]);
    expect(ref.q12.length).toBe(x.length);
    expect(ref.peaks.length).toBeGreaterThan(100);
    const r = rng(208);
    for (let trial = 0; trial < 20; trial++) {
      const maxBlock = [1, 7, 100, 5000][trial % 4];
      const sizes = Array.from({ length: 97 }, () => 1 + Math.floor(r() * maxBlock));
      const got = streamed(x, 360, 1, sizes);
      expect(got.q12).toEqual(ref.q12);
      expect(got.peaks).toEqual(ref.peaks);
      expect(got.quality).toEqual(ref.quality);
    }
  });

  it('ecgClean equals the streamed filter output, and Int16/Int32 inputs agree', () => {
    const s = streamed(x, 360, 1, [1000]);
    expect(Array.from(ecgCleanQ12(x, 360))).toEqual(s.q12);
    expect(Array.from(ecgCleanQ12(Int32Array.from(x), 360))).toEqual(s.q12);
    const f = ecgClean(x, 360);
    expect(f[5000]).toBeCloseTo(s.q12[5000] / 4096, 3);
  });

  it('two interleaved channels give the same result as each channel alone', () => {
    const y = rec.signals[1].subarray(0, x.length);
    const inter = new Int16Array(x.length * 2);
    for (let i = 0; i < x.length; i++) { inter[2 * i] = x[i]; inter[2 * i + 1] = y[i]; }
    const both = streamed(inter, 360, 2, [333]);
    const a = streamed(x, 360, 1, [x.length]);
    expect(both.q12.filter((_, i) => i % 2 === 0)).toEqual(a.q12);
    expect(both.peaks.filter((s) => s.startsWith('0:')).map((s) => s.split(':')[1])).toEqual(a.peaks.map((s) => s.split(':')[1]));
  });

  it('reconfigure() changes rate and channels explicitly and restarts the stream; a bad configuration is rejected', () => {
    const p = new Pipeline({ fs: 360 });
    const before = p.push(x.subarray(0, 36000));
    p.reconfigure({ fs: 250, channels: 2, mains: 50 });
    expect([p.fs, p.channels, p.mains]).toEqual([250, 2, 50]);
    expect(() => p.push(new Int16Array(3))).toThrow(/multiple of channels \(2\)/);
    expect(() => p.reconfigure({ fs: 5000 })).toThrow(/opts\.fs: expected an integer from 125 to 1000 Hz, given 5000/);
    expect(p.fs).toBe(250);
    p.reconfigure({ fs: 360 });
    const again = p.push(x.subarray(0, 36000));
    expect(Array.from(again.filteredQ12)).toEqual(Array.from(before.filteredQ12));
    expect(again.peaks).toEqual(before.peaks);
    p.close();
    expect(() => p.reconfigure({ fs: 360 })).toThrow(/closed/);
  });

  it('reset() restarts the stream at sample 0 with the same results', () => {
    const p = new Pipeline({ fs: 360 });
    const first = p.push(x.subarray(0, 36000));
    p.reset();
    const again = p.push(x.subarray(0, 36000));
    expect(Array.from(again.filteredQ12)).toEqual(Array.from(first.filteredQ12));
    expect(again.peaks).toEqual(first.peaks);
    expect(p.delay).toBeGreaterThan(0);
    p.close();
  });
});

describe('Pipeline: fuzz (random rates, channels, data and blocks)', () => {
  it('never crashes and gives the same output under two random blockings', () => {
    const r = rng(12345);
    for (let trial = 0; trial < 24; trial++) {
      const fs = 125 + Math.floor(r() * 876);
      const channels = 1 + Math.floor(r() * 3);
      const frames = Math.floor(r() * fs * 12);
      const kind = trial % 4;
      const x = kind === 3 ? new Int32Array(frames * channels) : new Int16Array(frames * channels);
      for (let i = 0; i < x.length; i++) {
        // random walk, full-scale noise, square waves, or out-of-int16 values (clamped by the core)
        x[i] = kind === 0 ? Math.round(Math.sin(i / (3 + trial)) * 2000 + r() * 400) : kind === 1 ? Math.floor(r() * 65536) - 32768
          : kind === 2 ? ((i >> (trial % 7)) & 1 ? 32767 : -32768) : Math.floor((r() - 0.5) * 2 ** 31);
      }
      const a = streamed(x, fs, channels, [1 + Math.floor(r() * 50), 1 + Math.floor(r() * 3000)]);
      const b = streamed(x, fs, channels, [x.length]);
      expect(a.q12.length).toBe(frames * channels);
      expect(a).toEqual(b);
      for (const s of a.peaks) {
        const sample = Number(s.split(':')[1]);
        expect(sample).toBeGreaterThanOrEqual(0);
        expect(sample).toBeLessThan(frames);
      }
    }
  });
});

describe('Fixed point vs float64 reference: SNR >= 60 dB', () => {
  it('on every fixture record, both channels, 50 and 60 Hz notch', () => {
    for (const r of FIXTURE_RECORDS) {
      const rec = readRecord(path.join(fixturesDir(), r));
      for (const sig of rec.signals) {
        for (const mains of [50, 60] as const) {
          const snr = snrDb(ecgCleanQ12(sig, rec.header.fs, { mains }), ecgCleanReference(sig, rec.header.fs, { mains }), 1 / 4096);
          expect(snr).toBeGreaterThanOrEqual(60);
        }
      }
    }
  });

  it('on resampled fixtures at 125, 250, 500 and 1000 Hz', () => {
    const x = readRecord(path.join(fixturesDir(), '100')).signals[0].subarray(0, 360 * 60);
    for (const fs of [125, 250, 500, 1000]) {
      const n = Math.floor((x.length * fs) / 360);
      const y = new Int16Array(n);
      for (let i = 0; i < n; i++) y[i] = x[Math.min(x.length - 1, Math.round((i * 360) / fs))];
      expect(snrDb(ecgCleanQ12(y, fs), ecgCleanReference(y, fs), 1 / 4096)).toBeGreaterThanOrEqual(60);
    }
  });

  describe.skipIf(!DATA)('all 48 MIT-BIH records (ECG_EDGE_DATA)', () => {
    it('channel 0 of every record reaches 60 dB', () => {
      const worst: Array<[string, number]> = [];
      for (const r of MITDB_RECORDS) {
        const rec = readRecord(path.join(DATA!, 'mitdb', r));
        const snr = snrDb(ecgCleanQ12(rec.signals[0], rec.header.fs), ecgCleanReference(rec.signals[0], rec.header.fs), 1 / 4096);
        worst.push([r, snr]);
        expect(snr, `record ${r}`).toBeGreaterThanOrEqual(60);
      }
      expect(worst.length).toBe(48);
    });
  });
});

describe('detectSignal: blocking does not change the beats', () => {
  it('one block vs 1-second blocks on fixture 119', () => {
    const rec = readRecord(path.join(fixturesDir(), '119'));
    const ch = Math.max(0, signalIndex(rec.header, 'MLII'));
    const a = detectSignal(rec.signals[ch], rec.header.fs);
    const b = detectSignal(rec.signals[ch], rec.header.fs, { blockSize: 360 });
    expect(b).toEqual(a);
  });
});
