// `ecg-edge export`: quantizes a trained float model (tfjs Layers folder with spec.json) into an int8 .ecgm file
// for the native core, with activation scales calibrated on training beats only, and optionally measures its
// fidelity against the float model on the protocol's test beats.
import fs from 'node:fs';
import path from 'node:path';
import { mitdbOption } from '../train-args.js';
import { CliError, parse, type CommandSpec } from '../args.js';
import { PROTOCOLS, checkProtocol, buildSplit, setInputs, type Protocol, type BeatSet } from '../../train/dataset/protocols.js';
import { CLASS_NAMES, type InputSpec } from '../../train/spec.js';
import { writeSection } from '../../train/report/section.js';

const help = `Usage: ecg-edge export <model-dir> --out <file.ecgm> [--calibration ${PROTOCOLS.join('|')}] [--db DIR]
                         [--beats N] [--int16 auto|none|NAME,...] [--fidelity] [--fidelity-on test|calibration]
                         [--bias-correction on|off] [--widen NAME=F,...] [--json]
       ecg-edge export --results [--models DIR]

Quantizes a model written by \`ecg-edge train\` into the int8 model file format (docs/MODEL_FORMAT.md):
per-channel symmetric int8 weights, int32 biases, batch norm folded into the convolutions, int8 activations with
scales calibrated on TRAINING beats only (inter-patient: DS1; intra-patient: the 80% training split), int16
logits, LSTM with int16 cell state. For fidelity the beat input stays at 16 bits when only convolutions read it,
a global average pooling gets its own calibrated scale, and each residual Add is folded into the convolution
before it (the other branch added in the int32 accumulator): such files are format 2.1. Activations of the first
layers can be kept at 16 bits (TFLite's "16x8": int16 with zero point 0, int8 weights; format 2.2), chosen per
tensor by --int16.

  --out FILE          output file (required)
  --calibration P     protocol whose training beats calibrate the scales (default: the model's spec.protocol,
                      else inter-patient)
  --db DIR            MIT-BIH folder (default $ECG_EDGE_DATA/mitdb)
  --beats N           calibration beats, stratified by class (default 4000)
  --int16 MODE        which activations stay at 16 bits (format 2.2):
                        auto (default): start with all at 8 bits, then keep the candidates at 16 bits one more
                          at a time, earliest layer first, until float vs int8 class agreement on ALL the
                          calibration protocol's TRAINING beats (inter-patient: DS1; intra-patient: the training
                          split; never test beats) is >= 99.9 % (every candidate if it never is). The candidates
                          are the convolution outputs whose readers take 16-bit inputs (convolutions, max
                          pooling, global average pooling, LSTM), e.g. relu_1 (see the --json report's
                          int16_candidates); the steps are in the --json report (int16_steps)
                        none: every activation at 8 bits (files as before, format 2.0/2.1)
                        NAME,...: exactly these (names from int16_candidates)
  --bias-correction B on (default): subtract from each convolution's and dense layer's bias the mean shift that
                      rounding its weights to int8 causes (Σ (w_q − w)·E[x], E[x] per input channel over the
                      calibration beats); off: the float bias as is
  --fidelity          also score float vs int8 on the protocol's test beats (DS2 / intra-patient test split):
                      class agreement, macro F1 of each and the drop; written beside the model as <out>.fidelity.json
  --fidelity-on S     with --fidelity, the beats scored: test (default) or calibration (the protocol's training
                      beats, e.g. all of DS1: for diagnosing the quantization without looking at the test set;
                      no .fidelity.json is written)
  --widen NAME=F,...  diagnosis: multiply the calibrated range of these activations by F (2 = one bit less for
                      that tensor alone; names as in the --json report's ranges, or rr) to find which tensor's
                      quantization costs the most agreement
  --clip F            clip each activation range to its F and 1−F quantiles on the calibration beats
                      (default 0: min/max)
  --json              print the summary as JSON
  --results           rewrite the int8 section of docs/RESULTS.md from every models/**/*.fidelity.json`;

