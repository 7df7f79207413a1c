// BoardLink: the host end of the serial link to an ecg-edge board. It handshakes (identify + protocol
// version check), starts the stream, verifies every block (CRC, sequence), turns the blocks into a
// readable stream of sample chunks with explicit gaps (never invented samples), counts every fault,
// notices stalls and unplugging, reconnects and handshakes again, and respects backpressure: when the
// consumer of `samples` falls behind, the port is paused; beyond a hard bound, blocks are dropped and the
// loss is marked as a gap.
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { serialPortBinding, type SerialBinding, type SerialConnection } from './binding.js';
import { FrameSplitter, MessageDecoder, type LinkMessage } from './parser.js';
import {
  actualRate, describeInfo, encodeCommand, FLAG_LO_MINUS, FLAG_LO_PLUS, FLAG_OVERRUN, INFO_BOOT, INFO_STREAMING, OP, OUTPUT,
  PROTO_MAJOR, RATES, RESET_CAUSES, SEQ_MOD, STATUS, STATUS_TEXT, type BoardInfo, type OutputName,
} from './protocol.js';

export interface SampleChunk {
  kind: 'samples';
  /** Index of the first sample in the board's sample clock (gaps included). */
  start: number;
  samples: Uint16Array;
  flags: number;
  seq: number;
}
export interface GapChunk {
  kind: 'gap';
  start: number;
  /** Samples missing; an estimate from elapsed time when `exact` is false (board restarted). */
  length: number;
  exact: boolean;
  reason: string;
}
export type StreamItem = SampleChunk | GapChunk;

export type FaultKind =
  | 'crc' | 'malformed' | 'resync' | 'gap' | 'stall' | 'disconnect' | 'reconnect' | 'board-reset' | 'overrun' | 'overflow' | 'command';
export interface LinkFault { kind: FaultKind; message: string; at: number }

export interface LinkStats {
  state: LinkState;
  blocks: number;
  samples: number;
  bytes: number;
  crcErrors: number;
  malformedFrames: number;
  resyncs: number;
  discardedBytes: number;
  droppedBlocks: number;
  gaps: number;
  gapSamples: number;
  stalls: number;
  disconnects: number;
  reconnects: number;
  boardResets: number;
  boardOverruns: number;
  overflowBlocks: number;
  leadOff: { plus: boolean; minus: boolean };
}

export type LinkState = 'idle' | 'connecting' | 'handshake' | 'streaming' | 'stopped' | 'disconnected' | 'closed';

export interface LinkOptions {
  path: string;
  binding?: SerialBinding;
  baudRate?: number;
  /** Start streaming after the handshake (default true). */
  autoStart?: boolean;
  /** Sampling rate to request (250, 360 or 500); default: keep the board's. */
  rateHz?: number;
  /** Reopen the port after it disappears (default true). */
  reconnect?: boolean;
  reconnectIntervalMs?: number;
  commandTimeoutMs?: number;
  /** No block for this long (wall ms) while streaming counts as a stall (default 0.5 s of board time, >= 150 ms). */
  stallMs?: number;
  /** Board seconds per wall second (a simulated board run faster than real time); used for gap estimates. */
  clockScale?: number;
  /** Items the sample stream buffers before the port is paused (default 64). */
  highWaterMark?: number;
  /** Hard bound on buffered items; beyond it blocks are dropped and marked as a gap (default 4096). */
  maxBufferedItems?: number;
}

export class ProtocolVersionError extends Error {}

