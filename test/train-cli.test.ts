// `ecg-edge train` option errors: each names the option, what is wrong and the choices.
import { describe, it, expect, vi } from 'vitest';
import path from 'node:path';
import { main } from '../src/app/cli.js';
import { DS1, INTER_FOLDS, INTER_VAL, buildSplit, classCounts, interValRecords } from '../src/train/dataset/protocols.js';
import { defaultInputSpec } from '../src/train/spec.js';

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

describe('train --fold: DS1 cross-validation folds', () => {
  const base = ['train', '--arch', 'cnn', '--protocol', 'inter-patient', '--db', 'fixtures/mitdb'];
  it('names the valid folds and the protocol they need', async () => {
    let r = await run([...base, '--fold', '5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--fold: fold 5 does not exist: choose 1\.\.4 \(DS1 cross-validation folds\)/);
    r = await run([...base, '--fold', '0']);
    expect(r.err).toMatch(/--fold must be an integer ≥ 1/);
    r = await run(['train', '--arch', 'cnn', '--protocol', 'intra-patient', '--fold', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--fold needs --protocol inter-patient/);
  });

  it('the folds partition DS1 and keep each morphology pair apart', () => {
    const all = INTER_FOLDS.flat();
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual([...DS1].sort());
    const foldOf = (r: string) => INTER_FOLDS.findIndex((f) => f.includes(r));
    for (const [a, b] of [['118', '124'], ['109', '207'], ['201', '203']]) expect(foldOf(a!)).not.toBe(foldOf(b!));
    expect(interValRecords()).toEqual(INTER_VAL);
    expect(interValRecords(2)).toEqual([...INTER_FOLDS[1]!]);
    expect(() => interValRecords(5)).toThrow(/fold 5 does not exist: choose 1\.\.4/);
    expect(interValRecords('all')).toEqual([]);
  });

  it.skipIf(!process.env.ECG_EDGE_DATA)('fold k validates on its records and trains on the rest of DS1 (needs ECG_EDGE_DATA)', async () => {
    const spec = defaultInputSpec(360);
    const db = path.join(process.env.ECG_EDGE_DATA!, 'mitdb');
    const s = await buildSplit('inter-patient', db, spec, ['train', 'val'], { fold: 1 });
    expect(s.val.records).toEqual([...INTER_FOLDS[0]!]);
    expect(s.train.records).toEqual(DS1.filter((r) => !INTER_FOLDS[0]!.includes(r)));
    // DS1 holds 944 S beats, 383 of them in 209 (fold 1)
    expect(classCounts(s.val)).toEqual([13586, 385, 559, 2, 0]);
    expect(classCounts(s.train)[1]).toBe(944 - 385);
    expect(s.description).toMatch(/fold 1 of 4/);
    await expect(buildSplit('intra-patient', db, spec, ['val'], { fold: 1 })).rejects.toThrow(/inter-patient protocol only/);
    // --fold all: every DS1 beat trains, nothing validates
    const all = await buildSplit('inter-patient', db, spec, ['train', 'val'], { fold: 'all' });
    expect(all.train.records).toEqual([...DS1]);
    expect(classCounts(all.train)).toEqual([45866, 944, 3788, 415, 8]);
    expect(all.val.n).toBe(0);
    expect(all.description).toMatch(/train all 22 DS1 records, no validation/);
  });
});
