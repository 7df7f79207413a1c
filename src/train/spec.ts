// The model spec: everything needed to turn raw samples into the model's two inputs and its output into
// labels. Saved as spec.json beside every model (model.json + weights.bin); the int8 exporter and the
// streaming pipeline read it, so it must describe the beat window, filter, normalization and RR features
// completely and precisely.
import type { ArchName } from './models/index.js';

export const CLASS_NAMES = ['N', 'S', 'V', 'F', 'Q'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];

/** AAMI EC57 mapping of MIT-BIH beat annotation symbols to the five classes. */
export const AAMI_MAP: Readonly<Record<string, ClassName>> = {
  N: 'N', L: 'N', R: 'N', e: 'N', j: 'N',
  A: 'S', a: 'S', J: 'S', S: 'S',
  V: 'V', E: 'V',
  F: 'F',
  '/': 'Q', f: 'Q', Q: 'Q',
};

export interface InputSpec {
  /** Sampling rate of the recording the pipeline receives (Hz). */
  fs: number;
  /** The signal first goes through the device's fixed-point filter (src/pipeline ecgClean), at `fs`. */
  filter: { name: 'ecgClean'; mains: 50 | 60 };
  /** Beat window: model sample i (0 ≤ i < length) is clean[r + decimation·(i − before)], r the R-peak index.
   *  Indices outside the record repeat the first/last sample. No extra anti-alias filter: ecgClean low-passes. */
  decimation: number;
  /** Sampling rate the model sees (fs / decimation). */
  fsModel: number;
  /** Samples at the model rate before the R peak, and from the R peak (included) on. length = before + after. */
  before: number;
  after: number;
  length: number;
  /** The same window in samples at `fs`: [r − beforeSamples, r + afterSamples). */
  beforeSamples: number;
  afterSamples: number;
  /** Per-beat normalization applied to the window: (x − mean) / max(std, eps) with std the population std. */
  normalization: { kind: 'zscore-per-beat'; eps: number };
  rr: RRSpec;
  /**
   * Channels of the beat input [length, C], time-major (value (t, c) at t·C + c). Absent = ['beat'].
   * 'beat' = z_k, the normalized window of beat k. 'beat-template' = z_k − tpl_k, with tpl a running template
   * over the stream's beats in order (every beat, whatever its class): tpl := z_0 at the first beat; channel
   * values use tpl before it is updated with beat k; then tpl[t] ← tpl[t] + (z_k[t] − tpl[t]) / min(m, window),
   * m = beats seen including k. Every operation in float32. It shows how a beat differs from this patient's
   * usual beat, which transfers across patients better than the shape alone.
   */
  channels?: BeatChannelName[];
  template?: { window: number };
}

/** Names of the RR features (second input), in the order a model lists them. */
export const RR_FEATURE_NAMES = ['pre/recordAvg', 'post/recordAvg', 'pre/localAvg', 'post/localAvg', 'irregularity', 'post/pre'] as const;
export type RRFeatureName = (typeof RR_FEATURE_NAMES)[number];

/**
 * RR features (second input, one float per listed feature). RR intervals in seconds between consecutive beats
 * (all beat annotations or detections), each clamped to [clampMin, clampMax] s. For beat k: pre = RR(k−1 → k)
 * (the first beat uses its post-RR), post = RR(k → k+1) (the last beat uses its pre-RR).
 * Running averages (causal, updated with each beat's pre-RR before computing that beat's features, started at
 * the first pre-RR): avg ← avg + (pre − avg) / min(n, window), n = number of pre-RRs seen so far.
 *   recordAvg uses window = recordWindow (cumulative mean, then exponential; ≈ the record's average RR),
 *   localAvg  uses window = localWindow.
 * Features (any subset, in the listed order):
 *   'pre/recordAvg', 'post/recordAvg', 'pre/localAvg', 'post/localAvg': the ratios their names say;
 *   'post/pre': post / pre (the compensatory pause after a premature beat);
 *   'irregularity': running mean of |p_k − p_{k−1}| with p_k = pre_k / localAvg_k (d_0 = 0), the same update
 *     rule with window = localWindow: how irregular the rhythm around the beat is (atrial fibrillation makes
 *     every beat look premature; this feature lets a model tell that apart from an isolated premature beat).
 * All in double precision; each feature is stored as float32.
 */
export interface RRSpec {
  features: RRFeatureName[];
  recordWindow: number;
  localWindow: number;
  clampMin: number;
  clampMax: number;
}

/**
 * RR features over the running median RR, and the record's irregularity, read by the S-vs-N gate of an ensemble (src/train/ensemble/sveb-gate.ts),
 * never by a model: 'pre/recordMedian' = pre_k / med_k and 'post/recordMedian' = post_k / med_k, with pre and post
 * as above (clamped) and med_k the upper median (sorted[⌊m/2⌋]) of the last m ≤ MEDIAN_RR.window pre-RRs of at
 * least MEDIAN_RR.minRR seconds up to and including beat k (med_k = pre_k until there is one): causal, label-free,
 * and unmoved by a run of premature beats that would pull an average down. Shorter intervals (above 200 bpm) are
 * not a rhythm's beats but flutter waves or false detections: record 207's flutter episode, counted in, sets the
 * median for minutes after it. On DS1 (leave one record out) these features raise the gate's S F1 over the
 * record-average ratios (docs/RESULTS.md, "S beats across patients").
 */
