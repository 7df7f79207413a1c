// The signal conditioning used for training: the device's fixed-point filter, ecgClean from src/pipeline
// (native-detect engineer), so that the model trains on what the device sees.
import type { InputSpec } from '../spec.js';

export type CleanFn = (signal: Int16Array, fs: number, opts?: { mains?: 50 | 60 }) => Float32Array;

let cached: CleanFn | undefined;

/** Resolves ecgClean from src/pipeline; a clear error when that module is missing or does not export it. */
export async function loadEcgClean(): Promise<CleanFn> {
  if (cached) return cached;
  if (process.env.ECG_EDGE_TRAIN_FILTER === 'provisional') {
    // Development only (model exploration before src/pipeline existed): a float approximation of the device
    // filter. Models trained with it are marked in their spec and are never shipped.
    console.error('dataset: WARNING: using the provisional float filter (ECG_EDGE_TRAIN_FILTER=provisional), not the device filter');
    cached = provisionalClean;
    return cached;
  }
  const spec = '../../pipeline/index.js';
  let mod: { ecgClean?: CleanFn };
  try {
    mod = (await import(spec)) as { ecgClean?: CleanFn };
  } catch (err) {
    throw new Error(
      `the device filter ecgClean (src/pipeline) could not be loaded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}. ` +
        'Build the project (npx tsc, npm run build:native) so that dist/pipeline/index.js and the native addon exist.',
    );
  }
  if (typeof mod.ecgClean !== 'function') throw new Error('src/pipeline does not export ecgClean(signal, fs, opts)');
  cached = mod.ecgClean;
  return cached;
}

export async function cleanSignal(signal: Int16Array, fs: number, spec: InputSpec): Promise<Float32Array> {
  const f = await loadEcgClean();
  const out = f(signal, fs, { mains: spec.filter.mains });
  if (out.length !== signal.length) throw new Error(`ecgClean returned ${out.length} samples for ${signal.length} input samples (must be delay-compensated, same length)`);
  return out;
}

/** Float approximation of the device filter (40 Hz windowed-sinc low-pass, two-boxcar baseline removal). */
export function provisionalClean(signal: Int16Array, fs: number): Float32Array {
  const n = signal.length;
  const half = Math.round(0.03 * fs);
  const taps: number[] = [];
  let sum = 0;
  for (let k = -half; k <= half; k++) {
    const w = 0.54 + 0.46 * Math.cos((Math.PI * k) / half);
    const x = (2 * 40) / fs;
    const h = k === 0 ? x : Math.sin(Math.PI * x * k) / (Math.PI * k);
    taps.push(w * h);
    sum += w * h;
  }
  const lp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let k = -half; k <= half; k++) a += taps[k + half]! * signal[Math.min(n - 1, Math.max(0, i + k))]!;
    lp[i] = a / sum;
  }
  const box = (x: Float64Array, len: number) => {
    const h = (len - 1) >> 1;
    const out = new Float64Array(n);
    let acc = 0;
    const at = (i: number) => x[Math.min(n - 1, Math.max(0, i))]!;
    for (let i = -h; i <= h; i++) acc += at(i);
    for (let i = 0; i < n; i++) {
      out[i] = acc / len;
      acc += at(i + h + 1) - at(i - h);
    }
    return out;
  };
  const base = box(box(lp, (Math.round(0.6 * fs) | 1)), (Math.round(0.5 * fs) | 1));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lp[i]! - base[i]!;
  return out;
}
