// What the int8 export tests share (a test helper, not a test file): a private beat cache, the labelled beats of a
// fixture record as the float model's inputs, a seeded model trained for one epoch on them, and the check that an
// int8 file's reference and optimized kernel paths give bit-identical outputs.
import { expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine, seedGlobalRandom } from '../src/train/engine.js';
import { archByName } from '../src/train/models/index.js';
import { beatChannels, defaultInputSpec } from '../src/train/spec.js';
import { loadRecords, gather, setInputs } from '../src/train/dataset/protocols.js';
import { fixturesDir } from '../src/wfdb/index.js';
import type { BatchResult, Int8Classifier } from '../src/nn/index.js';

export const spec = defaultInputSpec();

/** Points the beat cache at a fresh temporary directory (the tests never touch the user's cache). */
export function usePrivateCache(prefix: string): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.env.ECG_EDGE_CACHE = path.join(tmp, 'cache');
}

/** Every labelled beat of fixture record `rec`: beats n × length × C, rr n × F (the spec's channels and features). */
export async function beatsOf(rec: string) {
  const recs = await loadRecords(fixturesDir(), [rec], spec);
  const picks: { r: number; i: number }[] = [];
  for (let i = 0; i < recs[0]!.n; i++) if (recs[0]!.label[i]! >= 0) picks.push({ r: 0, i });
  const set = gather(recs, picks, spec.length);
  const { beats, rr } = setInputs(set, spec);
  return { n: set.n, beats, rr, label: set.label };
}
export type FixtureBeats = Awaited<ReturnType<typeof beatsOf>>;

/** Starts the wasm engine; the training beats (record 208) and the unseen test beats (record 119). */
export async function trainAndUnseenBeats(): Promise<{ tr: FixtureBeats; te: FixtureBeats }> {
  await initEngine('wasm', { quiet: true });
  return { tr: await beatsOf('208'), te: await beatsOf('119') };
}

/** A model of `arch` with every random draw seeded (dropout too: the same model on every run), trained for one
 *  epoch on `train` when given. */
export async function seededModel(arch: string, seed: number, train?: FixtureBeats): Promise<tf.LayersModel> {
  seedGlobalRandom(seed);
  const model = archByName(arch).build(spec, { seed });
  if (!train) return model;
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
  const xs = [tf.tensor3d(train.beats, [train.n, spec.length, beatChannels(spec).length]), tf.tensor2d(train.rr, [train.n, spec.rr.features.length])];
  const ys = tf.tensor1d(Float32Array.from(train.label));
  await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
  tf.dispose([...xs, ys]);
  return model;
}

/** Classifies on both kernel paths, expects bit-identical probabilities and labels, returns the optimized result. */
export function classifyBothPaths(clf: Int8Classifier, beats: Float32Array, rr: Float32Array): BatchResult {
  const q = clf.classifyBatch(beats, rr);
  const r = clf.classifyBatch(beats, rr, { path: 'reference' });
  expect(Buffer.from(q.probs.buffer).equals(Buffer.from(r.probs.buffer))).toBe(true);
  expect(Array.from(q.labels)).toEqual(Array.from(r.labels));
  return q;
}
