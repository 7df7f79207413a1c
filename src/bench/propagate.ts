// Benchmark `propagate`: shape propagation within a record (src/train/ensemble/propagation.ts) with the shipped
// setting, on the beats of a whole 30-minute MIT-BIH record as the members read them (record 208, 2955 labelled
// beats; from ECG_EDGE_DATA, else the bundled fixture). Probabilities are random rows: the cost does not depend on them.
//   seconds       wall time of one propagate() over the record (median of 3);
//   beats_per_s   the record's beats / seconds.
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../wfdb/index.js';
import { recordsSet, setInputs } from '../train/dataset/protocols.js';
import { defaultInputSpec } from '../train/spec.js';
import { propagate, SHAPE_PROPAGATION } from '../train/ensemble/propagation.js';
import { rng } from '../util/random.js';

export interface PropagateBench {
  propagate: { record: string; beats: number; seconds: number; beats_per_s: number; setting: typeof SHAPE_PROPAGATION };
}

export async function run(opts: { log?: (s: string) => void } = {}): Promise<PropagateBench> {
  const log = opts.log ?? (() => {});
  const data = process.env.ECG_EDGE_DATA;
  const dir = data && fs.existsSync(path.join(data, 'mitdb', '208.hea')) ? path.join(data, 'mitdb') : fixturesDir();
  const spec = defaultInputSpec(360);
  const set = await recordsSet(dir, ['208'], spec);
  const { beats } = setInputs(set, spec);
  const r = rng(1), C = 5;
  const probs = new Float32Array(set.n * C);
  for (let i = 0; i < set.n; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += probs[i * C + c] = r();
    for (let c = 0; c < C; c++) probs[i * C + c]! /= s;
  }
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    propagate({ n: set.n, C, data: probs }, beats, spec.length, set.rec, SHAPE_PROPAGATION);
    times.push((performance.now() - t0) / 1000);
  }
  const seconds = times.sort((a, b) => a - b)[1]!;
  log(`propagate: record 208, ${set.n} beats in ${seconds.toFixed(2)} s`);
  return { propagate: { record: '208', beats: set.n, seconds, beats_per_s: set.n / seconds, setting: SHAPE_PROPAGATION } };
}
