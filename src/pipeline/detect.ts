// Batch helpers over whole records: run the streaming Pipeline over a signal and collect its R peaks.
import type { Annotation, Header } from '../wfdb/index.js';
import { symbolToCode } from '../wfdb/index.js';
import { MAX_BLOCK, Pipeline, type PeakEvent } from './pipeline.js';
import { checkInt, checkOptions, checkSamples, describe } from './validate.js';

export interface DetectOptions { channel?: number; mains?: 50 | 60; blockSize?: number }

/** R peaks of one channel of a signal (the device's pipeline, one stream, flushed at the end). */
export function detectSignal(signal: Int16Array | Int32Array, fs: number, opts: { mains?: 50 | 60; blockSize?: number } = {}): PeakEvent[] {
  checkSamples(signal, 'signal');
  const bs = checkInt(opts.blockSize, 'opts.blockSize', 1, MAX_BLOCK, Math.max(1, Math.min(signal.length, MAX_BLOCK)));
  const p = new Pipeline({ fs, mains: opts.mains });
  try {
    const peaks: PeakEvent[] = [];
    for (let i = 0; i < signal.length; i += bs) peaks.push(...p.push(signal.subarray(i, i + bs)).peaks);
    peaks.push(...p.flush().peaks);
    return peaks;
  } finally {
    p.close();
  }
}

/** R peaks of a record's channel (default 0). */
export function detect(rec: { header: Header; signals: Int16Array[] }, opts?: DetectOptions): PeakEvent[] {
  if (!rec || typeof rec !== 'object' || !rec.header || !Array.isArray(rec.signals))
    throw new TypeError(`rec: expected { header, signals } (from readRecord), given ${describe(rec)}`);
  const o = checkOptions(opts);
  const channel = checkInt(o.channel, 'opts.channel', 0, Math.max(0, rec.signals.length - 1), 0);
  if (rec.signals.length === 0) throw new RangeError('rec.signals: expected at least one signal, given none');
  return detectSignal(rec.signals[channel], rec.header.fs, { mains: o.mains as 50 | 60 | undefined, blockSize: o.blockSize as number | undefined });
}

/** Peaks as WFDB beat annotations ('N', channel as given). */
export function peaksToAnnotations(peaks: PeakEvent[], chan = 0): Annotation[] {
  const code = symbolToCode('N');
  return peaks.map((p) => ({ sample: p.sample, symbol: 'N', code, subtype: 0, chan, num: 0, aux: '' }));
}
