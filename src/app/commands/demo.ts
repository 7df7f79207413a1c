// `ecg-edge demo` (npm start): streams a record shipped in fixtures/ in blocks, as a board would deliver it,
// through the best available detector and prints progress and the beats found against the reference.
// With the native detector and the AVR toolchain + simavr present, the record goes through the simulated board
// (the real firmware in simavr, its serial link and the host's BoardLink + live monitor); otherwise (or with
// --offline) it is streamed offline, with a message saying why. On the board, the shipped int8 model labels each
// beat (N, S, V, F, Q) and the labels are scored against the reference at the end.
import path from 'node:path';
import { numberOption, parse, pct, CliError, type CommandSpec } from '../args.js';
import { resolveChannel } from '../record-args.js';
import { BEAT_COLS, classAnnotation, classStats, compareRecord, DETECTORS, type Detector } from '../../eval/index.js';
import { loadMonitorModel } from './monitor.js';
import { type Annotation, type Header, fixturesDir, isBeatCode, readAnnotations, readRecord, resolveRecord } from '../../wfdb/index.js';
import { missingToolchain, SimulatedBoard } from '../../acquisition/simulator.js';
import { BoardLink } from '../../acquisition/link.js';
import { LiveMonitor } from '../../acquisition/monitor.js';
import { actualRate, describeInfo } from '../../acquisition/protocol.js';

const help = `Usage: ecg-edge demo [--record 100] [--seconds 60] [--block 0.5] [--detector NAME] [--realtime] [--speed 4] [--offline]

Streams a record that ships with ecg-edge (fixtures/mitdb: 100, 119, 208, 232 of the MIT-BIH Arrhythmia
Database, PhysioNet, ODC-By 1.0) block by block through the QRS detector and prints the beats found against
the reference annotations, then Se and +P over the streamed part (EC57 / bxb rules, from 0 s).

  --record R      record to stream: a name in fixtures/mitdb or a path (default: 100)
  --seconds S     how much of the record to stream (default: 60; 0 = whole record)
  --block S       block length in seconds, as the board sends them (default: 0.5)
  --detector NAME detector (default: native when built, else none: the demo explains and shows the reference)
  --channel C     channel number or name (default: MLII)
  --realtime      pace the stream at the sampling rate instead of as fast as possible (simulated board: speed 1)
  --speed X       simulated board: simulated seconds per wall second (default 4)
  --offline       stream the record directly instead of through the simulated board

With the native detector (the default), the record is played through the simulated board: the ecg-edge
firmware runs on a simulated ATmega328P (simavr), samples the record as its AD8232 input, and streams it over
a pseudo-terminal to the host's link and live monitor (HR, beats, signal quality, link health). This needs
avr-gcc, the Arduino core and simavr (scripts/install-system-deps.sh); without them the demo says so and
streams offline.
  -h, --help      this help`;

/** A streaming peak source: the native pipeline, if its module provides one. */
interface PeakStream {
  name: string;
  push(block: Int16Array): number[];
  flush(): number[];
  close(): void;
}

/** The native streaming pipeline (src/pipeline Pipeline class), if it exists and loads. */
async function nativeStream(fs: number): Promise<PeakStream | undefined> {
  try {
    const mod = (await import('../../pipeline/index.js')) as Record<string, unknown>;
    const Ctor = mod.Pipeline as (new (o: { fs: number; channels?: number }) => {
      push(b: Int16Array): unknown; flush(): unknown; close(): void;
    }) | undefined;
    if (typeof Ctor !== 'function') return undefined;
    const p = new Ctor({ fs, channels: 1 });
    const peaks = (out: unknown): number[] => {
      const o = out as { peaks?: Array<{ sample: number }>; events?: Array<{ sample: number }> } | undefined;
      return (o?.peaks ?? o?.events ?? []).map((e) => e.sample);
    };
    return { name: 'native pipeline (streaming)', push: (b) => peaks(p.push(b)), flush: () => peaks(p.flush()), close: () => p.close() };
  } catch {
    return undefined;
  }
}

