// The two evaluation protocols and their beat splits.
//   intra-patient: stratified random 80/10/10 beat split of the 44 non-paced records, fixed seed (SPLIT_SEED).
//   inter-patient: de Chazal 2004. Train on DS1 minus a few held-out DS1 validation records, test on DS2.
import path from 'node:path';
import { rng, shuffleInPlace } from '../../util/random.js';
import { CLASS_NAMES, GATE_RR_FEATURE_NAMES, type InputSpec } from '../spec.js';
import { recordBeats, type RecordBeats } from './records.js';
import { gatherBeats } from './features.js';

const G = GATE_RR_FEATURE_NAMES.length;

export type Protocol = 'inter-patient' | 'intra-patient';
export const PROTOCOLS: readonly Protocol[] = ['inter-patient', 'intra-patient'];

export const DS1 = ['101', '106', '108', '109', '112', '114', '115', '116', '118', '119', '122', '124', '201', '203', '205', '207', '208', '209', '215', '220', '223', '230'];
export const DS2 = ['100', '103', '105', '111', '113', '117', '121', '123', '200', '202', '210', '212', '213', '214', '219', '221', '222', '228', '231', '232', '233', '234'];
export const PACED = ['102', '104', '107', '217'];
/** The 44 non-paced records (DS1 ∪ DS2). */
export const NON_PACED = [...DS1, ...DS2].sort();

/**
 * DS1 records held out for validation under the inter-patient protocol. Chosen so that every morphology family
 * stays in training (RBBB 118/124, LBBB 109/207, AF 201/203, the multiform V of 203/208/223 and the S-rich 209,
 * 201, 207, 118 remain) while validation still holds S (220: 94 atrial premature beats, 114, 108) and V beats
 * (116, 114, 108) of ordinary sinus-rhythm patients, the common case in DS2.
 */
export const INTER_VAL = ['108', '114', '116', '220'];

/**
 * Record-level cross-validation folds of DS1 (inter-patient `--fold k`: fold k is the validation split, the other
 * 21−|fold| DS1 records train). Fixed by hand, before any result, so that each fold keeps a share of the S beats
 * (209, 201/118, 207/124, 220/223), of the V beats (106, 119, 203, 208/223) and of each morphology family in
 * training: the two RBBB records (118, 124), the two LBBB records (109, 207) and the two AF records (201, 203) are
 * in different folds. DS1 beats S/V per fold: 385/559, 227/730, 144/810, 188/1689.
 */
export const INTER_FOLDS: readonly (readonly string[])[] = [
  ['106', '109', '112', '115', '122', '209'],
  ['118', '119', '201', '205', '230'],
  ['101', '116', '124', '203', '207'],
  ['108', '114', '208', '215', '220', '223'],
];

/** A DS1 fold: 1..4 (cross-validation), or 'all': no validation records, train on every DS1 record. */
export type Fold = number | 'all';

/** The DS1 validation records of an inter-patient run: fold k (1-based), none for 'all', or, without a fold, INTER_VAL. */
export function interValRecords(fold?: Fold): string[] {
  if (fold === undefined || fold === 0) return [...INTER_VAL];
  if (fold === 'all') return [];
  if (!Number.isInteger(fold) || fold < 1 || fold > INTER_FOLDS.length) throw new Error(`fold ${fold} does not exist: choose 1..${INTER_FOLDS.length} (DS1 cross-validation folds)`);
  return [...INTER_FOLDS[fold - 1]!];
}

/** Seed of the intra-patient split: fixed, independent of the training seed, so every model shares the test set. */
export const SPLIT_SEED = 20240417;

export interface BeatSet {
  n: number;
  margin: number;
  /** Raw windows, n rows of (length + 2·margin). */
  windows: Float32Array;
  /** RR features, n rows of F (the spec's feature count). */
  rr: Float32Array;
  /** The gate's RR features, n rows of GATE_RR_FEATURE_NAMES (RecordBeats.rrGate). */
  rrGate: Float32Array;
  /** Template rows (n × length) for the 'beat-template' channel; null when the spec has none. */
  tpl: Float32Array | null;
  label: Int8Array;
  /** Index into `records` of each beat's record, and its R-peak sample. */
  rec: Int16Array;
  sample: Int32Array;
  records: string[];
}

