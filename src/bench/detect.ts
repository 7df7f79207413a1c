// Benchmark `detect`: filter + R-peak detection throughput of the native pipeline on one core (channel 0 of
// all 48 MIT-BIH records when ECG_EDGE_DATA is set, else the fixture records), and the ratio against the
// plain float64 TypeScript implementation of the same algorithm (src/pipeline/reference/float-pipeline.ts).
// Signals are loaded before timing; each timing is the best of `repeats` passes.
//   samples_per_s      the core pipeline (filter + detector + quality) in 1-second pushes, timed in C++ inside
//                      the addon (no JS in the timed loop): the device's per-sample cost;
//   api_samples_per_s  the same through the TypeScript API (Pipeline.push of whole records, flush), including
//                      N-API copies and result objects;
//   ratio_vs_float_ts  samples_per_s / the float64 TypeScript implementation's samples/s.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { FIXTURE_RECORDS, MITDB_RECORDS, fixturesDir, readRecord } from '../wfdb/index.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { floatPipeline } from '../pipeline/reference/float-pipeline.js';
import { pipelineNative } from '../pipeline/native.js';

export interface DetectBench {
  detect: {
    samples_per_s: number;
    ratio_vs_float_ts: number;
    api_samples_per_s: number;
    float_ts_samples_per_s: number;
    samples: number;
    records: number;
    source: string;
    beats_native: number;
    beats_float_ts: number;
  };
}

export async function run(opts: { repeats?: number; log?: (s: string) => void } = {}): Promise<DetectBench> {
  const log = opts.log ?? (() => {});
  const repeats = opts.repeats ?? 3;
  const data = process.env.ECG_EDGE_DATA;
  const useDb = !!data && existsSync(path.join(data, 'mitdb', '100.hea'));
  const dir = useDb ? path.join(data!, 'mitdb') : fixturesDir();
  const names = useDb ? MITDB_RECORDS : FIXTURE_RECORDS;
  const sigs = names.map((r) => {
    const rec = readRecord(path.join(dir, r));
    return { fs: rec.header.fs, x: rec.signals[0] };
  });
  const samples = sigs.reduce((a, s) => a + s.x.length, 0);
  log(`detect: ${names.length} records (${useDb ? 'MIT-BIH' : 'fixtures'}), ${(samples / 1e6).toFixed(1)} M samples`);

  let bestCore = Infinity;
  let beatsCore = 0;
  for (let rep = 0; rep < repeats; rep++) {
    let secs = 0, beats = 0;
    for (const s of sigs) {
      const r = pipelineNative().benchCore(s.x, s.fs);
      secs += r.seconds;
      beats += r.peaks;
    }
    bestCore = Math.min(bestCore, secs);
    beatsCore = beats;
  }
  let beatsNative = 0;
  let best = Infinity;
  for (let rep = 0; rep < repeats; rep++) {
    let beats = 0;
    const t0 = process.hrtime.bigint();
    for (const s of sigs) {
      const p = new Pipeline({ fs: s.fs });
      beats += p.push(s.x).peaks.length;
      beats += p.flush().peaks.length;
      p.close();
    }
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, dt);
    beatsNative = beats;
  }
  let bestFloat = Infinity;
  let beatsFloat = 0;
  for (let rep = 0; rep < Math.max(1, Math.min(repeats, 2)); rep++) {
    let beats = 0;
    const t0 = process.hrtime.bigint();
    for (const s of sigs) beats += floatPipeline(s.x, s.fs).length;
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    bestFloat = Math.min(bestFloat, dt);
    beatsFloat = beats;
  }
  const sps = samples / bestCore;
  const api = samples / best;
  const fsps = samples / bestFloat;
  log(`detect: native core ${(sps / 1e6).toFixed(1)} M samples/s (${bestCore.toFixed(3)} s; ${beatsCore} beats), through the TS API ${(api / 1e6).toFixed(1)} M samples/s, float TS ${(fsps / 1e6).toFixed(1)} M samples/s (${bestFloat.toFixed(3)} s), ratio ${(sps / fsps).toFixed(2)}x`);
  return {
    detect: {
      samples_per_s: Math.round(sps), ratio_vs_float_ts: Number((sps / fsps).toFixed(3)), api_samples_per_s: Math.round(api),
      float_ts_samples_per_s: Math.round(fsps),
      samples, records: names.length, source: useDb ? 'mitdb' : 'fixtures', beats_native: beatsNative, beats_float_ts: beatsFloat,
    },
  };
}
