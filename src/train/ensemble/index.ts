// Ensembles of beat classifiers.
//
// - 'top2-weighted' (the method of arXiv 2602.17701): each member contributes only its two most probable classes,
//   each with its probability times the member's weight (its validation score); the other classes get nothing
//   from that member. The ensemble's class is the argmax of the summed contributions; the contributions,
//   normalized to sum 1, are reported as the ensemble's probabilities (used for ROC curves).
// - 'average': plain (unweighted) mean of the members' probability vectors.
// - 'weighted-average': mean weighted by the member weights (for comparison).
//
// Probabilities are row-major matrices (Float32Array of n×C). A member's probabilities come from whatever
// predicts them (a tfjs model, the int8 path, …): see `EnsembleMember`.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { applyClassOffsets } from './calibrate.js';
import { applySvebGate, validateSvebGate, type SvebGate } from './sveb-gate.js';
import { propagate, validatePropagation, type Propagation } from './propagation.js';
import type { AcrossFolds } from './decision.js';

export const ENSEMBLE_METHODS = ['top2-weighted', 'average', 'weighted-average'] as const;
export type EnsembleMethod = (typeof ENSEMBLE_METHODS)[number];

export interface ProbMatrix {
  n: number;
  C: number;
  data: Float32Array; // n×C, row-major
}

export function probMatrix(rows: ArrayLike<number>[]): ProbMatrix {
  const n = rows.length, C = rows[0]?.length ?? 0;
  const data = new Float32Array(n * C);
  rows.forEach((r, i) => {
    if (r.length !== C) throw new Error(`probMatrix: row ${i} has ${r.length} classes, row 0 has ${C}`);
    for (let c = 0; c < C; c++) data[i * C + c] = r[c]!;
  });
  return { n, C, data };
}

export function rows(m: ProbMatrix): number[][] {
  return Array.from({ length: m.n }, (_, i) => Array.from(m.data.subarray(i * m.C, (i + 1) * m.C)));
}

function checkMembers(members: ProbMatrix[], weights: number[] | undefined, where: string): void {
  if (members.length === 0) throw new Error(`${where}: no member predictions; an ensemble needs at least one model`);
  const { n, C } = members[0]!;
  members.forEach((m, k) => {
    if (m.n !== n || m.C !== C) throw new Error(`${where}: member ${k} predicts ${m.n}×${m.C} but member 0 predicts ${n}×${C}; all members must score the same beats`);
  });
  if (weights) {
    if (weights.length !== members.length) throw new Error(`${where}: ${weights.length} weights for ${members.length} members`);
    weights.forEach((w, k) => { if (!(Number.isFinite(w) && w >= 0)) throw new Error(`${where}: weight of member ${k} is ${w}; weights must be finite and ≥ 0`); });
    if (!weights.some((w) => w > 0)) throw new Error(`${where}: every member weight is 0`);
  }
}

/** Top-2-weighted combination; returns normalized contribution scores (each row sums to 1). */
export function top2Weighted(members: ProbMatrix[], weights: number[]): ProbMatrix {
  checkMembers(members, weights, 'top2Weighted');
  const { n, C } = members[0]!;
  const out = new Float32Array(n * C);
  const acc = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    members.forEach((m, k) => {
      const o = i * C;
      let a = -1, b = -1; // indices of the largest and second-largest probabilities (lowest index wins ties)
      for (let c = 0; c < C; c++) {
        const p = m.data[o + c]!;
        if (a < 0 || p > m.data[o + a]!) { b = a; a = c; } else if (b < 0 || p > m.data[o + b]!) b = c;
      }
      acc[a] += weights[k]! * m.data[o + a]!;
      if (b >= 0) acc[b] += weights[k]! * m.data[o + b]!;
    });
    let s = 0;
    for (let c = 0; c < C; c++) s += acc[c]!;
    for (let c = 0; c < C; c++) out[i * C + c] = s > 0 ? acc[c]! / s : 1 / C;
  }
  return { n, C, data: out };
}

