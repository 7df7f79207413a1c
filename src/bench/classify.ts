// Benchmark `classify`: the int8 native classifier on one core.
//   beats_per_s     int8 inference only (normalized windows + RR prepared beforehand), batch API, optimized path;
//   latency_us      median wall time of one single-beat classify() call through the TypeScript API;
//   full_mitdb_s    all 48 MIT-BIH records (fixtures without ECG_EDGE_DATA) through the device's streaming path
//                   (StreamClassifier: filter + R-peak detection + beat windows + RR features + int8), signals
//                   already in memory, 10-second blocks;
//   ratio_vs_tfjs   beats_per_s / the same float model in TensorFlow.js on the best available engine (batch 1024);
//   arena_bytes     the model's arena (allocated once at load); rss_bytes the RSS of a separate process that
//                   only loads the model file and classifies (no TensorFlow.js, as on a Pi that only classifies).
// The model: models/inter-patient/cnn-lstm/model.ecgm (the shipped int8 export of the trained float model) when
// present, else that architecture quantized here (fixture beats as calibration; freshly initialized when no
// trained model exists: speed does not depend on the weights).
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURE_RECORDS, MITDB_RECORDS, fixturesDir, readRecord } from '../wfdb/index.js';
import { detect } from '../pipeline/index.js';
import { recordBeats, pickChannel } from '../train/dataset/records.js';
import { gatherBeats } from '../train/dataset/features.js';
import { Int8Classifier } from '../nn/index.js';
import { recordInputs } from '../nn/evaluate.js';
import { StreamClassifier } from '../nn/stream.js';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { packageRoot } from '../native/binding.js';

export interface ClassifyBench {
  classify: {
    beats_per_s: number;
    latency_us: number;
    ratio_vs_tfjs: number;
    tfjs_beats_per_s: number;
    tfjs_engine: string;
    full_mitdb_s: number;
    full_beats: number;
    records: number;
    source: string;
    arena_bytes: number;
    rss_bytes: number;
    rss_bytes_with_tfjs_loaded: number;
    model: string;
  };
}

export async function run(opts: { log?: (s: string) => void } = {}): Promise<ClassifyBench> {
  const log = opts.log ?? (() => {});
  const data = process.env.ECG_EDGE_DATA;
  const useDb = !!data && fs.existsSync(path.join(data, 'mitdb', '100.hea'));
  const dir = useDb ? path.join(data!, 'mitdb') : fixturesDir();
  const names = useDb ? MITDB_RECORDS : FIXTURE_RECORDS;
  // Model bytes (tfjs is needed only to produce them; it is loaded again later for the comparison anyway).
  const { bytes, modelName, floatModel, spec } = await prepareModel(log);
  const clf = Int8Classifier.load(bytes);
  const ispec = spec.input;
  const LC = ispec.length * clf.nChannels, F = ispec.rr.features.length; // one beat's beat and RR input sizes
  const recs = names.map((r) => ({ name: r, path: path.join(dir, r), rec: readRecord(path.join(dir, r)) }));
  // Full device pipeline over every record: StreamClassifier (native filter + detector + beat stream + int8)
  // in 10-second blocks, one stream per record.
  const t0 = performance.now();
  let full = 0;
  for (const r of recs) {
    const x = r.rec.signals[pickChannel(r.rec.header)]!;
    const sc = new StreamClassifier(clf);
    const blk = 10 * r.rec.header.fs;
    for (let i = 0; i < x.length; i += blk) full += sc.push(x.subarray(i, i + blk)).length;
    full += sc.flush().length;
    sc.close();
  }
  const fullS = (performance.now() - t0) / 1000;
  log(`classify: full pipeline over ${recs.length} records, ${full} beats: ${fullS.toFixed(2)} s`);
  // Inputs for the inference-only timing (detector positions, dataset windows and RR features).
  const allBeats: Float32Array[] = [];
  const allRR: Float32Array[] = [];
  let nb = 0;
  for (const r of recs) {
    const ch = pickChannel(r.rec.header);
    const pos = Int32Array.from(detect(r.rec, { channel: ch }).map((p) => p.sample));
    const rb = await recordInputs(r.path, ispec, pos);
    allBeats.push(rb.beats);
    allRR.push(rb.rr);
    nb += rb.n;
  }
  // Inference only.
  const beats = concat(allBeats), rr = concat(allRR);
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const s = performance.now();
    clf.classifyBatch(beats, rr);
    best = Math.min(best, performance.now() - s);
  }
  const beatsPerS = nb / (best / 1000);
  const lat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const j = i % nb;
    const s = performance.now();
    clf.classifyBatch(beats.subarray(j * LC, (j + 1) * LC), rr.subarray(j * F, (j + 1) * F));
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  const rss = classifyOnlyRss(bytes, beats.subarray(0, 1000 * LC), rr.subarray(0, 1000 * F));
  const rssHere = process.memoryUsage().rss;
  log(`classify: int8 ${Math.round(beatsPerS)} beats/s, single-beat median ${(lat[lat.length >> 1]! * 1000).toFixed(1)} µs, arena ${clf.arenaBytes} B, RSS ${rss}`);
  // TensorFlow.js on the best engine, same model, batch 1024.
  const { initEngine } = await import('../train/engine.js');
  const { predictPrepared } = await import('../train/predict.js');
  const eng = await initEngine('auto', { quiet: true });
  const nT = Math.min(nb, 8192);
  await predictPrepared(floatModel, beats.subarray(0, 1024 * LC), ispec.length, rr.subarray(0, 1024 * F)); // warm-up
  const s1 = performance.now();
  await predictPrepared(floatModel, beats.subarray(0, nT * LC), ispec.length, rr.subarray(0, nT * F), 1024);
  const tfjsPerS = nT / ((performance.now() - s1) / 1000);
  log(`classify: tfjs (${eng.engine}) ${Math.round(tfjsPerS)} beats/s → ratio ${(beatsPerS / tfjsPerS).toFixed(1)}×`);
  return {
    classify: {
      beats_per_s: Math.round(beatsPerS),
      latency_us: Math.round(lat[lat.length >> 1]! * 1e4) / 10,
      ratio_vs_tfjs: Math.round((beatsPerS / tfjsPerS) * 10) / 10,
      tfjs_beats_per_s: Math.round(tfjsPerS),
      tfjs_engine: eng.engine,
      full_mitdb_s: Math.round(fullS * 100) / 100,
      full_beats: full,
      records: recs.length,
      source: useDb ? 'mitdb (48 records)' : 'fixtures',
      arena_bytes: clf.arenaBytes,
      rss_bytes: rss,
      rss_bytes_with_tfjs_loaded: rssHere,
      model: modelName,
    },
  };
}

