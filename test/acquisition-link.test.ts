// BoardLink against an in-memory board that speaks the protocol (MockBinding): handshake and version check,
// exact gaps from sequence numbers, unplug/reconnect, board resets, stalls, backpressure and its bound.
import { describe, expect, it } from 'vitest';
import { MockBinding, MockConnection } from '../src/acquisition/binding.js';
import { BoardLink, ProtocolVersionError, type StreamItem } from '../src/acquisition/link.js';
import { FrameSplitter, MessageDecoder } from '../src/acquisition/parser.js';
import { encodeBlock, encodeInfo, encodeReply, INFO_BOOT, INFO_STREAMING, OP, type BoardInfo } from '../src/acquisition/protocol.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A board in memory: answers identify/start/stop/ping, and sends blocks whose samples count up. */
class FakeBoard {
  conn: MockConnection | null = null;
  seq = 0;
  streaming = false;
  next = 0; // value of the next sample: the samples are 0, 1, 2, ... (mod 1024)
  commands: number[] = [];
  info: BoardInfo = {
    protoMajor: 1, protoMinor: 0, fwMajor: 1, fwMinor: 0, fwPatch: 0, rateHz: 360, adcBits: 10, blockSamples: 8, status: 0,
    resetCause: 1, vrefMv: 5000, gain: 500, offsetMv: 1650, board: 'fake',
  };
  readonly binding = new MockBinding((c) => this.attach(c));

  attach(c: MockConnection): void {
    this.conn = c;
    const splitter = new FrameSplitter();
    const decoder = new MessageDecoder();
    splitter.onFrame = (f) => {
      if (f.kind !== 'sysex' || f.body[0] !== 0x01) return;
      const op = f.body[1];
      this.commands.push(op);
      if (op === OP.identify) c.toHost(encodeInfo({ ...this.info, status: this.streaming ? INFO_STREAMING : 0 }));
      else if (op === OP.start) {
        c.toHost(encodeReply(op, 0));
        this.streaming = true;
        this.seq = 0;
      } else if (op === OP.stop) {
        this.streaming = false;
        c.toHost(encodeReply(op, 0));
      } else if (op === OP.ping) c.toHost(encodeReply(op, 0, [...f.body.subarray(2, -3), 1, 0, 0, 0]));
      else c.toHost(encodeReply(op, 3));
      void decoder;
    };
    c.on('host-write', (b: Buffer) => {
      for (const x of b) splitter.feed(x);
    });
  }

  /** Produces `n` blocks; those whose index is in `lose` are produced but never reach the host. */
  produce(n: number, lose: number[] = []): void {
    for (let i = 0; i < n; i++) {
      const s = Array.from({ length: 8 }, () => this.next++ % 1024);
      const frame = encodeBlock(this.seq, 0, s);
      if (!lose.includes(this.seq) && this.conn?.isOpen) this.conn.toHost(frame);
      this.seq++;
    }
  }
}

function collect(link: BoardLink): StreamItem[] {
  const items: StreamItem[] = [];
  link.samples.on('data', (it: StreamItem) => items.push(it));
  return items;
}