/** Mean of member probabilities, optionally weighted. */
export function averageProbs(members: ProbMatrix[], weights?: number[]): ProbMatrix {
  checkMembers(members, weights, 'averageProbs');
  const { n, C } = members[0]!;
  const w = weights ?? members.map(() => 1);
  const W = w.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n * C);
  const acc = new Float64Array(n * C);
  members.forEach((m, k) => { for (let j = 0; j < n * C; j++) acc[j] += w[k]! * m.data[j]!; });
  for (let j = 0; j < n * C; j++) out[j] = acc[j]! / W;
  return { n, C, data: out };
}

export function combine(method: EnsembleMethod, members: ProbMatrix[], weights?: number[]): ProbMatrix {
  switch (method) {
    case 'top2-weighted':
      return top2Weighted(members, weights ?? members.map(() => 1));
    case 'average':
      return averageProbs(members);
    case 'weighted-average':
      return averageProbs(members, weights ?? members.map(() => 1));
    default:
      throw new Error(`unknown ensemble method '${method as string}': choose one of ${ENSEMBLE_METHODS.join(', ')}`);
  }
}

/** Rows `idx` of a row-major matrix with `width` values per row, in that order. */
export function gatherRows(data: Float32Array, width: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * width);
  idx.forEach((i, k) => out.set(data.subarray(i * width, (i + 1) * width), k * width));
  return out;
}

