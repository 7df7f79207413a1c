// `ecg-edge eval classify`: a trained model or ensemble scored on a protocol's test beats at reference positions.
import { existsSync } from 'node:fs';
import { engineOption, mitdbOption } from '../train-args.js';
import { CliError, parse, type CommandSpec } from '../args.js';
import { ENGINE_CHOICES } from '../../train/engine-choices.js';
import { PROTOCOLS, checkProtocol } from '../../train/dataset/protocols.js';
import type { ClassReport } from '../../eval/index.js';

const help = `Usage: ecg-edge eval classify --protocol <protocol> [--db DIR] [--model <dir or ensemble.json>] [--json]

Classifies the protocol's test beats at the reference R-peak positions and prints AAMI class statistics
(Se, +P, F1 per class; VEB and SVEB Se, +P, F1, FPR; accuracy; macro F1; the class matrix).
  inter-patient: every beat of DS2 (22 records, whole records);
  intra-patient: the 10% test beats of the stratified split of the 44 non-paced records.

  --protocol P        ${PROTOCOLS.join(' | ')} (required)
  --db DIR            MIT-BIH folder (default $ECG_EDGE_DATA/mitdb)
  --model PATH        a model folder written by \`ecg-edge train\` or an ensemble manifest (.json);
                      default: the shipped best ensemble, models/<protocol>/ensemble.json
  --engine E          ${ENGINE_CHOICES.join(' | ')} (default auto)
  --pipeline P        reference (default: the float model at reference beat positions) | native: an int8 model
                      file (--model <file.ecgm>) on the beats found by the native detector, matched to the reference
                      by EC57 rules (whole records; intra-patient scores all 44 non-paced records)
  --positions P       with --pipeline native: detected (default) | reference (the int8 model at reference positions)
  --json              print {"classes":{"N":{"se","ppv","f1"},...},"veb":{"se","ppv","f1","fpr",...},"sveb":{...},
                      "accuracy","macro_f1","matrix"}`;

const f = (x: number | null) => (x === null ? '   -  ' : (100 * x).toFixed(2).padStart(6));

export function formatClassReport(r: ClassReport, title: string): string {
  const lines = [title, 'class    Se %    +P %    F1 %'];
  for (const c of ['N', 'S', 'V', 'F', 'Q'] as const) lines.push(`${c.padEnd(5)} ${f(r.classes[c].se)}  ${f(r.classes[c].ppv)}  ${f(r.classes[c].f1)}`);
  lines.push(`VEB   ${f(r.veb.se)}  ${f(r.veb.ppv)}  ${f(r.veb.f1)}   FPR ${f(r.veb.fpr)} %`);
  lines.push(`SVEB  ${f(r.sveb.se)}  ${f(r.sveb.ppv)}  ${f(r.sveb.f1)}   FPR ${f(r.sveb.fpr)} %`);
  lines.push(`accuracy ${f(r.accuracy)} %   macro F1 ${f(r.macro_f1)} %`);
  lines.push('matrix (rows reference, columns predicted):');
  lines.push(`       ${['n', 's', 'v', 'f', 'q'].map((c) => c.padStart(7)).join('')}`);
  for (const R of ['N', 'S', 'V', 'F', 'Q'] as const) lines.push(`  ${R}    ${(['n', 's', 'v', 'f', 'q'] as const).map((c) => String(r.matrix[R][c]).padStart(7)).join('')}`);
  return lines.join('\n');
}

export const evalClassifyCommand: CommandSpec = {
  name: 'classify',
  summary: 'score a beat classifier (model or ensemble) on a protocol\'s test beats: class Se, +P, F1, VEB/SVEB',
  help,
  async run(argv) {
    const a = parse(argv, { protocol: { type: 'string' }, db: { type: 'string' }, model: { type: 'string' }, engine: { type: 'string' }, json: { type: 'boolean' }, pipeline: { type: 'string' }, positions: { type: 'string' } }, help, false);
    if (!a) return 0;
    const o = a.values as Record<string, string | boolean | undefined>;
    if (!o.protocol) throw new CliError(`--protocol is required: one of ${PROTOCOLS.join(', ')}`);
    let protocol;
    try {
      protocol = checkProtocol(o.protocol as string);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const engine = engineOption(o.engine);
    const db = mitdbOption(o.db);
    // --pipeline native (int8 engineer): the int8 model file through the device pipeline, tfjs-free (src/nn/evaluate.ts).
    const pipeline = (o.pipeline as string | undefined) ?? 'reference';
    if (pipeline !== 'reference' && pipeline !== 'native') throw new CliError(`unknown --pipeline '${pipeline}': choose reference or native`);
    if (pipeline === 'native') return runNative(protocol, db, o);
    if (o.positions !== undefined) throw new CliError('--positions applies only with --pipeline native');
    const { defaultModelPath, evaluateClassifier, loadClassifier } = await import('../../train/classify.js'); // loads TensorFlow.js
    const modelPath = (o.model as string | undefined) ?? defaultModelPath(protocol);
    if (!o.model && !existsSync(modelPath)) {
      throw new CliError(`no shipped default model for ${protocol}: ${modelPath} is missing. Pass --model <model folder or ensemble.json> (e.g. models/${protocol}/cnn-lstm), or build the ensemble first.`);
    }
    const clf = await loadClassifier(modelPath);
    const res = await evaluateClassifier(clf, protocol, db, { engine, quiet: Boolean(o.json) });
    if (o.json) console.log(JSON.stringify(res.report));
    else console.log(formatClassReport(res.report, `${protocol} test beats (${res.set.n}), ${clf.kind} ${modelPath}`));
    return 0;
  },
};

async function runNative(protocol: 'inter-patient' | 'intra-patient', db: string, o: Record<string, string | boolean | undefined>): Promise<number> {
  const file = o.model as string | undefined;
  if (!file) throw new CliError('--pipeline native needs --model <file.ecgm> (an int8 model written by `ecg-edge export`)');
  const positions = (o.positions as string | undefined) ?? 'detected';
  if (positions !== 'detected' && positions !== 'reference') throw new CliError(`unknown --positions '${positions}': choose detected or reference`);
  const { Int8Classifier } = await import('../../nn/index.js');
  const { evaluateNative } = await import('../../nn/evaluate.js');
  const clf = Int8Classifier.load(file);
  const res = await evaluateNative(clf, protocol, db, { positions });
  if (o.json) console.log(JSON.stringify(res.report));
  else console.log(formatClassReport(res.report, `${protocol}: ${res.beats} ${positions} beats, int8 ${file} (native pipeline, ${res.seconds.toFixed(1)} s)`));
  return 0;
}
