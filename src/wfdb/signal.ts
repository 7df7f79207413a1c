// WFDB signal files: decoding formats 212, 16 and 80, encoding format 16, checksum and initial-value checks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readHeader } from './header.js';
import { type Header, type SignalSpec, type WfdbRecord, WfdbError } from './types.js';

/** Bits per sample of each supported format. */
const BITS: Record<number, number> = { 212: 12, 16: 16, 80: 8 };

/** WFDB's 16-bit checksum: the sum of all samples, truncated to a signed 16-bit value. */
export function checksum16(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + samples[i]!) & 0xffff;
  return sum >= 0x8000 ? sum - 0x10000 : sum;
}

/**
 * Decodes `count` consecutive samples of one format from `buf` starting at byte `offset`.
 * Returns fewer when the data end early.
 */
export function decodeSamples(format: number, buf: Uint8Array, offset: number, count: number): Int16Array {
  switch (format) {
    case 212: {
      const avail = Math.floor(((buf.length - offset) * 2) / 3);
      const n = Math.min(count, avail);
      const out = new Int16Array(n);
      for (let i = 0, p = offset; i < n; i += 2, p += 3) {
        const b0 = buf[p]!, b1 = buf[p + 1]!, b2 = buf[p + 2] ?? 0;
        let s0 = b0 | ((b1 & 0x0f) << 8);
        if (s0 & 0x800) s0 -= 0x1000;
        out[i] = s0;
        if (i + 1 < n) {
          let s1 = b2 | ((b1 & 0xf0) << 4);
          if (s1 & 0x800) s1 -= 0x1000;
          out[i + 1] = s1;
        }
      }
      return out;
    }
    case 16: {
      const n = Math.min(count, Math.floor((buf.length - offset) / 2));
      const out = new Int16Array(n);
      for (let i = 0, p = offset; i < n; i++, p += 2) {
        const v = buf[p]! | (buf[p + 1]! << 8);
        out[i] = v >= 0x8000 ? v - 0x10000 : v;
      }
      return out;
    }
    case 80: {
      const n = Math.min(count, buf.length - offset);
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = buf[offset + i]! - 128;
      return out;
    }
    default:
      throw new WfdbError(`signal format ${format} is not supported (supported: 212, 16, 80)`);
  }
}

/** Encodes samples as format 16 (little-endian two's complement). */
export function encodeFormat16(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]! & 0xffff;
    out[2 * i] = v & 0xff;
    out[2 * i + 1] = v >> 8;
  }
  return out;
}

/** Groups signal indices by the file holding them, in header order. */
function filesOf(header: Header): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  header.signals.forEach((s, i) => {
    const g = groups.get(s.fileName);
    if (g) g.push(i);
    else groups.set(s.fileName, [i]);
  });
  return groups;
}

function readDataFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WfdbError(code === 'ENOENT' ? `${file}: signal file not found` : `${file}: cannot read: ${(err as Error).message}`);
  }
}

/** Decodes the signals stored in one file (all sharing its frame layout). */
function decodeFile(header: Header, idx: number[], file: string, buf: Uint8Array): Int16Array[] {
  const specs = idx.map((i) => header.signals[i]!);
  const format = specs[0]!.format;
  for (const s of specs) {
    if (s.format !== format) {
      throw new WfdbError(`${file}: signals in one file must share a format; header gives ${format} and ${s.format}`);
    }
  }
  const offset = specs[0]!.byteOffset;
  const frameSize = specs.reduce((a, s) => a + s.samplesPerFrame, 0);
  const availFrames = Math.floor(Math.floor(((buf.length - offset) * 8) / BITS[format]!) / frameSize);
  const nFrames = header.nSamples > 0 ? header.nSamples : availFrames;
  if (availFrames < nFrames) {
    throw new WfdbError(
      `${file}: holds ${availFrames} frame(s) of ${frameSize} sample(s) but the header declares ${nFrames} samples per signal (file truncated?)`,
    );
  }
  const all = decodeSamples(format, buf, offset, nFrames * frameSize);
  const out = specs.map((s) => new Int16Array(nFrames * s.samplesPerFrame));
  let p = 0;
  for (let f = 0; f < nFrames; f++) {
    for (let k = 0; k < specs.length; k++) {
      const spf = specs[k]!.samplesPerFrame;
      const dst = out[k]!;
      for (let j = 0; j < spf; j++) dst[f * spf + j] = all[p++]!;
    }
  }
  // Skew: sample i of a skewed signal belongs to frame i - skew.
  specs.forEach((s, k) => {
    if (s.skew > 0) {
      const a = out[k]!;
      const shift = s.skew * s.samplesPerFrame;
      a.copyWithin(0, shift);
      a.fill(-32768, a.length - shift);
    }
  });
  return out;
}

export interface SignalCheck {
  signal: number;
  description: string;
  file: string;
  ok: boolean;
  /** What is wrong, e.g. "checksum mismatch: header says 123, data give 456". */
  problems: string[];
}

/** Compares each signal's first sample and 16-bit checksum with the header. */
export function checkSignals(header: Header, signals: Int16Array[], dir = '.'): SignalCheck[] {
  return header.signals.map((s: SignalSpec, i) => {
    const problems: string[] = [];
    const x = signals[i]!;
    if (x.length > 0 && x[0] !== s.initValue) {
      problems.push(`initial value mismatch: header says ${s.initValue}, first sample is ${x[0]}`);
    }
    const sum = checksum16(x);
    if (sum !== s.checksum) problems.push(`checksum mismatch: header says ${s.checksum}, data give ${sum}`);
    return { signal: i, description: s.description, file: path.join(dir, s.fileName), ok: problems.length === 0, problems };
  });
}

export interface ReadRecordOptions {
  /** 'error' (default) throws on an initial-value or checksum mismatch, 'ignore' does not check. */
  verify?: 'error' | 'ignore';
}

/** Reads `<recordPath>.hea` and its signal files; samples are in ADC units. */
export function readRecord(recordPath: string, opts: ReadRecordOptions = {}): WfdbRecord {
  const header = readHeader(recordPath);
  const dir = path.dirname(recordPath);
  const signals: Int16Array[] = new Array(header.nSignals);
  for (const [fileName, idx] of filesOf(header)) {
    const file = path.join(dir, fileName);
    const decoded = decodeFile(header, idx, file, readDataFile(file));
    idx.forEach((i, k) => (signals[i] = decoded[k]!));
  }
  if (header.nSamples === 0 && signals.length > 0) header.nSamples = signals[0]!.length / header.signals[0]!.samplesPerFrame;
  if ((opts.verify ?? 'error') === 'error') {
    const bad = checkSignals(header, signals, dir).filter((c) => !c.ok);
    if (bad.length > 0) {
      throw new WfdbError(
        `${recordPath}: signal data disagree with the header:\n` +
          bad.map((c) => `  signal ${c.signal} (${c.description || 'no description'}, ${c.file}): ${c.problems.join('; ')}`).join('\n') +
          `\n  (the .dat file may be corrupt or belong to another record; pass { verify: 'ignore' } to read it anyway)`,
      );
    }
  }
  return { header, signals };
}
