// The ecg-edge board protocol (firmware-bridge/PROTOCOL.md): Firmata framing plus our own sysex messages
// (command, block, info, reply), each protected by a CRC-16/CCITT-FALSE. Mirrors firmware/protocol.c.

export const START_SYSEX = 0xf0;
export const END_SYSEX = 0xf7;
export const REPORT_VERSION = 0xf9;
export const SYSTEM_RESET = 0xff;
export const DIGITAL_MESSAGE = 0x90;
export const ANALOG_MESSAGE = 0xe0;
export const REPORT_ANALOG = 0xc0;
export const REPORT_DIGITAL = 0xd0;
export const SET_PIN_MODE = 0xf4;
export const SET_DIGITAL_PIN = 0xf5;
export const REPORT_FIRMWARE = 0x79;

export const SYSEX_COMMAND = 0x01;
export const SYSEX_BLOCK = 0x02;
export const SYSEX_INFO = 0x03;
export const SYSEX_REPLY = 0x04;

export const PROTO_MAJOR = 1;
export const PROTO_MINOR = 0;

export const OP = { identify: 0x01, start: 0x02, stop: 0x03, setRate: 0x04, ping: 0x05, setOutput: 0x06, testHang: 0x7e } as const;
export type OpName = keyof typeof OP;
export const OUTPUT = { led: 0, buzzer: 1, sdn: 2 } as const;
export type OutputName = keyof typeof OUTPUT;
export const STATUS = { ok: 0, badCrc: 1, badArg: 2, unknownOp: 3, badLength: 4 } as const;
export const STATUS_TEXT: Record<number, string> = {
  0: 'ok', 1: 'the board saw a CRC error', 2: 'argument out of range', 3: 'unknown command', 4: 'wrong argument count',
};

export const FLAG_LO_PLUS = 0x01;
export const FLAG_LO_MINUS = 0x02;
export const FLAG_SHUTDOWN = 0x04;
export const FLAG_OVERRUN = 0x08;
export const INFO_STREAMING = 0x01;
export const INFO_BOOT = 0x02;
export const RESET_CAUSES: Record<number, string> = { 1: 'power-on', 2: 'external', 4: 'brown-out', 8: 'watchdog' };

/** Sampling rates the firmware accepts. */
export const RATES = [250, 360, 500] as const;
/** The board's CPU clock: its sample clock is F_CPU / round(F_CPU / rate) (Timer1, no prescaler). */
export const F_CPU = 16_000_000;
export function actualRate(rateHz: number): number {
  return F_CPU / Math.round(F_CPU / rateHz);
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR). */
export function crc16(data: ArrayLike<number>, crc = 0xffff): number {
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i] << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function u14(v: number): number[] {
  return [v & 0x7f, (v >> 7) & 0x7f];
}

/** Wraps an ecg-edge sysex body (id + payload) with its CRC and the sysex delimiters. */
export function sysexFrame(body: number[]): Buffer {
  for (const b of body) if (b < 0 || b > 0x7f || !Number.isInteger(b)) throw new RangeError(`sysex byte out of range: ${b}`);
  const c = crc16(body);
  return Buffer.from([START_SYSEX, ...body, c & 0x7f, (c >> 7) & 0x7f, (c >> 14) & 0x03, END_SYSEX]);
}

export function encodeCommand(op: number, args: number[] = []): Buffer {
  return sysexFrame([SYSEX_COMMAND, op, ...args]);
}

export function encodeBlock(seq: number, flags: number, samples: ArrayLike<number>): Buffer {
  if (samples.length < 1 || samples.length > 16) throw new RangeError('a block holds 1 to 16 samples');
  const body = [SYSEX_BLOCK, seq & 0x7f, (seq >> 7) & 0x7f, (seq >> 14) & 0x7f, flags & 0x7f, samples.length];
  for (let i = 0; i < samples.length; i++) body.push(...u14(samples[i]));
  return sysexFrame(body);
}

export interface BoardInfo {
  protoMajor: number;
  protoMinor: number;
  fwMajor: number;
  fwMinor: number;
  fwPatch: number;
  rateHz: number;
  adcBits: number;
  blockSamples: number;
  status: number;
  resetCause: number;
  vrefMv: number;
  gain: number;
  offsetMv: number;
  board: string;
}

