// `ecg-edge demo` (npm start): a bundled record through the simulated board into the live monitor, and the
// offline fallback, with its message, when the AVR toolchain / simavr are missing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';

describe('ecg-edge demo through the simulated board', () => {
  it('streams fixture 100 through the firmware in simavr and the live monitor', async () => {
    const r = await cli(['demo', '--seconds', '20', '--speed', '8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('board: simulated ATmega328P (simavr) running the ecg-edge firmware: uno-ad8232 firmware 1.0.0, protocol 1.0');
    expect(r.stdout).toMatch(/t = +20\.0 s +reference beats +25 +found +\d+ +\| HR \d+ bpm \| beats \d+ \| signal good \| link ok: \d+ blocks, 0 CRC err/);
    const m = /beats: 25 in the reference, (\d+) found; TP (\d+), FN (\d+), FP (\d+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThanOrEqual(24);
    expect(Number(m![4])).toBeLessThanOrEqual(1);
  });

  it('falls back to offline streaming, saying why, when the toolchain is missing', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'ecg-edge-nopath-')); // a PATH without make, avr-gcc, cc
    const r = await cli(['demo', '--seconds', '10'], { PATH: empty });
    rmSync(empty, { recursive: true, force: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the simulated board is not available \(missing: make, avr-gcc.*\): *\n *streaming the record offline instead/);
    expect(r.stdout).toMatch(/beats: 13 in the reference, \d+ found/);
  });
});