/** Deterministic stratified subset: every class capped at a share of n, spread evenly over the set. */
function calibrationSubset(set: BeatSet, n: number): Int32Array {
  const byClass: number[][] = CLASS_NAMES.map(() => []);
  for (let i = 0; i < set.n; i++) if (set.label[i]! >= 0) byClass[set.label[i]!]!.push(i);
  const minority = Math.floor(n / 8);
  const picks: number[] = [];
  const take = (list: number[], k: number) => {
    if (list.length <= k) { picks.push(...list); return; }
    for (let j = 0; j < k; j++) picks.push(list[Math.floor((j * list.length) / k)]!);
  };
  for (let c = 1; c < byClass.length; c++) take(byClass[c]!, minority);
  take(byClass[0]!, Math.max(0, n - picks.length));
  return Int32Array.from(picks.sort((a, b) => a - b));
}

export interface Fidelity {
  model: string;
  file: string;
  arch: string;
  protocol: Protocol;
  beats: number;
  agreement: number;
  macro_f1_float: number | null;
  macro_f1_int8: number | null;
  macro_f1_drop: number | null;
  veb_f1_float: number | null;
  veb_f1_int8: number | null;
  sveb_f1_float: number | null;
  sveb_f1_int8: number | null;
  bytes: number;
  arena_bytes: number;
  date: string;
  /** Activations kept at 16 bits (format 2.2) and, with the automatic choice, the agreement on the training beats that chose them. */
  int16?: string[];
  int16_training_agreement?: number;
}

