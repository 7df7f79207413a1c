// The .ecgm int8 model file format (docs/MODEL_FORMAT.md): constants shared with native/core/nn/model.h and the
// writer used by the exporter. Pure TypeScript, no tfjs: a device that only classifies can import it.
import { createHash } from 'node:crypto';

export const MAGIC = 'ECGM';
export const FORMAT_MAJOR = 2;
/** The newest minor version this writer knows. A file is written as 2.2 when it has 16-bit activations inside the
 *  model (besides the beat input, the logits and the probabilities), else 2.1 when it needs a 2.1 feature (extended
 *  input spec, RR codes 5–6, an int16 beat input, a requantizing global average pool, a fused residual), else 2.0. */
export const FORMAT_MINOR = 2;
export const HEADER_BYTES = 64;
/** The 2.0 input spec; from 2.1 on a spec may have SPEC_EXT_BYTES (beat channels and template window). */
export const SPEC_BYTES = 64;
export const SPEC_EXT_BYTES = 80;
export const MAX_BEAT_CHANNELS = 4;
export const MAX_RR_FEATURES = 8;
export const TENSOR_RECORD_BYTES = 40;
export const OP_RECORD_BYTES = 56;
export const DIGEST_BYTES = 32;
export const MAX_OP_TENSORS = 10;
export const MAX_OP_PARAMS = 8;
export const NO_TENSOR = 0xffff;

export const DTYPES = { int8: 1, int16: 2, int32: 3 } as const;
export type DTypeName = keyof typeof DTYPES;

/** Op codes and their tensor slots (in order) — one table drives the writer, the docs and the errors. */
export const OPS = {
  conv1d: { code: 1, slots: 'in, weights[cout,k,cin], bias[cout], mult[cout], shift[cout], out', params: 'pad_left, act_min, act_max' },
  dense: { code: 2, slots: 'in, weights[cout,n], bias[cout], mult[cout], shift[cout], out (int8 or int16)', params: 'act_min, act_max' },
  maxpool1d: { code: 3, slots: 'in[T,C], out[To,C]', params: 'pool, stride, pad_left' },
  avgpool1d: { code: 4, slots: 'in[T,C], out[To,C]', params: 'pool, stride, pad_left' },
  global_avgpool1d: { code: 5, slots: 'in[T,C], out[C]', params: '' },
  lstm: { code: 6, slots: 'in[T,cin], wx[4U,cin], wh[4U,U], bias_q12[4U], mult_x, shift_x, mult_h, shift_h, out', params: 'return_sequences, cell_frac, out_mult, out_shift, hard_sigmoid' },
  attention: { code: 7, slots: 'in[T,H], w[A,H], bias_q12[A], mult[A], shift[A], v[A], out[H]', params: 'score_mult, score_shift' },
  add: { code: 8, slots: 'a, b, out', params: 'a_mult, b_mult, shift, act_min, act_max' },
  concat: { code: 9, slots: 'in_0 … in_k-1, requant[k,2], out', params: '' },
  softmax: { code: 10, slots: 'logits int16[C], probs int16[C] (Q0.15)', params: 'mult, shift' },
  clamp: { code: 11, slots: 'in, out', params: 'lo, hi' },
  reshape: { code: 12, slots: 'in, out', params: '' },
  dense2: { code: 13, slots: 'a[na], b[nb], wa[cout,na], wb[cout,nb], bias[cout], mult[cout], shift[cout], out[cout]', params: 'b_mult, b_shift, act_min, act_max' },
} as const;
export type OpName = keyof typeof OPS;

export const FILTER_KINDS = { none: 0, ecgClean: 1 } as const;
export const NORM_KINDS = { none: 0, 'zscore-per-beat': 1 } as const;
export const RR_FEATURES = {
  'pre/recordAvg': 1, 'post/recordAvg': 2, 'pre/localAvg': 3, 'post/localAvg': 4, irregularity: 5, 'post/pre': 6,
} as const;
export type RRFeatureName = keyof typeof RR_FEATURES;
/** Channels of the beat input [length, C] (time-major): the z-scored window, and it minus the running template. */
export const BEAT_CHANNELS = { beat: 1, 'beat-template': 2 } as const;
export type BeatChannel = keyof typeof BEAT_CHANNELS;

