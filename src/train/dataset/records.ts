// Beats of one record: channel MLII chosen by name, filtered by the device filter, windowed around each R peak
// (reference annotations or detector positions), with RR features and AAMI labels. Cached under .cache/beats/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readRecord, readAnnotations, signalIndex, BEAT_SYMBOLS, type Header } from '../../wfdb/index.js';
import { AAMI_MAP, CLASS_NAMES, GATE_RR_SETTINGS, type InputSpec } from '../spec.js';
import { beatWindows, gateRRFeatures, recordTemplates, rrFeatures } from './features.js';
import { cleanSignal, loadEcgClean } from './filter.js';

/** Extra model samples stored on each side of every window (jitter augmentation). */
export const WINDOW_MARGIN = 2;

export interface RecordBeats {
  record: string;
  fs: number;
  /** Signal used, by name (MLII unless the record has none). */
  channel: string;
  n: number;
  /** R-peak sample index of each beat at fs. */
  sample: Int32Array;
  /** AAMI class index (0..4 = N,S,V,F,Q) or -1 for beats outside the five classes or without a reference label. */
  label: Int8Array;
  /** Raw filtered windows, n rows of (length + 2·margin). */
  windows: Float32Array;
  margin: number;
  /** RR features, n rows of spec.rr.features.length. */
  rr: Float32Array;
  /** The gate's RR features (n rows of GATE_RR_FEATURE_NAMES), for an ensemble's S-vs-N gate. */
  rrGate: Float32Array;
  /** Running beat template before each beat (n rows of length) when the spec has a 'beat-template' channel. */
  tpl: Float32Array | null;
}

export function classIndex(symbol: string): number {
  const c = AAMI_MAP[symbol];
  return c === undefined ? -1 : CLASS_NAMES.indexOf(c);
}

/** The MLII channel by name (record 114 has its leads swapped); channel 0 when a record has no MLII. */
export function pickChannel(header: Header, prefer = 'MLII'): number {
  const i = signalIndex(header, prefer);
  return i >= 0 ? i : 0;
}

export function cacheDir(): string {
  return process.env.ECG_EDGE_CACHE ?? path.resolve('.cache');
}

let filterFingerprint: string | undefined;
/** Hash of the filter's output on a fixed test signal: the cache is invalidated when the device filter changes. */
async function fingerprint(spec: InputSpec): Promise<string> {
  if (filterFingerprint) return filterFingerprint;
  await loadEcgClean();
  const sig = new Int16Array(4000);
  for (let i = 0; i < sig.length; i++) sig[i] = Math.round(300 * Math.sin(i / 9) + 100 * Math.sin(i / 190) + ((i * 7919) % 97) - 48 + (i % 300 === 0 ? 900 : 0));
  const out = await cleanSignal(sig, 360, spec);
  filterFingerprint = crypto.createHash('sha1').update(Buffer.from(out.buffer, out.byteOffset, out.byteLength)).digest('hex').slice(0, 12);
  return filterFingerprint;
}

function fileStamp(f: string): string {
  const s = fs.statSync(f);
  return `${s.size}:${Math.floor(s.mtimeMs)}`;
}

/**
 * Beats of a record at reference annotation positions (default) or at given detector positions.
 * recordPath = "<dir>/<name>". Reference beats are every beat annotation; the RR features use all of them.
 */