/** The int8 section of docs/RESULTS.md from every *.fidelity.json under modelsDir. */
export async function writeResults(modelsDir: string): Promise<string> {
  const found: Fidelity[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.fidelity.json')) found.push(JSON.parse(fs.readFileSync(p, 'utf8')) as Fidelity);
    }
  };
  walk(modelsDir);
  if (!found.length) throw new CliError(`no *.fidelity.json under ${modelsDir}: run \`ecg-edge export <model> --out <file> --fidelity\` first`);
  const name = (r: Fidelity) => path.basename(path.resolve(r.model));
  found.sort((a, b) => a.protocol.localeCompare(b.protocol) || name(a).localeCompare(name(b)));
  // three decimals: 99.497 % must not print as a passing 99.50 %
  const pct = (x: number | null) => (x === null ? '-' : (100 * x).toFixed(3));
  const met = (r: Fidelity) => (r.agreement >= 0.995 && (r.macro_f1_drop ?? 0) <= 0.005 ? 'yes' : '**no**');
  const f3 = (x: number | null) => (x === null ? '-' : x.toFixed(4));
  const lines = [
    '## int8 inference: fidelity of the exported models',
    '',
    `Generated by \`ecg-edge export <model> --out <file> --fidelity\` per model, then \`ecg-edge export --results\`.`,
    'Float = the tfjs model; int8 = the exported .ecgm file run by the native core (same beats, reference positions).',
    'Targets: macro F1 drop ≤ 0.005 and class agreement ≥ 99.5 %.',
    '',
    '16-bit activations: chosen by `--int16 auto` (the default): the earliest candidates kept at 16 bits until float/int8',
    'agreement on all the protocol\'s training beats (DS1 / the intra-patient training split) is ≥ 99.9 % (docs/MODEL_FORMAT.md);',
    'the last column gives that training-beat agreement.',
    '',
    '| protocol | model (arch) | test beats | agreement % | targets met | macro F1 float | macro F1 int8 | drop | VEB F1 float/int8 | SVEB F1 float/int8 | file bytes | arena bytes | date | 16-bit activations | training-beat agreement % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...found.map((r) => `| ${r.protocol} | ${name(r)}${name(r) === r.arch ? '' : ` (${r.arch})`} | ${r.beats} | ${pct(r.agreement)} | ${met(r)} | ${f3(r.macro_f1_float)} | ${f3(r.macro_f1_int8)} | ${f3(r.macro_f1_drop)} | ${f3(r.veb_f1_float)} / ${f3(r.veb_f1_int8)} | ${f3(r.sveb_f1_float)} / ${f3(r.sveb_f1_int8)} | ${r.bytes} | ${r.arena_bytes} | ${r.date} | ${r.int16 === undefined ? '-' : r.int16.length ? r.int16.join(', ') : 'none'} | ${r.int16_training_agreement === undefined ? '-' : pct(r.int16_training_agreement)} |`),
    '',
  ];
  return lines.join('\n');
}

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'quantize a trained model to an int8 .ecgm file for the native core (and measure its fidelity)',
  help,
  async run(argv) {
    const a = parse(argv, {
      out: { type: 'string' }, calibration: { type: 'string' }, db: { type: 'string' }, beats: { type: 'string' },
      fidelity: { type: 'boolean' }, json: { type: 'boolean' }, results: { type: 'boolean' }, models: { type: 'string' }, clip: { type: 'string' },
      'fidelity-on': { type: 'string' }, widen: { type: 'string' }, int16: { type: 'string' }, 'bias-correction': { type: 'string' },
    }, help, true);
    if (!a) return 0;
    const o = a.values as Record<string, string | boolean | undefined>;
    const { packageRoot } = await import('../../native/binding.js');
    if (o.results) {
      const body = await writeResults((o.models as string | undefined) ?? path.join(packageRoot, 'models'));
      const file = path.join(packageRoot, 'docs', 'RESULTS.md');
      writeSection(file, 'int8', body);
      console.log(`wrote the int8 section of ${file}`);
      return 0;
    }
    const dir = a.positionals[0];
    if (!dir || a.positionals.length > 1) throw new CliError(`give exactly one model folder (written by \`ecg-edge train\`)\n\n${help}`);
    if (!o.out) throw new CliError('--out <file.ecgm> is required');
    const nBeats = o.beats === undefined ? 4000 : Number(o.beats);
    if (!Number.isInteger(nBeats) || nBeats < 50 || nBeats > 200000) throw new CliError(`--beats must be an integer from 50 to 200000, got '${o.beats}'`);
    const fidOn = (o['fidelity-on'] as string | undefined) ?? 'test';
    if (fidOn !== 'test' && fidOn !== 'calibration') throw new CliError(`--fidelity-on must be test or calibration, got '${fidOn}'`);
    const widen: Record<string, number> = {};
    if (o.widen !== undefined) {
      for (const part of String(o.widen).split(',')) {
        const m = /^([^=]+)=([0-9.eE+-]+)$/.exec(part.trim());
        const f = m ? Number(m[2]) : NaN;
        if (!m || !(f > 0 && Number.isFinite(f))) throw new CliError(`--widen: expected NAME=FACTOR[,NAME=FACTOR...] with a positive factor, got '${part}'`);
        widen[m[1]!] = f;
      }
    }
    const int16Opt = (o.int16 as string | undefined) ?? 'auto';
    if (!int16Opt.trim()) throw new CliError(`--int16 must be auto, none or a comma-separated list of activation names`);
    const int16Names = int16Opt === 'auto' || int16Opt === 'none' ? [] : int16Opt.split(',').map((x) => x.trim()).filter(Boolean);
    const bcOpt = (o['bias-correction'] as string | undefined) ?? 'on';
    if (bcOpt !== 'on' && bcOpt !== 'off') throw new CliError(`--bias-correction must be on or off, got '${bcOpt}'`);
    const biasCorrection = bcOpt === 'on';
    const { initEngine } = await import('../../train/engine.js');
    const { loadModel } = await import('../../train/io.js');
    const { quantizeModel, quantizeAuto, AUTO_INT16_TARGET } = await import('../../nn/quantize.js');
    const { Int8Classifier } = await import('../../nn/index.js');
    await initEngine('auto', { quiet: !!o.json });
    const { model, spec } = await loadModel(dir);
    if (!spec) throw new CliError(`model ${dir} has no spec.json: export needs the input spec written by \`ecg-edge train\``);
    let protocol: Protocol;
    try {
      protocol = checkProtocol((o.calibration as string | undefined) ?? spec.protocol ?? 'inter-patient');
    } catch (e) {
      throw new CliError(`--calibration: ${(e as Error).message}`);
    }
    const db = mitdbOption(o.db);
    const parts: ('train' | 'val' | 'test')[] = protocol === 'inter-patient' ? ['train', 'val'] : ['train'];
    const split = await buildSplit(protocol, db, spec.input, o.fidelity && fidOn === 'test' ? [...parts, 'test'] : parts);
    // Calibration: training beats only (inter-patient: DS1 = training + validation records; never DS2).
    const calSet = protocol === 'inter-patient' ? mergeSets(split.train, split.val) : split.train;
    const cal = setInputs(calSet, spec.input, calibrationSubset(calSet, nBeats));
    const t0 = Date.now();
    const clip = o.clip === undefined ? 0 : Number(o.clip);
    if (!(clip >= 0 && clip < 0.01)) throw new CliError(`--clip must be a fraction from 0 to 0.01 (e.g. 1e-4), got '${o.clip}'`);
    let bytes: Uint8Array, report: Awaited<ReturnType<typeof quantizeModel>>['report'];
    let steps: import('../../nn/quantize.js').AutoStep[] | undefined;
    // float labels of every training beat: the automatic 16-bit choice and --fidelity-on calibration score on them
    let calFloat: { beats: Float32Array; rr: Float32Array; labels: Int32Array } | undefined;
    const floatOnCal = async () => {
      if (!calFloat) {
        const { predictPrepared, argmax } = await import('../../train/predict.js');
        const { beats, rr } = setInputs(calSet, spec.input);
        calFloat = { beats, rr, labels: Int32Array.from(argmax(await predictPrepared(model, beats, spec.input.length, rr))) };
      }
      return calFloat;
    };
    try {
      if (int16Opt === 'auto') {
        const fl = await floatOnCal();
        const score = (b: Uint8Array) => {
          const c = Int8Classifier.load(b);
          try {
            const q = c.classifyBatch(fl.beats, fl.rr);
            let agree = 0;
            for (let i = 0; i < calSet.n; i++) agree += +(fl.labels[i] === q.labels[i]);
            return agree / calSet.n;
          } finally { c.close(); }
        };
        ({ bytes, report, steps } = await quantizeAuto(model, spec, cal, score, { clip, widen, biasCorrection, ...(o.json ? {} : { log: (s: string) => console.log(s) }) }));
      } else ({ bytes, report } = await quantizeModel(model, spec, cal, { clip, widen, biasCorrection, int16: int16Names }));
    } catch (e) {
      if (o.widen !== undefined && /^widen/.test((e as Error).message)) throw new CliError(`--${(e as Error).message}`);
      if (/^int16/.test((e as Error).message)) throw new CliError(`--${(e as Error).message}`);
      throw e;
    }
    fs.mkdirSync(path.dirname(path.resolve(o.out as string)), { recursive: true });
    fs.writeFileSync(o.out as string, bytes);
    const clf = Int8Classifier.load(o.out as string);
    const summary: Record<string, unknown> = {
      model: dir, file: o.out, arch: spec.arch, calibration: protocol, calibration_beats: cal.n, bytes: bytes.length,
      sha256: clf.sha256, arena_bytes: clf.arenaBytes, ops: report.ops.length, lstm: report.lstm, seconds: (Date.now() - t0) / 1000,
      bias_correction: biasCorrection, int16_candidates: report.int16Candidates, int16: report.int16,
      ...(steps ? { int16_rule: `earliest first until agreement on the ${calSet.n} ${protocol} training beats >= ${100 * AUTO_INT16_TARGET} %`, int16_steps: steps } : {}),
      ranges: report.ranges, ...(o.widen !== undefined ? { widen } : {}),
    };
    if (o.fidelity && fidOn === 'calibration') {
      const fid = await fidelity(model, spec.input, calSet, clf, (await floatOnCal()).labels);
      summary.fidelity = { model: dir, file: o.out as string, arch: spec.arch, protocol, on: 'calibration', ...fid, bytes: bytes.length, arena_bytes: clf.arenaBytes, date: new Date().toISOString().slice(0, 10) };
    } else if (o.fidelity) {
      const fid = await fidelity(model, spec.input, split.test, clf);
      const rec: Fidelity = { model: dir, file: o.out as string, arch: spec.arch, protocol, ...fid, bytes: bytes.length, arena_bytes: clf.arenaBytes, date: new Date().toISOString().slice(0, 10),
        int16: report.int16, ...(steps ? { int16_training_agreement: steps[steps.length - 1]!.agreement } : {}) };
      fs.writeFileSync(`${o.out}.fidelity.json`, JSON.stringify(rec, null, 2) + '\n');
      summary.fidelity = rec;
    }
    if (o.json) console.log(JSON.stringify(summary));
    else {
      console.log(`wrote ${o.out}: ${bytes.length} bytes, ${report.ops.length} ops, arena ${clf.arenaBytes} bytes, sha256 ${clf.sha256}`);
      console.log(`calibrated on ${cal.n} ${protocol} training beats; 16-bit activations: ${report.int16.length ? report.int16.join(', ') : 'none'} (of ${report.int16Candidates.length} candidates)`);
      const f = summary.fidelity as Fidelity | undefined;
      if (f) console.log(`fidelity on ${f.beats} ${fidOn === 'calibration' ? `${protocol} training (calibration) ` : 'test '}beats: agreement ${(100 * f.agreement).toFixed(2)} %, macro F1 float ${f.macro_f1_float?.toFixed(4)} int8 ${f.macro_f1_int8?.toFixed(4)} (drop ${f.macro_f1_drop?.toFixed(4)})`);
    }
    return 0;
  },
};