/** The input spec stored in the file (mirrors src/train/spec.ts InputSpec). */
export interface FileInputSpec {
  fs: number;
  fsModel: number;
  decimation: number;
  before: number;
  after: number;
  length: number;
  filter: { name: 'ecgClean' | 'none'; mains: 50 | 60 };
  normalization: { kind: 'zscore-per-beat' | 'none'; eps: number };
  rr: { features: RRFeatureName[]; recordWindow: number; localWindow: number; clampMin: number; clampMax: number };
  /** Beat input channels (absent = ['beat']); the beat input is [length, channels.length]. */
  channels?: BeatChannel[];
  /** Running-template window (beats); required with a 'beat-template' channel. */
  template?: { window: number };
  arch: string;
}

/** Checks the parts of a spec the file encodes as codes and counts; throws naming the field and what to do. */
export function checkFileSpec(s: FileInputSpec): void {
  const f = s.rr.features;
  if (!Array.isArray(f) || f.length < 1 || f.length > MAX_RR_FEATURES) throw new Error(`input spec: rr.features must list 1..${MAX_RR_FEATURES} features, got ${Array.isArray(f) ? f.length : typeof f}`);
  for (const x of f) if (!(x in RR_FEATURES)) throw new Error(`input spec: unknown RR feature '${String(x)}': expected one of ${Object.keys(RR_FEATURES).join(', ')}`);
  const ch = s.channels ?? ['beat'];
  if (!Array.isArray(ch) || ch.length < 1 || ch.length > MAX_BEAT_CHANNELS) throw new Error(`input spec: channels must list 1..${MAX_BEAT_CHANNELS} beat channels, got ${Array.isArray(ch) ? ch.length : typeof ch}`);
  for (const c of ch) if (!(c in BEAT_CHANNELS)) throw new Error(`input spec: unknown beat channel '${String(c)}': expected one of ${Object.keys(BEAT_CHANNELS).join(', ')}`);
  if (new Set(ch).size !== ch.length) throw new Error(`input spec: channels [${ch.join(', ')}] repeat a channel`);
  if (ch.includes('beat-template')) {
    const w = s.template?.window;
    if (!Number.isInteger(w) || w! < 1 || w! > 65535) throw new Error(`input spec: a 'beat-template' channel needs template.window, an integer in 1..65535 (beats), got ${String(w)}`);
  }
}

/** True when the spec needs the 2.1 extended input spec (80 bytes) or RR codes beyond 2.0's 1..4. */
export function specNeeds21(s: FileInputSpec): boolean {
  const ch = s.channels ?? ['beat'];
  return ch.length !== 1 || ch[0] !== 'beat' || s.rr.features.some((f) => RR_FEATURES[f] > 4);
}

export interface FileTensor {
  dtype: DTypeName;
  kind: 'activation' | 'constant';
  shape: number[];
  scale?: number;
  zeroPoint?: number;
  data?: Int8Array | Int16Array | Int32Array;
}

export interface FileOp {
  op: OpName;
  tensors: number[];
  params?: number[];
}

export interface ModelFileContents {
  spec: FileInputSpec;
  classes: string[];
  tensors: FileTensor[];
  ops: FileOp[];
  io: { beat: number; rr: number; logits: number; probs: number };
}

const align16 = (n: number) => (n + 15) & ~15;

