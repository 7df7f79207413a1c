// ecgClean: the device's fixed-point cleaning filter (the one the streaming Pipeline runs: 50/60 Hz notch,
// 40 Hz linear-phase low-pass, baseline removal), delay-compensated so output[i] is aligned with input[i],
// in ADC units. The start primes the filters with the first sample; the end holds the last sample.
import { checkFs, checkMains, checkOptions, checkSamples } from './validate.js';
import { pipelineNative, type FilterDesignInfo } from './native.js';

export interface CleanOptions { mains?: 50 | 60 }

export function ecgClean(signal: Int16Array | Int32Array, fs: number, opts?: CleanOptions): Float32Array {
  checkSamples(signal, 'signal');
  checkFs(fs);
  const o = checkOptions(opts);
  const mains = checkMains(o.mains, 'opts.mains');
  return pipelineNative().cleanSignal(signal, fs, mains);
}

/** Raw fixed-point output (Q12 = ADC units × 4096), for exactness checks. */
export function ecgCleanQ12(signal: Int16Array | Int32Array, fs: number, opts?: CleanOptions): Int32Array {
  checkSamples(signal, 'signal');
  checkFs(fs);
  const mains = checkMains(checkOptions(opts).mains, 'opts.mains');
  return pipelineNative().cleanSignalQ12(signal, fs, mains);
}

/** The float64 reference of the same filter (exact coefficients, no rounding), delay-compensated. */
export function ecgCleanReference(signal: Int16Array, fs: number, opts?: CleanOptions): Float64Array {
  if (!(signal instanceof Int16Array)) throw new TypeError(`signal: expected an Int16Array, given ${signal}`);
  checkFs(fs);
  const mains = checkMains(checkOptions(opts).mains, 'opts.mains');
  return pipelineNative().referenceClean(signal, fs, mains);
}

/** Filter lengths and delays (samples) for a rate and mains frequency. */
export function filterDesign(fs: number, mains: 50 | 60 = 60): FilterDesignInfo {
  checkFs(fs);
  return pipelineNative().filterDesign(fs, checkMains(mains));
}
