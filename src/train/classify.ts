// Scoring a model or an ensemble on a protocol's test beats at reference positions, reported with the
// evaluator's class statistics (src/eval classStats: the JSON shape of `ecg-edge eval classify --json`).
import fs from 'node:fs';
import path from 'node:path';
import { emptyMatrix, classStats, type ClassReport, type Row, type Col } from '../eval/index.js';
import { initEngine, type EngineChoice } from './engine.js';
import { loadModel } from './io.js';
import { predictPrepared, type Probs } from './predict.js';
import { beatChannels, CLASS_NAMES, defaultInputSpec, type ModelSpec } from './spec.js';
import { buildSplit, setInputs, type BeatSet, type Protocol } from './dataset/index.js';
import { isEnsembleManifest, readManifest, Ensemble, type ProbPredictor } from './ensemble/index.js';
import { gateInput } from './ensemble/sveb-gate.js';
import { packageRoot } from '../native/binding.js';

export interface LoadedClassifier {
  kind: 'model' | 'ensemble';
  path: string;
  spec: ModelSpec;
  predictor: ProbPredictor;
  members: number;
  /** The RR features an ensemble's S-vs-N gate reads (absent without a gate). */
  gateFeatures?: string[];
}

/** The shipped default for a protocol: models/<protocol>/ensemble.json (best ensemble). */
export function defaultModelPath(protocol: Protocol): string {
  return path.join(packageRoot, 'models', protocol, 'ensemble.json');
}

async function loadOne(dir: string): Promise<{ spec: ModelSpec; predictor: ProbPredictor }> {
  const { model, spec } = await loadModel(dir);
  if (!spec) throw new Error(`model ${dir} has no spec.json (the input spec); models written by \`ecg-edge train\` have one`);
  return {
    spec,
    predictor: { predictProbs: (beats: Float32Array, T: number, rr: Float32Array) => predictPrepared(model, beats, T, rr) },
  };
}

/** Loads a model folder or an ensemble manifest (.json). */
export async function loadClassifier(p: string): Promise<LoadedClassifier> {
  if (!fs.existsSync(p)) throw new Error(`--model: '${p}' does not exist (give a model folder with model.json or an ensemble .json)`);
  if (fs.statSync(p).isDirectory()) {
    const { spec, predictor } = await loadOne(p);
    return { kind: 'model', path: p, spec, predictor, members: 1 };
  }
  if (!isEnsembleManifest(p)) throw new Error(`--model: '${p}' is neither a model folder nor an ensemble manifest (format 'ecg-edge-ensemble')`);
  const { manifest, memberDirs } = readManifest(p);
  const loaded = [];
  for (const d of memberDirs) loaded.push(await loadOne(d));
  const spec0 = loaded[0]!.spec;
  loaded.forEach((l, k) => {
    if (JSON.stringify(l.spec.input) !== JSON.stringify(spec0.input)) throw new Error(`ensemble ${p}: member ${k} (${memberDirs[k]}) has a different input spec from member 0`);
  });
  const channels = beatChannels(spec0.input);
  for (const [step, cfg] of [['propagation', manifest.propagation], ['refinement', manifest.refine]] as const) {
    if (cfg && cfg.channelWeights.length !== channels.length) {
      throw new Error(`ensemble ${p}: its ${step} weighs ${cfg.channelWeights.length} beat channels but the members read ${channels.length} (${channels.join(', ')}); rebuild it with \`ecg-edge ensemble build\``);
    }
  }
  return {
    kind: 'ensemble',
    path: p,
    spec: spec0,
    predictor: new Ensemble(loaded.map((l) => l.predictor), manifest.members.map((m) => m.weight), manifest.method, { classOffsets: manifest.classOffsets, svebGate: manifest.svebGate, propagation: manifest.propagation, refine: manifest.refine }),
    members: loaded.length,
    ...(manifest.svebGate ? { gateFeatures: [...manifest.svebGate.features] } : {}),
  };
}

/** The evaluator's class report from reference labels and predicted classes (every beat paired). */
export function reportFromLabels(ref: ArrayLike<number>, pred: ArrayLike<number>): ClassReport {
  const m = emptyMatrix();
  const rows = CLASS_NAMES as readonly string[] as Row[];
  const cols = CLASS_NAMES.map((c) => c.toLowerCase()) as Col[];
  for (let i = 0; i < ref.length; i++) {
    if (ref[i]! < 0) continue;
    m[rows[ref[i]!]!][cols[pred[i]!]!]++;
  }
  return classStats(m);
}

export interface ClassifyEval {
  report: ClassReport;
  probs: Probs;
  labels: Int8Array;
  set: BeatSet;
}

/** Scores the classifier on the protocol's test beats (reference positions). */
export async function evaluateClassifier(clf: LoadedClassifier, protocol: Protocol, db: string, opts: { engine?: EngineChoice; quiet?: boolean } = {}): Promise<ClassifyEval> {
  await initEngine(opts.engine ?? 'auto', { quiet: opts.quiet });
  const expected = defaultInputSpec(clf.spec.input.fs);
  const spec = clf.spec.input;
  if (spec.filter.name !== expected.filter.name) throw new Error(`model ${clf.path} was trained with filter '${spec.filter.name}', not the device filter '${expected.filter.name}'`);
  const split = await buildSplit(protocol, db, spec, ['test']);
  const set = split.test;
  const { beats, rr } = setInputs(set, spec);
  const gateRR = gateInput({ rr, rrFeatures: spec.rr.features, rrGate: set.rrGate }, clf.gateFeatures && { features: clf.gateFeatures });
  const pm = await clf.predictor.predictProbs(beats, spec.length, rr, { gateRR, record: set.rec });
  const probs: Probs = { n: pm.n, C: pm.C, data: pm.data };
  const pred = new Int32Array(probs.n);
  for (let i = 0; i < probs.n; i++) {
    let b = 0;
    for (let c = 1; c < probs.C; c++) if (probs.data[i * probs.C + c]! > probs.data[i * probs.C + b]!) b = c;
    pred[i] = b;
  }
  return { report: reportFromLabels(set.label, pred), probs, labels: set.label, set };
}
