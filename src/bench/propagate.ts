// Benchmark `propagate`: shape propagation within a record (src/train/ensemble/propagation.ts) with the shipped
// setting, on the beats of a whole 30-minute MIT-BIH record as the members read them (record 208, 2955 labelled
// beats; from ECG_EDGE_DATA, else the bundled fixture). Probabilities are random rows: the cost does not depend on them.
//   seconds       wall time of one propagate() over the record, neighbour graph included (median of 3, each on a
//                 fresh copy of the beats, so that no run reuses the graph an earlier one built);
//   beats_per_s   the record's beats / seconds;
//   reuse_seconds the same propagate() again on the same beats: the graph is reused (as a refinement after the
//                 propagation, or the candidates of `ensemble build --pick`, reuse it), only the iterations run.
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../wfdb/index.js';
import { recordsSet, setInputs } from '../train/dataset/protocols.js';
import { defaultInputSpec } from '../train/spec.js';
import { propagate, SHAPE_PROPAGATION } from '../train/ensemble/propagation.js';
import { rng } from '../util/random.js';

export interface PropagateBench {
  propagate: { record: string; beats: number; seconds: number; beats_per_s: number; reuse_seconds: number; setting: typeof SHAPE_PROPAGATION };
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
  const median = (t: number[]) => t.sort((a, b) => a - b)[1]!;
  const time = (b: Float32Array): number => {
    const t0 = performance.now();
    propagate({ n: set.n, C, data: probs }, b, spec.length, set.rec, SHAPE_PROPAGATION);
    return (performance.now() - t0) / 1000;
  };
  const seconds = median([0, 1, 2].map(() => time(beats.slice())));
  time(beats);
  const reuse = median([0, 1, 2].map(() => time(beats)));
  log(`propagate: record 208, ${set.n} beats in ${seconds.toFixed(2)} s (${reuse.toFixed(3)} s with the graph reused)`);
  return { propagate: { record: '208', beats: set.n, seconds, beats_per_s: set.n / seconds, reuse_seconds: reuse, setting: SHAPE_PROPAGATION } };
}
