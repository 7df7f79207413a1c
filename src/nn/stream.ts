// Streaming classification on the device: samples → fixed-point filter → R peak (src/pipeline, native) →
// beat window + RR features → int8 model (native/core/classify BeatStream) → label with probabilities.
// tfjs-free. Each labelled beat carries its latency: the input sample index at which its label was produced
// minus its R-peak index. The bound: the next R peak (post-RR, at most rr clampMax s away) or the end of the
// window, plus the detector's latency.
import { Pipeline, type PipelineOptions, type PipelineOutput, type QualityReport } from '../pipeline/index.js';
import { loadNative } from '../native/binding.js';
import type { Int8Classifier } from './index.js';

export interface LabelledBeat {
  /** Input-time index of the R peak. */
  sample: number;
  label: number;
  className: string;
  probs: Float32Array;
  /** The RR features the model saw (the model's spec.rr.features, in order). */
  rr: Float32Array;
  /** Samples from the R peak to the label (input time at which the label was produced − sample). */
  latency: number;
}

interface NativeStream {
  nnStreamCreate(model: unknown, latency: number): unknown;
  nnStreamPush(stream: unknown, q12: Int32Array, start: number, peaks: Float64Array, optimized: boolean, flush: boolean):
    { status: number; message?: string; sample: Float64Array; emitted: Float64Array; label: Int32Array; probs: Float32Array; rr: Float32Array };
  nnStreamReset(stream: unknown): number;
}

export class StreamClassifier {
  readonly clf: Int8Classifier;
  readonly pipeline: Pipeline;
  /** Detector latency margin given to the beat stream (samples). */
  readonly detectorLatency: number;
  /** Worst-case R-peak-to-label latency in samples (no next beat within the RR clamp). */
  readonly latencyBound: number;
  private stream: unknown;
  private nn: NativeStream;
  private closed = false;
  quality: QualityReport[] = [];

  /**
   * `pipeline` passes the front end's saturation rails and gain to the signal path (a board's monitor does);
   * the input rate is always the model's.
   */
  constructor(clf: Int8Classifier, opts: { mains?: 50 | 60; pipeline?: Omit<PipelineOptions, 'fs' | 'mains' | 'channels'> } = {}) {
    this.clf = clf;
    const fs = clf.spec.fs;
    this.pipeline = new Pipeline({ ...opts.pipeline, fs, mains: opts.mains ?? clf.spec.filter.mains });
    // Main-threshold confirmations come within detectorLag; searchback can take longer: allow 2 s more.
    this.detectorLatency = this.pipeline.delay + this.pipeline.detectorLag + 2 * fs;
    this.latencyBound = Math.max(clf.spec.afterSamples, Math.ceil(clf.spec.rr.clampMax * fs)) + this.detectorLatency;
    this.nn = loadNative() as unknown as NativeStream;
    const h = this.nn.nnStreamCreate((clf as unknown as { handle: unknown }).handle, this.detectorLatency);
    if (h && typeof h === 'object' && (h as { ok?: boolean }).ok === false) throw new Error(`StreamClassifier: ${(h as { message: string }).message}`);
    this.stream = h;
  }

  /** Pushes a block of ADC samples (one channel); returns the beats labelled during this block. */
  push(block: Int16Array | Int32Array): LabelledBeat[] {
    if (this.closed) throw new Error('StreamClassifier: push() after close()');
    const out = this.pipeline.push(block);
    this.quality.push(...out.quality);
    return this.feed(out.filteredQ12, out.start, out.peaks.map((p) => p.sample), false);
  }

  /**
   * Labels the beats of an output that the caller got from `this.pipeline` itself (push or flush, with
   * `flush` true for the last one), for callers that also need the peaks and quality reports.
   */
  classify(out: PipelineOutput, flush = false): LabelledBeat[] {
    if (this.closed) throw new Error('StreamClassifier: classify() after close()');
    return this.feed(out.filteredQ12, out.start, out.peaks.map((p) => p.sample), flush);
  }

  /** Ends the stream: flushes the filter and labels every remaining beat. */
  flush(): LabelledBeat[] {
    if (this.closed) throw new Error('StreamClassifier: flush() after close()');
    const out = this.pipeline.flush();
    return this.feed(out.filteredQ12, out.start, out.peaks.map((p) => p.sample), true);
  }

  /**
   * Starts a new stream (after a gap in the signal): the filter, the detector, the RR averages, the rhythm
   * irregularity and the running beat template all start again. Sample indices restart at 0.
   */
  reset(): void {
    if (this.closed) throw new Error('StreamClassifier: reset() after close()');
    this.pipeline.reset();
    this.nn.nnStreamReset(this.stream);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pipeline.close();
    this.stream = null;
  }

  private feed(q12: Int32Array, start: number, peaks: number[], flush: boolean): LabelledBeat[] {
    const r = this.nn.nnStreamPush(this.stream, q12, start, Float64Array.from(peaks), true, flush);
    if (r.status !== 0) throw new Error(`StreamClassifier: native beat stream failed (status ${r.status}${r.message ? `: ${r.message}` : ''})`);
    const C = this.clf.nClasses, R = this.clf.spec.rr.features.length;
    return Array.from(r.sample, (s, i) => ({
      sample: s,
      label: r.label[i]!,
      className: this.clf.classes[r.label[i]!]!,
      probs: r.probs.slice(i * C, (i + 1) * C),
      rr: r.rr.slice(i * R, (i + 1) * R),
      latency: r.emitted[i]! - s,
    }));
  }
}