export interface Split {
  protocol: Protocol;
  train: BeatSet;
  val: BeatSet;
  test: BeatSet;
  description: string;
}

export function checkProtocol(p: string): Protocol {
  if (!PROTOCOLS.includes(p as Protocol)) throw new Error(`unknown protocol '${p}': choose one of ${PROTOCOLS.join(', ')}`);
  return p as Protocol;
}

/** Selects beats (by global index into the concatenation of `recs`) into one BeatSet. */
export function gather(recs: RecordBeats[], picks: { r: number; i: number }[], T: number): BeatSet {
  const margin = recs[0]?.margin ?? 0;
  const w = T + 2 * margin;
  const n = picks.length;
  const full = recs.find((r) => r.n > 0);
  const F = full ? full.rr.length / full.n : 0;
  const withTpl = !!full?.tpl;
  const out: BeatSet = {
    n, margin,
    windows: new Float32Array(n * w),
    rr: new Float32Array(n * F),
    rrGate: new Float32Array(n * G),
    tpl: withTpl ? new Float32Array(n * T) : null,
    label: new Int8Array(n),
    rec: new Int16Array(n),
    sample: new Int32Array(n),
    records: recs.map((r) => r.record),
  };
  picks.forEach(({ r, i }, k) => {
    const rb = recs[r]!;
    out.windows.set(rb.windows.subarray(i * w, (i + 1) * w), k * w);
    out.rr.set(rb.rr.subarray(i * F, i * F + F), k * F);
    out.rrGate.set(rb.rrGate.subarray(i * G, i * G + G), k * G);
    if (out.tpl) out.tpl.set(rb.tpl!.subarray(i * T, (i + 1) * T), k * T);
    out.label[k] = rb.label[i]!;
    out.rec[k] = r;
    out.sample[k] = rb.sample[i]!;
  });
  return out;
}

function labelled(recs: RecordBeats[], which: number[]): { r: number; i: number }[] {
  const picks: { r: number; i: number }[] = [];
  for (const r of which) for (let i = 0; i < recs[r]!.n; i++) if (recs[r]!.label[i]! >= 0) picks.push({ r, i });
  return picks;
}

export async function loadRecords(dbDir: string, names: string[], spec: InputSpec): Promise<RecordBeats[]> {
  const out: RecordBeats[] = [];
  for (const n of names) out.push(await recordBeats(path.join(dbDir, n), spec));
  return out;
}

/** Every labelled beat of the named records, as one set. */
export async function recordsSet(dbDir: string, names: string[], spec: InputSpec): Promise<BeatSet> {
  const recs = await loadRecords(dbDir, names, spec);
  return gather(recs, labelled(recs, recs.map((_, i) => i)), spec.length);
}

