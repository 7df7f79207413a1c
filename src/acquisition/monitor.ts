// The live monitor: board samples (BoardLink) -> the native Pipeline (filter, R peaks, signal quality) ->
// heart rate, beat count, signal quality and link health, as a status object and a one-line summary. With an
// int8 model, each beat is also classified (N, S, V, F, Q) by the native beat stream, unless the signal
// quality is poor: beats during lead-off, flat line, saturation or noise are counted but not labelled.
// Gaps are never filled: at a gap the pipeline is flushed and restarted, and its sample indices are offset
// so that every peak keeps its index in the board's sample clock.
import { EventEmitter } from 'node:events';
import { Pipeline, QUALITY, type PeakEvent, type PipelineOutput } from '../pipeline/index.js';
import type { Int8Classifier } from '../nn/index.js';
import { StreamClassifier, type LabelledBeat } from '../nn/stream.js';
import type { BoardLink, LinkStats, StreamItem } from './link.js';

export interface MonitorStatus {
  /** Seconds of signal received (board clock, gaps included). */
  seconds: number;
  hr: number | null;
  beats: number;
  quality: string;
  leadOff: boolean;
  link: LinkStats;
  /** With a model: labelled beats per class, the last label, and beats left unlabelled for poor signal. */
  classes?: Record<string, number>;
  lastLabel?: { className: string; p: number } | null;
  unlabelled?: number;
}

export interface MonitorOptions {
  mains?: 50 | 60;
  /** Keep every received sample (for tests and recordings). */
  keepSamples?: boolean;
  /** Classify beats with this int8 model (its input rate must be the board's). */
  classifier?: Int8Classifier;
}

export class LiveMonitor extends EventEmitter {
  readonly peaks: PeakEvent[] = [];
  /** Received samples by board sample index (when keepSamples); gaps stay absent. */
  readonly received: Map<number, Uint16Array> = new Map();
  samplesReceived = 0;
  private pipeline: Pipeline | null = null;
  private offset = 0; // board index of the pipeline's sample 0
  private fed = 0; // samples pushed into the current pipeline
  private end = 0; // board index after the last item
  private lastQuality = 0;
  private pipelineStartCount = 0;
  private stream: StreamClassifier | null = null;
  readonly labels: LabelledBeat[] = [];
  private classCounts: Record<string, number> | undefined;
  private unlabelled = 0;
  /** Quality flags of the current pipeline's recent seconds (pipeline-relative second → flags), pruned. */
  private recentQuality = new Map<number, number>();
  /** Why beats are not classified although a model was given (e.g. a rate mismatch); null when they are. */
  classifierIssue: string | null = null;

  constructor(
    readonly link: BoardLink,
    private readonly opts: MonitorOptions = {},
  ) {
    super();
  }

  /** Starts consuming the link's sample stream. */
  start(): void {
    this.link.samples.on('data', (it: StreamItem) => this.onItem(it));
  }

  private makePipeline(): Pipeline {
    const info = this.link.info;
    // ADC counts per input millivolt, from the constants the board reports (the quality thresholds use it)
    const adcPerMv = info ? Math.max(1, Math.round((info.gain * ((1 << info.adcBits) - 1)) / info.vrefMv)) : 200;
    const max = info ? (1 << info.adcBits) - 1 : 1023;
    this.pipelineStartCount++;
    const clf = this.opts.classifier;
    if (clf) {
      this.classCounts ??= Object.fromEntries(clf.classes.map((c) => [c, 0]));
      if (clf.spec.fs !== this.link.fs) {
        this.classifierIssue = `the model expects ${clf.spec.fs} Hz but the board samples at ${this.link.fs} Hz: beats are not classified (set the board's rate with --rate ${clf.spec.fs})`;
      } else {
        this.classifierIssue = null;
        this.stream = new StreamClassifier(clf, { mains: this.opts.mains, pipeline: { rails: [0, max], adcPerMv } });
        return this.stream.pipeline;
      }
    }
    return new Pipeline({ fs: this.link.fs, mains: this.opts.mains, rails: [0, max], adcPerMv });
  }

  /** Labels the beats of a pipeline output (with a model); poor-signal seconds are left unlabelled. */
  private label(out: PipelineOutput, flush: boolean): void {
    if (!this.stream) return;
    const fs = this.stream.clf.spec.fs;
    for (const b of this.stream.classify(out, flush)) {
      const flags = this.recentQuality.get(Math.floor(b.sample / fs)) ?? this.lastQuality;
      if (flags !== 0) {
        this.unlabelled++;
        continue;
      }
      const e = { ...b, sample: b.sample + this.offset };
      this.labels.push(e);
      this.classCounts![e.className] = (this.classCounts![e.className] ?? 0) + 1;
      this.emit('label', e);
    }
  }