export async function recordBeats(
  recordPath: string,
  spec: InputSpec,
  opts: { positions?: ArrayLike<number>; cache?: boolean } = {},
): Promise<RecordBeats> {
  const useCache = (opts.cache ?? true) && !opts.positions;
  const name = path.basename(recordPath);
  let cacheFile = '';
  if (useCache) {
    const fp = await fingerprint(spec);
    const key = crypto
      .createHash('sha1')
      .update(JSON.stringify({ spec, margin: WINDOW_MARGIN, fp, dat: fileStamp(`${recordPath}.dat`), atr: fileStamp(`${recordPath}.atr`), gate: GATE_RR_SETTINGS, v: 3 }))
      .digest('hex')
      .slice(0, 16);
    cacheFile = path.join(cacheDir(), 'beats', `${name}-${key}.bin`);
    const hit = readCache(cacheFile);
    if (hit) return hit;
  }
  const rec = readRecord(recordPath);
  const ch = pickChannel(rec.header);
  const fsr = rec.header.fs;
  if (Math.abs(fsr - spec.fs) > 1e-6) throw new Error(`${recordPath}: sampled at ${fsr} Hz but the model expects ${spec.fs} Hz`);
  const clean = await cleanSignal(rec.signals[ch]!, fsr, spec);
  let sample: Int32Array;
  let label: Int8Array;
  if (opts.positions) {
    sample = Int32Array.from(opts.positions as ArrayLike<number>);
    for (let i = 1; i < sample.length; i++) if (sample[i]! <= sample[i - 1]!) throw new Error(`${recordPath}: beat positions must be strictly increasing (index ${i})`);
    label = new Int8Array(sample.length).fill(-1);
  } else {
    const anns = readAnnotations(recordPath).filter((a) => BEAT_SYMBOLS.has(a.symbol));
    sample = Int32Array.from(anns.map((a) => a.sample));
    label = Int8Array.from(anns.map((a) => classIndex(a.symbol)));
  }
  const windows = beatWindows(clean, sample, spec, WINDOW_MARGIN);
  const out: RecordBeats = {
    record: name,
    fs: fsr,
    channel: rec.header.signals[ch]!.description,
    n: sample.length,
    sample,
    label,
    windows,
    margin: WINDOW_MARGIN,
    rr: rrFeatures(sample, fsr, spec.rr),
    rrGate: gateRRFeatures(sample, fsr, spec.rr),
    tpl: recordTemplates(windows, WINDOW_MARGIN, spec, sample.length),
  };
  if (useCache) writeCache(cacheFile, out);
  return out;
}

function writeCache(file: string, b: RecordBeats): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const meta = Buffer.from(JSON.stringify({ record: b.record, fs: b.fs, channel: b.channel, n: b.n, margin: b.margin, w: b.windows.length, rr: b.rr.length, rrg: b.rrGate.length, tpl: b.tpl ? b.tpl.length : -1 }));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(meta.length);
  const pad = Buffer.alloc((4 - ((4 + meta.length) % 4)) % 4);
  const buf = Buffer.concat([
    head, meta, pad,
    Buffer.from(b.sample.buffer, b.sample.byteOffset, b.sample.byteLength),
    Buffer.from(b.windows.buffer, b.windows.byteOffset, b.windows.byteLength),
    Buffer.from(b.rr.buffer, b.rr.byteOffset, b.rr.byteLength),
    Buffer.from(b.rrGate.buffer, b.rrGate.byteOffset, b.rrGate.byteLength),
    ...(b.tpl ? [Buffer.from(b.tpl.buffer, b.tpl.byteOffset, b.tpl.byteLength)] : []),
    Buffer.from(b.label.buffer, b.label.byteOffset, b.label.byteLength),
  ]);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, buf);
  fs.renameSync(tmp, file);
}

function readCache(file: string): RecordBeats | null {
  if (!fs.existsSync(file)) return null;
  try {
    const buf = fs.readFileSync(file);
    const ml = buf.readUInt32LE(0);
    const meta = JSON.parse(buf.subarray(4, 4 + ml).toString('utf8'));
    let o = 4 + ml;
    o += (4 - (o % 4)) % 4;
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const sample = new Int32Array(ab, o, meta.n);
    o += meta.n * 4;
    const windows = new Float32Array(ab, o, meta.w);
    o += meta.w * 4;
    const rr = new Float32Array(ab, o, meta.rr);
    o += meta.rr * 4;
    const rrGate = new Float32Array(ab, o, meta.rrg);
    o += meta.rrg * 4;
    let tpl: Float32Array | null = null;
    if (meta.tpl >= 0) {
      tpl = new Float32Array(ab, o, meta.tpl);
      o += meta.tpl * 4;
    }
    const label = new Int8Array(ab, o, meta.n);
    return { record: meta.record, fs: meta.fs, channel: meta.channel, n: meta.n, sample, label, windows, margin: meta.margin, rr, rrGate, tpl };
  } catch {
    return null; // a corrupt or partial cache file is rebuilt
  }
}
