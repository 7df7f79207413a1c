// `ecg-edge board`: the acquisition board. `simulate` runs the real firmware in simavr on a WFDB record and
// prints the serial device to connect to; `build` builds the firmware; `info` identifies a board on a port.
import { createInterface } from 'node:readline';
import { CliError, numberOption, parse, type CommandSpec } from '../args.js';
import { buildFirmware, missingToolchain, SimulatedBoard } from '../../acquisition/simulator.js';
import { BoardLink } from '../../acquisition/link.js';
import { actualRate, describeInfo, RESET_CAUSES } from '../../acquisition/protocol.js';

const help = `Usage: ecg-edge board simulate --record <rec> [--speed 1] [--pty PATH] [--seconds S] [--channel C] [--no-loop]
       ecg-edge board build
       ecg-edge board info --port <dev> [--json]

simulate  Builds the firmware and the simulator if needed (make, avr-gcc, simavr), then runs the firmware
          .elf as an ATmega328P at 16 MHz. Its ADC follows the record (scaled to the AD8232's output), its
          UART is a pseudo-terminal. The first line printed is the serial device path: connect with
          \`ecg-edge monitor --port <path>\` or any Firmata client (johnny-five). Pin changes of the board are
          printed as they happen. Commands typed on stdin go to the simulator:
            lo+ 0|1, lo- 0|1      electrode off/on (AD8232 LO+ / LO- outputs)
            corrupt N, drop N, garbage N, pause MS, unplug MS   link faults; stats; quit
          Ctrl-C or end of input stops it.
  --record R    WFDB record: a path without extension, or a name in $ECG_EDGE_DATA/mitdb or fixtures/mitdb
  --speed X     simulated seconds per wall second (default 1)
  --pty PATH    where to create the device link (default: a temporary folder)
  --seconds S   use only the first S seconds of the record
  --channel C   channel number (default: MLII)
  --no-loop     hold the last sample at the end of the record instead of restarting it
build     Builds firmware-bridge (firmware, size check, simulator): the same as \`npm run firmware:build\`.
info      Identifies the board on a serial port (firmware, protocol, rate, ADC, front end) and pings it.
  -h, --help    this help`;

export const boardCommand: CommandSpec = {
  name: 'board',
  summary: 'the acquisition board: simulate it (real firmware in simavr), build its firmware, identify one on a port',
  help,
  async run(argv) {
    const args = parse(
      argv,
      {
        record: { type: 'string' }, speed: { type: 'string' }, pty: { type: 'string' }, seconds: { type: 'string' },
        channel: { type: 'string' }, 'no-loop': { type: 'boolean' }, port: { type: 'string' }, json: { type: 'boolean' },
      },
      help,
      true,
    );
    if (!args) return 0;
    const [sub, ...extra] = args.positionals;
    if (extra.length) throw new CliError(`unexpected argument '${extra[0]}'\n\n${help}`);
    const v = args.values;
    if (sub === 'build') {
      const out = buildFirmware();
      const size = out.split('\n').filter((l) => l.startsWith('firmware size'));
      console.log(size.length ? size.join('\n') : 'firmware and simulator are up to date');
      return 0;
    }
    if (sub === 'info') {
      if (!v.port) throw new CliError(`info: --port is required (the board's serial device)\n\n${help}`);
      const link = new BoardLink({ path: v.port, autoStart: false, reconnect: false });
      const info = await link.connect();
      const rtt = await link.ping();
      await link.close();
      const cause = Object.entries(RESET_CAUSES).filter(([b]) => info.resetCause & Number(b)).map(([, n]) => n).join('+') || 'unknown';
      if (v.json) console.log(JSON.stringify({ port: v.port, ...info, actualRateHz: actualRate(info.rateHz), resetCauseText: cause, pingMs: rtt }));
      else {
        console.log(`${v.port}: ${describeInfo(info)}`);
        console.log(`  front end: gain ${info.gain}, offset ${info.offsetMv} mV, ADC reference ${info.vrefMv} mV; last reset: ${cause}; ping ${rtt.toFixed(1)} ms`);
      }
      return 0;
    }
    if (sub !== 'simulate') throw new CliError(`expected a subcommand: simulate, build or info; got ${sub ? `'${sub}'` : 'none'}\n\n${help}`);
    if (!v.record) throw new CliError(`simulate: --record is required (e.g. --record 208)\n\n${help}`);
    const missing = missingToolchain();
    if (missing.length) throw new CliError(`simulate needs: ${missing.join(', ')}. Install them with scripts/install-system-deps.sh`);
    const speed = numberOption('speed', v.speed, { min: 0.01, max: 100, default: 1 })!;
    const seconds = numberOption('seconds', v.seconds, { min: 1 });
    const channel = numberOption('channel', v.channel, { min: 0, integer: true });
    let sim: SimulatedBoard;
    try {
      sim = await SimulatedBoard.start({ record: v.record, speed, ptyPath: v.pty, seconds, channel, loop: !v['no-loop'] });
    } catch (err) {
      throw new CliError(`simulate: ${(err as Error).message}`);
    }
    console.log(sim.path);
    const r = sim.record;
    console.error(
      `ecg-edge board simulate: firmware running on a simulated ATmega328P (16 MHz), serial device ${sim.path} (${sim.tty}); ` +
        `ADC fed from record ${r.header.record} channel ${r.header.signals[r.channel].description} (${(r.signal.length / r.header.fs).toFixed(0)} s), speed ${speed}x. ` +
        `Type commands (lo+ 1, unplug 1000, stats, quit) or Ctrl-C to stop.`,
    );
    sim.on('line', (l: string) => {
      if (l.startsWith('pin ') || l.startsWith('ok ') || l.startsWith('error ') || l.startsWith('stats ') || l.startsWith('replugged') || l.startsWith('wrap')) console.log(l);
    });
    const stdin = createInterface({ input: process.stdin });
    stdin.on('line', (l) => {
      const cmd = l.trim();
      if (cmd) sim.command(cmd).catch((err: Error) => console.error(err.message));
    });
    const done = new Promise<void>((resolve) => {
      sim.once('exit', () => resolve());
      stdin.once('close', () => resolve());
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await done;
    stdin.close();
    await sim.stop();
    console.error('ecg-edge board simulate: stopped');
    return 0;
  },
};
