// Beat windows and RR features, exactly as the spec (src/train/spec.ts) defines them. The streaming pipeline
// and the int8 exporter must compute the same numbers; keep this file the single reference.
import { beatChannels, GATE_RR_FEATURE_NAMES, GATE_RR_SETTINGS, MEDIAN_RR, type InputSpec, type RRSpec } from '../spec.js';

/**
 * Beat k's pre- and post-RR in seconds, clamped to [clampMin, clampMax] (see RRSpec): pre = RR(k−1 → k), the first
 * beat using its post-RR; post = RR(k → k+1), the last beat using its pre-RR.
 */
function prePost(positions: ArrayLike<number>, fs: number, rr: Pick<RRSpec, 'clampMin' | 'clampMax'>, k: number): [number, number] {
  const n = positions.length;
  const interval = (j: number) => Math.min(rr.clampMax, Math.max(rr.clampMin, (positions[j]! - positions[j - 1]!) / fs)); // RR(j−1 → j)
  const pre = k >= 1 ? interval(k) : n >= 2 ? interval(1) : 1;
  return [pre, k + 1 < n ? interval(k + 1) : pre];
}

/**
 * RR features for beats at `positions` (sample indices at fs, increasing): F = rr.features.length floats per
 * beat, in the spec's order (see RRSpec for each definition).
 */
export function rrFeatures(positions: ArrayLike<number>, fs: number, rr: RRSpec): Float32Array {
  const n = positions.length;
  const F = rr.features.length;
  const out = new Float32Array(n * F);
  if (n === 0) return out;
  let recAvg = 0;
  let locAvg = 0;
  let irr = 0;
  let prevP = 0;
  let seen = 0;
  for (let k = 0; k < n; k++) {
    const [pre, post] = prePost(positions, fs, rr, k);
    seen++;
    if (seen === 1) {
      recAvg = pre;
      locAvg = pre;
    } else {
      recAvg += (pre - recAvg) / Math.min(seen, rr.recordWindow);
      locAvg += (pre - locAvg) / Math.min(seen, rr.localWindow);
    }
    const p = pre / locAvg;
    const d = seen === 1 ? 0 : Math.abs(p - prevP);
    irr += (d - irr) / Math.min(seen, rr.localWindow);
    prevP = p;
    for (let f = 0; f < F; f++) {
      let v: number;
      switch (rr.features[f]!) {
        case 'pre/recordAvg': v = pre / recAvg; break;
        case 'post/recordAvg': v = post / recAvg; break;
        case 'pre/localAvg': v = p; break;
        case 'post/localAvg': v = post / locAvg; break;
        case 'irregularity': v = irr; break;
        case 'post/pre': v = post / pre; break;
        default: throw new Error(`unknown RR feature '${String(rr.features[f])}'`);
      }
      out[k * F + f] = v;
    }
  }
  return out;
}

/**
 * The median RR features (see spec.ts) for beats at `positions`: n rows of
 * [pre/recordMedian, post/recordMedian], pre and post clamped as in rrFeatures. The running median keeps the last
 * `median.window` pre-RRs of at least `median.minRR` s in a ring and the same values sorted: O(window) per beat,
 * no allocation after the start.
 */
export function medianRRFeatures(
  positions: ArrayLike<number>,
  fs: number,
  rr: Pick<RRSpec, 'clampMin' | 'clampMax'>,
  median: { window: number; minRR: number } = MEDIAN_RR,
): Float32Array {
  const n = positions.length;
  const out = new Float32Array(n * 2);
  if (n === 0) return out;
  const { window, minRR } = median;
  if (!(Number.isInteger(window) && window >= 1)) throw new Error(`median RR window must be an integer ≥ 1, got ${window}`);
  if (!(minRR >= 0)) throw new Error(`median RR minRR must be a number of seconds ≥ 0, got ${minRR}`);
  const ring = new Float64Array(window);
  const sorted = new Float64Array(window);
  let m = 0; // values in the window
  let added = 0; // values ever added (ring position)
  // index of the first sorted value ≥ v (among the first m)
  const lowerBound = (v: number) => {
    let lo = 0, hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let k = 0; k < n; k++) {
    const [pre, post] = prePost(positions, fs, rr, k);
    if (pre >= minRR) {
      const slot = added % window;
      if (m === window) {
        const at = lowerBound(ring[slot]!);
        sorted.copyWithin(at, at + 1, m);
        m--;
      }
      ring[slot] = pre;
      const at = lowerBound(pre);
      sorted.copyWithin(at + 1, at, m);
      sorted[at] = pre;
      m++;
      added++;
    }
    const med = m > 0 ? sorted[m >> 1]! : pre;
    out[2 * k] = pre / med;
    out[2 * k + 1] = post / med;
  }
  return out;
}