/** Class index of the largest value per row (lowest index wins ties). */
export function argmaxRows(m: ProbMatrix): Int32Array {
  const out = new Int32Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let best = 0;
    for (let c = 1; c < m.C; c++) if (m.data[i * m.C + c]! > m.data[i * m.C + best]!) best = c;
    out[i] = best;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Manifest: models/<protocol>/ensemble.json

export interface EnsembleMemberSpec {
  /** Model directory (holding the tfjs model), relative to the manifest's folder. */
  model: string;
  /** Member weight: its validation score. */
  weight: number;
  /** Where the weight came from, e.g. { metric: 'macroF1', split: 'validation (held-out DS1 records)', value }. */
  validation?: { metric: string; split?: string; value: number };
  arch?: string;
}

/** How the class offsets were chosen (written by `ecg-edge ensemble build --calibrate`). */
export interface CalibrationInfo {
  method: 'held-out';
  /** What the offsets were fitted on, e.g. 'out-of-fold DS1 beats (records …)'. */
  data: string;
  beats: number;
  fitted: string[];
  /** Selection score on those beats without and with the offsets (and the S-vs-N gate, when there is one). */
  before: number;
  after: number;
  /** With propagation: the score after it, before the gate and offsets. */
  propagated?: number;
  /** With a refinement: the score before it (after the gate and offsets); \`after\` includes it. */
  unrefined?: number;
  /** With an S-vs-N gate: the score with the gate alone (leave one record out), before the offsets. */
  gated?: number;
  /** The same fit made without each cross-validation fold and scored on it (see decision.ts). */
  acrossFolds?: AcrossFolds;
}

export interface EnsembleManifest {
  format: 'ecg-edge-ensemble';
  /**
   * 1; 2 when the manifest holds class offsets; 3 when it holds an S-vs-N gate (with or without offsets); 4 when it
   * propagates within records (with or without the others); 5 when it also refines its decision by a second
   * propagation after the offsets. A reader of a lower version would ignore them and predict differently, so it must
   * refuse the file.
   */
  version: 1 | 2 | 3 | 4 | 5;
  protocol: string;
  method: EnsembleMethod;
  classes: string[];
  members: EnsembleMemberSpec[];
  /** Version 2: log-space offset per class added to the combined scores before the argmax (see calibrate.ts). */
  classOffsets?: number[];
  calibration?: CalibrationInfo;
  /** Version 3: the S-vs-N gate on the RR features, applied before the offsets (see sveb-gate.ts). */
  svebGate?: SvebGate;
  /** Version 4: shape propagation within each record, applied first, before the gate (see propagation.ts). */
  propagation?: Propagation;
  /** Version 5: a second propagation within each record, applied last, after the offsets (see propagation.ts). */
  refine?: Propagation;
  /** How the members were chosen when `ensemble build --pick held-out` chose them (see held-out.ts). */
  selection?: { method: string; alone: { recipe: string; score: number }[]; steps: { recipe: string; score: number }[] };
  created?: string;
  notes?: string;
}

/** Is this path an ensemble manifest (a .json file whose format is 'ecg-edge-ensemble')? */
export function isEnsembleManifest(p: string): boolean {
  if (!p.endsWith('.json') || !existsSync(p)) return false;
  try {
    return JSON.parse(readFileSync(p, 'utf8'))?.format === 'ecg-edge-ensemble';
  } catch {
    return false;
  }
}

/**
 * The steps a manifest version added, in order: each field and the version that added it. A manifest of version v
 * may hold the steps of versions ≤ v and must hold the step of v itself.
 */
const VERSIONED_STEPS = [['classOffsets', 2], ['svebGate', 3], ['propagation', 4], ['refine', 5]] as const;
type VersionedStep = (typeof VERSIONED_STEPS)[number][0];
const LATEST_VERSION = VERSIONED_STEPS[VERSIONED_STEPS.length - 1]![1];

export function validateManifest(j: unknown, where = 'ensemble manifest'): EnsembleManifest {
  const m = j as Partial<EnsembleManifest> | null;
  const bad = (what: string) => new Error(`${where}: ${what}`);
  if (!m || typeof m !== 'object') throw bad('not a JSON object');
  if (m.format !== 'ecg-edge-ensemble') throw bad(`"format" must be "ecg-edge-ensemble", got ${JSON.stringify(m.format)}`);
  if (!(Number.isInteger(m.version) && m.version! >= 1 && m.version! <= LATEST_VERSION)) throw bad(`unsupported "version" ${JSON.stringify(m.version)}; this build reads versions 1 to ${LATEST_VERSION}: update ecg-edge to read it`);
  if (typeof m.protocol !== 'string') throw bad('"protocol" is missing');
  if (!ENSEMBLE_METHODS.includes(m.method as EnsembleMethod)) throw bad(`"method" must be one of ${ENSEMBLE_METHODS.join(', ')}, got ${JSON.stringify(m.method)}`);
  if (!Array.isArray(m.classes) || m.classes.length < 2) throw bad('"classes" must list the output classes');
  if (!Array.isArray(m.members) || m.members.length === 0) throw bad('"members" must list at least one model');
  m.members.forEach((mem, k) => {
    if (!mem || typeof mem.model !== 'string' || !mem.model) throw bad(`member ${k} has no "model" directory`);
    if (typeof mem.weight !== 'number' || !Number.isFinite(mem.weight) || mem.weight < 0) throw bad(`member ${k} ("${mem.model}") needs a finite "weight" ≥ 0`);
  });
  if (!m.members.some((mem) => mem.weight > 0)) throw bad('every member weight is 0');
  const version = m.version!;
  for (const [field, since] of VERSIONED_STEPS) {
    if (m[field] !== undefined && version < since) throw bad(`"${field}" needs "version": ${since} or later`);
    if (m[field] === undefined && version === since) throw bad(`version ${since} needs "${field}"`);
  }
  if (m.classOffsets !== undefined && !(Array.isArray(m.classOffsets) && m.classOffsets.length === m.classes.length && m.classOffsets.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    throw bad(`"classOffsets" must hold one finite number per class (${m.classes.length})`);
  }
  if (m.svebGate !== undefined) {
    validateSvebGate(m.svebGate, where);
    if (m.classes[0] !== 'N' || m.classes[1] !== 'S') throw bad('"svebGate" needs classes N and S first');
  }
  if (m.propagation !== undefined) validatePropagation(m.propagation, where);
  if (m.refine !== undefined) validatePropagation(m.refine, where, 'refine');
  return m as EnsembleManifest;
}

/** The version a manifest with these steps is written as: the version that added the latest of them (1 with none). */
export function manifestVersion(steps: Partial<Pick<EnsembleManifest, VersionedStep>>): EnsembleManifest['version'] {
  let v: EnsembleManifest['version'] = 1;
  for (const [field, since] of VERSIONED_STEPS) if (steps[field] !== undefined) v = since;
  return v;
}

export function readManifest(file: string): { manifest: EnsembleManifest; memberDirs: string[] } {
  if (!existsSync(file)) throw new Error(`ensemble manifest ${file} does not exist; build one with \`ecg-edge ensemble build\``);
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`ensemble manifest ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const manifest = validateManifest(j, `ensemble manifest ${file}`);
  const base = path.dirname(path.resolve(file));
  const memberDirs = manifest.members.map((m) => path.resolve(base, m.model));
  memberDirs.forEach((d, k) => {
    if (!existsSync(d)) throw new Error(`ensemble manifest ${file}: member ${k} model "${manifest.members[k]!.model}" not found at ${d}`);
  });
  return { manifest, memberDirs };
}

export function writeManifest(file: string, manifest: EnsembleManifest): void {
  validateManifest(manifest);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
}

/** What an ensemble may need beyond the members' inputs. */
export interface BeatContext {
  /** The rows of the RR features an ensemble's S-vs-N gate reads (its `features`, from rrColumns), when they are not the members' own `rr`. */
  gateRR?: Float32Array;
  /** Each beat's record (any number that tells recordings apart; beats of a record in time order), for propagation. */
  record?: ArrayLike<number>;
}

/** Anything that maps a batch of beats to class probabilities. */
export interface ProbPredictor {
  predictProbs(beats: Float32Array, T: number, rr: Float32Array, context?: BeatContext): Promise<ProbMatrix> | ProbMatrix;
}

/**
 * What a manifest applies after combining its members: propagation within records, the S-vs-N gate, the class
 * offsets, then the refinement (a second propagation within records).
 */
export interface EnsembleDecision {
  propagation?: Propagation;
  refine?: Propagation;
  classOffsets?: readonly number[];
  svebGate?: SvebGate;
}

const NEEDS_RECORDS = "this ensemble propagates within each record: pass each beat's record (context.record, beats of a record in time order)";

/** The beats behind a probability matrix, for a decision that propagates within records. */
export interface DecisionBeats {
  /** The members' beat inputs (T samples × channels per beat, row-major). */
  beats: Float32Array;
  T: number;
  /** Each beat's record (beats of a record in time order). */
  record?: ArrayLike<number>;
}

/**
 * The combined probabilities after the manifest's steps: propagation within records (needs `b`), the S-vs-N gate,
 * the offsets, the refinement (needs `b`). `rr` = the beats' rows of the gate's RR features.
 */
export function decide(p: ProbMatrix, rr: Float32Array, d: EnsembleDecision, b?: DecisionBeats): ProbMatrix {
  const within = (q: ProbMatrix, cfg: Propagation): ProbMatrix => {
    if (!b?.record) throw new Error(NEEDS_RECORDS);
    return propagate(q, b.beats, b.T, b.record, cfg);
  };
  let q = d.propagation ? within(p, d.propagation) : p;
  if (d.svebGate) q = applySvebGate(q, rr, d.svebGate);
  if (d.classOffsets) q = applyClassOffsets(q, d.classOffsets);
  return d.refine ? within(q, d.refine) : q;
}

/** An ensemble of predictors combined with a manifest's method and weights. */
export class Ensemble implements ProbPredictor {
  constructor(readonly members: ProbPredictor[], readonly weights: number[], readonly method: EnsembleMethod, readonly decision: EnsembleDecision = {}) {
    if (members.length !== weights.length) throw new Error(`Ensemble: ${members.length} members but ${weights.length} weights`);
  }

  async memberProbs(beats: Float32Array, T: number, rr: Float32Array): Promise<ProbMatrix[]> {
    const out: ProbMatrix[] = [];
    for (const m of this.members) out.push(await m.predictProbs(beats, T, rr));
    return out;
  }

  async predictProbs(beats: Float32Array, T: number, rr: Float32Array, context: BeatContext = {}): Promise<ProbMatrix> {
    const gate = this.decision.svebGate;
    if (gate?.settings && !context.gateRR) {
      throw new Error(`this ensemble's S-vs-N gate reads ${gate.features.join(', ')}: pass those rows as gateRR (rrColumns of the beats' RR and gate RR features)`);
    }
    if ((this.decision.propagation || this.decision.refine) && !context.record) throw new Error(NEEDS_RECORDS); // before the members run
    const combined = combine(this.method, await this.memberProbs(beats, T, rr), this.weights);
    return decide(combined, context.gateRR ?? rr, this.decision, { beats, T, ...(context.record ? { record: context.record } : {}) });
  }
}