function mergeSets(a: BeatSet, b: BeatSet): BeatSet {
  const cat = <T extends Float32Array | Int8Array | Int16Array | Int32Array>(x: T, y: T): T => {
    const out = new (x.constructor as new (n: number) => T)(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return { n: a.n + b.n, margin: a.margin, windows: cat(a.windows, b.windows), rr: cat(a.rr, b.rr), rrGate: cat(a.rrGate, b.rrGate), tpl: a.tpl && b.tpl ? cat(a.tpl, b.tpl) : null, label: cat(a.label, b.label), rec: cat(a.rec, b.rec), sample: cat(a.sample, b.sample), records: [...a.records, ...b.records] };
}

async function fidelity(model: import('@tensorflow/tfjs').LayersModel, spec: InputSpec, set: BeatSet, clf: import('../../nn/index.js').Int8Classifier, floatLabels?: ArrayLike<number>) {
  const { predictPrepared, argmax } = await import('../../train/predict.js');
  const { reportFromLabels } = await import('../../train/classify.js');
  const { beats, rr } = setInputs(set, spec);
  const fl = floatLabels ?? argmax(await predictPrepared(model, beats, spec.length, rr));
  const q = clf.classifyBatch(beats, rr);
  let agree = 0;
  for (let i = 0; i < set.n; i++) agree += +(fl[i] === q.labels[i]);
  const rf = reportFromLabels(set.label, fl), rq = reportFromLabels(set.label, q.labels);
  return {
    beats: set.n,
    agreement: agree / set.n,
    macro_f1_float: rf.macro_f1,
    macro_f1_int8: rq.macro_f1,
    macro_f1_drop: rf.macro_f1 !== null && rq.macro_f1 !== null ? rf.macro_f1 - rq.macro_f1 : null,
    veb_f1_float: rf.veb.f1, veb_f1_int8: rq.veb.f1, sveb_f1_float: rf.sveb.f1, sveb_f1_int8: rq.sveb.f1,
  };
}