/** RSS of a separate process that only loads the model file and classifies (no TensorFlow.js), as on a Pi. */
function classifyOnlyRss(bytes: Uint8Array, beats: Float32Array, rr: Float32Array): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-bench-'));
  fs.writeFileSync(path.join(dir, 'm.ecgm'), bytes);
  fs.writeFileSync(path.join(dir, 'beats.f32'), Buffer.from(beats.buffer, beats.byteOffset, beats.byteLength));
  fs.writeFileSync(path.join(dir, 'rr.f32'), Buffer.from(rr.buffer, rr.byteOffset, rr.byteLength));
  const mod = path.join(packageRoot, 'dist', 'nn', 'index.js');
  const script = `
    import fs from 'node:fs';
    const { Int8Classifier } = await import(${JSON.stringify(mod)});
    const clf = Int8Classifier.load(${JSON.stringify(path.join(dir, 'm.ecgm'))});
    const b = fs.readFileSync(${JSON.stringify(path.join(dir, 'beats.f32'))}), r = fs.readFileSync(${JSON.stringify(path.join(dir, 'rr.f32'))});
    const beats = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4), rr = new Float32Array(r.buffer, r.byteOffset, r.byteLength / 4);
    for (let k = 0; k < 20; k++) clf.classifyBatch(beats, rr);
    console.log(process.memoryUsage().rss);`;
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const v = Number(p.stdout.trim());
  if (p.status !== 0 || !Number.isFinite(v)) throw new Error(`classify-only RSS probe failed: ${p.stderr.slice(0, 300)}`);
  return v;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

async function prepareModel(log: (s: string) => void) {
  const { initEngine } = await import('../train/engine.js');
  await initEngine('auto', { quiet: true });
  const { loadModel } = await import('../train/io.js');
  const { archByName } = await import('../train/models/index.js');
  const { defaultInputSpec, makeSpec } = await import('../train/spec.js');
  const { quantizeModel } = await import('../nn/quantize.js');
  const trained = path.join(packageRoot, 'models', 'inter-patient', 'cnn-lstm');
  let floatModel, spec, modelName;
  if (fs.existsSync(path.join(trained, 'model.json'))) {
    const m = await loadModel(trained);
    floatModel = m.model;
    spec = m.spec ?? makeSpec('cnn-lstm', defaultInputSpec());
    modelName = 'models/inter-patient/cnn-lstm';
  } else {
    spec = makeSpec('cnn-lstm', defaultInputSpec());
    floatModel = archByName('cnn-lstm').build(spec.input, { seed: 1 });
    modelName = 'cnn-lstm (untrained weights: no trained model under models/ yet)';
  }
  const shipped = path.join(trained, 'model.ecgm');
  if (fs.existsSync(shipped) && fs.existsSync(path.join(trained, 'model.json'))) {
    const bytes = new Uint8Array(fs.readFileSync(shipped));
    log(`classify: model ${modelName}/model.ecgm, ${bytes.length} bytes`);
    return { bytes, modelName: `${modelName}/model.ecgm`, floatModel, spec };
  }
  const rb = await recordBeats(path.join(fixturesDir(), '208'), spec.input);
  const idx = Int32Array.from({ length: Math.min(rb.n, 1500) }, (_, i) => i);
  const F = spec.input.rr.features.length;
  const cal = { n: idx.length, beats: gatherBeats(rb.windows, rb.margin, spec.input, idx, undefined, rb.tpl), rr: rb.rr.subarray(0, idx.length * F) };
  const { bytes } = await quantizeModel(floatModel, spec, cal);
  log(`classify: model ${modelName}, ${bytes.length} bytes`);
  return { bytes, modelName, floatModel, spec };
}
