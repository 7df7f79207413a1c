// The simulated board: builds the firmware and the simavr harness if needed (make), converts a WFDB record
// into the harness's input, starts firmware-bridge/build/ecgsim and exposes its serial device path, its
// pin-change events and its control commands (lead-off, fault injection).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../native/binding.js';
import { resolveRecord } from '../wfdb/index.js';
import { writeSimInput, type SimRecord } from './sim-input.js';

export const FIRMWARE_DIR = path.join(packageRoot, 'firmware-bridge');
export const FIRMWARE_ELF = path.join(FIRMWARE_DIR, 'build', 'ecg-edge-fw.elf');
export const SIM_BIN = path.join(FIRMWARE_DIR, 'build', 'ecgsim');

/** What the simulated board needs on this machine; returns the missing pieces (empty when all is there). */
export function missingToolchain(): string[] {
  const missing: string[] = [];
  const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  if (!has('make', ['--version'])) missing.push('make');
  if (!has('avr-gcc', ['--version'])) missing.push('avr-gcc (Debian: gcc-avr avr-libc)');
  if (!existsSync('/usr/share/arduino/hardware/arduino/avr/cores/arduino/Arduino.h')) missing.push('Arduino core (Debian: arduino-core-avr)');
  if (!existsSync('/usr/include/simavr/sim_avr.h')) missing.push('simavr headers and library (Debian: simavr libsimavr-dev libelf-dev)');
  if (!has('cc', ['--version'])) missing.push('a C compiler (Debian: build-essential)');
  return missing;
}

/**
 * Runs make in firmware-bridge/ (incremental) under a lock, so that concurrent callers (parallel test files,
 * a monitor and a test) never build the same outputs at once. Returns make's output; throws with it on failure.
 */
