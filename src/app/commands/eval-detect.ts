// `ecg-edge eval detect`: QRS detection scored beat by beat (EC57 / bxb) over a database folder.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { CliError, listOption, numberOption, parse, pct, type CommandSpec } from '../args.js';
import { requireDir, resolveChannel, selectRecords } from '../record-args.js';
import { compareRecord, DETECTORS, qrsReport, type Detector, type QrsReport } from '../../eval/index.js';
import { type Annotation, readAnnotations, readHeader, readRecord } from '../../wfdb/index.js';

const defaultDetector = () => (DETECTORS.some((d) => d.name === 'native') ? 'native' : 'reference');

const help = () => `Usage: ecg-edge eval detect [--db DIR] [--records 100,101] [--detector NAME | --annotations DIR:ANNOTATOR]
                        [--from 300] [--to S] [--channel N|NAME] [--json]

Runs a QRS detector over each record (or reads another program's annotation files) and compares its beats
with the reference annotations (.atr) beat by beat, as ANSI/AAMI EC57 and PhysioNet's bxb do (150 ms match
window). Prints per-record and gross Se and +P with TP, FN and FP, and average Se and +P.

  --db DIR            folder of WFDB records (default: $ECG_EDGE_DATA/mitdb)
  --records LIST      comma-separated records (default: the folder's RECORDS file, else every .hea)
  --detector NAME     detector to run (default: ${defaultDetector()}); available:
${DETECTORS.map((d) => `                        ${d.name}: ${d.description}`).join('\n')}
  --annotations DIR:ANNOTATOR
                      score existing files DIR/<record>.<ANNOTATOR> (e.g. from WFDB's gqrs) instead
  --from S            start of the comparison in seconds (default 300, as bxb; 0 compares whole records)
  --to S              end of the comparison in seconds (default: each record's end)
  --channel N|NAME    signal given to the detector (default: MLII by name, else 0)
  --json              print {"records":[{"record","se","ppv","tp","fn","fp"}...],"gross":{...},"average":{"se","ppv"}}
  -h, --help          this help

Rates are fractions (0..1) in JSON and percentages in the table.`;

function parseAnnotationsOption(value: string): { dir: string; annotator: string } {
  const i = value.lastIndexOf(':');
  if (i <= 0 || i === value.length - 1) {
    throw new CliError(`--annotations: expected DIR:ANNOTATOR (e.g. out/gqrs:qrs), got '${value}'`);
  }
  const dir = value.slice(0, i);
  const annotator = value.slice(i + 1);
  if (!/^[A-Za-z0-9_]+$/.test(annotator)) throw new CliError(`--annotations: expected an annotator name of letters, digits or '_' after ':', got '${annotator}'`);
  return { dir: requireDir('annotations', dir), annotator };
}

export function formatQrsTable(q: QrsReport, title: string): string {
  const lines = [title, 'record       TP      FN      FP    Se %    +P %'];
  const row = (name: string, r: { tp: number; fn: number; fp: number; se: number | null; ppv: number | null }) =>
    `${name.padEnd(8)} ${String(r.tp).padStart(6)}  ${String(r.fn).padStart(6)}  ${String(r.fp).padStart(6)}  ${pct(r.se).padStart(6)}  ${pct(r.ppv).padStart(6)}`;
  for (const r of q.records) lines.push(row(r.record, r));
  lines.push('-'.repeat(48));
  lines.push(row('gross', q.gross));
  lines.push(`${'average'.padEnd(8)} ${' '.repeat(6)}  ${' '.repeat(6)}  ${' '.repeat(6)}  ${pct(q.average.se).padStart(6)}  ${pct(q.average.ppv).padStart(6)}`);
  return lines.join('\n');
}

export const evalDetectCommand: CommandSpec = {
  name: 'detect',
  summary: 'score a QRS detector (or annotation files) beat by beat: Se, +P, TP/FN/FP',
  get help() {
    return help();
  },
  async run(argv) {
    const args = parse(
      argv,
      {
        db: { type: 'string' }, records: { type: 'string' }, detector: { type: 'string' }, annotations: { type: 'string' },
        from: { type: 'string' }, to: { type: 'string' }, channel: { type: 'string' }, json: { type: 'boolean' },
      },
      help(),
      false,
    );
    if (!args) return 0;
    const v = args.values;
    let db = v.db;
    if (db === undefined) {
      if (!process.env.ECG_EDGE_DATA) throw new CliError('--db: expected a folder of WFDB records; none given and ECG_EDGE_DATA is not set');
      db = path.join(process.env.ECG_EDGE_DATA, 'mitdb');
    }
    requireDir('db', db);
    const records = selectRecords(db, listOption('records', v.records));
    const from = numberOption('from', v.from, { min: 0, default: 300 })!;
    const to = numberOption('to', v.to, { min: 0 });
    if (to !== undefined && to < from) throw new CliError(`--to: expected a time after --from (${from} s), got ${to}`);
    if (v.detector !== undefined && v.annotations !== undefined) {
      throw new CliError('--detector and --annotations: expected one of them, got both');
    }
    let source: { kind: 'detector'; detector: Detector } | { kind: 'files'; dir: string; annotator: string };
    if (v.annotations !== undefined) source = { kind: 'files', ...parseAnnotationsOption(v.annotations) };
    else {
      const name = v.detector ?? defaultDetector();
      const detector = DETECTORS.find((d) => d.name === name);
      if (!detector) throw new CliError(`--detector: expected one of ${DETECTORS.map((d) => d.name).join(', ')}, got '${name}'`);
      source = { kind: 'detector', detector };
    }

    const results = [];
    for (const record of records) {
      const recordPath = path.join(db, record);
      const header = readHeader(recordPath);
      if (!existsSync(`${recordPath}.atr`)) throw new CliError(`record ${record}: no reference annotations (${recordPath}.atr)`);
      const ref = readAnnotations(recordPath, 'atr');
      let test: Annotation[];
      if (source.kind === 'files') {
        const file = path.join(source.dir, `${record}.${source.annotator}`);
        if (!existsSync(file)) throw new CliError(`--annotations: expected ${file} for record ${record}; it does not exist`);
        test = readAnnotations(path.join(source.dir, record), source.annotator);
      } else {
        const rec = readRecord(recordPath);
        const channel = resolveChannel(rec.header, v.channel);
        test = await source.detector.detect({ ...rec, recordPath }, channel);
      }
      if (to !== undefined && to * header.fs > header.nSamples + 0.5) {
        throw new CliError(`--to: expected at most the record length (${header.nSamples / header.fs} s for ${record}), got ${to}`);
      }
      const cmp = compareRecord(ref, test, { fs: header.fs, nSamples: header.nSamples, from, ...(to !== undefined ? { to } : {}) });
      results.push({ record, cmp });
      if (!v.json && process.stderr.isTTY) process.stderr.write(`\r${record} done (${results.length}/${records.length})`);
    }
    if (!v.json && process.stderr.isTTY) process.stderr.write('\r' + ' '.repeat(40) + '\r');
    const report = qrsReport(results);
    if (v.json) console.log(JSON.stringify(report));
    else {
      const what = source.kind === 'files' ? `annotations ${source.dir}:${source.annotator}` : `detector ${source.detector.name}`;
      console.log(formatQrsTable(report, `QRS detection, ${what}, ${records.length} record(s) of ${db}, from ${from} s${to !== undefined ? ` to ${to} s` : ' to the end'} (EC57 / bxb, 150 ms window)`));
    }
    return 0;
  },
};
