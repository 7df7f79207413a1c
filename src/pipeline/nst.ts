// Noise stress test in the pattern of the MIT-BIH Noise Stress Test Database (nstdb) and WFDB's `nst`:
// a clean record plus calibrated noise from a noise record (bw, em or ma), noise-free for the first 5 minutes,
// then alternately 2 minutes noisy and 2 minutes clean until the end. The noise gain a is set so that the SNR
// during noisy segments equals the requested value, with nst's definitions (WFDB Applications Guide, nst(1)):
//   - signal power S: peak-to-peak amplitude of each reference QRS (here: within ±60 ms of the annotation),
//     largest and smallest 5% of the measurements discarded, S = (mean pp)^2 / 8 (a sinusoid's power for that
//     peak-to-peak amplitude);
//   - noise power N: mean square of the noise (its mean removed) in 1-second chunks, largest and smallest 5%
//     of the chunks discarded, N = mean of the rest;
//   - a = sqrt(S / (N · 10^(SNR/10))). When the gain changes, an offset b cancels the step in the output
//     (b += (a_old − a_new) · noise[t]), as nst does.
// Output samples are clean + a·noise + b, rounded to integers (Int16, saturated).
import type { Annotation } from '../wfdb/index.js';
import { isBeatCode } from '../wfdb/index.js';

export interface NoiseStressOptions {
  fs: number;
  snrDb: number;
  /** Learning period without noise, seconds (default 300). */
  cleanStart?: number;
  /** Length of each noisy / clean segment after it, seconds (default 120). */
  segment?: number;
}

function trimmedMean(xs: number[], frac = 0.05): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.floor(s.length * frac);
  const kept = s.slice(k, s.length - k);
  if (kept.length === 0) throw new RangeError('noise stress test: not enough measurements for the SNR calibration');
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** Signal power of an ECG as nst measures it, from its reference beat annotations. */
export function qrsSignalPower(ecg: ArrayLike<number>, ann: Annotation[], fs: number): number {
  const half = Math.round(0.06 * fs);
  const pps: number[] = [];
  for (const a of ann) {
    if (!isBeatCode(a.code)) continue;
    const lo = a.sample - half, hi = a.sample + half;
    if (lo < 0 || hi >= ecg.length) continue;
    let mn = Infinity, mx = -Infinity;
    for (let i = lo; i <= hi; i++) { const v = ecg[i]; if (v < mn) mn = v; if (v > mx) mx = v; }
    pps.push(mx - mn);
  }
  const pp = trimmedMean(pps);
  return (pp * pp) / 8;
}

/** Noise power as nst measures it: 1-s chunks, mean removed, trimmed mean of the mean squares. */
export function noisePower(noise: ArrayLike<number>, fs: number): number {
  const ms: number[] = [];
  for (let s = 0; s + fs <= noise.length; s += fs) {
    let m = 0;
    for (let i = s; i < s + fs; i++) m += noise[i];
    m /= fs;
    let q = 0;
    for (let i = s; i < s + fs; i++) q += (noise[i] - m) ** 2;
    ms.push(q / fs);
  }
  return trimmedMean(ms);
}

/** The noisy record: clean + gain · noise (+ step-cancelling offset) in the nstdb pattern. */
export function addNoiseStress(clean: Int16Array, noise: Int16Array, ann: Annotation[], opts: NoiseStressOptions): { signal: Int16Array; gain: number } {
  const { fs, snrDb } = opts;
  const start = Math.round((opts.cleanStart ?? 300) * fs);
  const seg = Math.round((opts.segment ?? 120) * fs);
  const S = qrsSignalPower(clean, ann, fs);
  const N = noisePower(noise, fs);
  const gain = Math.sqrt(S / (N * 10 ** (snrDb / 10)));
  const out = new Int16Array(clean.length);
  let a = 0, b = 0;
  for (let i = 0; i < clean.length; i++) {
    const nz = noise[i % noise.length];
    if (i >= start && (i - start) % seg === 0) {
      const noisy = Math.floor((i - start) / seg) % 2 === 0;
      const aNew = noisy ? gain : 0;
      b += (a - aNew) * nz;
      a = aNew;
    }
    const v = Math.round(clean[i] + a * nz + b);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return { signal: out, gain };
}
