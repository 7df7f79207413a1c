// The serial transport behind a small interface, so that the link runs on a real port (serialport 13) or on an
// in-memory mock (tests). A connection is an event emitter of 'data' (Buffer) and 'close' (Error | null,
// the error set when the device went away), with write/drain backpressure and pause/resume.
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';

export interface SerialConnection extends EventEmitter {
  /** Queues bytes; false means the driver's buffer is full: wait for 'drain'. */
  write(data: Buffer): boolean;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
  readonly isOpen: boolean;
}

export interface SerialBinding {
  open(path: string, baudRate: number): Promise<SerialConnection>;
}

class PortConnection extends EventEmitter implements SerialConnection {
  private closed = false;
  constructor(private readonly port: SerialPort) {
    super();
    port.on('data', (b: Buffer) => this.emit('data', b));
    port.on('drain', () => this.emit('drain'));
    port.on('error', (err: Error) => this.finish(err));
    port.on('close', (err: Error | null) => this.finish(err ?? null));
  }
  private finish(err: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', err);
  }
  get isOpen(): boolean {
    return !this.closed && this.port.isOpen;
  }
  write(data: Buffer): boolean {
    if (!this.isOpen) return false;
    return this.port.write(data);
  }
  pause(): void {
    this.port.pause();
  }
  resume(): void {
    this.port.resume();
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.port.isOpen) {
        this.finish(null);
        resolve();
        return;
      }
      this.port.close(() => {
        this.finish(null);
        resolve();
      });
    });
  }
  /** The underlying serialport instance (e.g. to hand to johnny-five). */
  get serialPort(): SerialPort {
    return this.port;
  }
}

/** serialport 13 on a real device or a pty. */
export const serialPortBinding: SerialBinding = {
  open(path: string, baudRate: number): Promise<SerialConnection> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      port.open((err) => {
        if (err) reject(new Error(`cannot open serial port ${path}: ${err.message}`));
        else resolve(new PortConnection(port));
      });
    });
  },
};

/**
 * In-memory binding for tests: each open() asks `device` for a connection. The device sees what the host
 * writes (`onHostWrite`) and sends with `toHost`; `unplug()` closes the connection as a pulled cable does.
 */
export class MockConnection extends EventEmitter implements SerialConnection {
  private open_ = true;
  private paused = false;
  private held: Buffer[] = [];
  constructor(private readonly onHostWrite: (b: Buffer) => void) {
    super();
  }
  get isOpen(): boolean {
    return this.open_;
  }
  write(data: Buffer): boolean {
    if (!this.open_) return false;
    queueMicrotask(() => this.onHostWrite(Buffer.from(data)));
    return true;
  }
  /** Device -> host bytes (held while the host has paused reading, as the OS buffer would). */
  toHost(data: Buffer): void {
    if (!this.open_) return;
    if (this.paused) this.held.push(Buffer.from(data));
    else this.emit('data', Buffer.from(data));
  }
  get heldBytes(): number {
    return this.held.reduce((s, b) => s + b.length, 0);
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    while (!this.paused && this.held.length) this.emit('data', this.held.shift()!);
  }
  async close(): Promise<void> {
    if (!this.open_) return;
    this.open_ = false;
    this.emit('close', null);
  }
  unplug(): void {
    if (!this.open_) return;
    this.open_ = false;
    const err = Object.assign(new Error('device disconnected'), { disconnected: true });
    this.emit('close', err);
  }
}

export class MockBinding implements SerialBinding {
  available = true;
  opens = 0;
  constructor(private readonly connect: (conn: MockConnection) => MockConnection | void) {}
  async open(path: string): Promise<SerialConnection> {
    if (!this.available) throw new Error(`cannot open serial port ${path}: no such device (mock unplugged)`);
    this.opens++;
    let conn!: MockConnection;
    const c = new MockConnection((b) => conn.emit('host-write', b));
    conn = (this.connect(c) as MockConnection | undefined) ?? c;
    return conn;
  }
}
