// What an ensemble manifest does after combining its members (propagation within records, the S-vs-N gate, class
// offsets, then a refinement), fitted on held-out predictions, and whether that fit transfers to other patients.
//
// `fitDecision` is the one procedure `ensemble build --calibrate held-out` runs: propagation (propagation.ts; label-
// free, nothing to fit) is applied to the held-out beats first; the gate (sveb-gate.ts) is fitted on the result; the
// offsets (calibrate.ts) are fitted on the gate's leave-one-record-out probabilities, so that no choice sees the
// gate's own fit; the refinement (a second propagation, nothing to fit) is applied last.
//
// `acrossFolds` runs that procedure again for every cross-validation fold with that fold left out, and scores the
// left-out fold: a check of what the fit does on patients it never saw (the situation of DS2). On DS1 it showed,
// for example, that an F offset fitted without record 208 (nearly all DS1 F beats) destroys F out of fold.
import { applyClassOffsets, fitClassOffsets, heldOutF1, heldOutScore, type ClassOffsetFit } from './calibrate.js';
import { decide, gatherRows, type EnsembleDecision, type ProbMatrix } from './index.js';
import { fitSvebGate, gateFeatureNames, gateInput, type GateRR, type SvebGate } from './sveb-gate.js';
import { propagate, type Propagation } from './propagation.js';
import { GATE_RR_FEATURE_NAMES } from '../spec.js';
import type { HeldOut } from './held-out.js';

export interface DecisionRecipe {
  /** Fit the S-vs-N gate. */
  gate: boolean;
  /** Classes to fit offsets for ('all' = every class with ≥ 20 beats but the reference), or none. */
  offsets: 'all' | 'none' | string[];
  /** L2 strength of the gate's fit (default GATE_L2). */
  gateL2?: number;
  /** The RR features the gate reads (default 'member'; see sveb-gate.ts). */
  gateRR?: GateRR;
  /** Propagate within records before the gate (see propagation.ts). */
  propagation?: Propagation;
  /** Propagate within records again after the offsets (see SHAPE_REFINEMENT). */
  refine?: Propagation;
}

export interface FittedDecision extends EnsembleDecision {
  /** The offsets' fit (null without offsets). */
  offsetFit: ClassOffsetFit | null;
  /** Score of the held-out beats: raw, after propagation, after the gate (leave one record out), before the refinement, after all. */
  before: number;
  propagated?: number;
  gated?: number;
  unrefined?: number;
  after: number;
}

/** The class offsets a recipe asks for, fitted on `probs` (null for 'none'). */
export function fitOffsets(probs: ProbMatrix, labels: ArrayLike<number>, classes: readonly string[], offsets: DecisionRecipe['offsets']): ClassOffsetFit | null {
  if (offsets === 'none') return null;
  return fitClassOffsets(probs, labels, classes, offsets === 'all' ? {} : { only: offsets });
}

type Beats = Pick<HeldOut, 'probs' | 'labels' | 'rr' | 'rrFeatures' | 'rrGate' | 'record' | 'data' | 'beats' | 'T'>;

/** The held-out probabilities after the recipe's propagation (as they are without one). */
function propagated<H extends Beats>(h: H, recipe: DecisionRecipe): H {
  return recipe.propagation ? { ...h, probs: propagate(h.probs, h.beats, h.T, h.record, recipe.propagation) } : h;
}

export function fitDecision(held: Beats, classes: readonly string[], recipe: DecisionRecipe): FittedDecision {
  const before = heldOutScore(held.probs, held.labels, classes);
  const h = propagated(held, recipe);
  const propagatedScore = recipe.propagation ? heldOutScore(h.probs, h.labels, classes) : undefined;
  const d = fitGateAndOffsets(h, classes, recipe);
  // the refinement fits nothing: it is scored on the beats the offsets were scored on
  const refined = recipe.refine ? { refine: recipe.refine, unrefined: d.after, after: heldOutScore(propagate(d.probs, h.beats, h.T, h.record, recipe.refine), h.labels, classes) } : {};
  const { probs: _, ...fit } = d;
  return { ...fit, ...(recipe.propagation ? { propagation: recipe.propagation } : {}), before, ...(propagatedScore !== undefined ? { propagated: propagatedScore } : {}), ...refined };
}