interface Pending {
  op: number;
  resolve: (m: LinkMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class BoardLink extends EventEmitter {
  readonly samples: Readable;
  info: BoardInfo | null = null;
  private readonly opts: Required<Omit<LinkOptions, 'rateHz'>> & { rateHz?: number };
  private conn: SerialConnection | null = null;
  private splitter = new FrameSplitter();
  private decoder = new MessageDecoder();
  private state_: LinkState = 'idle';
  private pending: Pending[] = [];
  private expectedSeq: number | null = null;
  private nextIndex = 0;
  private lastBlockAt = 0;
  private stalled = false;
  private restartPending = false;
  private restartFrom = 0;
  private wantStreaming = false;
  private paused = false;
  private timer: NodeJS.Timeout | null = null;
  private reconnecting = false;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly counts = {
    blocks: 0, samples: 0, bytes: 0, droppedBlocks: 0, gaps: 0, gapSamples: 0, stalls: 0, disconnects: 0, reconnects: 0,
    boardResets: 0, boardOverruns: 0, overflowBlocks: 0,
  };
  private prevSplit = { resyncs: 0 };
  private prevDec = { crcErrors: 0, malformed: 0 };
  private leadOff = { plus: false, minus: false };
  private lastStallProbe = 0;
  private overflowGap: GapChunk | null = null;
  private restarting = false;

  constructor(opts: LinkOptions) {
    super();
    this.opts = {
      binding: serialPortBinding, baudRate: 115200, autoStart: true, reconnect: true, reconnectIntervalMs: 250,
      commandTimeoutMs: 1500, clockScale: 1, highWaterMark: 64, maxBufferedItems: 4096, ...opts,
      stallMs: opts.stallMs ?? Math.max(150, 500 / (opts.clockScale ?? 1)),
    };
    if (this.opts.rateHz !== undefined && !RATES.includes(this.opts.rateHz as (typeof RATES)[number])) {
      throw new RangeError(`rate: expected one of ${RATES.join(', ')} Hz, got ${this.opts.rateHz}`);
    }
    this.samples = new Readable({
      objectMode: true,
      highWaterMark: this.opts.highWaterMark,
      read: () => {
        this.flushOverflowGap();
        if (this.paused) {
          this.paused = false;
          this.conn?.resume();
        }
      },
    });
    this.splitter.onFrame = (f) => {
      const m = this.decoder.decode(f);
      this.noteCounters();
      if (m) this.onMessage(m);
    };
  }

  get state(): LinkState {
    return this.state_;
  }

  /** Nominal sample rate of the stream and the board's exact sample clock. */
  get fs(): number {
    return this.info?.rateHz ?? 360;
  }
  get actualFs(): number {
    return actualRate(this.fs);
  }

  stats(): LinkStats {
    return {
      state: this.state_, ...this.counts, crcErrors: this.decoder.stats.crcErrors, malformedFrames: this.decoder.stats.malformed,
      resyncs: this.splitter.stats.resyncs, discardedBytes: this.splitter.stats.discardedBytes, leadOff: { ...this.leadOff },
    };
  }

  /** Opens the port, handshakes and (by default) starts streaming. Rejects on a version mismatch. */
  async connect(): Promise<BoardInfo> {
    this.state_ = 'connecting';
    await this.openPort();
    this.timer = setInterval(() => this.tick(), 50);
    try {
      return await this.handshake(true);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.state_ = 'closed';
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.rejectPending(new Error('link closed'));
    const c = this.conn;
    this.conn = null;
    if (c) await c.close();
    this.samples.push(null);
  }

  // ---- commands ----

  identify(): Promise<BoardInfo> {
    return this.serial(async () => {
      const m = await this.command(OP.identify, [], 'info');
      return (m as { info: BoardInfo }).info;
    });
  }
  start(): Promise<void> {
    return this.serial(async () => {
      this.wantStreaming = true;
      await this.command(OP.start);
      this.beginSession();
      this.state_ = 'streaming';
    });
  }
  stop(): Promise<void> {
    return this.serial(async () => {
      this.wantStreaming = false;
      await this.command(OP.stop);
      this.state_ = 'stopped';
    });
  }
  setRate(hz: number): Promise<void> {
    if (!RATES.includes(hz as (typeof RATES)[number])) return Promise.reject(new RangeError(`rate: expected one of ${RATES.join(', ')} Hz, got ${hz}`));
    return this.serial(async () => {
      const streaming = this.state_ === 'streaming';
      if (streaming) await this.command(OP.stop);
      await this.command(OP.setRate, [hz & 0x7f, hz >> 7]);
      if (this.info) this.info = { ...this.info, rateHz: hz };
      if (streaming) {
        await this.command(OP.start);
        this.beginSession();
      }
    });
  }
  /** Round trip in milliseconds. */
  ping(): Promise<number> {
    return this.serial(async () => {
      const t0 = performance.now();
      const token = [Math.floor(Math.random() * 128), Math.floor(Math.random() * 128)];
      const m = (await this.command(OP.ping, token)) as { extra: number[] };
      if (m.extra[0] !== token[0] || m.extra[1] !== token[1]) throw new Error('ping: the board echoed another token');
      return performance.now() - t0;
    });
  }
  setOutput(which: OutputName, on: boolean): Promise<void> {
    return this.serial(async () => {
      await this.command(OP.setOutput, [OUTPUT[which], on ? 1 : 0]);
    });
  }
  /** Diagnostic: makes the firmware spin with interrupts off until its watchdog resets it. */
  async testHang(): Promise<void> {
    this.write(encodeCommand(OP.testHang, [0x5a]));
  }

  // ---- internals ----

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.busy.then(fn, fn);
    this.busy = p.catch(() => undefined);
    return p;
  }

  private write(frame: Buffer): void {
    if (!this.conn || !this.conn.isOpen) throw new Error('the board is not connected');
    this.conn.write(frame);
  }

  private command(op: number, args: number[] = [], expect: 'reply' | 'info' = 'reply', retries = 2): Promise<LinkMessage> {
    const attempt = (left: number): Promise<LinkMessage> =>
      new Promise<LinkMessage>((resolve, reject) => {
        const p: Pending = {
          op: expect === 'info' ? -1 : op,
          resolve,
          reject,
          timer: setTimeout(() => {
            this.pending = this.pending.filter((x) => x !== p);
            reject(new Error(`the board did not answer command 0x${op.toString(16)} within ${this.opts.commandTimeoutMs} ms`));
          }, this.opts.commandTimeoutMs),
        };
        this.pending.push(p);
        try {
          this.write(encodeCommand(op, args));
        } catch (err) {
          clearTimeout(p.timer);
          this.pending = this.pending.filter((x) => x !== p);
          reject(err as Error);
        }
      }).catch((err: Error) => {
        if (left > 0 && /did not answer|CRC error/.test(err.message) && this.conn?.isOpen) return attempt(left - 1);
        throw err;
      });
    return attempt(retries);
  }

  private rejectPending(err: Error): void {
    for (const p of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending = [];
  }

  private async openPort(): Promise<void> {
    const conn = await this.opts.binding.open(this.opts.path, this.opts.baudRate);
    this.conn = conn;
    this.paused = false;
    conn.on('data', (b: Buffer) => {
      if (this.conn !== conn) return;
      this.counts.bytes += b.length;
      for (let i = 0; i < b.length; i++) this.splitter.feed(b[i]);
    });
    conn.on('close', (err: Error | null) => {
      if (this.conn !== conn) return;
      this.conn = null;
      if (this.state_ === 'closed') return;
      this.counts.disconnects++;
      this.fault('disconnect', `the serial port closed${err ? `: ${err.message}` : ''}; reconnecting`);
      this.rejectPending(new Error('the serial port closed'));
      this.state_ = 'disconnected';
      this.splitter.reset();
      if (this.opts.reconnect) void this.reconnectLoop();
    });
  }

  private async reconnectLoop(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      while (this.state_ === 'disconnected') {
        await new Promise((r) => setTimeout(r, this.opts.reconnectIntervalMs));
        if (this.state_ !== 'disconnected') break;
        try {
          await this.openPort();
        } catch {
          continue; // not back yet
        }
        try {
          await this.handshake(false);
          this.counts.reconnects++;
          this.fault('reconnect', `reconnected to ${this.opts.path}`);
        } catch (err) {
          if (err instanceof ProtocolVersionError) {
            this.emit('error', err);
            await this.close();
            return;
          }
          // the port is open but the board does not answer yet: drop it and retry
          const c = this.conn;
          this.conn = null;
          this.state_ = 'disconnected';
          if (c) await c.close();
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private checkVersion(info: BoardInfo): void {
    if (info.protoMajor !== PROTO_MAJOR) {
      throw new ProtocolVersionError(
        `the board speaks ecg-edge protocol ${info.protoMajor}.${info.protoMinor} but this host needs ${PROTO_MAJOR}.x ` +
          `(${describeInfo(info)}): flash the firmware built by \`npm run firmware:build\` (firmware-bridge/README.md)`,
      );
    }
  }

  /** identify + version check + (re)start. On a first connect the stream always starts afresh. */
  private async handshake(first: boolean): Promise<BoardInfo> {
    this.state_ = 'handshake';
    const info = await this.identify();
    this.checkVersion(info);
    this.info = info;
    this.emit('info', info);
    if (this.opts.rateHz !== undefined && info.rateHz !== this.opts.rateHz) {
      if (info.status & INFO_STREAMING) await this.serial(() => this.command(OP.stop));
      await this.serial(() => this.command(OP.setRate, [this.opts.rateHz! & 0x7f, this.opts.rateHz! >> 7]));
      this.info = { ...info, rateHz: this.opts.rateHz!, status: info.status & ~INFO_STREAMING };
    }
    if (first ? this.opts.autoStart : this.wantStreaming) {
      if (!first && this.info.status & INFO_STREAMING) {
        this.state_ = 'streaming'; // the board kept streaming: sequence numbers tell exactly what was lost
        this.lastBlockAt = performance.now();
      } else {
        await this.start();
      }
    } else {
      this.state_ = 'stopped';
    }
    return this.info;
  }

  /** A START restarts a stopped board's sequence at 0 (a running board keeps its sequence): the next block
   *  sets the sequence base, and after an earlier session the time in between is marked as a gap. */
  private beginSession(): void {
    if (this.expectedSeq !== null) {
      this.restartPending = true;
      this.restartFrom = this.lastBlockAt;
    }
    this.expectedSeq = null;
    this.lastBlockAt = performance.now();
    this.stalled = false;
  }

  private fault(kind: FaultKind, message: string): void {
    const f: LinkFault = { kind, message, at: Date.now() };
    this.emit('fault', f);
  }

  private noteCounters(): void {
    const s = this.splitter.stats;
    const d = this.decoder.stats;
    if (s.resyncs > this.prevSplit.resyncs) this.fault('resync', `resynchronised after ${s.discardedBytes} discarded byte(s) in total`);
    if (d.crcErrors > this.prevDec.crcErrors) this.fault('crc', 'a frame failed its CRC check and was discarded');
    if (d.malformed > this.prevDec.malformed) this.fault('malformed', 'a frame of the wrong length was discarded');
    this.prevSplit.resyncs = s.resyncs;
    this.prevDec.crcErrors = d.crcErrors;
    this.prevDec.malformed = d.malformed;
  }

  private onMessage(m: LinkMessage): void {
    if (m.type === 'block') return this.onBlock(m.seq, m.flags, m.samples);
    if (m.type === 'info') return this.onInfo(m.info);
    if (m.type === 'reply') {
      const i = this.pending.findIndex((p) => p.op === m.op);
      if (i < 0) return;
      const p = this.pending.splice(i, 1)[0];
      clearTimeout(p.timer);
      if (m.status === STATUS.ok) p.resolve(m);
      else p.reject(new Error(`the board refused command 0x${m.op.toString(16)}: ${STATUS_TEXT[m.status] ?? `status ${m.status}`}`));
      return;
    }
    this.emit('firmata', m);
  }

  private onInfo(info: BoardInfo): void {
    if (info.status & INFO_BOOT) {
      const cause = Object.entries(RESET_CAUSES).filter(([bit]) => info.resetCause & Number(bit)).map(([, n]) => n).join('+') || 'unknown';
      this.emit('boot', info);
      if (this.state_ === 'streaming' || this.stalled) {
        this.counts.boardResets++;
        this.fault('board-reset', `the board restarted (reset cause: ${cause}); handshaking again`);
        void this.rehandshake(info);
        return;
      }
    }
    const i = this.pending.findIndex((p) => p.op === -1);
    if (i >= 0) {
      const p = this.pending.splice(i, 1)[0];
      clearTimeout(p.timer);
      p.resolve({ type: 'info', info });
    }
    if (this.stalled && this.wantStreaming && !(info.status & INFO_STREAMING)) void this.rehandshake(info);
  }

  private async rehandshake(info: BoardInfo): Promise<void> {
    if (this.restarting) return; // one restart at a time: late answers to stall probes must not restart again
    this.restarting = true;
    try {
      this.checkVersion(info);
      this.info = { ...info, status: info.status & ~INFO_BOOT };
      if (this.wantStreaming) await this.start();
    } catch (err) {
      if (err instanceof ProtocolVersionError) {
        this.emit('error', err);
        await this.close();
      } else {
        this.fault('command', `restarting the stream failed: ${(err as Error).message}`);
      }
    } finally {
      this.restarting = false;
    }
  }

  private pushItem(item: StreamItem): void {
    if (this.samples.readableLength >= this.opts.maxBufferedItems) {
      // hard bound reached: drop, and account for it as one gap (pushed once there is room again) so that no
      // sample is silently missing
      const n = item.kind === 'samples' ? item.samples.length : item.length;
      if (item.kind === 'samples') {
        this.counts.overflowBlocks++;
        if (!this.overflowGap) this.fault('overflow', 'the consumer is too slow: dropping blocks');
      }
      if (!this.overflowGap) {
        this.overflowGap = { kind: 'gap', start: item.start, length: 0, exact: true, reason: 'host buffer overflow' };
        this.counts.gaps++;
      }
      this.overflowGap.length += n;
      if (item.kind === 'gap' && !item.exact) this.overflowGap.exact = false;
      this.counts.gapSamples += item.kind === 'samples' ? n : 0;
      return;
    }
    this.flushOverflowGap();
    if (!this.samples.push(item) && !this.paused) {
      this.paused = true;
      this.conn?.pause();
    }
  }

  private flushOverflowGap(): void {
    if (!this.overflowGap || this.samples.readableLength >= this.opts.maxBufferedItems) return;
    const g = this.overflowGap;
    this.overflowGap = null;
    this.samples.push(g);
  }

  private countGap(n: number): void {
    this.counts.gaps++;
    this.counts.gapSamples += n;
  }

  private markGap(length: number, exact: boolean, reason: string): void {
    const start = this.nextIndex;
    this.nextIndex += length;
    this.countGap(length);
    this.fault('gap', `${exact ? '' : '~'}${length} sample(s) missing at sample ${start} (${reason})`);
    this.pushItem({ kind: 'gap', start, length, exact, reason });
  }

  private onBlock(seq: number, flags: number, samples: Uint16Array): void {
    if (this.state_ === 'closed') return;
    const now = performance.now();
    const n = samples.length;
    if (this.stalled) {
      this.stalled = false;
      this.emit('resumed');
    }
    if (this.restartPending) {
      this.restartPending = false;
      const elapsedBoardS = ((now - this.restartFrom) / 1000) * this.opts.clockScale;
      const est = Math.round(elapsedBoardS * this.actualFs) - n * (seq + 1);
      if (est > 0) this.markGap(est, false, 'board restarted its stream');
    }
    if (this.expectedSeq === null) this.expectedSeq = seq;
    const diff = (seq - this.expectedSeq + SEQ_MOD) % SEQ_MOD;
    if (diff !== 0) {
      if (diff < SEQ_MOD / 2) {
        this.counts.droppedBlocks += diff;
        this.markGap(diff * n, true, `${diff} block(s) lost (sequence ${this.expectedSeq} to ${seq - 1})`);
      } else {
        // the sequence went backwards without a START from us: the board restarted behind our back
        const elapsedBoardS = ((now - this.lastBlockAt) / 1000) * this.opts.clockScale;
        this.markGap(Math.max(0, Math.round(elapsedBoardS * this.actualFs) - n), false, 'sequence restarted');
      }
    }
    this.expectedSeq = (seq + 1) % SEQ_MOD;
    this.lastBlockAt = now;
    if (flags & FLAG_OVERRUN) {
      this.counts.boardOverruns++;
      this.fault('overrun', 'the board could not send fast enough and dropped block(s)');
    }
    const plus = (flags & FLAG_LO_PLUS) !== 0;
    const minus = (flags & FLAG_LO_MINUS) !== 0;
    if (plus !== this.leadOff.plus || minus !== this.leadOff.minus) {
      this.leadOff = { plus, minus };
      this.emit('leadoff', { plus, minus, sample: this.nextIndex, seq });
    }
    this.counts.blocks++;
    this.counts.samples += n;
    const item: SampleChunk = { kind: 'samples', start: this.nextIndex, samples, flags, seq };
    this.nextIndex += n;
    this.pushItem(item);
  }

  private tick(): void {
    if (this.state_ !== 'streaming') return;
    const now = performance.now();
    if (!this.stalled && now - this.lastBlockAt > this.opts.stallMs) {
      this.stalled = true;
      this.counts.stalls++;
      this.fault('stall', `no block for ${Math.round(now - this.lastBlockAt)} ms: the board is stalled`);
    }
    if (this.stalled && this.conn?.isOpen && now - this.lastStallProbe > this.opts.stallMs) {
      this.lastStallProbe = now;
      try {
        this.write(encodeCommand(OP.identify)); // a board that stopped streaming answers; a hung one will be reset by its watchdog
      } catch {
        /* port gone: the close handler reconnects */
      }
    }
  }
}
