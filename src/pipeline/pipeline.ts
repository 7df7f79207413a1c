// Streaming signal path: push ADC blocks (any size, one or more interleaved channels), get the filtered
// samples, R-peak events and per-second signal quality. Bit-exact whatever the block sizes.
import { pipelineNative } from './native.js';
import { checkFs, checkInt, checkMains, checkOptions, checkSamples, describe, MAX_CHANNELS } from './validate.js';

/** Per-second signal-quality flags (bit mask). 0 = good. */
export const QUALITY = { LEAD_OFF: 1, FLAT: 2, SATURATION: 4, NOISE: 8 } as const;

export interface PeakEvent {
  /** Input-time index (in frames since the start of the stream) of the R peak. */
  sample: number;
  /** Signed amplitude of the 4–40 Hz band signal at the peak, ADC units (negative: inverted complex). */
  amplitude: number;
  /** QUALITY flags of the last completed second when the event was emitted (0 = good signal). */
  quality: number;
  channel: number;
  /** Input-time index of the sample whose push produced the event: latency = emitted - sample. */
  emitted: number;
  /** Found by searchback (half threshold) rather than the main threshold. */
  searchback: boolean;
}

export interface QualityReport { second: number; channel: number; flags: number }

export interface PipelineOutput {
  /** Filtered samples (ADC units), interleaved by channel, for input times start .. start + frames - 1. */
  filtered: Float32Array;
  /** The same samples in the pipeline's raw fixed point (Q12: ADC units × 4096). */
  filteredQ12: Int32Array;
  /** Input-time index (frame) of filtered[0]. */
  start: number;
  peaks: PeakEvent[];
  quality: QualityReport[];
}

export interface PipelineOptions {
  /** Sampling rate of the input, 125–1000 Hz (integer). */
  fs: number;
  /** Interleaved channels per frame, 1–8 (default 1). */
  channels?: number;
  /** Powerline frequency to notch, 50 or 60 Hz (default 60). */
  mains?: 50 | 60;
  /** ADC codes at or beyond which a sample counts as saturated (default the int16 range). */
  rails?: [number, number];
  /** Front-end gain in ADC units per mV, for the quality thresholds (default 200, as MIT-BIH). */
  adcPerMv?: number;
}

/** Largest block accepted by one push(), in samples (all channels). */
export const MAX_BLOCK = 1 << 24;

interface NativePipelineObject {
  push(block: Int16Array | Int32Array): RawOutput;
  flush(): RawOutput;
  reset(): void;
  close(): void;
  info(): { delay: number; detectorLag: number; flushFrames: number; framesIn: number };
  configure(fs: number, channels: number, mains: number, railLo: number, railHi: number, adcPerMv: number): void;
}
interface RawOutput { filtered: Int32Array; start: number; peaks: PeakEvent[]; quality: QualityReport[] }
type NativeCtor = new (fs: number, channels: number, mains: number, railLo: number, railHi: number, adcPerMv: number) => NativePipelineObject;

const Q12 = 1 / 4096;

function toFloat(q: Int32Array): Float32Array {
  const f = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) f[i] = q[i] * Q12;
  return f;
}

function wrap(raw: RawOutput): PipelineOutput {
  const q = raw.filtered;
  let f: Float32Array | undefined;
  // `filtered` is converted on first access (callers that only want peaks pay nothing for it).
  return {
    get filtered() { return (f ??= toFloat(q)); },
    filteredQ12: q, start: raw.start, peaks: raw.peaks, quality: raw.quality,
  };
}

interface Resolved { fs: number; channels: number; mains: 50 | 60; lo: number; hi: number; adcPerMv: number }

