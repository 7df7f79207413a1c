// Two small stream stages between the serial port and the link:
//   FrameSplitter: bytes -> Firmata frames (sysex bodies, 3-byte MIDI-style messages); it resynchronises on
//     the next status byte after garbage or a cut frame, whatever the chunking of the input.
//   MessageDecoder: frames -> decoded messages; ecg-edge sysex frames are CRC- and length-checked.
import { Transform, type TransformCallback } from 'node:stream';
import { decodeEcgSysex, END_SYSEX, REPORT_VERSION, START_SYSEX, SYSEX_BLOCK, SYSEX_COMMAND, SYSEX_INFO, SYSEX_REPLY, type EcgMessage } from './protocol.js';

export type Frame = { kind: 'sysex'; body: Uint8Array } | { kind: 'midi'; cmd: number; chan: number; data: number[] };

export interface SplitterStats {
  frames: number;
  /** Times the splitter had skipped bytes (garbage, cut or oversized frames) before finding a frame again. */
  resyncs: number;
  discardedBytes: number;
  /**
   * Bytes skipped after a (re)open before the first whole frame: opening a port flushes the line, so the
   * stream usually starts mid-frame. Expected, so not counted as a resync.
   */
  initialSyncBytes: number;
  /** Sysex frames cut short by another status byte. */
  truncated: number;
  oversize: number;
}

const MAX_SYSEX = 255;

function midiDataBytes(cmd: number): number {
  if (cmd === 0x90 || cmd === 0xe0 || cmd === REPORT_VERSION) return 2;
  return -1; // nothing else is sent by the board
}

export class FrameSplitter extends Transform {
  readonly stats: SplitterStats = { frames: 0, resyncs: 0, discardedBytes: 0, initialSyncBytes: 0, truncated: 0, oversize: 0 };
  private inSysex = false;
  private buf = new Uint8Array(MAX_SYSEX);
  private len = 0;
  private midiCmd = -1;
  private midiChan = 0;
  private midiNeed = 0;
  private midiData: number[] = [];
  private discarding = false;
  /** True from construction or reset() until the first whole frame: skipped bytes are initial sync. */
  private syncing = true;
  private syncBytes = 0;
  /** When set, frames go to this callback instead of the readable side. */
  onFrame: ((f: Frame) => void) | null = null;

  constructor() {
    super({ readableObjectMode: true });
  }

  /** Forgets a partial frame (the port was reopened): the next bytes start afresh. */
  reset(): void {
    this.syncing = true;
    this.syncBytes = 0;
    this.discarding = false;
    this.inSysex = false;
    this.midiCmd = -1;
    this.len = 0;
  }

  private discard(n: number): void {
    if (this.syncing) {
      this.syncBytes += n;
      return;
    }
    this.stats.discardedBytes += n;
    this.discarding = true;
  }

  private emitFrame(f: Frame): void {
    if (this.syncing) {
      this.syncing = false;
      this.stats.initialSyncBytes += this.syncBytes;
      this.syncBytes = 0;
    } else if (this.discarding) {
      this.discarding = false;
      this.stats.resyncs++;
    }
    this.stats.frames++;
    if (this.onFrame) this.onFrame(f);
    else this.push(f);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    for (let i = 0; i < chunk.length; i++) this.feed(chunk[i]);
    done();
  }

  /** Feeds one byte (exposed for tests and for callers that do not use streams). */
  feed(b: number): void {
    if (b & 0x80) {
      if (this.inSysex && b === END_SYSEX) {
        this.inSysex = false;
        this.emitFrame({ kind: 'sysex', body: this.buf.slice(0, this.len) });
        return;
      }
      if (this.inSysex) {
        this.stats.truncated++;
        this.discard(this.len + 1);
        this.inSysex = false;
      } else if (this.midiCmd >= 0) {
        this.discard(this.midiData.length + 1);
        this.midiCmd = -1;
      }
      if (b === START_SYSEX) {
        this.inSysex = true;
        this.len = 0;
        return;
      }
      const cmd = b < 0xf0 ? b & 0xf0 : b;
      const need = midiDataBytes(cmd);
      if (need < 0) {
        this.discard(1);
        return;
      }
      this.midiCmd = cmd;
      this.midiChan = b < 0xf0 ? b & 0x0f : 0;
      this.midiNeed = need;
      this.midiData = [];
      return;
    }
    if (this.inSysex) {
      if (this.len >= MAX_SYSEX) {
        this.stats.oversize++;
        this.discard(this.len + 2);
        this.inSysex = false;
        return;
      }
      this.buf[this.len++] = b;
      return;
    }
    if (this.midiCmd >= 0) {
      this.midiData.push(b);
      if (this.midiData.length === this.midiNeed) {
        const f: Frame = { kind: 'midi', cmd: this.midiCmd, chan: this.midiChan, data: this.midiData };
        this.midiCmd = -1;
        this.emitFrame(f);
      }
      return;
    }
    this.discard(1); // a data byte outside any message
  }
}

export type LinkMessage =
  | EcgMessage
  | { type: 'firmata-sysex'; id: number; body: Uint8Array }
  | { type: 'firmata'; cmd: number; chan: number; data: number[] };

export interface DecoderStats {
  /** ecg-edge frames of the right length whose CRC did not match. */
  crcErrors: number;
  /** ecg-edge frames whose length does not fit their declared content (bytes lost or inserted). */
  malformed: number;
  messages: number;
}

function isEcgId(id: number): boolean {
  return id === SYSEX_BLOCK || id === SYSEX_INFO || id === SYSEX_REPLY || id === SYSEX_COMMAND;
}

export class MessageDecoder extends Transform {
  readonly stats: DecoderStats = { crcErrors: 0, malformed: 0, messages: 0 };

  constructor() {
    super({ objectMode: true });
  }

  /** Decodes one frame; rejected frames are counted and yield null. */
  decode(f: Frame): LinkMessage | null {
    if (f.kind === 'midi') return { type: 'firmata', cmd: f.cmd, chan: f.chan, data: f.data };
    if (f.body.length === 0) {
      this.stats.malformed++;
      return null;
    }
    const id = f.body[0];
    if (!isEcgId(id)) return { type: 'firmata-sysex', id, body: f.body };
    const m = decodeEcgSysex(f.body);
    if (m.type === 'reject') {
      if (m.reason === 'crc') this.stats.crcErrors++;
      else this.stats.malformed++;
      return null;
    }
    return m;
  }

  override _transform(f: Frame, _enc: BufferEncoding, done: TransformCallback): void {
    const m = this.decode(f);
    if (m) {
      this.stats.messages++;
      this.push(m);
    }
    done();
  }
}
