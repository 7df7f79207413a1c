// `ecg-edge monitor`: the bedside monitor on a board (or a simulated one): live heart rate, beats, signal
// quality and link health on one line, faults as they happen.
import { CliError, numberOption, parse, type CommandSpec } from '../args.js';
import { BoardLink } from '../../acquisition/link.js';
import { LiveMonitor } from '../../acquisition/monitor.js';
import { describeInfo, RATES } from '../../acquisition/protocol.js';
import { missingToolchain, SimulatedBoard } from '../../acquisition/simulator.js';
import { Int8Classifier } from '../../nn/index.js';
import { defaultInt8Model } from '../../nn/default-model.js';

/**
 * The int8 model for `--model` (a file, or 'none'); by default the shipped inter-patient model with the best
 * validation score. Returns null (with the reason printed) when there is none.
 */
export function loadMonitorModel(spec: string | undefined, log: (line: string) => void): Int8Classifier | null {
  if (spec === 'none') return null;
  let file = spec;
  if (!file) {
    const d = defaultInt8Model('inter-patient');
    if (!d) {
      log('beat classes: off (no int8 model is shipped in models/; name one with --model FILE.ecgm)');
      return null;
    }
    file = d.file;
  }
  try {
    return Int8Classifier.load(file);
  } catch (err) {
    throw new CliError(`--model: ${(err as Error).message}`);
  }
}

const help = `Usage: ecg-edge monitor --port <dev> [--rate 360] [--seconds S] [--mains 50|60] [--json]
       ecg-edge monitor --simulate <record> [--speed 1] [--seconds S] ...

Connects to an ecg-edge board (firmware-bridge/), checks its protocol version, starts the stream and runs the
native signal path (filter, R-peak detection, signal quality) on it. Prints one live line:
  HR <bpm> | beats <n> | signal <good|LEAD OFF|noisy|...> | link <health and fault counts> | <elapsed>
  | classes N <n> S <n> V <n> F <n> Q <n>, last <class> (p <probability>)
and a line for each link fault (CRC error, lost blocks, resync, stall, unplug, board reset). The link
reconnects by itself when the device comes back.

  --port DEV         the board's serial device (e.g. /dev/ttyACM0, or the path printed by \`ecg-edge board simulate\`)
  --simulate REC     run the simulated board on a WFDB record (a path or a name in $ECG_EDGE_DATA/mitdb or
                     fixtures/mitdb) and monitor it
  --speed X          with --simulate: simulated seconds per wall second (default 1)
  --rate HZ          ask the board for ${RATES.join(', ')} Hz (default: the board's rate)
  --seconds S        stop after S seconds of signal (default: run until Ctrl-C)
  --mains 50|60      powerline frequency to notch (default 60)
  --model FILE       int8 model (.ecgm) that labels each beat N, S, V, F or Q; 'none' turns labels off
                     (default: the shipped inter-patient model with the best validation score)
  --json             print one JSON status object per second instead of the live line
  -h, --help         this help`;

export const monitorCommand: CommandSpec = {
  name: 'monitor',
  summary: 'live monitor on a board or a simulated board: HR, beats, signal quality, link health',
  help,
  async run(argv) {
    const args = parse(
      argv,
      {
        port: { type: 'string' }, simulate: { type: 'string' }, speed: { type: 'string' }, rate: { type: 'string' },
        seconds: { type: 'string' }, mains: { type: 'string' }, json: { type: 'boolean' }, model: { type: 'string' },
      },
      help,
      false,
    );
    if (!args) return 0;
    const v = args.values;
    if (!v.port === !v.simulate) throw new CliError(`expected exactly one of --port <dev> or --simulate <record>\n\n${help}`);
    const rate = numberOption('rate', v.rate, { integer: true });
    if (rate !== undefined && !RATES.includes(rate as (typeof RATES)[number])) throw new CliError(`--rate: expected one of ${RATES.join(', ')}, got ${rate}`);
    const seconds = numberOption('seconds', v.seconds, { min: 1 });
    const mains = numberOption('mains', v.mains, { integer: true });
    if (mains !== undefined && mains !== 50 && mains !== 60) throw new CliError(`--mains: expected 50 or 60, got ${mains}`);
    if (v.speed !== undefined && !v.simulate) throw new CliError('--speed: only with --simulate');
    const speed = numberOption('speed', v.speed, { min: 0.01, max: 50, default: 1 })!;
    const code = await runMonitor({ port: v.port, simulate: v.simulate, speed, rate, seconds, mains: mains as 50 | 60 | undefined, json: !!v.json, model: v.model });
    return code;
  },
};

