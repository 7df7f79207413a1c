// The firmware builds with avr-gcc and Debian's Arduino core, fits the ATmega328P with a 10% margin, and its
// protocol code passes its host-side unit test (the shared test vectors, under ASan + UBSan).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIRMWARE_DIR, FIRMWARE_ELF, runMake } from '../src/acquisition/simulator.js';

describe('firmware build', () => {
  it('builds, and flash and RAM stay under 90% of 32 KB and 2 KB', () => {
    const out = runMake(['firmware']);
    expect(existsSync(FIRMWARE_ELF)).toBe(true);
    expect(existsSync(path.join(FIRMWARE_DIR, 'build', 'ecg-edge-fw.hex'))).toBe(true);
    const m = /firmware size: flash (\d+) \/ 32768 bytes .*RAM (\d+) \/ 2048 bytes/.exec(out);
    expect(m, out).not.toBeNull();
    const flash = Number(m![1]);
    const ram = Number(m![2]);
    console.log(`firmware: flash ${flash} B (${((100 * flash) / 32768).toFixed(1)}%), RAM ${ram} B (${((100 * ram) / 2048).toFixed(1)}%)`);
    expect(flash).toBeGreaterThan(1000); // a real program, with the Arduino core linked in
    expect(flash).toBeLessThanOrEqual(0.9 * 32768);
    expect(ram).toBeLessThanOrEqual(0.9 * 2048);
  });

  it("the firmware's protocol code passes its host-side unit test on the shared vectors", () => {
    const out = runMake(['host-test']);
    const m = /^(\d+) passed, (\d+) failed$/m.exec(out);
    expect(m, out).not.toBeNull();
    console.log(`firmware protocol unit test: ${m![0]}`);
    expect(Number(m![2])).toBe(0);
    expect(Number(m![1])).toBeGreaterThanOrEqual(70);
  });
});
