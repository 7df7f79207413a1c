// Resolving the records and channels that commands are given.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './args.js';
import { type Header, signalIndex } from '../wfdb/index.js';

/** Checks that `dir` is a folder (error names the option). */
export function requireDir(option: string, dir: string): string {
  if (!existsSync(dir)) throw new CliError(`--${option}: expected a folder holding WFDB records, got '${dir}', which does not exist`);
  if (!statSync(dir).isDirectory()) throw new CliError(`--${option}: expected a folder, got '${dir}', which is a file`);
  return dir;
}

/** Records of a database folder: its RECORDS file if present, else every <name>.hea, sorted. */
export function listRecords(dir: string): string[] {
  const recordsFile = path.join(dir, 'RECORDS');
  if (existsSync(recordsFile)) {
    return readFileSync(recordsFile, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
  }
  return readdirSync(dir).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4)).sort();
}

/** Validates a --records list against the folder. */
export function selectRecords(dir: string, wanted: string[] | undefined): string[] {
  if (!wanted) {
    const all = listRecords(dir);
    if (all.length === 0) throw new CliError(`--db: '${dir}' holds no WFDB record (no RECORDS file and no .hea file)`);
    return all;
  }
  const missing = wanted.filter((r) => !existsSync(path.join(dir, `${r}.hea`)));
  if (missing.length) {
    throw new CliError(`--records: expected records of ${dir}, got ${missing.map((r) => `'${r}'`).join(', ')} with no .hea file there`);
  }
  return wanted;
}

/**
 * The channel to analyse: a number, a signal name (e.g. MLII), or by default MLII when the record has it
 * (record 114 has swapped leads), else 0.
 */
export function resolveChannel(header: Header, option: string | undefined): number {
  if (option === undefined) {
    const i = signalIndex(header, 'MLII');
    return i >= 0 ? i : 0;
  }
  if (/^\d+$/.test(option)) {
    const c = Number(option);
    if (c >= header.nSignals) {
      throw new CliError(`--channel: expected a channel from 0 to ${header.nSignals - 1} of record ${header.record}, got ${option}`);
    }
    return c;
  }
  const i = signalIndex(header, option);
  if (i < 0) {
    throw new CliError(
      `--channel: expected a channel number or a signal name of record ${header.record} (${header.signals.map((s) => s.description).join(', ')}), got '${option}'`,
    );
  }
  return i;
}
