// Hand-made annotation sets whose bxb results are worked out by hand (fs = 360 Hz: window = 54 samples,
// 5:00 = sample 108000). See src/eval/compare.ts for the rules.
import { describe, expect, it } from 'vitest';
import { compareRecord } from '../src/eval/index.js';
import { type Annotation, symbolToCode } from '../src/wfdb/index.js';

const a = (symbol: string, sample: number, subtype = 0): Annotation => ({
  sample, symbol, code: symbolToCode(symbol), subtype, chan: 0, num: 0, aux: '',
});
const beats = (symbol: string, ...samples: number[]) => samples.map((s) => a(symbol, s));
const base = { fs: 360, nSamples: 650000 };

describe('bxb matching', () => {
  it('identical beat sets match completely, and the window is 54 samples at 360 Hz', () => {
    const ref = beats('N', 400, 700, 1000);
    const r = compareRecord(ref, ref, { ...base, from: 0 });
    expect(r.window).toBe(54);
    expect([r.tp, r.fn, r.fp]).toEqual([3, 0, 0]);
    expect(r.se).toBe(1);
    expect(r.ppv).toBe(1);
  });

  it('matches within 54 samples inclusive, not 55', () => {
    const ref = beats('N', 1000, 2000);
    const r = compareRecord(ref, beats('N', 1054, 2055), { ...base, from: 0 });
    // 1054 matches 1000; 2055 is 55 after 2000: the test beat is an FP (O row) and the reference an FN (o column).
    expect([r.tp, r.fn, r.fp]).toEqual([1, 1, 1]);
    expect(r.matrix.N.o).toBe(1);
    expect(r.matrix.O.n).toBe(1);
  });

  it('two test beats in one window: a tie goes to the later beat, the other is a false positive', () => {
    // ref 1000; test 990 and 1010 are both 10 away. 990: T−t = 10 is not < |T−t′| = 10 → unmatched (O);
    // 1010 then matches 1000.
    const r = compareRecord(beats('N', 1000), [a('V', 990), a('N', 1010)], { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([1, 0, 1]);
    expect(r.matrix.N.n).toBe(1); // the N at 1010 was paired, not the V at 990
    expect(r.matrix.O.v).toBe(1);
  });

  it('two test beats in one window: the closer earlier beat wins', () => {
    const r = compareRecord(beats('N', 1000), [a('V', 995), a('N', 1010)], { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([1, 0, 1]);
    expect(r.matrix.N.v).toBe(1);
    expect(r.matrix.O.n).toBe(1);
  });

  it('look-ahead: t pairs with T when t′ is closer still to the next reference beat', () => {
    // ref 1000, 1030; test 960, 1020. t=960: T−t = 40 ≤ 54 but not < |T−t′| = 20; |T′−t′| = 10 < 20 → match.
    // Then 1020 matches 1030.
    const r = compareRecord(beats('N', 1000, 1030), beats('N', 960, 1020), { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([2, 0, 0]);
  });

  it('a reference beat before the test beat is unmatched when the next reference beat is closer', () => {
    // ref 1000, 1060; test 1040. T=1000 ≤ t: t−T = 40 ≤ 54, not < |t−T′| = 20, and t′ is absent → FN;
    // then 1040 matches 1060.
    const r = compareRecord(beats('N', 1000, 1060), beats('N', 1040), { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([1, 1, 0]);
  });
});

describe('bxb start boundary', () => {
  it('reference beats before 5:00 are never used; a beat exactly at 5:00 counts', () => {
    const ref = beats('N', 107000, 107999, 108000, 108400);
    const r = compareRecord(ref, ref, base);
    expect(r.start).toBe(108000);
    expect([r.tp, r.fn, r.fp]).toEqual([2, 0, 0]);
  });

  it('a test beat just before the start matches the first reference beat after it', () => {
    // T = 108010, t = 107990: T−t = 20 ≤ 54 and < |T−t′| = 290 → counted as a match.
    const r = compareRecord(beats('N', 108010, 108300), beats('N', 107990, 108300), base);
    expect([r.tp, r.fn, r.fp]).toEqual([2, 0, 0]);
  });

  it('the first test beat after the start is dropped, uncounted, when the one after it is closer to T', () => {
    // T = 108040; t = 107900 (140 before T: dropped); t′ = 108020 is within 54 of the start and t″ = 108045
    // is closer to T (5 < 20) → t′ is dropped too; t″ matches T. Without this rule t′ would be an FP.
    const r = compareRecord(beats('N', 108040), beats('N', 107900, 108020, 108045), base);
    expect([r.tp, r.fn, r.fp]).toEqual([1, 0, 0]);
  });

  it('the first test beat after the start is kept (and can be an FP) when it is more than 54 samples past the start', () => {
    // Same shape shifted by 100: t′ = 108120 is 120 past the start, so it is kept; it is unmatched (T−t = 20
    // is not < |T−t″| = 5) → FP; t″ = 108145 matches T = 108140.
    const r = compareRecord(beats('N', 108140), beats('N', 107900, 108120, 108145), base);
    expect([r.tp, r.fn, r.fp]).toEqual([1, 0, 1]);
  });

  it('from 0: a test beat at sample 0 pairs with the dummy beat and is lost', () => {
    const r = compareRecord(beats('N', 30, 400), beats('N', 0, 30, 400), { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([2, 0, 0]);
  });

  it('--from and --to convert seconds with rounding half up', () => {
    const r = compareRecord([], [], { ...base, from: 1.0 / 720, to: 2.5 });
    expect(r.start).toBe(1); // 0.5 → 1
    expect(r.end).toBe(900);
  });
});

describe('bxb end of range', () => {
  it('a beat past the end counts only as the match of a beat inside the range', () => {
    const opts = { ...base, from: 0, to: 1020 / 360 };
    expect(compareRecord(beats('N', 1000), beats('N', 1040), opts).tp).toBe(1); // test past end matches
    expect(compareRecord(beats('N', 1030), beats('N', 1000), opts).tp).toBe(1); // reference past end matches
    const r = compareRecord(beats('N', 1100), beats('N', 1000), opts); // reference past end, unmatched
    expect([r.tp, r.fn, r.fp]).toEqual([0, 0, 1]);
  });
});

describe('bxb classes', () => {
  it('maps MIT labels to AAMI classes; Q beats (Q, /, f, ?) are QRS true positives but class errors', () => {
    const ref = [a('N', 400), a('L', 800), a('A', 1200), a('V', 1600), a('F', 2000), a('Q', 2400), a('/', 2800), a('e', 3200)];
    const test = [a('N', 400), a('N', 800), a('N', 1200), a('V', 1600), a('V', 2000), a('N', 2400), a('Q', 2800), a('S', 3200)];
    const r = compareRecord(ref, test, { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([8, 0, 0]);
    expect(r.matrix.N.n).toBe(2);
    expect(r.matrix.S.n).toBe(1);
    expect(r.matrix.S.s).toBe(1);
    expect(r.matrix.V.v).toBe(1);
    expect(r.matrix.F.v).toBe(1);
    expect(r.matrix.Q.n).toBe(1);
    expect(r.matrix.Q.q).toBe(1);
  });

  it("a reference '!' (flutter wave) goes to row O: a test beat on it is a false positive, a miss is not an FN", () => {
    const r = compareRecord([a('!', 1000), a('!', 2000)], [a('N', 1000)], { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([0, 0, 1]);
    expect(r.matrix.O.n).toBe(1);
  });

  it('non-beat annotations in either file are ignored', () => {
    const ref = [a('+', 10), a('N', 400), a('"', 500), a('~', 600, 1), a('N', 800)];
    const test = [a('N', 400), a('|', 600), a('N', 800)];
    const r = compareRecord(ref, test, { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([2, 0, 0]);
  });
});

describe('bxb exclusions', () => {
  it('reference VF: beats from [ to ] are skipped, unmatched test beats inside are not counted', () => {
    const ref = [a('N', 1000), a('[', 2000), a('N', 2100), a('!', 2200), a(']', 3000), a('N', 4000)];
    const test = beats('N', 1000, 2100, 2500, 3000, 4000);
    const r = compareRecord(ref, test, { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([2, 0, 0]);
  });

  it('test VF: test beats from [ to ] are skipped, so reference beats there are missed', () => {
    const ref = beats('N', 1000, 2100, 4000);
    const test = [a('N', 1000), a('[', 2000), a('N', 2100), a(']', 3000), a('N', 4000)];
    const r = compareRecord(ref, test, { ...base, from: 0 });
    expect([r.tp, r.fn, r.fp]).toEqual([2, 1, 0]);
    expect(r.matrix.N.o).toBe(1);
  });

  it('reference shutdown (~ with subtype −1 … next ~): unmatched test beats go to row X and count as FP', () => {
    const ref = [a('N', 1000), a('~', 2000, -1), a('~', 3000, 0), a('N', 4000)];
    const r = compareRecord(ref, beats('N', 1000, 2500, 3500, 4000), { ...base, from: 0 });
    expect(r.matrix.X.n).toBe(1); // 2500, inside the shutdown
    expect(r.matrix.O.n).toBe(1); // 3500, after it
    expect([r.tp, r.fn, r.fp]).toEqual([2, 0, 2]);
  });

  it('test shutdown: unmatched reference beats inside it go to column x (FN)', () => {
    const test = [a('N', 1000), a('~', 2000, -1), a('~', 3000, 0), a('N', 4000)];
    const r = compareRecord(beats('N', 1000, 2500, 3500, 4000), test, { ...base, from: 0 });
    expect(r.matrix.N.x).toBe(1);
    expect(r.matrix.N.o).toBe(1);
    expect([r.tp, r.fn, r.fp]).toEqual([2, 2, 0]);
  });

  it('AHA-style shutdown without an end runs from the previous beat + window to the next annotation − window', () => {
    // Shutdown = [1000+54, 4000−54] = [1054, 3946], inclusive.
    const ref = [a('N', 1000), a('~', 2000, -1), a('N', 4000)];
    const run = (...t: number[]) => compareRecord(ref, beats('N', ...t), { ...base, from: 0 }).matrix;
    expect([run(1000, 1053, 4000).O.n, run(1000, 1053, 4000).X.n]).toEqual([1, 0]);
    expect([run(1000, 1054, 4000).O.n, run(1000, 1054, 4000).X.n]).toEqual([0, 1]);
    // 3946 and 3947 are within 54 of 4000 but 3999 is closer, so they stay unmatched.
    expect([run(1000, 3946, 3999).O.n, run(1000, 3946, 3999).X.n]).toEqual([0, 1]);
    expect([run(1000, 3947, 3999).O.n, run(1000, 3947, 3999).X.n]).toEqual([1, 0]);
  });

  it('other noise annotations do not exclude anything: beats in noise count normally', () => {
    const ref = [a('N', 1000), a('~', 2000, 1), a('~', 3000, 0), a('N', 4000)];
    const r = compareRecord(ref, beats('N', 1000, 2500, 4000), { ...base, from: 0 });
    expect(r.matrix.O.n).toBe(1);
    expect(r.matrix.X.n).toBe(0);
  });
});