/**
 * The gate and offsets of a recipe, fitted on probabilities that are already propagated, and the held-out
 * probabilities they give (the gate's leave-one-record-out probabilities, offsets applied).
 */
function fitGateAndOffsets(h: Omit<Beats, 'beats' | 'T'>, classes: readonly string[], recipe: DecisionRecipe): FittedDecision & { probs: ProbMatrix } {
  const before = heldOutScore(h.probs, h.labels, classes);
  let probs = h.probs;
  let svebGate: SvebGate | undefined;
  let gated: number | undefined;
  if (recipe.gate) {
    const features = gateFeatureNames(h.rrFeatures, recipe.gateRR);
    const g = fitSvebGate(h.probs, gateInput(h, { features }), features, h.labels, h.data, { record: h.record, ...(recipe.gateL2 !== undefined ? { l2: recipe.gateL2 } : {}) });
    svebGate = g.gate;
    probs = g.outOfRecord!;
    gated = heldOutScore(probs, h.labels, classes);
  }
  const offsetFit = fitOffsets(probs, h.labels, classes, recipe.offsets);
  if (offsetFit) probs = applyClassOffsets(probs, offsetFit.offsets);
  const after = offsetFit ? heldOutScore(probs, h.labels, classes) : gated ?? before;
  return { ...(svebGate ? { svebGate } : {}), ...(offsetFit ? { classOffsets: offsetFit.offsets } : {}), offsetFit, before, ...(gated !== undefined ? { gated } : {}), after, probs };
}

/** The beats `idx` of a held-out set (without their beat inputs: the gate and offsets do not read them). */
function subset(h: HeldOut, idx: number[]): Omit<Beats, 'beats' | 'T'> {
  const C = h.probs.C;
  return {
    probs: { n: idx.length, C, data: gatherRows(h.probs.data, C, idx) }, rr: gatherRows(h.rr, h.rrFeatures.length, idx), rrFeatures: h.rrFeatures,
    rrGate: gatherRows(h.rrGate, GATE_RR_FEATURE_NAMES.length, idx), data: h.data,
    labels: Int8Array.from(idx, (i) => h.labels[i]!), record: Int16Array.from(idx, (i) => h.record[i]!),
  };
}

export interface AcrossFolds {
  folds: number;
  /** Selection score of all held-out beats, raw and with the decision fitted without their fold. */
  before: number;
  after: number;
  /** F1 per class, raw and after. */
  f1Before: (number | null)[];
  f1After: (number | null)[];
}

/** Leave one fold out: the decision fitted on the other folds, applied to the left-out fold (null if < 2 folds). */
export function acrossFolds(held: HeldOut, classes: readonly string[], recipe: DecisionRecipe): AcrossFolds | null {
  const after = outOfFold(held, classes, recipe);
  if (!after) return null;
  return { folds: held.folds.length, before: heldOutScore(held.probs, held.labels, classes), after: heldOutScore(after, held.labels, classes), f1Before: heldOutF1(held.probs, held.labels, classes), f1After: heldOutF1(after, held.labels, classes) };
}

/** The held-out probabilities after the decision, each fold's fitted without it (as acrossFolds scores them; null if < 2 folds). */
export function outOfFold(held: HeldOut, classes: readonly string[], recipe: DecisionRecipe): ProbMatrix | null {
  if (held.folds.length < 2) return null;
  // propagation and refinement stay within records, and so within folds: applying them to all beats at once is the
  // same (and lets every fold, and every candidate of a pick, share one neighbour graph)
  const h = propagated(held, recipe);
  const out = new Float32Array(h.probs.data.length);
  const C = h.probs.C;
  for (let k = 0; k < h.folds.length; k++) {
    const train: number[] = [], test: number[] = [];
    for (let i = 0; i < h.probs.n; i++) (h.fold[i] === k ? test : train).push(i);
    const { svebGate, classOffsets } = fitGateAndOffsets(subset(h, train), classes, recipe);
    const t = subset(h, test);
    const p = decide(t.probs, gateInput(t, svebGate), { ...(svebGate ? { svebGate } : {}), ...(classOffsets ? { classOffsets } : {}) });
    test.forEach((i, j) => out.set(p.data.subarray(j * C, (j + 1) * C), i * C));
  }
  const decided: ProbMatrix = { ...h.probs, data: out };
  return recipe.refine ? propagate(decided, h.beats, h.T, h.record, recipe.refine) : decided;
}
