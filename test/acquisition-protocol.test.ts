// The host's protocol code against firmware-bridge/test-vectors.json (the same vectors the firmware's C unit
// test uses), and the Transform-stream parsers fed frames split across writes at every position.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameSplitter, MessageDecoder, type Frame, type LinkMessage } from '../src/acquisition/parser.js';
import {
  crc16, decodeEcgSysex, encodeBlock, encodeCommand, encodeInfo, encodeReply, type BoardInfo,
} from '../src/acquisition/protocol.js';

const V = JSON.parse(readFileSync(new URL('../firmware-bridge/test-vectors.json', import.meta.url), 'utf8'));
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

async function run(chunks: Buffer[]): Promise<{ msgs: LinkMessage[]; splitter: FrameSplitter; decoder: MessageDecoder }> {
  const splitter = new FrameSplitter();
  const decoder = new MessageDecoder();
  const msgs: LinkMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from(chunks).pipe(splitter).pipe(decoder).on('data', (m: LinkMessage) => msgs.push(m)).on('end', resolve).on('error', reject);
  });
  return { msgs, splitter, decoder };
}

describe('protocol vectors', () => {
  it('CRC-16/CCITT-FALSE matches every vector (including the standard check value 0x29B1)', () => {
    expect(V.crc16.length).toBeGreaterThanOrEqual(5);
    for (const c of V.crc16) expect(crc16(hex(c.hex)), c.name).toBe(c.crc);
    expect(crc16(Buffer.from('123456789'))).toBe(0x29b1);
  });

  it('encodes and decodes sample blocks', () => {
    for (const b of V.block) {
      const frame = encodeBlock(b.seq, b.flags, b.samples);
      expect(frame.toString('hex'), b.name).toBe(hex(b.hex).toString('hex'));
      const m = decodeEcgSysex(frame.subarray(1, -1));
      expect(m).toEqual({ type: 'block', seq: b.seq, flags: b.flags, samples: Uint16Array.from(b.samples) });
    }
  });

  it('encodes and decodes board info', () => {
    for (const i of V.info) {
      const info: BoardInfo = {
        protoMajor: i.protoMajor, protoMinor: i.protoMinor, fwMajor: i.fwMajor, fwMinor: i.fwMinor, fwPatch: i.fwPatch, rateHz: i.rateHz,
        adcBits: i.adcBits, blockSamples: i.blockSamples, status: i.status, resetCause: i.resetCause, vrefMv: i.vrefMv, gain: i.gain,
        offsetMv: i.offsetMv, board: i.board,
      };
      expect(encodeInfo(info).toString('hex'), i.name).toBe(hex(i.hex).toString('hex'));
      expect(decodeEcgSysex(hex(i.hex).subarray(1, -1))).toEqual({ type: 'info', info });
    }
  });

  it('encodes replies and commands', () => {
    for (const r of V.reply) {
      expect(encodeReply(r.op, r.status, r.extra).toString('hex'), r.name).toBe(hex(r.hex).toString('hex'));
      expect(decodeEcgSysex(hex(r.hex).subarray(1, -1))).toEqual({ type: 'reply', op: r.op, status: r.status, extra: r.extra });
    }
    for (const c of V.command) expect(encodeCommand(c.op, c.args).toString('hex'), c.name).toBe(hex(c.hex).toString('hex'));
  });

  it('rejects the invalid frames', () => {
    for (const bad of V.invalid) expect(decodeEcgSysex(hex(bad.hex).subarray(1, -1)).type, bad.name).toBe('reject');
  });

  it('detects every single-bit error in a block', () => {
    const frame = hex(V.block[1].hex);
    for (let k = 1; k < frame.length - 1; k++) {
      for (let bit = 0; bit < 7; bit++) {
        const body = Buffer.from(frame.subarray(1, -1));
        body[k - 1] ^= 1 << bit;
        expect(decodeEcgSysex(body).type).toBe('reject');
      }
    }
  });
});

describe('FrameSplitter + MessageDecoder', () => {
  const blocks = V.block.map((b: { hex: string }) => hex(b.hex));
  const stream = Buffer.concat([hex('f9 02 06'), ...blocks, hex(V.info[0].hex), hex(V.reply[4].hex)]);

  it('yields the same messages for every split point of the stream', async () => {
    const whole = await run([stream]);
    expect(whole.msgs.map((m) => m.type)).toEqual(['firmata', ...blocks.map(() => 'block'), 'info', 'reply']);
    for (let cut = 1; cut < stream.length; cut++) {
      const { msgs, splitter } = await run([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(msgs, `cut at ${cut}`).toEqual(whole.msgs);
      expect(splitter.stats.resyncs).toBe(0);
    }
  });

  it('yields the same messages when fed one byte per write', async () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect((await run(bytes)).msgs).toEqual((await run([stream])).msgs);
  });

  it('syncs after starting mid-frame (expected, not a fault), resynchronises after garbage and counts it', async () => {
    const midFrame = blocks[0].subarray(9); // the port opened in the middle of a block
    const garbage = Buffer.from([0x12, 0x55, 0x7f, 0x00]);
    const { msgs, splitter, decoder } = await run([midFrame, blocks[1], garbage, blocks[2]]);
    expect(msgs.map((m) => (m.type === 'block' ? m.seq : -1))).toEqual([1, 128]);
    expect(splitter.stats.initialSyncBytes).toBe(midFrame.length);
    expect(splitter.stats.resyncs).toBe(1);
    expect(splitter.stats.discardedBytes).toBe(garbage.length);
    expect(decoder.stats.crcErrors).toBe(0);
  });

  it('counts a corrupted block as a CRC error and a shortened one as malformed', async () => {
    const corrupted = Buffer.from(blocks[1]);
    corrupted[10] ^= 0x01;
    const shortened = Buffer.concat([blocks[2].subarray(0, 9), blocks[2].subarray(14)]);
    const { msgs, decoder } = await run([blocks[0], corrupted, shortened, blocks[3]]);
    expect(msgs.map((m) => (m.type === 'block' ? m.seq : -1))).toEqual([0, 2097151]);
    expect(decoder.stats.crcErrors).toBe(1);
    expect(decoder.stats.malformed).toBe(1);
  });

  it('drops a frame cut by the next frame start (lost END byte) and keeps the next one', async () => {
    const cut = blocks[1].subarray(0, 12); // F0 ... without its end
    const { msgs, splitter } = await run([blocks[0], cut, blocks[2]]);
    expect(msgs.map((m) => (m.type === 'block' ? m.seq : -1))).toEqual([0, 128]);
    expect(splitter.stats.truncated).toBe(1);
    expect(splitter.stats.resyncs).toBe(1);
  });

  it('passes Firmata messages through (firmware name, digital port report)', async () => {
    const firmware = Buffer.from([0xf0, 0x79, 1, 0, ...[...'ecg'].flatMap((c) => [c.charCodeAt(0), 0]), 0xf7]);
    const { msgs } = await run([firmware, hex('91 20 00')]);
    expect(msgs[0]).toMatchObject({ type: 'firmata-sysex', id: 0x79 });
    expect(msgs[1]).toEqual({ type: 'firmata', cmd: 0x90, chan: 1, data: [0x20, 0] });
    const frames: Frame[] = [];
    const s = new FrameSplitter();
    s.onFrame = (f) => frames.push(f);
    for (const b of hex('e0 10 02')) s.feed(b);
    expect(frames).toEqual([{ kind: 'midi', cmd: 0xe0, chan: 0, data: [0x10, 0x02] }]);
  });
});