  private collect(peaks: PeakEvent[], quality: { second: number; flags: number }[]): void {
    for (const p of peaks) {
      const e = { ...p, sample: p.sample + this.offset, emitted: p.emitted + this.offset };
      this.peaks.push(e);
      this.emit('beat', e);
    }
    if (quality.length) this.lastQuality = quality[quality.length - 1].flags;
    if (this.stream) {
      for (const q of quality) this.recentQuality.set(q.second, (this.recentQuality.get(q.second) ?? 0) | q.flags);
      const newest = quality.length ? quality[quality.length - 1].second : -1;
      for (const k of this.recentQuality.keys()) if (k < newest - 30) this.recentQuality.delete(k);
    }
  }

  private onItem(it: StreamItem): void {
    if (it.kind === 'gap') {
      this.endSegment();
      this.end = it.start + it.length;
      this.emit('gap', it);
      return;
    }
    if (!this.pipeline) {
      this.pipeline = this.makePipeline();
      this.offset = it.start;
      this.fed = 0;
    }
    const block = Int16Array.from(it.samples);
    const out = this.pipeline.push(block);
    this.fed += block.length;
    this.collect(out.peaks, out.quality);
    this.label(out, false);
    this.samplesReceived += block.length;
    if (this.opts.keepSamples) this.received.set(it.start, it.samples);
    this.end = it.start + it.samples.length;
  }

  private endSegment(): void {
    if (!this.pipeline) return;
    const out = this.pipeline.flush();
    this.collect(out.peaks, out.quality);
    this.label(out, true);
    if (this.stream) this.stream.close(); // closes its pipeline too
    else this.pipeline.close();
    this.stream = null;
    this.pipeline = null;
    this.recentQuality.clear();
  }

  /** Flushes the pipeline (end of the session). */
  finish(): void {
    this.endSegment();
  }

  status(): MonitorStatus {
    const fs = this.link.actualFs;
    const link = this.link.stats();
    const recent = this.peaks.filter((p) => p.sample >= this.end - 10 * fs);
    let hr: number | null = null;
    if (recent.length >= 3) {
      const rr = recent.slice(1).map((p, i) => (p.sample - recent[i].sample) / fs).filter((x) => x > 0.2 && x < 3).sort((a, b) => a - b);
      if (rr.length) hr = 60 / rr[Math.floor(rr.length / 2)];
    }
    const leadOff = link.leadOff.plus || link.leadOff.minus;
    const q = this.lastQuality;
    const quality = leadOff || q & QUALITY.LEAD_OFF ? 'LEAD OFF'
      : q === 0 ? 'good'
      : [q & QUALITY.FLAT ? 'flat' : '', q & QUALITY.SATURATION ? 'saturated' : '', q & QUALITY.NOISE ? 'noisy' : ''].filter(Boolean).join('+');
    const st: MonitorStatus = { seconds: this.end / fs, hr, beats: this.peaks.length, quality, leadOff, link };
    if (this.classCounts) {
      const last = this.labels[this.labels.length - 1];
      st.classes = { ...this.classCounts };
      st.lastLabel = last ? { className: last.className, p: last.probs[last.label]! } : null;
      st.unlabelled = this.unlabelled;
    }
    return st;
  }

  /** "HR 72 bpm | beats 1234 | signal good | link ok (…) | 00:05:12" */
  static formatLine(s: MonitorStatus): string {
    const l = s.link;
    const t = Math.floor(s.seconds);
    const clock = `${String(Math.floor(t / 3600)).padStart(2, '0')}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
    const faults = l.crcErrors + l.malformedFrames + l.droppedBlocks + l.resyncs + l.stalls + l.disconnects + l.boardResets;
    const health = `${l.state === 'streaming' ? (faults ? 'degraded' : 'ok') : l.state}: ${l.blocks} blocks, ${l.crcErrors} CRC err, ${l.malformedFrames} bad frames, ` +
      `${l.droppedBlocks} lost, ${l.resyncs} resync, ${l.gaps} gaps, ${l.stalls} stalls, ${l.disconnects} unplugs, ${l.boardResets} resets`;
    const classes = s.classes
      ? ` | classes ${Object.entries(s.classes).map(([c, n]) => `${c} ${n}`).join(' ')}` +
        (s.lastLabel ? `, last ${s.lastLabel.className} (p ${s.lastLabel.p.toFixed(2)})` : '') +
        (s.unlabelled ? `, ${s.unlabelled} unlabelled (poor signal)` : '')
      : '';
    return `HR ${s.hr === null ? '--' : Math.round(s.hr)} bpm | beats ${s.beats} | signal ${s.quality} | link ${health} | ${clock}${classes}`;
  }
}
