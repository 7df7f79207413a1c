// Beat windows and RR features, exactly as the spec (src/train/spec.ts) defines them. The streaming pipeline
// and the int8 exporter must compute the same numbers; keep this file the single reference.
import type { InputSpec, RRSpec } from '../spec.js';

/**
 * RR features for beats at `positions` (sample indices at fs, increasing): 4 floats per beat,
 * [pre/recordAvg, post/recordAvg, pre/localAvg, post/localAvg] (see RRSpec).
 */
export function rrFeatures(positions: ArrayLike<number>, fs: number, rr: RRSpec): Float32Array {
  const n = positions.length;
  const out = new Float32Array(n * 4);
  if (n === 0) return out;
  const clamp = (v: number) => Math.min(rr.clampMax, Math.max(rr.clampMin, v));
  const interval = (k: number) => clamp((positions[k]! - positions[k - 1]!) / fs); // RR(k−1 → k), k ≥ 1
  let recAvg = 0;
  let locAvg = 0;
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
    out[4 * k] = pre / recAvg;
    out[4 * k + 1] = post / recAvg;
    out[4 * k + 2] = pre / locAvg;
    out[4 * k + 3] = post / locAvg;
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

/** Model input for beats `idx` of a window table (with `margin`), shifted by `shift[k]` model samples, normalized. */
export function gatherBeats(
  windows: Float32Array,
  margin: number,
  spec: InputSpec,
  idx: ArrayLike<number>,
  shift?: ArrayLike<number>,
): Float32Array {
  const T = spec.length;
  const w = T + 2 * margin;
  const out = new Float32Array(idx.length * T);
  for (let k = 0; k < idx.length; k++) {
    const s = shift ? Math.max(-margin, Math.min(margin, shift[k]!)) : 0;
    const src = idx[k]! * w + margin + s;
    out.set(windows.subarray(src, src + T), k * T);
    normalizeBeat(out, k * T, T, spec.normalization.eps);
  }
  return out;
}