/** Serializes a model; throws on contents the reader would reject for structural reasons (shapes are checked natively). */
export function writeModelFile(c: ModelFileContents): Uint8Array {
  checkFileSpec(c.spec);
  const specBuf = encodeSpec(c.spec);
  // 2.0 readers understand a file without 2.1 features: keep writing those as 2.0, byte for byte.
  const beatT = c.tensors[c.io.beat];
  const gapRequant = c.ops.some((o) => o.op === 'global_avgpool1d' && (o.params ?? []).some((p) => p !== 0));
  // a conv1d with a fused residual (9 slots: … out, residual, residual mult/shift) is 2.1 too
  const fusedResidual = c.ops.some((o) => o.op === 'conv1d' && o.tensors.length > 6);
  // 16-bit activations inside the model (the "16x8" region of the first layers) are 2.2
  const inner16 = c.tensors.some((t, i) => t.kind === 'activation' && t.dtype === 'int16' && i !== c.io.beat && i !== c.io.logits && i !== c.io.probs);
  const minor = inner16 ? 2 : specNeeds21(c.spec) || beatT?.dtype === 'int16' || gapRequant || fusedResidual ? 1 : 0;
  const classBuf = encodeClasses(c.classes);
  // data section: every constant, 16-byte aligned
  const offsets: number[] = [];
  let dataSize = 0;
  for (const [i, t] of c.tensors.entries()) {
    if (t.kind === 'constant') {
      if (!t.data) throw new Error(`tensor ${i}: a constant needs data`);
      const want = t.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== want) throw new Error(`tensor ${i}: data has ${t.data.length} elements, shape [${t.shape}] needs ${want}`);
      offsets.push(dataSize);
      dataSize = align16(dataSize + t.data.byteLength);
    } else offsets.push(0);
  }
  const specOff = HEADER_BYTES;
  const classOff = specOff + specBuf.length;
  const tensorOff = align16(classOff + classBuf.length);
  const opOff = tensorOff + c.tensors.length * TENSOR_RECORD_BYTES;
  const dataOff = align16(opOff + c.ops.length * OP_RECORD_BYTES);
  const fileSize = dataOff + dataSize + DIGEST_BYTES;
  const buf = new Uint8Array(fileSize);
  const dv = new DataView(buf.buffer);
  buf.set(Buffer.from(MAGIC, 'ascii'), 0);
  dv.setUint16(4, FORMAT_MAJOR, true);
  dv.setUint16(6, minor, true);
  dv.setUint32(8, fileSize, true);
  dv.setUint32(12, 0, true);
  dv.setUint32(16, specOff, true);
  dv.setUint32(20, specBuf.length, true);
  dv.setUint32(24, classOff, true);
  dv.setUint32(28, classBuf.length, true);
  dv.setUint32(32, tensorOff, true);
  dv.setUint32(36, c.tensors.length, true);
  dv.setUint32(40, opOff, true);
  dv.setUint32(44, c.ops.length, true);
  dv.setUint32(48, dataOff, true);
  dv.setUint32(52, dataSize, true);
  dv.setUint16(56, c.io.beat, true);
  dv.setUint16(58, c.io.rr, true);
  dv.setUint16(60, c.io.logits, true);
  dv.setUint16(62, c.io.probs, true);
  buf.set(specBuf, specOff);
  buf.set(classBuf, classOff);
  for (const [i, t] of c.tensors.entries()) {
    const r = tensorOff + i * TENSOR_RECORD_BYTES;
    if (t.shape.length < 1 || t.shape.length > 4) throw new Error(`tensor ${i}: rank ${t.shape.length} is outside 1..4`);
    dv.setUint8(r, DTYPES[t.dtype]);
    dv.setUint8(r + 1, t.kind === 'constant' ? 1 : 0);
    dv.setUint8(r + 2, t.shape.length);
    t.shape.forEach((d, k) => dv.setUint32(r + 4 + 4 * k, d, true));
    dv.setFloat32(r + 20, t.scale ?? 0, true);
    dv.setInt32(r + 24, t.zeroPoint ?? 0, true);
    if (t.kind === 'constant') {
      dv.setUint32(r + 28, offsets[i], true);
      dv.setUint32(r + 32, t.data!.byteLength, true);
      buf.set(new Uint8Array(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength), dataOff + offsets[i]);
    }
  }
  for (const [i, op] of c.ops.entries()) {
    const r = opOff + i * OP_RECORD_BYTES;
    if (op.tensors.length > MAX_OP_TENSORS) throw new Error(`op ${i} (${op.op}): more than ${MAX_OP_TENSORS} tensors`);
    if ((op.params ?? []).length > MAX_OP_PARAMS) throw new Error(`op ${i} (${op.op}): more than ${MAX_OP_PARAMS} params`);
    dv.setUint16(r, OPS[op.op].code, true);
    dv.setUint16(r + 2, op.tensors.length, true);
    for (let k = 0; k < MAX_OP_TENSORS; k++) dv.setUint16(r + 4 + 2 * k, k < op.tensors.length ? op.tensors[k] : NO_TENSOR, true);
    for (let k = 0; k < MAX_OP_PARAMS; k++) dv.setInt32(r + 24 + 4 * k, (op.params ?? [])[k] ?? 0, true);
  }
  const digest = createHash('sha256').update(buf.subarray(0, fileSize - DIGEST_BYTES)).digest();
  buf.set(digest, fileSize - DIGEST_BYTES);
  return buf;
}

