// `ecg-edge train` option errors: each names the option, what is wrong and the choices.
import { describe, it, expect, vi } from 'vitest';
import { main } from '../src/app/cli.js';

async function run(argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const lo = vi.spyOn(console, 'log').mockImplementation(() => {});
  const le = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await main(argv), err: err.join('\n') };
  } finally {
    lo.mockRestore();
    le.mockRestore();
  }
}

describe('train: input ablation options', () => {
  const base = ['train', '--arch', 'cnn', '--protocol', 'inter-patient', '--db', 'fixtures/mitdb'];
  it('rejects unknown RR features and channels with the choices', async () => {
    let r = await run([...base, '--rr-features', 'pre/localAvg,pre/foo']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown RR feature 'pre\/foo' in --rr-features: choose from pre\/recordAvg, .*irregularity, post\/pre/);
    r = await run([...base, '--channels', 'beat-template']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--channels must start with 'beat'/);
    r = await run([...base, '--channels', 'beat,beat']);
    expect(r.err).toMatch(/--channels must start with 'beat' and use beat, beat-template once each/);
    r = await run([...base, '--rr-branch', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--rr-branch must be an integer ≥ 0/);
  });
});