/**
 * The gate's RR features (GATE_RR_FEATURE_NAMES, see spec.ts) for beats at `positions`: n rows of 3, computed with
 * `settings` (the shipped GATE_RR_SETTINGS unless a study compares others). Only an ensemble's S-vs-N gate reads
 * them; the device's stream (native/core/classify) does not compute them.
 */
export function gateRRFeatures(
  positions: ArrayLike<number>,
  fs: number,
  rr: RRSpec,
  settings: { median: { window: number; minRR: number }; irregularityWindow: number } = GATE_RR_SETTINGS,
): Float32Array {
  const n = positions.length, W = GATE_RR_FEATURE_NAMES.length;
  const median = medianRRFeatures(positions, fs, rr, settings.median);
  const irr = rrFeatures(positions, fs, { ...rr, features: ['irregularity'], localWindow: settings.irregularityWindow });
  const out = new Float32Array(n * W);
  for (let k = 0; k < n; k++) {
    out[k * W] = median[2 * k]!;
    out[k * W + 1] = median[2 * k + 1]!;
    out[k * W + 2] = irr[k]!;
  }
  return out;
}

/**
 * Rows of the RR features `names`, in that order, for n beats: each one from a model's RR features (`rr`, whose
 * columns `features` names) or from the gate's RR features (`gate`, n rows of GATE_RR_FEATURE_NAMES).
 */
export function rrColumns(rr: Float32Array, features: readonly string[], gate: Float32Array, names: readonly string[]): Float32Array {
  const W = GATE_RR_FEATURE_NAMES.length;
  const n = gate.length / W, F = features.length, G = names.length;
  if (rr.length !== n * F) throw new Error(`rrColumns: ${rr.length} RR values for ${n} beats of ${F} features`);
  const src = names.map((name) => {
    const f = features.indexOf(name);
    if (f >= 0) return { from: rr, width: F, col: f };
    const mf = (GATE_RR_FEATURE_NAMES as readonly string[]).indexOf(name);
    if (mf >= 0) return { from: gate, width: W, col: mf };
    throw new Error(`RR feature '${name}' is neither one of the model's (${features.join(', ')}) nor one of ${GATE_RR_FEATURE_NAMES.join(', ')}`);
  });
  const out = new Float32Array(n * G);
  for (let i = 0; i < n; i++) src.forEach((s, g) => { out[i * G + g] = s.from[i * s.width + s.col]!; });
  return out;
}

/**
 * The running beat template of the 'beat-template' channel (see InputSpec.channels), in float32 arithmetic
 * exactly as the device computes it: `diff(z, out)` writes z − tpl (tpl before this beat), then `update(z)`.
 */
export class BeatTemplate {
  private readonly tpl: Float32Array;
  private m = 0;
  constructor(readonly length: number, readonly window: number) {
    this.tpl = new Float32Array(length);
  }
  reset(): void {
    this.m = 0;
  }
  /** The current template (a copy). Before the first beat, the first beat itself is the template. */
  current(z: ArrayLike<number>, zOff = 0): Float32Array {
    if (this.m === 0) return Float32Array.from({ length: this.length }, (_, t) => z[zOff + t]!);
    return this.tpl.slice();
  }
  /** Adds beat z (normalized, float32 values) to the template. */
  update(z: ArrayLike<number>, zOff = 0): void {
    const f = Math.fround;
    if (this.m === 0) for (let t = 0; t < this.length; t++) this.tpl[t] = z[zOff + t]!;
    this.m++;
    const div = Math.min(this.m, this.window);
    for (let t = 0; t < this.length; t++) {
      const cur = this.tpl[t]!;
      this.tpl[t] = f(cur + f(f(z[zOff + t]! - cur) / div));
    }
  }
}