/** A whole-record detector from the registry, its beats revealed block by block as the stream reaches them. */
async function offlineStream(
  det: Detector, rec: { header: Header; signals: Int16Array[]; recordPath: string }, channel: number, n: number,
): Promise<PeakStream> {
  const part = { ...rec, signals: rec.signals.map((x) => x.subarray(0, n)), header: { ...rec.header, nSamples: n } };
  const found = (await det.detect(part, channel)).filter((a) => isBeatCode(a.code) && a.sample < n).map((a) => a.sample);
  let pos = 0;
  return {
    name: `${det.name} detector (run on the record, revealed block by block)`,
    push(block) {
      const from = pos;
      pos += block.length;
      return found.filter((s) => s >= from && s < pos);
    },
    flush: () => [],
    close: () => {},
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'stream a bundled MIT-BIH record through the detector and show beats found vs the reference (npm start)',
  help,
  async run(argv) {
    const args = parse(
      argv,
      {
        record: { type: 'string' }, seconds: { type: 'string' }, block: { type: 'string' }, detector: { type: 'string' },
        channel: { type: 'string' }, realtime: { type: 'boolean' }, speed: { type: 'string' }, offline: { type: 'boolean' },
      },
      help,
      false,
    );
    if (!args) return 0;
    const v = args.values;
    const spec = v.record ?? '100';
    let recordPath: string;
    try {
      recordPath = spec.includes('/') ? resolveRecord(spec) : resolveRecord(path.join(fixturesDir(), spec));
    } catch (err) {
      throw new CliError(`--record: expected a record of ${fixturesDir()} (100, 119, 208, 232) or a record path, got '${spec}' (${(err as Error).message})`);
    }
    const rec = readRecord(recordPath);
    const { header } = rec;
    const seconds = numberOption('seconds', v.seconds, { min: 0, max: header.nSamples / header.fs, default: 60 })!;
    const blockS = numberOption('block', v.block, { min: 1 / header.fs, max: 60, default: 0.5 })!;
    const channel = resolveChannel(header, v.channel);
    const n = seconds === 0 ? header.nSamples : Math.min(header.nSamples, Math.round(seconds * header.fs));
    const blockLen = Math.max(1, Math.round(blockS * header.fs));
    const ref = readAnnotations(recordPath).filter((a) => isBeatCode(a.code) && a.sample < n);

    console.log(`ecg-edge demo: record ${header.record} (MIT-BIH Arrhythmia Database, PhysioNet, ODC-By 1.0; see fixtures/mitdb/README.md)`);
    console.log(`  streaming ${(n / header.fs).toFixed(1)} s of ${header.signals[channel]!.description || `channel ${channel}`} at ${header.fs} Hz in blocks of ${blockLen} samples`);

    let stream: PeakStream | undefined;
    const wanted = v.detector;
    if (wanted !== undefined && !DETECTORS.some((d) => d.name === wanted)) {
      throw new CliError(`--detector: expected one of ${DETECTORS.map((d) => d.name).join(', ')}, got '${wanted}'`);
    }
    if ((wanted === undefined || wanted === 'native') && !v.offline) {
      const speed = v.realtime ? 1 : numberOption('speed', v.speed, { min: 0.1, max: 20, default: 4 })!;
      const missing = missingToolchain();
      if (!missing.length) {
        return simulatedDemo({ recordPath, header, channel, n, ref, speed });
      }
      console.log(`  the simulated board is not available (missing: ${missing.join(', ')}; install with scripts/install-system-deps.sh):\n  streaming the record offline instead`);
    }
    if (wanted === undefined || wanted === 'native') stream = await nativeStream(header.fs);
    if (!stream) {
      const det = DETECTORS.find((d) => d.name === (wanted ?? 'native'));
      if (det) stream = await offlineStream(det, { ...rec, recordPath }, channel, n);
    }
    if (!stream) {
      console.log(
        '  no detector to run: the native QRS detector (issue 3) is not built into this copy yet.\n' +
          '  The demo streams the record anyway and shows the reference beats; `ecg-edge eval detect --detector reference`\n' +
          '  checks the evaluator, and `ecg-edge demo --detector reference` replays the reference annotations.',
      );
    } else console.log(`  detector: ${stream.name}`);

    const found: number[] = [];
    const signal = rec.signals[channel]!;
    let nextReport = 10 * header.fs;
    const t0 = Date.now();
    for (let start = 0; start < n; start += blockLen) {
      const block = signal.subarray(start, Math.min(n, start + blockLen));
      if (stream) found.push(...stream.push(block));
      const end = start + block.length;
      if (end >= nextReport || end >= n) {
        const refSoFar = ref.filter((a) => a.sample < end).length;
        console.log(`  t = ${(end / header.fs).toFixed(1).padStart(6)} s   reference beats ${String(refSoFar).padStart(5)}` +
          (stream ? `   found ${String(found.length).padStart(5)}` : ''));
        nextReport += 10 * header.fs;
      }
      if (v.realtime) {
        const due = t0 + (end / header.fs) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
    }
    if (stream) {
      found.push(...stream.flush());
      stream.close();
      const test: Annotation[] = found.map((sample) => ({ sample, symbol: 'N', code: 1, subtype: 0, chan: 0, num: 0, aux: '' }));
      const cmp = compareRecord(ref, test, { fs: header.fs, nSamples: n, from: 0 });
      console.log(`  beats: ${ref.length} in the reference, ${found.length} found; TP ${cmp.tp}, FN ${cmp.fn}, FP ${cmp.fp}; ` +
        `Se ${pct(cmp.se)}%, +P ${pct(cmp.ppv)}% (EC57 / bxb, 150 ms window, from 0 s)`);
    } else {
      console.log(`  reference beats in the streamed part: ${ref.length}`);
    }
    return 0;
  },
};

/** The record through the simulated board: firmware in simavr -> pty -> BoardLink -> LiveMonitor (native pipeline). */
async function simulatedDemo(o: { recordPath: string; header: Header; channel: number; n: number; ref: Annotation[]; speed: number }): Promise<number> {
  const { header, n, ref } = o;
  const sim = await SimulatedBoard.start({ record: o.recordPath, channel: o.channel, seconds: n / header.fs + 2, speed: o.speed, loop: false });
  const link = new BoardLink({ path: sim.path, clockScale: o.speed });
  const classifier = loadMonitorModel(undefined, (l) => console.log(`  ${l}`));
  const monitor = new LiveMonitor(link, { classifier: classifier ?? undefined });
  link.on('fault', (f: { kind: string; message: string }) => console.log(`  link ${f.kind}: ${f.message}`));
  monitor.start();
  try {
    const info = await link.connect();
    console.log(`  board: simulated ATmega328P (simavr) running the ecg-edge firmware: ${describeInfo(info)}`);
    console.log(`  serial device ${sim.path}, ${o.speed}x real time; detector: native pipeline (streaming, on the board's samples)`);
    // board sample k carries record sample round(k * fs / board clock) (firmware-bridge/README.md)
    const ratio = header.fs / actualRate(info.rateHz);
    const found = () => monitor.peaks.map((p) => Math.round(p.sample * ratio)).filter((x) => x < n);
    let nextReport = Math.min(n, 10 * header.fs);
    const t0 = Date.now();
    const limitMs = ((n / header.fs / o.speed) * 4 + 60) * 1000;
    for (;;) {
      const got = monitor.samplesReceived * ratio;
      while (got >= nextReport) {
        const f = found().filter((x) => x < nextReport).length;
        const r = ref.filter((a) => a.sample < nextReport).length;
        console.log(`  t = ${(nextReport / header.fs).toFixed(1).padStart(6)} s   reference beats ${String(r).padStart(5)}   found ${String(f).padStart(5)}   | ${LiveMonitor.formatLine(monitor.status())}`);
        if (nextReport >= n) break;
        nextReport = Math.min(n, nextReport + 10 * header.fs);
      }
      if (got >= n) break;
      if (Date.now() - t0 > limitMs) throw new Error(`the simulated board delivered ${monitor.samplesReceived} of ${n} samples in ${limitMs / 1000} s`);
      await sleep(50);
    }
    await link.stop();
    monitor.finish();
    const peaks = found();
    const test: Annotation[] = peaks.map((sample) => ({ sample, symbol: 'N', code: 1, subtype: 0, chan: 0, num: 0, aux: '' }));
    const cmp = compareRecord(ref, test, { fs: header.fs, nSamples: n, from: 0 });
    console.log(`  beats: ${ref.length} in the reference, ${peaks.length} found; TP ${cmp.tp}, FN ${cmp.fn}, FP ${cmp.fp}; ` +
      `Se ${pct(cmp.se)}%, +P ${pct(cmp.ppv)}% (EC57 / bxb, 150 ms window, from 0 s)`);
    if (classifier) {
      // beat classes: the int8 model's labels on the board's beats, scored against the reference (EC57 rules)
      const labelled = monitor.labels.map((b) => classAnnotation(Math.round(b.sample * ratio), b.className)).filter((a) => a.sample < n);
      const c = compareRecord(ref, labelled, { fs: header.fs, nSamples: n, from: 0 });
      const r = classStats(c.matrix);
      const cls = (['N', 'S', 'V', 'F', 'Q'] as const)
        .map((k) => ({ k, refN: BEAT_COLS.reduce((acc, col) => acc + c.matrix[k][col], 0) + c.matrix[k].o + c.matrix[k].x, se: r.classes[k].se }))
        .filter((x) => x.refN > 0)
        .map((x) => `${x.k} ${x.refN} (Se ${x.se === null ? '--' : pct(x.se)}%)`);
      console.log(`  beat classes by the int8 model ${path.relative(process.cwd(), classifier.source) || classifier.source} (${classifier.arch}): reference ${cls.join(', ')}; ` +
        `accuracy ${r.accuracy === null ? '--' : pct(r.accuracy)}% on ${labelled.length} labelled beats`);
    }
    console.log(`  ${LiveMonitor.formatLine(monitor.status())}`);
    return 0;
  } finally {
    await link.close();
    await sim.stop();
    classifier?.close();
  }
}