export interface MonitorRun {
  port?: string;
  simulate?: string;
  speed: number;
  rate?: number;
  seconds?: number;
  mains?: 50 | 60;
  json: boolean;
  /** int8 model file, 'none', or undefined for the shipped default. */
  model?: string;
  /** Printed before the live lines (the demo explains itself). */
  banner?: string;
}

/** Runs the monitor until `seconds` of signal or Ctrl-C; returns the exit code. */
export async function runMonitor(o: MonitorRun): Promise<number> {
  let sim: SimulatedBoard | null = null;
  let port = o.port;
  if (o.simulate) {
    const missing = missingToolchain();
    if (missing.length) throw new CliError(`--simulate needs: ${missing.join(', ')}. Install them with scripts/install-system-deps.sh`);
    try {
      sim = await SimulatedBoard.start({ record: o.simulate, speed: o.speed });
    } catch (err) {
      throw new CliError(`--simulate: ${(err as Error).message}`);
    }
    port = sim.path;
    console.error(`simulated board: record ${sim.record.header.record}, serial device ${sim.path}, speed ${o.speed}x`);
  }
  const link = new BoardLink({ path: port!, rateHz: o.rate, clockScale: sim ? o.speed : 1 });
  const classifier = loadMonitorModel(o.model, (l) => console.error(l));
  if (classifier) console.error(`beat classes: int8 model ${classifier.source} (${classifier.arch}, ${classifier.classes.join('/')}, arena ${classifier.arenaBytes} B)`);
  const monitor = new LiveMonitor(link, { mains: o.mains, classifier: classifier ?? undefined });
  const tty = process.stdout.isTTY && !o.json;
  let lastLine = '';
  const print = (line: string) => {
    if (tty) process.stdout.write(`\r${line.padEnd(lastLine.length)}`);
    else console.log(line);
    lastLine = line;
  };
  link.on('fault', (f: { kind: string; message: string }) => {
    if (o.json) console.log(JSON.stringify({ fault: f.kind, message: f.message }));
    else {
      if (tty) process.stdout.write('\n');
      console.log(`link ${f.kind}: ${f.message}`);
    }
  });
  link.on('error', (err: Error) => console.error(`ecg-edge monitor: ${err.message}`));
  monitor.start();
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const onSig = () => stop();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    let info;
    try {
      info = await link.connect();
    } catch (err) {
      throw new CliError(`cannot start the board on ${port}: ${(err as Error).message}`);
    }
    if (o.banner) console.log(o.banner);
    if (!o.json) console.log(`board: ${describeInfo(info)}`);
    if (classifier && classifier.spec.fs !== link.fs) console.error(`beat classes: the model expects ${classifier.spec.fs} Hz but the board samples at ${link.fs} Hz: beats are not classified (use --rate ${classifier.spec.fs})`);
    const timer = setInterval(() => {
      const s = monitor.status();
      if (o.json) {
        console.log(JSON.stringify({
          seconds: +s.seconds.toFixed(2), hr: s.hr === null ? null : +s.hr.toFixed(1), beats: s.beats, quality: s.quality, leadOff: s.leadOff, link: s.link,
          ...(s.classes ? { classes: s.classes, lastLabel: s.lastLabel, unlabelled: s.unlabelled } : {}),
        }));
      }
      else print(LiveMonitor.formatLine(s));
      if (o.seconds !== undefined && s.seconds >= o.seconds) stop();
    }, 1000 / Math.max(1, Math.min(4, sim ? o.speed : 1)));
    await stopped;
    clearInterval(timer);
    monitor.finish();
    const s = monitor.status();
    if (tty) process.stdout.write('\n');
    if (!o.json) console.log(`summary: ${LiveMonitor.formatLine(s)}`);
    return 0;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    await link.close();
    if (sim) await sim.stop();
    classifier?.close();
  }
}