/**
 * Templates of every beat of a record in order (row k = the template before beat k, n rows of spec.length),
 * from the unshifted normalized windows; null when the spec has no 'beat-template' channel.
 */
export function recordTemplates(windows: Float32Array, margin: number, spec: InputSpec, n: number): Float32Array | null {
  if (!beatChannels(spec).includes('beat-template')) return null;
  const T = spec.length;
  const z = gatherBeats(windows, margin, { ...spec, channels: ['beat'] }, Int32Array.from({ length: n }, (_, i) => i));
  const tpl = new BeatTemplate(T, spec.template!.window);
  const out = new Float32Array(n * T);
  for (let k = 0; k < n; k++) {
    out.set(tpl.current(z, k * T), k * T);
    tpl.update(z, k * T);
  }
  return out;
}

/**
 * Raw (filtered, not yet normalized) beat windows at the model rate, with `margin` extra model samples on each
 * side for jitter augmentation: row k has length + 2·margin values, value j = clean[r + D·(j − margin − before)],
 * indices clamped to the record.
 */
export function beatWindows(clean: Float32Array, positions: ArrayLike<number>, spec: InputSpec, margin = 0): Float32Array {
  const w = spec.length + 2 * margin;
  const out = new Float32Array(positions.length * w);
  const last = clean.length - 1;
  for (let k = 0; k < positions.length; k++) {
    const r = positions[k]!;
    const base = r - spec.decimation * (margin + spec.before);
    for (let j = 0; j < w; j++) {
      let idx = base + spec.decimation * j;
      if (idx < 0) idx = 0;
      else if (idx > last) idx = last;
      out[k * w + j] = clean[idx]!;
    }
  }
  return out;
}

/** Per-beat z-score in place over dst[0..len): (x − mean) / max(std, eps). */
export function normalizeBeat(dst: Float32Array, off: number, len: number, eps: number): void {
  let s = 0;
  for (let i = 0; i < len; i++) s += dst[off + i]!;
  const mean = s / len;
  let v = 0;
  for (let i = 0; i < len; i++) {
    const d = dst[off + i]! - mean;
    v += d * d;
  }
  const sd = Math.max(Math.sqrt(v / len), eps);
  for (let i = 0; i < len; i++) dst[off + i] = (dst[off + i]! - mean) / sd;
}

/**
 * Model input for beats `idx` of a window table (with `margin`), shifted by `shift[k]` model samples,
 * normalized: n × length × C values (time-major, C = the spec's beat channels). The 'beat-template' channel
 * needs `templates` (recordTemplates rows of the same beats, indexed like the windows).
 */
export function gatherBeats(
  windows: Float32Array,
  margin: number,
  spec: InputSpec,
  idx: ArrayLike<number>,
  shift?: ArrayLike<number>,
  templates?: Float32Array | null,
): Float32Array {
  const T = spec.length;
  const w = T + 2 * margin;
  const ch = beatChannels(spec);
  const C = ch.length;
  const z = new Float32Array(T);
  const out = new Float32Array(idx.length * T * C);
  for (let k = 0; k < idx.length; k++) {
    const s = shift ? Math.max(-margin, Math.min(margin, shift[k]!)) : 0;
    const src = idx[k]! * w + margin + s;
    z.set(windows.subarray(src, src + T));
    normalizeBeat(z, 0, T, spec.normalization.eps);
    for (let c = 0; c < C; c++) {
      if (ch[c] === 'beat') {
        for (let t = 0; t < T; t++) out[(k * T + t) * C + c] = z[t]!;
      } else {
        if (!templates) throw new Error("gatherBeats: the spec has a 'beat-template' channel but no templates were given");
        const o = idx[k]! * T;
        for (let t = 0; t < T; t++) out[(k * T + t) * C + c] = Math.fround(z[t]! - templates[o + t]!);
      }
    }
  }
  return out;
}
