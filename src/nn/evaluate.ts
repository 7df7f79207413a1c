// End-to-end evaluation of an int8 model file through the device pipeline (tfjs-free):
//   samples → ecgClean (fixed-point filter) → native R-peak detector → beat windows + RR features from the
//   DETECTED positions → int8 model → labels → matched to the reference annotations by EC57 rules (bxb,
//   src/eval compareRecord, 150 ms window, whole records) → AAMI class matrix, VEB/SVEB Se/+P/F1, macro F1.
// With positions 'reference' the same int8 model runs at the reference beat positions (the baseline the
// detected-beat figures are compared against).
import path from 'node:path';
import { readRecord, readAnnotations, BEAT_SYMBOLS, type Annotation } from '../wfdb/index.js';
import { classAnnotation, compareRecord, emptyMatrix, addMatrix, classStats, type ClassReport, type ClassMatrix } from '../eval/index.js';
import { detect } from '../pipeline/index.js';
import { recordBeats, pickChannel } from '../train/dataset/records.js';
import { gatherBeats } from '../train/dataset/features.js';
import { DS2, NON_PACED } from '../train/dataset/protocols.js';
import type { InputSpec } from '../train/spec.js';
import { Int8Classifier } from './index.js';

export type Positions = 'detected' | 'reference';


export interface NativeEval {
  report: ClassReport;
  records: { record: string; beats: number; matrix: ClassMatrix }[];
  beats: number;
  seconds: number;
  positions: Positions;
}

/** The training-side input spec of an int8 model (its features, channels and template come from the file). */
export function asInputSpec(clf: Int8Classifier): InputSpec {
  const s = clf.spec;
  return {
    fs: s.fs, filter: { name: 'ecgClean', mains: s.filter.mains }, decimation: s.decimation, fsModel: s.fsModel,
    before: s.before, after: s.after, length: s.length, beforeSamples: s.beforeSamples, afterSamples: s.afterSamples,
    normalization: { kind: 'zscore-per-beat', eps: s.normalization.eps },
    rr: { features: [...s.rr.features], recordWindow: s.rr.recordWindow, localWindow: s.rr.localWindow, clampMin: s.rr.clampMin, clampMax: s.rr.clampMax },
    channels: [...s.channels],
    ...(s.template ? { template: { window: s.template.window } } : {}),
  };
}

/**
 * The model inputs of every beat of a record at `positions` (strictly increasing), built by the training
 * dataset's own functions (the one batch implementation): beats n × length × C, rr n × F.
 */
export async function recordInputs(recordPath: string, spec: InputSpec, positions: Int32Array): Promise<{ n: number; beats: Float32Array; rr: Float32Array }> {
  const rb = await recordBeats(recordPath, spec, { positions, cache: false });
  const beats = gatherBeats(rb.windows, rb.margin, spec, Int32Array.from({ length: rb.n }, (_, i) => i), undefined, rb.tpl);
  return { n: rb.n, beats, rr: rb.rr };
}

/**
 * Scores `clf` on the inter-patient test records (DS2, every beat of each whole record). The intra-patient
 * protocol's test set is a random beat sample, which a detector cannot reproduce; for it this scores all 44
 * non-paced records (a superset: disclosed in the output).
 */
export async function evaluateNative(clf: Int8Classifier, protocol: 'inter-patient' | 'intra-patient', db: string, opts: { positions?: Positions; records?: string[]; log?: (s: string) => void } = {}): Promise<NativeEval> {
  const positions = opts.positions ?? 'detected';
  const names = opts.records ?? (protocol === 'inter-patient' ? DS2 : NON_PACED);
  const spec = asInputSpec(clf);
  const total = emptyMatrix();
  const out: NativeEval['records'] = [];
  let beats = 0;
  const t0 = performance.now();
  for (const name of names) {
    const rp = path.join(db, name);
    const rec = readRecord(rp);
    const ch = pickChannel(rec.header);
    const ref = readAnnotations(rp);
    let pos: Int32Array;
    if (positions === 'detected') pos = Int32Array.from(detect(rec, { channel: ch, mains: spec.filter.mains }).map((p) => p.sample));
    else pos = Int32Array.from(ref.filter((a) => BEAT_SYMBOLS.has(a.symbol)).map((a) => a.sample));
    // strictly increasing positions (the detector never repeats one; reference files may)
    const uniq = pos.filter((v, i) => i === 0 || v > pos[i - 1]!);
    const x = await recordInputs(rp, spec, uniq);
    const res = clf.classifyBatch(x.beats, x.rr);
    const test: Annotation[] = Array.from(uniq, (s, i) => classAnnotation(s, clf.classes[res.labels[i]!]!));
    const cmp = compareRecord(ref, test, { fs: rec.header.fs, nSamples: rec.header.nSamples, from: 0 });
    addMatrix(total, cmp.matrix);
    out.push({ record: name, beats: uniq.length, matrix: cmp.matrix });
    beats += uniq.length;
    opts.log?.(`${name}: ${uniq.length} beats`);
  }
  return { report: classStats(total), records: out, beats, seconds: (performance.now() - t0) / 1000, positions };
}
