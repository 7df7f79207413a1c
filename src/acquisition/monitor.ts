// The live monitor: board samples (BoardLink) -> the native Pipeline (filter, R peaks, signal quality) ->
// heart rate, beat count, signal quality and link health, as a status object and a one-line summary.
// Gaps are never filled: at a gap the pipeline is flushed and restarted, and its sample indices are offset
// so that every peak keeps its index in the board's sample clock.
import { EventEmitter } from 'node:events';
import { Pipeline, QUALITY, type PeakEvent } from '../pipeline/index.js';
import type { BoardLink, LinkStats, StreamItem } from './link.js';

export interface MonitorStatus {
  /** Seconds of signal received (board clock, gaps included). */
  seconds: number;
  hr: number | null;
  beats: number;
  quality: string;
  leadOff: boolean;
  link: LinkStats;
}

export interface MonitorOptions {
  mains?: 50 | 60;
  /** Keep every received sample (for tests and recordings). */
  keepSamples?: boolean;
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
    return new Pipeline({ fs: this.link.fs, mains: this.opts.mains, rails: [0, max], adcPerMv });
  }

  private collect(peaks: PeakEvent[], quality: { flags: number }[]): void {
    for (const p of peaks) {
      const e = { ...p, sample: p.sample + this.offset, emitted: p.emitted + this.offset };
      this.peaks.push(e);
      this.emit('beat', e);
    }
    if (quality.length) this.lastQuality = quality[quality.length - 1].flags;
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
    this.samplesReceived += block.length;
    if (this.opts.keepSamples) this.received.set(it.start, it.samples);
    this.end = it.start + it.samples.length;
  }

  private endSegment(): void {
    if (!this.pipeline) return;
    const out = this.pipeline.flush();
    this.collect(out.peaks, out.quality);
    this.pipeline.close();
    this.pipeline = null;
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
    return { seconds: this.end / fs, hr, beats: this.peaks.length, quality, leadOff, link };
  }

  /** "HR 72 bpm | beats 1234 | signal good | link ok (…) | 00:05:12" */
  static formatLine(s: MonitorStatus): string {
    const l = s.link;
    const t = Math.floor(s.seconds);
    const clock = `${String(Math.floor(t / 3600)).padStart(2, '0')}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
    const faults = l.crcErrors + l.malformedFrames + l.droppedBlocks + l.resyncs + l.stalls + l.disconnects + l.boardResets;
    const health = `${l.state === 'streaming' ? (faults ? 'degraded' : 'ok') : l.state}: ${l.blocks} blocks, ${l.crcErrors} CRC err, ${l.malformedFrames} bad frames, ` +
      `${l.droppedBlocks} lost, ${l.resyncs} resync, ${l.gaps} gaps, ${l.stalls} stalls, ${l.disconnects} unplugs, ${l.boardResets} resets`;
    return `HR ${s.hr === null ? '--' : Math.round(s.hr)} bpm | beats ${s.beats} | signal ${s.quality} | link ${health} | ${clock}`;
  }
}