/** Builds the split of a protocol from the MIT-BIH folder `dbDir`. Deterministic; per-record beats are cached. */
export async function buildSplit(protocol: Protocol, dbDir: string, spec: InputSpec, parts: ('train' | 'val' | 'test')[] = ['train', 'val', 'test'], opts: { fold?: Fold } = {}): Promise<Split> {
  const empty = (recs: RecordBeats[]) => gather(recs, [], spec.length);
  if (opts.fold && protocol !== 'inter-patient') throw new Error('cross-validation folds exist under the inter-patient protocol only (DS1 records)');
  if (protocol === 'inter-patient') {
    const valNames = interValRecords(opts.fold);
    const trainNames = DS1.filter((r) => !valNames.includes(r));
    const needTrain = parts.includes('train');
    const needVal = parts.includes('val');
    const needTest = parts.includes('test');
    const trRecs = needTrain ? await loadRecords(dbDir, trainNames, spec) : [];
    const vaRecs = needVal ? await loadRecords(dbDir, valNames, spec) : [];
    const teRecs = needTest ? await loadRecords(dbDir, DS2, spec) : [];
    const all = (rs: RecordBeats[]) => gather(rs, labelled(rs, rs.map((_, i) => i)), spec.length);
    return {
      protocol,
      train: needTrain ? all(trRecs) : empty(trRecs),
      val: needVal ? all(vaRecs) : empty(vaRecs),
      test: needTest ? all(teRecs) : empty(teRecs),
      description: opts.fold === 'all'
        ? `train all ${trainNames.length} DS1 records, no validation (fixed epochs), test DS2 (${DS2.length} records)`
        : `train DS1 minus {${valNames.join(',')}} (${trainNames.length} records), validation DS1 records {${valNames.join(',')}}${opts.fold ? ` (fold ${opts.fold} of ${INTER_FOLDS.length})` : ''}, test DS2 (${DS2.length} records)`,
    };
  }
  const recs = await loadRecords(dbDir, NON_PACED, spec);
  const byClass: { r: number; i: number }[][] = CLASS_NAMES.map(() => []);
  for (const p of labelled(recs, recs.map((_, i) => i))) byClass[recs[p.r]!.label[p.i]!]!.push(p);
  const rand = rng(SPLIT_SEED);
  const tr: { r: number; i: number }[] = [];
  const va: { r: number; i: number }[] = [];
  const te: { r: number; i: number }[] = [];
  for (const list of byClass) {
    shuffleInPlace(list, rand);
    const nTr = Math.round(list.length * 0.8);
    const nVa = Math.round(list.length * 0.1);
    tr.push(...list.slice(0, nTr));
    va.push(...list.slice(nTr, nTr + nVa));
    te.push(...list.slice(nTr + nVa));
  }
  const order = (a: { r: number; i: number }[]) => a.sort((x, y) => x.r - y.r || x.i - y.i);
  return {
    protocol,
    train: parts.includes('train') ? gather(recs, order(tr), spec.length) : empty(recs),
    val: parts.includes('val') ? gather(recs, order(va), spec.length) : empty(recs),
    test: parts.includes('test') ? gather(recs, order(te), spec.length) : empty(recs),
    description: `stratified 80/10/10 beat split of the ${NON_PACED.length} non-paced records (seed ${SPLIT_SEED})`,
  };
}

/** The model inputs of beats `idx` of a set (all beats by default): beats n × length × C, rr n × F. */
export function setInputs(set: BeatSet, spec: InputSpec, idx?: ArrayLike<number>, shift?: ArrayLike<number>): { n: number; beats: Float32Array; rr: Float32Array } {
  const sel = idx ?? Int32Array.from({ length: set.n }, (_, i) => i);
  const F = spec.rr.features.length;
  const rr = new Float32Array(sel.length * F);
  for (let k = 0; k < sel.length; k++) rr.set(set.rr.subarray(sel[k]! * F, sel[k]! * F + F), k * F);
  return { n: sel.length, beats: gatherBeats(set.windows, set.margin, spec, sel, shift, set.tpl), rr };
}

export function classCounts(set: BeatSet): number[] {
  const c = CLASS_NAMES.map(() => 0);
  for (let i = 0; i < set.n; i++) if (set.label[i]! >= 0) c[set.label[i]!]!++;
  return c;
}

/** A small table of class counts per split, for logs and docs. */
export function countsTable(split: Split): string {
  const rows = (['train', 'val', 'test'] as const).map((k) => {
    const c = classCounts(split[k]);
    return `  ${k.padEnd(5)} ${c.map((x) => String(x).padStart(6)).join(' ')} ${String(split[k].n).padStart(7)}`;
  });
  return [`  split ${CLASS_NAMES.map((c) => c.padStart(6)).join(' ')}   total`, ...rows].join('\n');
}