function resolveOptions(opts: unknown): Resolved {
  if (opts === undefined) throw new TypeError('opts: expected { fs, channels?, mains?, rails?, adcPerMv? }, given undefined');
  const o = checkOptions(opts, 'opts');
  const fs = checkFs(o.fs, 'opts.fs');
  const channels = checkInt(o.channels, 'opts.channels', 1, MAX_CHANNELS, 1);
  const mains = checkMains(o.mains, 'opts.mains');
  let lo = -32768, hi = 32767;
  if (o.rails !== undefined) {
    const r = o.rails;
    if (!Array.isArray(r) || r.length !== 2) throw new TypeError(`opts.rails: expected [low, high] ADC codes, given ${describe(r)}`);
    lo = checkInt(r[0], 'opts.rails[0]', -32768, 32767);
    hi = checkInt(r[1], 'opts.rails[1]', -32768, 32767);
    if (lo >= hi) throw new RangeError(`opts.rails: expected low < high, given [${lo}, ${hi}]`);
  }
  const adcPerMv = checkInt(o.adcPerMv, 'opts.adcPerMv', 1, 1_000_000, 200);
  return { fs, channels, mains, lo, hi, adcPerMv };
}

export class Pipeline {
  #fs = 0;
  #channels = 1;
  #mains: 50 | 60 = 60;
  #delay = 0;
  #detectorLag = 0;
  #native: NativePipelineObject | null;

  constructor(opts: PipelineOptions) {
    const r = resolveOptions(opts);
    const Ctor = (pipelineNative() as unknown as { NativePipeline: NativeCtor }).NativePipeline;
    this.#native = new Ctor(r.fs, r.channels, r.mains, r.lo, r.hi, r.adcPerMv);
    this.#apply(r);
  }

  #apply(r: Resolved): void {
    this.#fs = r.fs;
    this.#channels = r.channels;
    this.#mains = r.mains;
    const info = this.#native!.info();
    this.#delay = info.delay;
    this.#detectorLag = info.detectorLag;
  }

  /** Input sampling rate, Hz. */
  get fs(): number { return this.#fs; }
  /** Interleaved channels per frame. */
  get channels(): number { return this.#channels; }
  /** Notched powerline frequency, Hz. */
  get mains(): 50 | 60 { return this.#mains; }
  /** Delay of the filtered output, in frames: the filtered sample for input time t comes out with input t + delay. */
  get delay(): number { return this.#delay; }
  /** Delay from an R peak to its confirmation (upper bound without searchback), in frames, after the FIR delay. */
  get detectorLag(): number { return this.#detectorLag; }

  /** New configuration (rate, channels, mains, rails, gain): the state is reset, the next push starts at 0. */
  reconfigure(opts: PipelineOptions): void {
    const n = this.#alive('reconfigure');
    const r = resolveOptions(opts);
    n.configure(r.fs, r.channels, r.mains, r.lo, r.hi, r.adcPerMv);
    this.#apply(r);
  }

  #alive(method: string): NativePipelineObject {
    if (!this.#native) throw new TypeError(`Pipeline.${method}: the pipeline is closed; create a new Pipeline`);
    return this.#native;
  }

  /** Pushes interleaved frames (length a non-zero multiple of channels, at most MAX_BLOCK samples). */
  push(block: Int16Array | Int32Array): PipelineOutput {
    const n = this.#alive('push');
    checkSamples(block, 'block');
    if (block.length === 0) throw new RangeError(`block: expected at least one frame (${this.#channels} sample${this.#channels > 1 ? 's' : ''}), given an empty ${block.constructor.name}`);
    if (block.length > MAX_BLOCK) throw new RangeError(`block: expected at most ${MAX_BLOCK} samples per push, given ${block.length}`);
    if (block.length % this.channels !== 0)
      throw new RangeError(`block: expected a length that is a multiple of channels (${this.channels}), given ${block.length}`);
    return wrap(n.push(block));
  }

  /** Ends the stream: outputs the last `delay` filtered frames and the last events, then resets (next push starts at 0). */
  flush(): PipelineOutput {
    return wrap(this.#alive('flush').flush());
  }

  /** Forgets the stream (state, pending events); the configuration is kept. Next push starts at sample 0. */
  reset(): void {
    this.#alive('reset').reset();
  }

  /** Releases the native state. Every later call throws. */
  close(): void {
    if (this.#native) this.#native.close();
    this.#native = null;
  }

  get closed(): boolean {
    return this.#native === null;
  }
}
