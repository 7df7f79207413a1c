// The acceptance command over the whole database (needs ECG_EDGE_DATA):
// `ecg-edge eval detect --db $ECG_EDGE_DATA/mitdb --detector reference --json` reports Se = +P = 1 on all 48 records.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';

const DATA = process.env.ECG_EDGE_DATA;
if (!DATA) console.log('cli-mitdb: ECG_EDGE_DATA is not set: whole-database CLI test skipped');

describe.skipIf(!DATA)('ecg-edge eval detect over all 48 MIT-BIH records', () => {
  it('the reference detector: Se = +P = 1 on every record and gross (91,285 beats from 5:00)', async () => {
    const r = await cli(['eval', 'detect', '--db', path.join(DATA ?? '', 'mitdb'), '--detector', 'reference', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.records).toHaveLength(48);
    for (const rec of j.records) expect([rec.record, rec.se, rec.ppv, rec.fn, rec.fp]).toEqual([rec.record, 1, 1, 0, 0]);
    expect(j.gross).toEqual({ se: 1, ppv: 1, tp: 91285, fn: 0, fp: 0 });
    expect(j.average).toEqual({ se: 1, ppv: 1 });
  });

  it('a bare record name resolves against $ECG_EDGE_DATA/mitdb first', async () => {
    const r = await cli(['info', '114', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.path).toBe(path.join(DATA ?? '', 'mitdb', '114'));
    // Record 114 has its leads swapped: MLII is the second signal.
    expect(j.header.signals.map((s: { description: string }) => s.description)).toEqual(['V5', 'MLII']);
  });
});
