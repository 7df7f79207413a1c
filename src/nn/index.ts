// The int8 beat classifier for the device: loads a .ecgm model file through the native addon and classifies
// beats in batch. No TensorFlow.js here (a Raspberry Pi that only classifies never loads it): this module and
// what it imports must stay tfjs-free (test/nn-api.test.ts checks it).
import fs from 'node:fs';
import { loadNative } from '../native/binding.js';
import { BEAT_CHANNELS, RR_FEATURES, type BeatChannel, type FileInputSpec, type RRFeatureName } from './format.js';

export { writeModelFile, quantizeMultiplier, type ModelFileContents } from './format.js';

interface NativeNn {
  nnLoad(bytes: Uint8Array): { ok: true; handle: unknown } & RawInfo | { ok: false; status: number; message: string };
  nnClassify(handle: unknown, beats: Float32Array, rr: Float32Array, n: number, optimized: boolean, labels: Int32Array, probs: Float32Array): number;
  nnLogits(handle: unknown): Int16Array | null;
}
interface RawInfo {
  arenaBytes: number;
  persistentBytes: number;
  activationBytes: number;
  scratchBytes: number;
  ops: number;
  tensors: number;
  classes: string[];
  sha256: string;
  spec: {
    fs: number; fsModel: number; decimation: number; before: number; after: number; length: number; filter: number; mains: number;
    normalization: number; normEps: number; rrFeatures: number[]; rrRecordWindow: number; rrLocalWindow: number; rrClampMin: number; rrClampMax: number; arch: string;
    channels: number[]; templateWindow: number;
  };
}

/** The model's input spec, in the same shape as src/train/spec.ts InputSpec (what the beat pipeline needs). */
export interface ModelInputSpec extends Omit<FileInputSpec, 'arch' | 'channels'> {
  /** Beat input channels (['beat'] for a model file without channels): the beat input is [length, channels.length]. */
  channels: BeatChannel[];
  /** The window before and after the R peak in input samples (before/after × decimation). */
  beforeSamples: number;
  afterSamples: number;
}

export type KernelPathName = 'optimized' | 'reference';

export interface BatchResult {
  n: number;
  /** Class index per beat (arg-max of the int16 logits). */
  labels: Int32Array;
  /** n × classes probabilities (fixed-point softmax, Q0.15 converted to float). */
  probs: Float32Array;
  classes: string[];
}

const STATUS_NAMES = ['ok', 'invalid argument', 'out of memory', 'malformed model file', 'unsupported', 'invalid state'];

function fail(what: string, expected: string, got: unknown): never {
  const g = got === null ? 'null' : ArrayBuffer.isView(got) ? `${got.constructor.name}(${(got as unknown as ArrayLike<unknown>).length})` : typeof got === 'object' ? 'an object' : JSON.stringify(got);
  throw new TypeError(`${what}: expected ${expected}, got ${g}`);
}

export class Int8Classifier {
  readonly classes: string[];
  readonly spec: ModelInputSpec;
  readonly arch: string;
  readonly sha256: string;
  /** Arena bytes (persistent widened weights + activations + scratch), allocated once at load. */
  readonly arenaBytes: number;
  readonly memory: { persistent: number; activations: number; scratch: number };
  readonly source: string;
  /** @internal native model handle (used by StreamClassifier). */
  handle: unknown;
  private nn: NativeNn;
  private closed = false;

  private constructor(nn: NativeNn, raw: { handle: unknown } & RawInfo, source: string) {
    this.nn = nn;
    this.handle = raw.handle;
    this.classes = raw.classes;
    this.sha256 = raw.sha256;
    this.arenaBytes = raw.arenaBytes;
    this.memory = { persistent: raw.persistentBytes, activations: raw.activationBytes, scratch: raw.scratchBytes };
    this.source = source;
    this.arch = raw.spec.arch;
    const s = raw.spec;
    const names = Object.keys(RR_FEATURES) as RRFeatureName[];
    const chNames = Object.keys(BEAT_CHANNELS) as BeatChannel[];
    const channels = (s.channels ?? [1]).map((c) => chNames.find((k) => BEAT_CHANNELS[k] === c)!);
    this.spec = {
      fs: s.fs, fsModel: s.fsModel, decimation: s.decimation, before: s.before, after: s.after, length: s.length,
      beforeSamples: s.before * s.decimation, afterSamples: s.after * s.decimation,
      filter: { name: s.filter === 1 ? 'ecgClean' : 'none', mains: (s.mains === 50 ? 50 : 60) },
      normalization: { kind: s.normalization === 1 ? 'zscore-per-beat' : 'none', eps: s.normEps },
      rr: { features: s.rrFeatures.map((c) => names.find((k) => RR_FEATURES[k] === c)!), recordWindow: s.rrRecordWindow, localWindow: s.rrLocalWindow, clampMin: s.rrClampMin, clampMax: s.rrClampMax },
      channels,
      ...(channels.includes('beat-template') ? { template: { window: s.templateWindow } } : {}),
    };
  }

