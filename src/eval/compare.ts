// Beat-by-beat comparison of a test annotation set against the reference, as ANSI/AAMI EC57 defines it and
// PhysioNet's bxb implements it (rules: /work/shared/notes/ec57-bxb.md, summarised in docs of this module).
//
// - Beats are annotations of beat type; classes N, S, V, F, Q map as AAMI does; '!' goes to row/column O.
// - Match window 0.15 s (54 samples at 360 Hz), inclusive. Times convert to samples as ⌊x·fs + 0.5⌋.
// - Comparison from 5:00 by default to the record's end (its length in the header).
// - From '[' to the next ']' a file's annotations are skipped; a reference shutdown puts unmatched test beats
//   in row X (others go to row O, or are not counted inside reference VF); a test shutdown puts unmatched
//   reference beats in column x (others in column o).
// - Greedy matching with one beat of look-ahead on each side; ties go to the later beat.
import type { Annotation } from '../wfdb/index.js';
import { beatStream, HUGE_TIME, inIntervals, type BeatClass, type BeatStream } from './beat-stream.js';
import { type ClassMatrix, type Col, type Row, BEAT_COLS, BEAT_ROWS, emptyMatrix, sumCells } from './matrix.js';

export interface CompareOptions {
  fs: number;
  /** Record length in samples (from the header): the default end of the comparison. */
  nSamples: number;
  /** Start of the comparison in seconds (default 300, as bxb). */
  from?: number;
  /** End of the comparison in seconds (default: the record's end). */
  to?: number;
  /** Match window in seconds (default 0.15). */
  window?: number;
}

export interface RecordComparison {
  /** Comparison range in samples and the match window in samples. */
  start: number;
  end: number;
  window: number;
  matrix: ClassMatrix;
  tp: number;
  fn: number;
  fp: number;
  /** Sensitivity and positive predictivity (fractions), null when undefined (0/0). */
  se: number | null;
  ppv: number | null;
}

/** ⌊x·fs + 0.5⌋: seconds to samples, rounding half up (as WFDB's strtim). */
export function secondsToSamples(x: number, fs: number): number {
  return Math.floor(x * fs + 0.5);
}

export function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

/** Label used for the dummy beat at time 0 at the head of both streams: never counted. */
type Label = BeatClass | 'X' | null;

interface Cursor {
  times: number[];
  labels: Label[];
  i: number;
}

function cursor(s: BeatStream): Cursor {
  // Index 0 is bxb's dummy beat at time 0; past the end, times are HUGE_TIME.
  return { times: [0, ...s.beats.map((b) => b.sample)], labels: [null, ...s.beats.map((b) => b.cls)], i: 0 };
}
const at = (c: Cursor, k: number) => (k < c.times.length ? c.times[k]! : HUGE_TIME);
const cur = (c: Cursor) => at(c, c.i);
const next = (c: Cursor) => at(c, c.i + 1);
const label = (c: Cursor): Label => (c.i < c.labels.length ? c.labels[c.i]! : null);

/** Compares test beats with reference beats over [from, to]; see the module comment for the rules. */
export function compareRecord(ref: Annotation[], test: Annotation[], opts: CompareOptions): RecordComparison {
  const { fs } = opts;
  if (!(fs > 0)) throw new Error(`compareRecord: fs must be > 0, got ${fs}`);
  const window = secondsToSamples(opts.window ?? 0.15, fs);
  const start = secondsToSamples(opts.from ?? 300, fs);
  const end = opts.to !== undefined ? secondsToSamples(opts.to, fs) : opts.nSamples;
  if (start < 0) throw new Error(`compareRecord: from must be >= 0 s, got ${opts.from}`);
  if (end < start) throw new Error(`compareRecord: the end (${end} samples) is before the start (${start} samples)`);

  const refStream = beatStream(ref, window);
  const testStream = beatStream(test, window);
  const R = cursor(refStream);
  const S = cursor(testStream);
  const matrix = emptyMatrix();

  const pair = (r: Label | '*', t: Label) => {
    if (r === null || r === '*' || t === null) return; // dummy beats and test beats in reference VF
    const col = (t === 'X' ? 'x' : t.toLowerCase()) as Col;
    const row = r as Row;
    if ((row === 'O' || row === 'X') && (col === 'o' || col === 'x')) return;
    matrix[row][col]++;
  };
  // Pseudo-labels for unmatched beats.
  const rpann = (t: number): Label | '*' =>
    inIntervals(t, refStream.vf) ? '*' : inIntervals(t, refStream.shutdown) ? 'X' : 'O';
  const tpann = (T: number): Label => (inIntervals(T, testStream.shutdown) ? 'X' : 'O');

  // Start boundary: T = first reference beat at or after the start; t = last test beat before it,
  // t′ = first test beat at or after it.
  while (cur(R) < start) R.i++;
  while (next(S) < start) S.i++;
  {
    const T = cur(R), t = cur(S), tp = next(S);
    if (T - t < Math.abs(T - tp) && T - t <= window) {
      pair(label(R), label(S));
      R.i++;
      S.i++;
    } else {
      S.i++;
      if (cur(S) - start <= window && Math.abs(T - next(S)) < Math.abs(T - cur(S))) S.i++;
    }
  }

  while (cur(R) <= end || cur(S) <= end) {
    const T = cur(R), Tp = next(R), t = cur(S), tp = next(S);
    if (t < T) {
      if (T - t <= window && (T - t < Math.abs(T - tp) || Math.abs(Tp - tp) < Math.abs(T - tp))) {
        pair(label(R), label(S));
        R.i++;
        S.i++;
      } else {
        pair(rpann(t), label(S));
        S.i++;
      }
    } else {
      if (t - T <= window && (t - T < Math.abs(t - Tp) || Math.abs(tp - Tp) < Math.abs(t - Tp))) {
        pair(label(R), label(S));
        R.i++;
        S.i++;
      } else {
        pair(label(R), tpann(T));
        R.i++;
      }
    }
  }

  const tp = sumCells(matrix, BEAT_ROWS, BEAT_COLS);
  const fn = sumCells(matrix, BEAT_ROWS, ['o', 'x']);
  const fp = sumCells(matrix, ['O', 'X'], BEAT_COLS);
  return { start, end, window, matrix, tp, fn, fp, se: ratio(tp, tp + fn), ppv: ratio(tp, tp + fp) };
}