export function runMake(targets: string[]): string {
  const missing = missingToolchain();
  if (missing.length) {
    throw new Error(`the simulated board needs: ${missing.join(', ')}. Install them with scripts/install-system-deps.sh`);
  }
  const lock = path.join(FIRMWARE_DIR, 'build', '.make-lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${lock} is held for over 5 minutes: remove it if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    const r = spawnSync('make', ['-C', FIRMWARE_DIR, ...targets], { encoding: 'utf8' });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0) throw new Error(`building the firmware failed (make -C ${FIRMWARE_DIR} ${targets.join(' ')}):\n${out}`);
    return out;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the firmware (with its size check) and the harness. */
export function buildFirmware(): string {
  return runMake(['firmware', 'sim']);
}

export interface SimOptions {
  /** WFDB record: a path without extension, or a name looked up in $ECG_EDGE_DATA/mitdb and fixtures/mitdb. */
  record: string;
  channel?: number;
  /** Only the first `seconds` of the record. */
  seconds?: number;
  /** Simulated seconds per wall second (default 1). */
  speed?: number;
  /** Where to create the serial device link (default: a fresh temporary folder). */
  ptyPath?: string;
  /** Restart the record at its end (default true). */
  loop?: boolean;
  /** Skip `make` (the caller built already). */
  noBuild?: boolean;
}

export interface PinEvent { pin: number; value: number; conv: number }

export class SimulatedBoard extends EventEmitter {
  readonly pins = new Map<number, number>();
  exited = false;
  private waiters: { prefix: string; resolve: (line: string) => void }[] = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly path: string,
    readonly tty: string,
    readonly speed: number,
    readonly record: SimRecord,
    private readonly tmp: string | null,
  ) {
    super();
  }

  static async start(opts: SimOptions): Promise<SimulatedBoard> {
    if (!opts.noBuild) buildFirmware();
    else if (!existsSync(SIM_BIN) || !existsSync(FIRMWARE_ELF)) throw new Error('the firmware is not built: run `npm run firmware:build`');
    const recordPath = resolveRecord(opts.record);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ecg-edge-sim-'));
    const input = path.join(tmp, 'record.ecgsim');
    const record = writeSimInput(recordPath, input, { channel: opts.channel, seconds: opts.seconds });
    const ptyPath = opts.ptyPath ?? path.join(tmp, 'board');
    const speed = opts.speed ?? 1;
    const args = ['--elf', FIRMWARE_ELF, '--input', input, '--pty', ptyPath, '--speed', String(speed)];
    if (opts.loop === false) args.push('--no-loop');
    const child = spawn(SIM_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const lines = createInterface({ input: child.stdout });
    const ready = await new Promise<string>((resolve, reject) => {
      const onLine = (l: string) => {
        if (l.startsWith('ready ')) {
          lines.off('line', onLine);
          resolve(l);
        }
      };
      lines.on('line', onLine);
      child.once('exit', (code) => reject(new Error(`the simulator exited (code ${code}) before it was ready: ${stderr.trim()}`)));
      child.once('error', reject);
    });
    const tty = /tty=(\S+)/.exec(ready)?.[1] ?? '';
    const board = new SimulatedBoard(child, ptyPath, tty, speed, record, tmp);
    lines.on('line', (l) => board.onLine(l));
    child.once('exit', (code) => {
      board.exited = true;
      board.emit('exit', code, stderr);
    });
    return board;
  }

  private onLine(l: string): void {
    this.emit('line', l);
    const pin = /^pin (\d+) (\d) conv=(\d+)/.exec(l);
    if (pin) {
      const e: PinEvent = { pin: Number(pin[1]), value: Number(pin[2]), conv: Number(pin[3]) };
      this.pins.set(e.pin, e.value);
      this.emit('pin', e);
    }
    const i = this.waiters.findIndex((w) => l.startsWith(w.prefix));
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(l);
  }

  private expect(prefix: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const w = { prefix, resolve: (line: string) => { clearTimeout(t); resolve(line); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`the simulator did not answer '${prefix}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Sends a harness command (lo+ 1, corrupt 1, drop 5, garbage 8, pause 500, unplug 1000 ...); resolves with
   *  the number of ADC conversions done when it took effect. */
  async command(cmd: string): Promise<{ conv: number; cycle: number }> {
    if (this.exited) throw new Error('the simulator has exited');
    const ack = this.expect(`ok ${cmd}`);
    const err = this.expect(`error unknown or malformed command: ${cmd}`);
    this.child.stdin.write(`${cmd}\n`);
    const line = await Promise.race([ack, err]);
    if (line.startsWith('error')) throw new Error(line);
    return { conv: Number(/conv=(\d+)/.exec(line)?.[1]), cycle: Number(/cycle=(\d+)/.exec(line)?.[1]) };
  }

  async stats(): Promise<Record<string, number>> {
    const line = this.expect('stats ');
    this.child.stdin.write('stats\n');
    const out: Record<string, number> = {};
    for (const m of (await line).matchAll(/(\w+)=([\d.]+)/g)) out[m[1]] = Number(m[2]);
    return out;
  }

  waitForPin(pin: number, value: number, timeoutMs = 10_000): Promise<PinEvent> {
    if (this.pins.get(pin) === value) return Promise.resolve({ pin, value, conv: -1 });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('pin', on);
        reject(new Error(`pin ${pin} did not become ${value} within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (e: PinEvent) => {
        if (e.pin === pin && e.value === value) {
          clearTimeout(t);
          this.off('pin', on);
          resolve(e);
        }
      };
      this.on('pin', on);
    });
  }

  /** Stops the harness (closing its stdin ends it cleanly) and removes the temporary files. */
  async stop(): Promise<void> {
    if (!this.exited) {
      const done = new Promise((r) => this.once('exit', r));
      this.child.stdin.end();
      const t = setTimeout(() => this.child.kill('SIGTERM'), 3000);
      await done;
      clearTimeout(t);
    }
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
  }
}
