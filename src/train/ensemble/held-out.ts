// Held-out predictions of an ensemble's members: each member scores the beats it was validated on (never trained
// on), combined with the ensemble's method. With DS1 cross-validation folds (`ecg-edge train --fold k`), the
// members of fold k score fold k's records, so together they cover DS1 out of fold. Used to choose class offsets.
import fs from 'node:fs';
import path from 'node:path';
import { buildSplit, interValRecords, recordsSet, setInputs, type BeatSet, type Fold, type Protocol } from '../dataset/index.js';
import { loadClassifier } from '../classify.js';
import { averageProbs, combine, type EnsembleMethod, type ProbMatrix } from './index.js';
import { GATE_RR_FEATURE_NAMES } from '../spec.js';

const G = GATE_RR_FEATURE_NAMES.length;

export interface HeldOut {
  probs: ProbMatrix;
  labels: Int8Array;
  /** The members' RR features of each beat (rrFeatures per row) and the index of its record (into `records`). */
  rr: Float32Array;
  rrFeatures: string[];
  /** The gate's RR features of each beat (GATE_RR_FEATURE_NAMES per row; see rrColumns), for an S-vs-N gate that reads them. */
  rrGate: Float32Array;
  record: Int16Array;
  records: string[];
  /** The members' beat inputs (T samples × the spec's channels per beat, row-major), for propagation within records. */
  beats: Float32Array;
  T: number;
  /** The validation group (fold) of each beat, an index into `folds` (each fold's records; [] for intra-patient). */
  fold: Int8Array;
  folds: string[][];
  /** What was scored, e.g. 'held-out DS1 records 101,106,…'. */
  data: string;
}

/** The validation data of a trained model: its DS1 validation records (inter-patient) or the intra-patient validation split. */
function validationOf(dir: string, protocol: Protocol): { key: string; records: string[] | null } {
  const mf = path.join(dir, 'metrics.json');
  if (!fs.existsSync(mf)) throw new Error(`member ${dir} has no metrics.json: its validation data is unknown`);
  const m = JSON.parse(fs.readFileSync(mf, 'utf8')) as { validation?: { records?: string[] }; fold?: Fold };
  if (protocol === 'intra-patient') return { key: 'intra-patient validation split', records: null };
  const records = m.validation?.records ?? interValRecords(m.fold);
  if (!records.length) throw new Error(`member ${dir} was trained on all DS1 records (--fold all): it has no held-out data`);
  return { key: [...records].sort().join(','), records: [...records].sort() };
}

export async function heldOutProbs(memberDirs: string[], weights: number[], method: EnsembleMethod, protocol: Protocol, db: string): Promise<HeldOut> {
  const groups = new Map<string, { records: string[] | null; members: number[] }>();
  memberDirs.forEach((d, k) => {
    const v = validationOf(d, protocol);
    const g = groups.get(v.key) ?? { records: v.records, members: [] };
    g.members.push(k);
    groups.set(v.key, g);
  });
  const seen = new Map<string, string>();
  for (const [key, g] of groups) for (const r of g.records ?? []) {
    if (seen.has(r)) throw new Error(`members validated on overlapping DS1 records (record ${r} is in {${seen.get(r)}} and {${key}}): held-out calibration needs members grouped in disjoint folds, e.g. trained with --fold 1..4`);
    seen.set(r, key);
  }
  const parts: { probs: ProbMatrix; labels: Int8Array; rr: Float32Array; rrGate: Float32Array; beats: Float32Array; record: string[]; fold: string[] }[] = [];
  let rrFeatures: string[] | undefined;
  let T = 0;
  // folds in a fixed order (by their records), so that the beats of two ensembles over the same folds line up
  for (const [, g] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const clfs = [];
    for (const k of g.members) clfs.push(await loadClassifier(memberDirs[k]!));
    const spec = clfs[0]!.spec.input;
    clfs.forEach((c, i) => {
      if (JSON.stringify(c.spec.input) !== JSON.stringify(spec)) throw new Error(`member ${memberDirs[g.members[i]!]} has a different input spec from ${memberDirs[g.members[0]!]}`);
    });
    const set: BeatSet = g.records ? await recordsSet(db, g.records, spec) : (await buildSplit(protocol, db, spec, ['val'])).val;
    if (rrFeatures && JSON.stringify(rrFeatures) !== JSON.stringify(spec.rr.features)) throw new Error(`member ${memberDirs[g.members[0]!]} reads other RR features (${spec.rr.features.join(', ')}) than the other folds' members (${rrFeatures.join(', ')})`);
    rrFeatures = [...spec.rr.features];
    if (T && T !== spec.length) throw new Error(`member ${memberDirs[g.members[0]!]} reads beats of ${spec.length} samples, the other folds' members ${T}`);
    T = spec.length;
    const { beats, rr } = setInputs(set, spec);
    const probs = [];
    for (const c of clfs) probs.push(await c.predictor.predictProbs(beats, spec.length, rr));
    parts.push({ probs: combine(method, probs, g.members.map((k) => weights[k]!)), labels: set.label, rr, rrGate: set.rrGate, beats, record: Array.from(set.rec, (r) => set.records[r]!), fold: g.records ?? [] });
  }
  const n = parts.reduce((s, p) => s + p.probs.n, 0), C = parts[0]!.probs.C, F = rrFeatures!.length;
  const data = new Float32Array(n * C), labels = new Int8Array(n), rr = new Float32Array(n * F), rrGate = new Float32Array(n * G), record = new Int16Array(n), fold = new Int8Array(n);
  const perBeat = parts[0]!.beats.length / parts[0]!.probs.n, beats = new Float32Array(n * perBeat);
  const recordIndex = new Map<string, number>();
  let o = 0;
  parts.forEach((p, f) => {
    data.set(p.probs.data, o * C);
    labels.set(p.labels, o);
    rr.set(p.rr, o * F);
    rrGate.set(p.rrGate, o * G);
    beats.set(p.beats, o * perBeat);
    fold.fill(f, o, o + p.probs.n);
    p.record.forEach((name, k) => {
      if (!recordIndex.has(name)) recordIndex.set(name, recordIndex.size);
      record[o + k] = recordIndex.get(name)!;
    });
    o += p.probs.n;
  });
  const records = [...recordIndex.keys()];
  const recs = [...seen.keys()].sort();
  return { probs: { n, C, data }, labels, rr, rrFeatures: rrFeatures!, rrGate, record, records, beats, T, fold, folds: parts.map((p) => p.fold), data: protocol === 'intra-patient' ? 'intra-patient validation beats' : `held-out DS1 records ${recs.join(',')} (each scored by the members that did not train on it)` };
}