describe('BoardLink', () => {
  it('handshakes, starts, and delivers blocks with their sample index', async () => {
    const board = new FakeBoard();
    const link = new BoardLink({ path: '/dev/fake', binding: board.binding });
    const info = await link.connect();
    expect(info.board).toBe('fake');
    expect(board.commands).toEqual([OP.identify, OP.start]);
    const items = collect(link);
    board.produce(5);
    await sleep(10);
    expect(items.map((i) => i.start)).toEqual([0, 8, 16, 24, 32]);
    const values = items.flatMap((i) => (i.kind === 'samples' ? [...i.samples] : []));
    expect(values).toEqual(Array.from({ length: 40 }, (_, k) => k));
    expect(link.stats()).toMatchObject({ blocks: 5, samples: 40, droppedBlocks: 0, gaps: 0, crcErrors: 0 });
    expect(await link.ping()).toBeGreaterThanOrEqual(0);
    await link.close();
  });

  it('marks lost blocks as an exact gap and never invents samples', async () => {
    const board = new FakeBoard();
    const link = new BoardLink({ path: '/dev/fake', binding: board.binding });
    await link.connect();
    const items = collect(link);
    board.produce(10, [3, 4, 7]);
    await sleep(10);
    const gaps = items.filter((i) => i.kind === 'gap');
    expect(gaps).toEqual([
      { kind: 'gap', start: 24, length: 16, exact: true, reason: '2 block(s) lost (sequence 3 to 4)' },
      { kind: 'gap', start: 56, length: 8, exact: true, reason: '1 block(s) lost (sequence 7 to 7)' },
    ]);
    // every delivered sample sits at its true index: value k at index k
    for (const it of items) if (it.kind === 'samples') it.samples.forEach((v, i) => expect(v).toBe(it.start + i));
    expect(link.stats()).toMatchObject({ blocks: 7, samples: 56, droppedBlocks: 3, gaps: 2, gapSamples: 24 });
    await link.close();
  });

  it('refuses a board with another protocol major version, with a remedy', async () => {
    const board = new FakeBoard();
    board.info.protoMajor = 2;
    const link = new BoardLink({ path: '/dev/fake', binding: board.binding });
    await expect(link.connect()).rejects.toThrow(ProtocolVersionError);
    await expect(new BoardLink({ path: '/dev/fake', binding: board.binding }).connect()).rejects.toThrow(/protocol 2\.0 .*needs 1\.x.*firmware:build/);
    expect(board.commands).not.toContain(OP.start);
  });

  it('notices unplugging, reconnects, handshakes again and marks the exact gap', async () => {
    const board = new FakeBoard();
    const link = new BoardLink({ path: '/dev/fake', binding: board.binding, reconnectIntervalMs: 20 });
    const faults: string[] = [];
    link.on('fault', (f) => faults.push(f.kind));
    await link.connect();
    const items = collect(link);
    board.produce(3);
    board.binding.available = false;
    board.conn!.unplug();
    board.produce(4); // the board keeps sampling while the cable is out
    await sleep(80);
    expect(link.state).toBe('disconnected');
    board.binding.available = true;
    await sleep(150);
    expect(link.state).toBe('streaming');
    board.produce(2);
    await sleep(10);
    expect(board.commands.filter((c) => c === OP.identify)).toHaveLength(2); // handshake again
    expect(board.commands.filter((c) => c === OP.start)).toHaveLength(1); // the board was still streaming
    expect(items.filter((i) => i.kind === 'gap')).toEqual([
      { kind: 'gap', start: 24, length: 32, exact: true, reason: '4 block(s) lost (sequence 3 to 6)' },
    ]);
    expect(link.stats()).toMatchObject({ disconnects: 1, reconnects: 1, droppedBlocks: 4, blocks: 5 });
    expect(faults).toEqual(['disconnect', 'reconnect', 'gap']);
    await link.close();
  });

  it('detects a board reset (boot message), restarts the stream and marks an estimated gap', async () => {
    const board = new FakeBoard();
    const link = new BoardLink({ path: '/dev/fake', binding: board.binding });
    await link.connect();
    const items = collect(link);
    board.produce(3);
    await sleep(100);
    board.streaming = false;
    board.conn!.toHost(encodeInfo({ ...board.info, status: INFO_BOOT, resetCause: 8 }));
    await sleep(20);
    expect(board.commands).toEqual([OP.identify, OP.start, OP.start]);
    board.produce(2);
    await sleep(10);
    const gap = items.find((i) => i.kind === 'gap');
    expect(gap).toMatchObject({ kind: 'gap', start: 24, exact: false, reason: 'board restarted its stream' });
    // ~100 ms at 360 Hz, minus the new block's own samples
    expect((gap as { length: number }).length).toBeGreaterThan(20);
    expect((gap as { length: number }).length).toBeLessThan(60);
    expect(link.stats()).toMatchObject({ boardResets: 1, blocks: 5 });
    await link.close();
  });

  it('reports a stall and probes the board', async () => {
    const board = new FakeBoard();
    const link = new BoardLink({ path: '/dev/fake', binding: board.binding, stallMs: 100 });
    const faults: string[] = [];
    link.on('fault', (f) => faults.push(f.kind));
    await link.connect();
    collect(link);
    board.produce(2);
    await sleep(300);
    expect(faults).toContain('stall');
    expect(link.stats().stalls).toBe(1);
    expect(board.commands.filter((c) => c === OP.identify).length).toBeGreaterThanOrEqual(2);
    board.produce(1);
    await sleep(10);
    expect(link.stats().stalls).toBe(1);
    await link.close();
  });

  it('pauses the port while the consumer lags, then delivers everything in order', async () => {
    const board = new FakeBoard();
    const link = new BoardLink({ path: '/dev/fake', binding: board.binding, highWaterMark: 8 });
    await link.connect();
    board.produce(100);
    await sleep(10);
    expect(board.conn!.heldBytes).toBeGreaterThan(0); // the port was paused: bytes wait outside the host
    expect(link.samples.readableLength).toBeLessThanOrEqual(9);
    const items = collect(link);
    await sleep(30);
    expect(items).toHaveLength(100);
    expect(items.every((it, i) => it.kind === 'samples' && it.start === i * 8)).toBe(true);
    expect(link.stats().overflowBlocks).toBe(0);
    await link.close();
  });

  it('bounds its buffer when the device ignores pausing, and marks what it dropped', async () => {
    const board = new FakeBoard();
    const binding = new MockBinding((c) => {
      c.pause = () => {}; // a device that keeps pushing
      board.attach(c);
    });
    const link = new BoardLink({ path: '/dev/fake', binding, highWaterMark: 4, maxBufferedItems: 10 });
    await link.connect();
    board.produce(30);
    await sleep(10);
    const items = collect(link);
    await sleep(10);
    const st = link.stats();
    expect(st.overflowBlocks).toBe(20);
    const total = items.reduce((s, it) => s + (it.kind === 'gap' ? it.length : it.samples.length), 0);
    expect(total).toBe(30 * 8); // every sample is either delivered or marked missing
    expect(items.filter((i) => i.kind === 'samples')).toHaveLength(10);
    expect(items.filter((i) => i.kind === 'gap')).toEqual([{ kind: 'gap', start: 80, length: 160, exact: true, reason: 'host buffer overflow' }]);
    expect(st.gaps).toBe(1);
    await link.close();
  });
});
