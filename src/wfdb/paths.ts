// Where records live: the shared data folder ($ECG_EDGE_DATA) and the records shipped in fixtures/.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WfdbError } from './types.js';

/** Package root: src/wfdb/ and dist/wfdb/ are both two levels below it. */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `$ECG_EDGE_DATA[/sub]`; throws a clear error when the variable is unset or the folder is missing. */
export function dataDir(sub?: string): string {
  const base = process.env.ECG_EDGE_DATA;
  if (!base) {
    throw new WfdbError(
      'ECG_EDGE_DATA is not set: set it to a folder holding mitdb/ (e.g. export ECG_EDGE_DATA=$HOME/ecg-data), ' +
        'or download the database with `ecg-edge data fetch --dest $ECG_EDGE_DATA/mitdb`',
    );
  }
  const dir = sub ? path.join(base, sub) : base;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new WfdbError(
      `${dir} does not exist (ECG_EDGE_DATA=${base})` +
        (sub === 'mitdb' ? '; download it with `ecg-edge data fetch --dest ' + dir + '`' : ''),
    );
  }
  return dir;
}

/** `<package>/fixtures/mitdb`: the few MIT-BIH records shipped with the package. */
export function fixturesDir(): string {
  return path.join(packageRoot, 'fixtures', 'mitdb');
}

/** The 48 records of the MIT-BIH Arrhythmia Database. */
export const MITDB_RECORDS: readonly string[] = [
  '100', '101', '102', '103', '104', '105', '106', '107', '108', '109', '111', '112', '113', '114', '115', '116',
  '117', '118', '119', '121', '122', '123', '124', '200', '201', '202', '203', '205', '207', '208', '209', '210',
  '212', '213', '214', '215', '217', '219', '220', '221', '222', '223', '228', '230', '231', '232', '233', '234',
];

/** Records shipped in fixtures/mitdb. */
export const FIXTURE_RECORDS: readonly string[] = ['100', '119', '208', '232'];

/**
 * Resolves a record given as a path ('fixtures/mitdb/100', with or without '.hea') or a bare name ('100'),
 * looked up in $ECG_EDGE_DATA/mitdb and then in fixtures/mitdb. Returns the path without extension.
 */
export function resolveRecord(spec: string): string {
  const noExt = spec.replace(/\.(hea|dat|atr)$/, '');
  if (existsSync(`${noExt}.hea`)) return noExt;
  if (!spec.includes('/')) {
    const candidates: string[] = [];
    if (process.env.ECG_EDGE_DATA) candidates.push(path.join(process.env.ECG_EDGE_DATA, 'mitdb', noExt));
    candidates.push(path.join(fixturesDir(), noExt));
    for (const c of candidates) if (existsSync(`${c}.hea`)) return c;
    throw new WfdbError(
      `record '${spec}' not found; looked for ${candidates.map((c) => c + '.hea').join(', ')} ` +
        `(give a path such as fixtures/mitdb/100, or set ECG_EDGE_DATA)`,
    );
  }
  throw new WfdbError(`record '${spec}' not found: ${noExt}.hea does not exist (give the record path without extension)`);
}