/** A training recipe's name: the model folder's name without its fold suffix (cnn-focal-fold3 → cnn-focal). */
export function recipeOf(dir: string): string {
  return path.basename(dir).replace(/-fold\d+$/, '');
}

export interface RecipeSelection {
  /** Recipes in the order they were added, each with the ensemble's held-out score once it was added. */
  steps: { recipe: string; score: number }[];
  /** Every recipe's held-out score alone. */
  alone: { recipe: string; score: number }[];
}

/**
 * Greedy forward selection of training recipes on held-out predictions (the probabilities of each recipe averaged
 * over its members, every recipe covering the same folds): starting from none, add the recipe that most improves
 * `score` of the averaged ensemble; stop when no recipe improves it. Also returns the chosen recipes' average.
 */
export function selectRecipes(byRecipe: Map<string, ProbMatrix>, score: (m: ProbMatrix) => number): RecipeSelection & { probs: ProbMatrix } {
  const names = [...byRecipe.keys()];
  const mats = names.map((n) => byRecipe.get(n)!);
  const { n, C } = mats[0]!;
  mats.forEach((m, k) => {
    if (m.n !== n || m.C !== C) throw new Error(`recipe ${names[k]} scores ${m.n} held-out beats, ${names[0]} scores ${n}: every recipe needs a model for each fold`);
  });
  const mean = (idx: number[]): ProbMatrix => averageProbs(idx.map((k) => mats[k]!));
  const alone = names.map((recipe, k) => ({ recipe, score: score(mats[k]!) }));
  const chosen: number[] = [];
  const steps: { recipe: string; score: number }[] = [];
  let best = -Infinity;
  for (;;) {
    let pick = -1, pickScore = best;
    for (let k = 0; k < names.length; k++) {
      if (chosen.includes(k)) continue;
      const s = chosen.length ? score(mean([...chosen, k])) : alone[k]!.score;
      if (s > pickScore + 1e-9) { pick = k; pickScore = s; }
    }
    if (pick < 0) break;
    chosen.push(pick);
    best = pickScore;
    steps.push({ recipe: names[pick]!, score: pickScore });
  }
  return { steps, alone, probs: mean(chosen) };
}

/**
 * `ensemble build --pick held-out`: groups the member folders into recipes (recipeOf), scores each recipe's
 * members on their held-out data (averaged), and selects recipes greedily on `score`, which gets a candidate's
 * probabilities with the held-out beats they score (labels, RR features, records, folds). Returns the chosen recipes,
 * the selection steps and the held-out predictions of the chosen ensemble (the average over all its members, since
 * each recipe has one member per fold).
 */
export async function pickRecipes(
  memberDirs: string[],
  protocol: Protocol,
  db: string,
  score: (h: HeldOut) => number,
): Promise<{ recipes: Set<string>; selection: RecipeSelection; heldOut: HeldOut }> {
  const byRecipe = new Map<string, string[]>();
  for (const d of memberDirs) byRecipe.set(recipeOf(d), [...(byRecipe.get(recipeOf(d)) ?? []), d]);
  const probs = new Map<string, ProbMatrix>();
  let first: HeldOut | undefined;
  for (const [name, dirs] of byRecipe) {
    const h = await heldOutProbs(dirs, dirs.map(() => 1), 'average', protocol, db);
    if (first && (first.labels.length !== h.labels.length || first.labels.some((l, i) => l !== h.labels[i]) || first.data !== h.data)) {
      throw new Error(`recipe ${name} was validated on other records than ${[...byRecipe.keys()][0]}: every recipe needs a model trained on each of the same folds`);
    }
    first ??= h;
    probs.set(name, h.probs);
  }
  const { probs: chosen, ...selection } = selectRecipes(probs, (m) => score({ ...first!, probs: m }));
  return { recipes: new Set(selection.steps.map((s) => s.recipe)), selection, heldOut: { ...first!, probs: chosen } };
}