function encodeSpec(s: FileInputSpec): Uint8Array {
  const ext = specNeeds21(s);
  const b = new Uint8Array(ext ? SPEC_EXT_BYTES : SPEC_BYTES);
  const dv = new DataView(b.buffer);
  dv.setFloat32(0, s.fs, true);
  dv.setFloat32(4, s.fsModel, true);
  dv.setUint16(8, s.decimation, true);
  dv.setUint16(10, s.before, true);
  dv.setUint16(12, s.after, true);
  dv.setUint16(14, s.length, true);
  dv.setUint8(16, FILTER_KINDS[s.filter.name]);
  dv.setUint8(17, s.filter.mains);
  dv.setUint8(18, NORM_KINDS[s.normalization.kind]);
  dv.setUint8(19, s.rr.features.length);
  dv.setFloat32(20, s.normalization.eps, true);
  s.rr.features.forEach((f, i) => {
    const code = RR_FEATURES[f];
    if (!code) throw new Error(`unknown RR feature '${f}': expected one of ${Object.keys(RR_FEATURES).join(', ')}`);
    dv.setUint8(24 + i, code);
  });
  dv.setUint16(32, s.rr.recordWindow, true);
  dv.setUint16(34, s.rr.localWindow, true);
  dv.setFloat32(36, s.rr.clampMin, true);
  dv.setFloat32(40, s.rr.clampMax, true);
  const arch = Buffer.from(s.arch.slice(0, 20), 'ascii');
  b.set(arch, 44);
  if (ext) {
    const ch = s.channels ?? ['beat'];
    dv.setUint8(64, ch.length);
    ch.forEach((c, i) => dv.setUint8(65 + i, BEAT_CHANNELS[c]));
    dv.setUint16(72, ch.includes('beat-template') ? s.template!.window : 0, true);
  }
  return b;
}

function encodeClasses(names: string[]): Uint8Array {
  const parts = [names.length];
  for (const n of names) {
    const bytes = Buffer.from(n, 'ascii');
    parts.push(bytes.length, ...bytes);
  }
  return Uint8Array.from(parts);
}

// ---- quantization math shared by the exporter and the tests -------------------------------------------------

/** A real multiplier M ≥ 0 as (mult, shift) with M ≈ mult · 2^-shift, mult in [2^30, 2^31), shift in 1..62. */
export function quantizeMultiplier(m: number): [number, number] {
  if (!(m >= 0) || !Number.isFinite(m)) throw new Error(`multiplier must be finite and >= 0, got ${m}`);
  if (m === 0) return [0, 31];
  let e = Math.floor(Math.log2(m)) + 1; // m = f · 2^e, f in [0.5, 1)
  let f = m / 2 ** e;
  if (f >= 1) { f /= 2; e += 1; }
  if (f < 0.5) { f *= 2; e -= 1; }
  let mult = Math.round(f * 2 ** 31);
  if (mult === 2 ** 31) { mult = 2 ** 30; e += 1; }
  let shift = 31 - e;
  if (shift > 62) {
    // too small to represent: shrink mult (precision is irrelevant at this size)
    mult = Math.round(mult / 2 ** (shift - 62));
    shift = 62;
  }
  if (shift < 1) throw new Error(`multiplier ${m} is too large (must be < 2^30)`);
  return [mult, shift];
}