export const GATE_RR_FEATURE_NAMES = ['pre/recordMedian', 'post/recordMedian', 'recordIrregularity'] as const;
export type GateRRFeatureName = (typeof GATE_RR_FEATURE_NAMES)[number];
/**
 * 'recordIrregularity' (also read by the gate only): the 'irregularity' feature above with localWindow replaced by
 * RECORD_IRREGULARITY_WINDOW, for both the average that p = pre / avg uses and the running mean of |p_k − p_{k−1}|:
 * how irregular the patient's rhythm has been over the last ~3000 beats (atrial fibrillation, frequent ectopy), where
 * 'irregularity' looks at the last ~10. MIT-BIH records have at most ~3400 beats, so on them it is close to a mean
 * since the record's start. On DS1 (leave one record out) longer windows did better up to this one
 * (scripts/sveb-evidence.mjs).
 */
export const RECORD_IRREGULARITY_WINDOW = 3000;
/**
 * The running median RR: the last `window` pre-RRs of at least `minRR` s. Both chosen on DS1 out of record
 * (scripts/sveb-evidence.mjs): window 512 kept the gain that 128 lost; minRR 0.3 and 0.35 s keep it, 0.25 s lets
 * 207's flutter waves in and loses it, 0.4 s and more lose part of it.
 */
export const MEDIAN_RR = { window: 512, minRR: 0.3 } as const;

/** The settings of every gate-only RR feature, as a gate records them: one that reads other values must be rebuilt. */
export const GATE_RR_SETTINGS = { median: MEDIAN_RR, irregularityWindow: RECORD_IRREGULARITY_WINDOW } as const;

/** Channels of the beat input: the z-scored window, and that window minus the stream's running template. */
export const BEAT_CHANNEL_NAMES = ['beat', 'beat-template'] as const;
export type BeatChannelName = (typeof BEAT_CHANNEL_NAMES)[number];

/** The beat channels of a spec (['beat'] when the spec predates channels). */
export function beatChannels(spec: InputSpec): BeatChannelName[] {
  return spec.channels ?? ['beat'];
}

export interface ModelSpec {
  kind: 'ecg-edge-model-spec';
  version: 1;
  arch: ArchName;
  classes: ClassName[];
  input: InputSpec;
  /** Tensor names and shapes of the Layers model. */
  inputs: { beat: [number, number]; rr: [number] };
  protocol?: string;
  seed?: number;
  loss?: string;
  gan?: boolean;
  params?: number;
  createdAt?: string;
}

/** The input spec every shipped model uses (justified in docs/TRAINING.md). */
export function defaultInputSpec(fs = 360): InputSpec {
  const decimation = fs >= 300 ? 2 : 1;
  const fsModel = fs / decimation;
  // 0.27 s before R (P wave and PR segment) and 0.44 s from R (QRS, ST, T wave) at 180 Hz: 48 + 80 = 128.
  const before = Math.round(0.2667 * fsModel);
  const after = Math.round(0.4445 * fsModel);
  return {
    fs,
    filter: { name: 'ecgClean', mains: 60 },
    decimation,
    fsModel,
    before,
    after,
    length: before + after,
    beforeSamples: before * decimation,
    afterSamples: after * decimation,
    normalization: { kind: 'zscore-per-beat', eps: 1e-3 },
    rr: {
      features: [...RR_FEATURE_NAMES],
      recordWindow: 300,
      localWindow: 10,
      clampMin: 0.15,
      clampMax: 3.0,
    },
    channels: ['beat', 'beat-template'],
    template: { window: 16 },
  };
}

export function makeSpec(arch: ArchName, input: InputSpec, extra: Partial<ModelSpec> = {}): ModelSpec {
  return {
    kind: 'ecg-edge-model-spec',
    version: 1,
    arch,
    classes: [...CLASS_NAMES],
    input,
    inputs: { beat: [input.length, beatChannels(input).length], rr: [input.rr.features.length] },
    ...extra,
  };
}

export function checkSpec(x: unknown, where: string): ModelSpec {
  const s = x as ModelSpec;
  if (!s || s.kind !== 'ecg-edge-model-spec') throw new Error(`${where}: not an ecg-edge model spec (missing kind 'ecg-edge-model-spec')`);
  if (s.version !== 1) throw new Error(`${where}: unsupported spec version ${s.version} (this build reads version 1)`);
  if (!s.input || !Number.isInteger(s.input.length) || s.input.length !== s.input.before + s.input.after) {
    throw new Error(`${where}: input window is inconsistent (length must equal before + after)`);
  }
  for (const f of s.input.rr?.features ?? []) {
    if (!(RR_FEATURE_NAMES as readonly string[]).includes(f)) throw new Error(`${where}: unknown RR feature '${f}' (this build knows ${RR_FEATURE_NAMES.join(', ')})`);
  }
  const ch = beatChannels(s.input);
  for (const c of ch) {
    if (!(BEAT_CHANNEL_NAMES as readonly string[]).includes(c)) throw new Error(`${where}: unknown beat channel '${c}' (this build knows ${BEAT_CHANNEL_NAMES.join(', ')})`);
  }
  if (ch.includes('beat-template') && !(Number.isInteger(s.input.template?.window) && s.input.template!.window >= 1)) {
    throw new Error(`${where}: channel 'beat-template' needs template.window, an integer ≥ 1`);
  }
  return s;
}
