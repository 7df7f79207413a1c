// Beat windows and RR features, exactly as the spec (src/train/spec.ts) defines them. The streaming pipeline
// and the int8 exporter must compute the same numbers; keep this file the single reference.
import { beatChannels, type InputSpec, type RRSpec } from '../spec.js';

/**
 * RR features for beats at `positions` (sample indices at fs, increasing): F = rr.features.length floats per
 * beat, in the spec's order (see RRSpec for each definition).
 */
export function rrFeatures(positions: ArrayLike<number>, fs: number, rr: RRSpec): Float32Array {
  const n = positions.length;
  const F = rr.features.length;
  const out = new Float32Array(n * F);
  if (n === 0) return out;
  const clamp = (v: number) => Math.min(rr.clampMax, Math.max(rr.clampMin, v));
  const interval = (k: number) => clamp((positions[k]! - positions[k - 1]!) / fs); // RR(k−1 → k), k ≥ 1
  let recAvg = 0;
  let locAvg = 0;
  let irr = 0;
  let prevP = 0;
  let seen = 0;
  for (let k = 0; k < n; k++) {
    const pre = k >= 1 ? interval(k) : n >= 2 ? interval(1) : 1;
    const post = k + 1 < n ? interval(k + 1) : pre;
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