export function encodeInfo(i: BoardInfo): Buffer {
  return sysexFrame([
    SYSEX_INFO, i.protoMajor, i.protoMinor, i.fwMajor, i.fwMinor, i.fwPatch, ...u14(i.rateHz), i.adcBits, i.blockSamples,
    i.status, i.resetCause, ...u14(i.vrefMv), ...u14(i.gain), ...u14(i.offsetMv), ...[...i.board.slice(0, 24)].map((c) => c.charCodeAt(0) & 0x7f),
  ]);
}

export function encodeReply(op: number, status: number, extra: number[] = []): Buffer {
  return sysexFrame([SYSEX_REPLY, op, status, ...extra]);
}

export interface BlockMessage { type: 'block'; seq: number; flags: number; samples: Uint16Array }
export interface InfoMessage { type: 'info'; info: BoardInfo }
export interface ReplyMessage { type: 'reply'; op: number; status: number; extra: number[] }
export type EcgMessage = BlockMessage | InfoMessage | ReplyMessage;

/** Why an ecg-edge sysex body was rejected. */
export type RejectReason = 'crc' | 'length' | 'unknown-id';

/**
 * Decodes an ecg-edge sysex body (the bytes between F0 and F7). Returns the message, or the reason it was
 * rejected: 'length' when the layout cannot hold the declared content, 'crc' when the CRC does not match.
 */
export function decodeEcgSysex(body: Uint8Array): EcgMessage | { type: 'reject'; reason: RejectReason } {
  const id = body[0];
  if (id !== SYSEX_BLOCK && id !== SYSEX_INFO && id !== SYSEX_REPLY && id !== SYSEX_COMMAND) return { type: 'reject', reason: 'unknown-id' };
  const n = body.length;
  if (n < 4 || body[n - 1] > 3) return { type: 'reject', reason: n < 4 ? 'length' : 'crc' };
  const payloadEnd = n - 3;
  const expectedLength =
    id === SYSEX_BLOCK ? (n >= 6 + 3 ? 6 + 2 * body[5] + 3 : -1) : id === SYSEX_INFO ? (n >= 18 + 3 ? n : -1) : id === SYSEX_REPLY ? (n >= 3 + 3 ? n : -1) : n;
  if (expectedLength !== n) return { type: 'reject', reason: 'length' };
  const got = body[n - 3] | (body[n - 2] << 7) | ((body[n - 1] & 3) << 14);
  if (crc16(body.subarray(0, payloadEnd)) !== got) return { type: 'reject', reason: 'crc' };
  if (id === SYSEX_BLOCK) {
    const count = body[5];
    if (count < 1 || count > 16) return { type: 'reject', reason: 'length' };
    const samples = new Uint16Array(count);
    for (let i = 0; i < count; i++) samples[i] = body[6 + 2 * i] | (body[7 + 2 * i] << 7);
    return { type: 'block', seq: body[1] | (body[2] << 7) | (body[3] << 14), flags: body[4], samples };
  }
  if (id === SYSEX_INFO) {
    const b = body;
    return {
      type: 'info',
      info: {
        protoMajor: b[1], protoMinor: b[2], fwMajor: b[3], fwMinor: b[4], fwPatch: b[5], rateHz: b[6] | (b[7] << 7),
        adcBits: b[8], blockSamples: b[9], status: b[10], resetCause: b[11], vrefMv: b[12] | (b[13] << 7),
        gain: b[14] | (b[15] << 7), offsetMv: b[16] | (b[17] << 7), board: String.fromCharCode(...b.subarray(18, payloadEnd)),
      },
    };
  }
  if (id === SYSEX_REPLY) return { type: 'reply', op: body[1], status: body[2], extra: [...body.subarray(3, payloadEnd)] };
  return { type: 'reject', reason: 'unknown-id' }; // a command echoed back: not something a board sends
}

/** Sequence numbers are 21 bits. */
export const SEQ_MOD = 1 << 21;

export function describeInfo(i: BoardInfo): string {
  return `${i.board} firmware ${i.fwMajor}.${i.fwMinor}.${i.fwPatch}, protocol ${i.protoMajor}.${i.protoMinor}, ${i.rateHz} Hz, ${i.adcBits}-bit ADC, ${i.blockSamples} samples/block`;
}
