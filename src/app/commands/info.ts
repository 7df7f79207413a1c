// `ecg-edge info <record>`: header, duration, signal checks and an annotation summary by symbol and AAMI class.
import { existsSync } from 'node:fs';
import { CliError, parse, type CommandSpec } from '../args.js';
import {
  type Annotation, type Header, aamiClass, checkSignals, isBeatCode, readAnnotations, readHeader, readRecord, resolveRecord,
} from '../../wfdb/index.js';
import path from 'node:path';

const help = `Usage: ecg-edge info <record> [--annotator atr] [--json]

Prints a WFDB record's header (signals, gain, baseline, ADC zero, units, initial value, checksum, comments),
its duration, whether the signal data agree with the header's initial values and checksums, and a summary of
its annotations by symbol and by AAMI class (N, S, V, F, Q).

  <record>          a path without extension (fixtures/mitdb/100) or a bare record name (100), looked up in
                    $ECG_EDGE_DATA/mitdb and then in the package's fixtures/mitdb
  --annotator NAME  annotation file to summarise (default: atr)
  --json            print one JSON object instead of text
  -h, --help        this help`;

/** hh:mm:ss.sss */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds - 3600 * h - 60 * m;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

interface AnnotationSummary {
  annotator: string;
  total: number;
  beats: number;
  bySymbol: Record<string, number>;
  byClass: Record<string, number>;
  rhythms: Record<string, number>;
}

export function summarise(annotator: string, anns: Annotation[]): AnnotationSummary {
  const bySymbol: Record<string, number> = {};
  const byClass: Record<string, number> = { N: 0, S: 0, V: 0, F: 0, Q: 0 };
  const rhythms: Record<string, number> = {};
  let beats = 0;
  for (const a of anns) {
    bySymbol[a.symbol] = (bySymbol[a.symbol] ?? 0) + 1;
    if (isBeatCode(a.code)) {
      beats++;
      const c = aamiClass(a.symbol)!;
      byClass[c] = (byClass[c] ?? 0) + 1;
    }
    if (a.symbol === '+' && a.aux) rhythms[a.aux] = (rhythms[a.aux] ?? 0) + 1;
  }
  return { annotator, total: anns.length, beats, bySymbol, byClass, rhythms };
}

function printText(recordPath: string, h: Header, checks: ReturnType<typeof checkSignals>, ann: AnnotationSummary | string) {
  const out: string[] = [];
  out.push(`record ${h.record} (${recordPath})`);
  out.push(`  ${h.nSignals} signal(s) at ${h.fs} Hz, ${h.nSamples} samples per signal, duration ${formatDuration(h.nSamples / h.fs)}` +
    (h.baseTime ? `, starts ${h.baseTime}${h.baseDate ? ' ' + h.baseDate : ''}` : ''));
  out.push('  #  name      file          format  gain      baseline  units  adcres  adczero  init   checksum  data check');
  h.signals.forEach((s, i) => {
    const c = checks[i]!;
    out.push(
      `  ${String(i).padEnd(2)} ${(s.description || '-').padEnd(9)} ${s.fileName.padEnd(13)} ${String(s.format).padEnd(7)} ` +
        `${String(s.gain).padEnd(9)} ${String(s.baseline).padEnd(9)} ${s.units.padEnd(6)} ${String(s.adcResolution).padEnd(7)} ` +
        `${String(s.adcZero).padEnd(8)} ${String(s.initValue).padEnd(6)} ${String(s.checksum).padEnd(9)} ${c.ok ? 'ok' : c.problems.join('; ')}`,
    );
  });
  if (h.comments.length) {
    out.push('  comments:');
    for (const c of h.comments) out.push(`    ${c}`);
  }
  if (typeof ann === 'string') out.push(`annotations: ${ann}`);
  else {
    out.push(`annotations (${ann.annotator}): ${ann.total} in total, ${ann.beats} beats`);
    out.push(`  by AAMI class: ${Object.entries(ann.byClass).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const sym = Object.entries(ann.bySymbol).sort((a, b) => b[1] - a[1]);
    out.push('  by symbol:');
    for (const [s, n] of sym) {
      const cls = aamiClass(s);
      out.push(`    ${s.padEnd(5)} ${String(n).padStart(7)}  ${cls ? `beat, class ${cls === 'O' ? "O (flutter wave, not scored)" : cls}` : 'not a beat'}`);
    }
    const rh = Object.entries(ann.rhythms);
    if (rh.length) out.push(`  rhythm changes: ${rh.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  }
  console.log(out.join('\n'));
}

export const infoCommand: CommandSpec = {
  name: 'info',
  summary: 'show a WFDB record: header, duration, signal checks, annotation summary',
  help,
  async run(argv) {
    const args = parse(argv, { annotator: { type: 'string' }, json: { type: 'boolean' } }, help);
    if (!args) return 0;
    if (args.positionals.length !== 1) {
      throw new CliError(`expected one record (e.g. fixtures/mitdb/100 or 100), got ${args.positionals.length}\n\n${help}`);
    }
    const annotator = args.values.annotator ?? 'atr';
    if (!/^[A-Za-z0-9_]+$/.test(annotator)) throw new CliError(`--annotator: expected a name of letters, digits or '_', got '${annotator}'`);
    let recordPath: string;
    try {
      recordPath = resolveRecord(args.positionals[0]!);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const header = readHeader(recordPath);
    const { signals } = readRecord(recordPath, { verify: 'ignore' });
    const checks = checkSignals(header, signals, path.dirname(recordPath));
    const annFile = `${recordPath}.${annotator}`;
    const ann = existsSync(annFile) ? summarise(annotator, readAnnotations(recordPath, annotator)) : `no ${annFile}`;
    if (args.values.json) {
      console.log(JSON.stringify({
        record: header.record, path: recordPath, durationSeconds: header.nSamples / header.fs, header,
        checks: checks.map(({ signal, ok, problems }) => ({ signal, ok, problems })),
        annotations: typeof ann === 'string' ? null : ann,
      }, null, 2));
    } else printText(recordPath, header, checks, ann);
    return checks.every((c) => c.ok) ? 0 : 1;
  },
};
