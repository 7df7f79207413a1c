// The board and monitor commands through the compiled CLI: board info on a simulated board's device,
// monitor --simulate (JSON status lines), and clear errors for bad input.
import { describe, expect, it } from 'vitest';
import { SimulatedBoard, buildFirmware } from '../src/acquisition/simulator.js';
import { cli } from './cli-helpers.js';

describe('ecg-edge board / monitor', () => {
  it('board info identifies the simulated board on its serial device', async () => {
    buildFirmware();
    const sim = await SimulatedBoard.start({ record: 'fixtures/mitdb/100', seconds: 30, noBuild: true });
    try {
      const r = await cli(['board', 'info', '--port', sim.path, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout);
      expect(info).toMatchObject({ port: sim.path, protoMajor: 1, fwMajor: 1, rateHz: 360, adcBits: 10, blockSamples: 8, board: 'uno-ad8232', resetCauseText: 'power-on' });
      expect(info.actualRateHz).toBeCloseTo(360.0036, 4);
      expect(info.pingMs).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  });

  it('monitor --simulate prints status lines with heart rate, beats, quality and link health', async () => {
    const r = await cli(['monitor', '--simulate', 'fixtures/mitdb/100', '--speed', '8', '--seconds', '20', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const last = lines[lines.length - 1];
    expect(last.seconds).toBeGreaterThanOrEqual(20);
    // record 100: about 75 beats per minute in its first 20 s
    expect(last.beats).toBeGreaterThan(18);
    expect(last.beats).toBeLessThan(32);
    expect(last.hr).toBeGreaterThan(60);
    expect(last.hr).toBeLessThan(90);
    expect(last.quality).toBe('good');
    expect(last.link, JSON.stringify(last.link)).toMatchObject({ state: 'streaming', crcErrors: 0, droppedBlocks: 0, gaps: 0 });
  });

  it('rejects bad input with the remedy', async () => {
    let r = await cli(['monitor']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exactly one of --port <dev> or --simulate <record>/);
    r = await cli(['monitor', '--port', '/dev/does-not-exist', '--seconds', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot open serial port \/dev\/does-not-exist/);
    r = await cli(['monitor', '--simulate', '208', '--rate', '300']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rate: expected one of 250, 360, 500/);
    r = await cli(['board', 'simulate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--record is required/);
    r = await cli(['board', 'simulate', '--record', 'no-such-record']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/record 'no-such-record' not found/);
  });
});