  /** Loads and validates a model file (path or bytes). Throws an Error naming the file and what is wrong. */
  static load(file: string | Uint8Array): Int8Classifier {
    let bytes: Uint8Array;
    let source: string;
    if (typeof file === 'string') {
      if (!fs.existsSync(file)) throw new Error(`model file '${file}' does not exist (export one with \`ecg-edge export <model-dir> --out <file>\`)`);
      bytes = new Uint8Array(fs.readFileSync(file));
      source = file;
    } else if (file instanceof Uint8Array) {
      bytes = file;
      source = '<bytes>';
    } else fail('Int8Classifier.load(file)', 'a path string or a Uint8Array', file);
    const nn = loadNative() as unknown as NativeNn;
    const r = nn.nnLoad(bytes instanceof Buffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes);
    if (!r.ok) throw new Error(`cannot load int8 model ${source}: ${r.message} (${STATUS_NAMES[r.status] ?? `status ${r.status}`})`);
    return new Int8Classifier(nn, r, source);
  }

  get nClasses(): number {
    return this.classes.length;
  }

  /** Beat input channels C: the beat input of one beat is length × C values (time-major). */
  get nChannels(): number {
    return this.spec.channels.length;
  }

  /**
   * Classifies n beats: `beats` holds n × length × C values (the float model's 'beat' input [length, C],
   * time-major: value (t, c) of beat k at (k·length + t)·C + c) and `rr` n × nRR features (its 'rr' input).
   */
  classifyBatch(beats: Float32Array, rr: Float32Array, opts: { path?: KernelPathName } = {}): BatchResult {
    if (this.closed) throw new Error('Int8Classifier: called after close()');
    const R = this.spec.rr.features.length, C = this.nClasses, CH = this.nChannels;
    const L = this.spec.length * CH;
    const what = CH === 1 ? `${this.spec.length} samples` : `${this.spec.length} × ${CH} values (${this.spec.channels.join(', ')})`;
    if (!(beats instanceof Float32Array)) fail('classifyBatch(beats)', `a Float32Array of n × ${what}`, beats);
    if (!(rr instanceof Float32Array)) fail('classifyBatch(rr)', `a Float32Array of n × ${R} RR features`, rr);
    if (beats.length % L !== 0) throw new RangeError(`classifyBatch(beats): length ${beats.length} is not a multiple of one beat's ${what}`);
    const n = beats.length / L;
    if (rr.length !== n * R) throw new RangeError(`classifyBatch(rr): expected ${n} × ${R} = ${n * R} values for ${n} beats, got ${rr.length}`);
    const path = opts.path ?? 'optimized';
    if (path !== 'optimized' && path !== 'reference') throw new RangeError(`classifyBatch: path must be 'optimized' or 'reference', got '${String(path)}'`);
    const labels = new Int32Array(n);
    const probs = new Float32Array(n * C);
    const st = this.nn.nnClassify(this.handle, beats, rr, n, path === 'optimized', labels, probs);
    if (st !== 0) throw new Error(`int8 classification failed: ${STATUS_NAMES[st] ?? `status ${st}`}`);
    return { n, labels, probs, classes: this.classes };
  }

  /** One beat: its class name, index and probabilities. */
  classify(beat: Float32Array, rr: Float32Array | number[]): { label: number; className: string; probs: Float32Array } {
    const r = this.classifyBatch(beat, rr instanceof Float32Array ? rr : Float32Array.from(rr));
    if (r.n !== 1) throw new RangeError(`classify(beat): expected one window of ${this.spec.length} × ${this.nChannels} values, got ${r.n}`);
    return { label: r.labels[0]!, className: this.classes[r.labels[0]!]!, probs: r.probs };
  }

  /** The int16 logits of the last classified beat (diagnostics). */
  lastLogits(): Int16Array {
    return this.nn.nnLogits(this.handle) ?? new Int16Array(0);
  }

  close(): void {
    this.closed = true;
    this.handle = null;
  }
}
