// Writing records: format-16 signal files with their header, readable by PhysioNet's tools (rdsamp, wfdb-python).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatHeader } from './header.js';
import { checksum16, encodeFormat16 } from './signal.js';
import { type Header, type SignalSpec, WfdbError } from './types.js';

export interface WriteSignal {
  samples: Int16Array;
  description?: string;
  gain?: number;
  baseline?: number;
  units?: string;
  adcResolution?: number;
  adcZero?: number;
}

/**
 * Writes `<recordPath>.hea` and `<recordPath>.dat` (format 16, signals interleaved frame by frame).
 * Initial values and checksums are computed from the data. Returns the header written.
 */
export function writeRecord(
  recordPath: string,
  fs: number,
  signals: WriteSignal[],
  opts: { comments?: string[]; baseTime?: string; baseDate?: string } = {},
): Header {
  const record = path.basename(recordPath);
  if (!/^[A-Za-z0-9_]+$/.test(record)) throw new WfdbError(`record name '${record}' must be letters, digits or '_'`);
  if (!(fs > 0)) throw new WfdbError(`sampling frequency must be > 0, got ${fs}`);
  if (signals.length === 0) throw new WfdbError('a record needs at least one signal');
  const n = signals[0]!.samples.length;
  signals.forEach((s, i) => {
    if (s.samples.length !== n) throw new WfdbError(`signal ${i} has ${s.samples.length} samples; signal 0 has ${n} (all must be equal)`);
  });
  const datName = `${record}.dat`;
  const specs: SignalSpec[] = signals.map((s) => ({
    fileName: datName, format: 16, samplesPerFrame: 1, skew: 0, byteOffset: 0,
    gain: s.gain ?? 200, baseline: s.baseline ?? s.adcZero ?? 0, units: s.units ?? 'mV',
    adcResolution: s.adcResolution ?? 16, adcZero: s.adcZero ?? 0,
    initValue: n > 0 ? s.samples[0]! : 0, checksum: checksum16(s.samples), blockSize: 0,
    description: s.description ?? '',
  }));
  const frames = new Int16Array(n * signals.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < signals.length; k++) frames[i * signals.length + k] = signals[k]!.samples[i]!;
  const header: Header = {
    record, nSignals: signals.length, fs, nSamples: n, signals: specs, comments: opts.comments ?? [],
    ...(opts.baseTime ? { baseTime: opts.baseTime } : {}), ...(opts.baseDate ? { baseDate: opts.baseDate } : {}),
  };
  writeFileSync(path.join(path.dirname(recordPath), datName), encodeFormat16(frames));
  writeFileSync(`${recordPath}.hea`, formatHeader(header));
  return header;
}
