// Where records are found: $ECG_EDGE_DATA, the shipped fixtures, and record names given on the command line.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDir, fixturesDir, FIXTURE_RECORDS, resolveRecord } from '../src/wfdb/index.js';

const saved = process.env.ECG_EDGE_DATA;
afterEach(() => {
  if (saved === undefined) delete process.env.ECG_EDGE_DATA;
  else process.env.ECG_EDGE_DATA = saved;
});

describe('data locations', () => {
  it('fixturesDir holds the shipped records with their attribution', () => {
    for (const r of FIXTURE_RECORDS) for (const e of ['hea', 'dat', 'atr']) expect(existsSync(path.join(fixturesDir(), `${r}.${e}`))).toBe(true);
    expect(existsSync(path.join(fixturesDir(), 'README.md'))).toBe(true);
  });

  it('dataDir explains an unset variable and a missing folder', () => {
    delete process.env.ECG_EDGE_DATA;
    expect(() => dataDir('mitdb')).toThrow(/ECG_EDGE_DATA is not set: set it to a folder holding mitdb\/.*ecg-edge data fetch/);
    const d = mkdtempSync(path.join(tmpdir(), 'ecg-data-'));
    process.env.ECG_EDGE_DATA = d;
    expect(dataDir()).toBe(d);
    expect(() => dataDir('mitdb')).toThrow(new RegExp(`${path.join(d, 'mitdb')} does not exist .*ecg-edge data fetch --dest`));
  });

  it('resolveRecord accepts paths with or without extension and bare names from fixtures', () => {
    delete process.env.ECG_EDGE_DATA;
    const p = path.join(fixturesDir(), '232');
    expect(resolveRecord(p)).toBe(p);
    expect(resolveRecord(`${p}.hea`)).toBe(p);
    expect(resolveRecord('232')).toBe(p);
    expect(() => resolveRecord('777')).toThrow(/record '777' not found; looked for .*777\.hea/);
  });
});
