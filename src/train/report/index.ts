// `ecg-edge report`: scores the trained models under models/<protocol>/ on their protocol's test beats (reference
// positions, via training-core's evaluateClassifier), and writes docs/RESULTS.md's training-report section and the
// figures in docs/figures/: confusion matrices, one-vs-rest ROC curves with AUC, Grad-CAM over example beats.
// Includes the ensemble comparison (Top-2-weighted vs probability averaging over the same members), the GAN
// ablation (same architecture and loss, with vs without --gan), the focal-vs-CE comparison, and the GAN realism
// table (models/gan/<protocol>/realism.json, written by `ecg-edge gan evaluate`).
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CLASS_NAMES } from '../spec.js';
import type { Protocol } from '../dataset/protocols.js';
import { setInputs } from '../dataset/protocols.js';
import { gateInput } from '../ensemble/sveb-gate.js';
import { loadModel } from '../io.js';
import { loadClassifier, evaluateClassifier, reportFromLabels } from '../classify.js';
import { combine, decide, argmaxRows, readManifest, isEnsembleManifest, type ProbMatrix, type EnsembleMethod, type EnsembleManifest } from '../ensemble/index.js';
import { gradcam } from '../gradcam/index.js';
import { metricsFromConfusion, confusionMatrix, oneVsRestRoc, thinRoc, type ClassificationMetrics, type RocCurve } from './metrics.js';
import { linePlot, matrixPlot, heatTraceGrid } from './svg.js';
import type { ClassReport } from '../../eval/index.js';
import { rng } from '../engine.js';

export { writeSection } from './section.js';

export const SECTION = 'training-report';

export interface ModelInfo {
  name: string; // display name, e.g. 'cnn-lstm' or 'ensemble (top2-weighted)'
  path: string;
  kind: 'model' | 'ensemble';
  arch?: string;
  loss?: string;
  gan?: boolean;
  seed?: number;
  valScore?: number | null;
  trainSeconds?: number;
  params?: number;
  method?: EnsembleMethod;
  /** The manifest's decision steps the ensemble was scored with (their `label`s in DECISION_STEPS, in order). */
  steps?: string[];
  members?: string[];
}

/** An ensemble manifest's decision steps in the order decide() applies them: a short name for "no …" rows, a label. */
const DECISION_STEPS = [
  { field: 'propagation', short: 'propagation', label: 'shape propagation' },
  { field: 'svebGate', short: 'gate', label: 'S-vs-N gate' },
  { field: 'classOffsets', short: 'offsets', label: 'class offsets' },
  { field: 'refine', short: 'refinement', label: 'refinement' },
] as const;
const stepsOf = (m: EnsembleManifest) => DECISION_STEPS.filter((x) => m[x.field] !== undefined);

export interface ModelResult {
  info: ModelInfo;
  metrics: ClassificationMetrics;
  ec57: ClassReport;
  auc: (number | null)[];
  rocs: RocCurve[];
  figures: { confusion?: string; roc?: string; gradcam?: string };
}

/** Finished model folders (model.json, spec.json, metrics.json) and ensemble manifests directly under models/<protocol>/. */
export function discoverModels(root: string, protocol: string): { models: string[]; ensembles: string[] } {
  const dir = path.join(root, protocol);
  if (!fs.existsSync(dir)) return { models: [], ensembles: [] };
  const models: string[] = [], ensembles: string[] = [];
  for (const e of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, e);
    // A finished training run: model.json + spec.json, and metrics.json (written when training ends).
    if (fs.statSync(p).isDirectory() && ['model.json', 'spec.json', 'metrics.json'].every((f) => fs.existsSync(path.join(p, f)))) models.push(p);
    else if (e.endsWith('.json') && isEnsembleManifest(p)) ensembles.push(p);
  }
  return { models, ensembles };
}

function readJson(p: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
}

export function modelInfo(dir: string): ModelInfo {
  const spec = readJson(path.join(dir, 'spec.json')) ?? {};
  const m = readJson(path.join(dir, 'metrics.json')) ?? {};
  const val = (m.validation ?? {}) as { score?: number };
  return {
    name: path.basename(dir), path: dir, kind: 'model',
    arch: (spec.arch ?? m.arch) as string | undefined,
    loss: (spec.loss ?? m.loss) as string | undefined,
    gan: Boolean(spec.gan ?? m.gan),
    seed: (spec.seed ?? m.seed) as number | undefined,
    valScore: val.score ?? null,
    trainSeconds: m.trainSeconds as number | undefined,
    params: (spec.params ?? m.params) as number | undefined,
  };
}

function probsRows(p: ProbMatrix): Float32Array[] {
  return Array.from({ length: p.n }, (_, i) => p.data.subarray(i * p.C, (i + 1) * p.C));
}

function resultFrom(info: ModelInfo, probs: ProbMatrix, labels: Int8Array): Omit<ModelResult, 'figures'> {
  const pred = argmaxRows(probs);
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= 0) keep.push(i);
  const yt = keep.map((i) => labels[i]!), yp = keep.map((i) => pred[i]!);
  const metrics = metricsFromConfusion(confusionMatrix(yt, yp, CLASS_NAMES.length), CLASS_NAMES);
  const rows = probsRows(probs);
  const rocs = oneVsRestRoc(keep.map((i) => rows[i]!), yt, CLASS_NAMES.length);
  metrics.perClass.forEach((c, k) => (c.auc = rocs[k]!.auc));
  return { info, metrics, ec57: reportFromLabels(labels, pred), auc: rocs.map((r) => r.auc), rocs };
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function writeFigure(dir: string, name: string, svg: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), svg);
  return name;
}

function rocFigure(r: Omit<ModelResult, 'figures'>, title: string): string {
  const series = r.rocs.map((roc, k) => ({ x: thinRoc(roc, 300).fpr, y: thinRoc(roc, 300).tpr, label: `${CLASS_NAMES[k]} (AUC ${roc.auc === null ? 'n/a' : roc.auc.toFixed(3)}, n=${roc.positives})` })).filter((_, k) => r.rocs[k]!.positives > 0);
  return linePlot(series, { title, xlabel: 'false-positive rate', ylabel: 'true-positive rate (Se)', xlim: [0, 1], ylim: [0, 1], diagonal: true, width: 500, height: 420 });
}

/** Grad-CAM over `perClass` correctly classified test beats of each class (falls back to any beat of the class). */
async function gradcamFigure(dir: string, labels: Int8Array, beats: Float32Array, rr: Float32Array, T: number, pred: Int32Array, title: string, perClass = 2, seed = 1): Promise<string> {
  const { model } = await loadModel(dir);
  try {
    const r = rng(seed);
    const panels: { signal: Float32Array; weight: Float32Array; title: string }[][] = [];
    for (let c = 0; c < CLASS_NAMES.length; c++) {
      const good: number[] = [], any: number[] = [];
      for (let i = 0; i < labels.length; i++) if (labels[i] === c) { any.push(i); if (pred[i] === c) good.push(i); }
      const pool = good.length >= perClass ? good : any;
      const picks: number[] = [];
      while (picks.length < Math.min(perClass, pool.length)) {
        const i = pool[Math.floor(r() * pool.length)]!;
        if (!picks.includes(i)) picks.push(i);
      }
      if (!picks.length) { panels.push([]); continue; }
      const C = beats.length / (labels.length * T), F = rr.length / labels.length;
      const xb = new Float32Array(picks.length * T * C), xr = new Float32Array(picks.length * F);
      picks.forEach((i, k) => { xb.set(beats.subarray(i * T * C, (i + 1) * T * C), k * T * C); xr.set(rr.subarray(i * F, i * F + F), k * F); });
      const xs = tf.tensor3d(xb, [picks.length, T, C]), rs = tf.tensor2d(xr, [picks.length, F]);
      // the plotted signal is the beat channel (channel 0)
      const sig = (k: number) => Float32Array.from({ length: T }, (_, t) => xb[(k * T + t) * C]!);
      const g = gradcam(model, xs, rs, { classes: picks.map(() => c) });
      tf.dispose([xs, rs]);
      panels.push(picks.map((i, k) => ({
        signal: sig(k), weight: g.cam[k]!,
        title: `${CLASS_NAMES[c]} beat → ${CLASS_NAMES[pred[i]!]} (p=${g.probs[k]![c]!.toFixed(2)})`,
      })));
    }
    // Row-major grid: one column per class, one row per example.
    const grid: { signal: Float32Array; weight: Float32Array; title: string }[] = [];
    for (let e = 0; e < perClass; e++) for (const col of panels) grid.push(col[e] ?? { signal: new Float32Array(T), weight: new Float32Array(T), title: 'no beat' });
    return heatTraceGrid(grid, { cols: CLASS_NAMES.length, title: `${title} — Grad-CAM (${model.name}, target class = reference class)` });
  } finally {
    model.dispose();
  }
}

export interface ReportOptions {
  protocols: Protocol[];
  db: string;
  modelsRoot: string;
  /** Explicit model folders / ensemble manifests (default: every one under models/<protocol>/). */
  models?: string[];
  figuresDir: string;
  gradcam?: boolean;
  log?: (s: string) => void;
}

const pct = (x: number | null | undefined, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : (100 * x).toFixed(d));
const f3 = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(3));

function modelRow(r: ModelResult): string {
  const i = r.info;
  const m = r.metrics;
  const f1 = m.perClass.map((c) => f3(c.f1)).join(' | ');
  const auc = r.auc.map((a) => f3(a)).join(' / ');
  const desc = i.kind === 'ensemble' ? `${i.method} over ${i.members!.length}${(i.steps ?? []).map((x) => `, ${x}`).join('')}` : `${i.arch ?? '?'}, ${i.loss ?? '?'}${i.gan ? ', +GAN' : ''}`;
  return `| ${i.name} | ${desc} | ${pct(m.accuracy)} | ${f3(m.macroF1)} | ${f3(m.weightedF1)} | ${f1} | ${pct(r.ec57.sveb.se)} / ${pct(r.ec57.sveb.ppv)} / ${f3(r.ec57.sveb.f1)} | ${pct(r.ec57.veb.se)} / ${pct(r.ec57.veb.ppv)} / ${f3(r.ec57.veb.f1)} | ${auc} |`;
}

const TABLE_HEAD = [
  '| model | kind | accuracy % | macro F1 | weighted F1 | F1 N | F1 S | F1 V | F1 F | F1 Q | SVEB Se % / +P % / F1 | VEB Se % / +P % / F1 | AUC N / S / V / F / Q |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];

function perClassTable(r: ModelResult): string[] {
  const out = ['| class | n | Se % | +P % | F1 | AUC |', '|---|---|---|---|---|---|'];
  for (const c of r.metrics.perClass) out.push(`| ${c.label} | ${c.support} | ${pct(c.se, 2)} | ${pct(c.ppv, 2)} | ${f3(c.f1)} | ${f3(c.auc)} |`);
  return out;
}

function realismSection(root: string, protocol: string, figuresDir?: string): string[] {
  const p = path.join(root, 'gan', protocol, 'realism.json');
  const j = readJson(p) as null | { classes: { class: string; nSynthetic: number; acceptance: number; realValidationRecall: number | null; nValidation: number; nReal: number; nnSynthetic: Sum; nnRealValidation: Sum | null; nnRealTrainLeaveOneOut: Sum; nnSyntheticToSynthetic: Sum }[]; classifier: { validationAccuracy: number | null; classes: string[] }; gan: { steps?: number; trainCounts?: Record<string, number> }; createdAt: string };
  type Sum = { median: number; p5: number; p95: number };
  if (!j) return [`GAN realism: no ${path.relative(process.cwd(), p)} yet (run \`ecg-edge gan evaluate --protocol ${protocol}\`).`, ''];
  const s = (x: Sum | null) => (x ? `${x.median.toFixed(3)} [${x.p5.toFixed(3)}, ${x.p95.toFixed(3)}]` : '–');
  const out = [
    `GAN realism (models/gan/${protocol}, ${j.gan.steps ?? '?'} steps; trained on ${Object.entries(j.gan.trainCounts ?? {}).map(([k, v]) => `${v} ${k}`).join(', ')} training beats; evaluated ${j.createdAt.slice(0, 10)}).`,
    `Acceptance: a beat-only classifier (${j.classifier.classes.join('/')}) trained on real training beats, validation accuracy ${pct(j.classifier.validationAccuracy)} %.`,
    'Distances: RMS difference of z-scored beats to the nearest real training beat of the same class, median [p5, p95].',
    '',
    '| class | synthetic | accepted as the class % | recall on real validation beats % | NN synthetic→train | NN real validation→train | NN train→train (leave-one-out) | NN synthetic→synthetic |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of j.classes) out.push(`| ${c.class} | ${c.nSynthetic} | ${pct(c.acceptance)} | ${pct(c.realValidationRecall)} (n=${c.nValidation}) | ${s(c.nnSynthetic)} | ${s(c.nnRealValidation)} | ${s(c.nnRealTrainLeaveOneOut)} | ${s(c.nnSyntheticToSynthetic)} |`);
  out.push('');
  if (figuresDir && fs.existsSync(path.join(figuresDir, `gan-${protocol}-samples.svg`))) out.push(`![real vs synthetic beats](figures/gan-${protocol}-samples.svg)`, '');
  return out;
}

/** Evaluates and renders one protocol; returns its markdown lines. */
export async function reportProtocol(protocol: Protocol, o: ReportOptions): Promise<{ lines: string[]; results: ModelResult[] }> {
  const log = o.log ?? (() => {});
  const found = discoverModels(o.modelsRoot, protocol);
  const wanted = o.models?.length ? o.models : [...found.models, ...found.ensembles];
  const modelDirs = wanted.filter((p) => fs.statSync(p).isDirectory());
  const ensembleFiles = wanted.filter((p) => !fs.statSync(p).isDirectory());
  // Ensemble members are evaluated too (their probabilities are reused); members that live elsewhere (e.g. the
  // cross-validation fold models under cv/) only feed their ensemble and get no row or figures of their own.
  const memberOnly = new Set<string>();
  for (const e of ensembleFiles) for (const d of readManifest(e).memberDirs) if (!modelDirs.includes(d)) { modelDirs.push(d); memberOnly.add(d); }
  const lines: string[] = [`### ${protocol}`, ''];
  if (!modelDirs.length) {
    lines.push(`No trained models under ${path.join(path.relative(process.cwd(), o.modelsRoot), protocol)}/ yet (train with \`ecg-edge train --protocol ${protocol} ...\`).`, '');
    lines.push(...realismSection(o.modelsRoot, protocol, o.figuresDir));
    return { lines, results: [] };
  }
  const results: ModelResult[] = [];
  const probsByDir = new Map<string, ProbMatrix>();
  let labels: Int8Array | null = null;
  // model inputs of the test beats per input spec (models of one protocol may differ in their inputs)
  const inputsBySpec = new Map<string, { beats: Float32Array; rr: Float32Array; rrFeatures: string[]; rrGate: Float32Array; T: number; record: Int16Array }>();
  const specOf = new Map<string, string>();
  for (const dir of modelDirs) {
    const t0 = Date.now();
    const clf = await loadClassifier(dir);
    const ev = await evaluateClassifier(clf, protocol, o.db, { quiet: true });
    labels ??= ev.labels;
    const specKey = JSON.stringify(clf.spec.input);
    if (!inputsBySpec.has(specKey)) inputsBySpec.set(specKey, { ...setInputs(ev.set, clf.spec.input), rrFeatures: clf.spec.input.rr.features, rrGate: ev.set.rrGate, T: clf.spec.input.length, record: ev.set.rec });
    specOf.set(dir, specKey);
    const probs: ProbMatrix = { n: ev.probs.n, C: ev.probs.C, data: ev.probs.data };
    probsByDir.set(dir, probs);
    if (memberOnly.has(dir)) continue;
    const info = modelInfo(dir);
    const r = resultFrom(info, probs, ev.labels);
    log(`report: ${protocol} ${info.name}: accuracy ${pct(r.metrics.accuracy)} %, macro F1 ${f3(r.metrics.macroF1)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    results.push({ ...r, figures: {} });
  }
  for (const e of ensembleFiles) {
    const { manifest, memberDirs } = readManifest(e);
    const members = memberDirs.map((d) => probsByDir.get(d)!);
    const weights = manifest.members.map((m) => m.weight);
    const methods: EnsembleMethod[] = [manifest.method, ...(['top2-weighted', 'average', 'weighted-average'] as EnsembleMethod[]).filter((m) => m !== manifest.method)];
    const base = path.basename(e, '.json');
    const memberNames = memberDirs.map((d) => path.basename(d));
    // The manifest's own prediction (with its propagation, S-vs-N gate, class offsets and refinement, when it has them), then
    // the same members without them and with the other methods, for comparison.
    const steps = stepsOf(manifest);
    const decided = steps.length > 0;
    if (decided) {
      const x = inputsBySpec.get(specOf.get(memberDirs[0]!)!)!;
      const probs = decide(combine(manifest.method, members, weights), gateInput(x, manifest.svebGate), manifest, x);
      results.push({ ...resultFrom({ name: base, path: e, kind: 'ensemble', method: manifest.method, members: memberNames, steps: steps.map((x) => x.label) }, probs, labels!), figures: {} });
    }
    for (const method of methods) {
      const probs = combine(method, members, weights);
      const own = method === manifest.method;
      const name = own ? (decided ? `${base} (${method}, ${steps.map((x) => `no ${x.short}`).join(', ')})` : base) : `${base} (${method})`;
      results.push({ ...resultFrom({ name, path: e, kind: 'ensemble', method, members: memberNames }, probs, labels!), figures: {} });
    }
  }
  // Figures
  for (const r of results) {
    const key = `${slug(protocol)}-${slug(r.info.name)}`;
    r.figures.confusion = writeFigure(o.figuresDir, `${key}-confusion.svg`, matrixPlot(r.metrics.confusion, CLASS_NAMES as unknown as string[], CLASS_NAMES as unknown as string[], { title: `${protocol}: ${r.info.name} (rows reference, columns predicted)`, rowLabel: 'reference', colLabel: 'predicted' }));
    r.figures.roc = writeFigure(o.figuresDir, `${key}-roc.svg`, rocFigure(r, `${protocol}: ${r.info.name}, one-vs-rest ROC`));
    if (o.gradcam !== false && r.info.kind === 'model') {
      const pred = argmaxRows(probsByDir.get(r.info.path)!);
      const { beats, rr, T } = inputsBySpec.get(specOf.get(r.info.path)!)!;
      r.figures.gradcam = writeFigure(o.figuresDir, `${key}-gradcam.svg`, await gradcamFigure(r.info.path, labels!, beats, rr, T, pred, `${protocol}: ${r.info.name}`));
      log(`report: ${protocol} ${r.info.name}: Grad-CAM figure`);
    }
  }
  // Markdown
  const rel = (f?: string) => (f ? `figures/${f}` : '');
  lines.push(`Test beats: ${labels!.length} at reference positions (${protocol === 'inter-patient' ? 'DS2, 22 records' : '10 % stratified beat split of the 44 non-paced records'}). Macro F1 over the five classes; Se/+P/F1 for SVEB and VEB follow the EC57 bxb rules (src/eval).`, '');
  lines.push(...TABLE_HEAD, ...results.map(modelRow), '');
  const ens = results.filter((r) => r.info.kind === 'ensemble');
  if (ens.length) {
    lines.push('**Ensemble: Top-2-weighted vs probability averaging** (same members and validation weights):', '');
    lines.push('| ensemble | method | accuracy % | macro F1 | SVEB F1 | VEB F1 |', '|---|---|---|---|---|---|');
    for (const r of ens) lines.push(`| ${path.basename(r.info.path)} (${r.info.members!.join(', ')}) | ${r.info.method}${(r.info.steps ?? []).map((x) => ` + ${x}`).join('')} | ${pct(r.metrics.accuracy)} | ${f3(r.metrics.macroF1)} | ${f3(r.ec57.sveb.f1)} | ${f3(r.ec57.veb.f1)} |`);
    lines.push('');
  }
  const singles = results.filter((r) => r.info.kind === 'model');
  const pairs = (key: (r: ModelResult) => string, flag: (r: ModelResult) => boolean) => {
    const out: [ModelResult, ModelResult][] = [];
    for (const a of singles) if (!flag(a)) for (const b of singles) if (flag(b) && key(a) === key(b)) out.push([a, b]);
    return out;
  };
  const ganPairs = pairs((r) => `${r.info.arch}|${r.info.loss}`, (r) => Boolean(r.info.gan));
  lines.push('**GAN ablation** (same architecture and loss, without vs with GAN-augmented training):', '');
  if (ganPairs.length) {
    lines.push('| architecture, loss | model without / with GAN | macro F1 | SVEB F1 | VEB F1 | F F1 |', '|---|---|---|---|---|---|');
    for (const [a, b] of ganPairs) {
      const d = (x: number | null, y: number | null) => `${f3(x)} → ${f3(y)}`;
      lines.push(`| ${a.info.arch}, ${a.info.loss} | ${a.info.name} / ${b.info.name} | ${d(a.metrics.macroF1, b.metrics.macroF1)} | ${d(a.ec57.sveb.f1, b.ec57.sveb.f1)} | ${d(a.ec57.veb.f1, b.ec57.veb.f1)} | ${d(a.metrics.perClass[3]!.f1, b.metrics.perClass[3]!.f1)} |`);
    }
  } else lines.push(`No pair of models differing only in --gan under models/${protocol}/ yet.`);
  lines.push('');
  const lossPairs = pairs((r) => `${r.info.arch}|${r.info.gan}`, (r) => r.info.loss === 'focal');
  if (lossPairs.length) {
    lines.push('**Focal loss vs cross-entropy** (same architecture and augmentation):', '');
    lines.push('| architecture | model CE / focal | macro F1 | SVEB F1 | VEB F1 |', '|---|---|---|---|---|');
    for (const [a, b] of lossPairs) lines.push(`| ${a.info.arch}${a.info.gan ? ' +GAN' : ''} | ${a.info.name} / ${b.info.name} | ${f3(a.metrics.macroF1)} → ${f3(b.metrics.macroF1)} | ${f3(a.ec57.sveb.f1)} → ${f3(b.ec57.sveb.f1)} | ${f3(a.ec57.veb.f1)} → ${f3(b.ec57.veb.f1)} |`);
    lines.push('');
  }
  lines.push(...realismSection(o.modelsRoot, protocol, o.figuresDir));
  const best = [...results].sort((a, b) => (b.metrics.macroF1 ?? 0) - (a.metrics.macroF1 ?? 0))[0]!;
  lines.push(`Per-class figures of the best model by macro F1 (${best.info.name}):`, '', ...perClassTable(best), '');
  lines.push('Figures (confusion matrix · ROC · Grad-CAM):', '');
  for (const r of results) {
    const figs = [`[confusion](${rel(r.figures.confusion)})`, `[ROC](${rel(r.figures.roc)})`];
    if (r.figures.gradcam) figs.push(`[Grad-CAM](${rel(r.figures.gradcam)})`);
    lines.push(`- ${r.info.name}: ${figs.join(' · ')}`);
  }
  lines.push('');
  lines.push(`![${best.info.name} confusion matrix](${rel(best.figures.confusion)}) ![${best.info.name} ROC](${rel(best.figures.roc)})`, '');
  for (const r of singles) if (r.figures.gradcam) lines.push(`![Grad-CAM ${r.info.name}](${rel(r.figures.gradcam)})`, '');
  return { lines, results };
}

export async function buildReport(o: ReportOptions & { command: string }): Promise<{ markdown: string; results: Record<string, ModelResult[]> }> {
  const lines = [
    '## Beat classification (training report)',
    '',
    `Generated by \`${o.command}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    'Methods (code in src/train/): **losses/** categorical focal loss FL = −Σ α_c (1−p_c)^γ log p_c (per-class α, γ = 2) vs',
    '(weighted) cross-entropy; **ensemble/** Top-2-weighted ensemble — each member adds w·p_c for its two most probable',
    'classes only, w = its validation score (held-out DS1 records for inter-patient) — vs plain probability averaging over',
    'the same members; **gan/** class-conditional 1-D GAN (Dense + FramedConv1D) synthesizing S, V and F beats from the',
    'training split only; **gradcam/** Grad-CAM on the last temporal feature map (last conv ReLU; the LSTM sequence for',
    'CNN-LSTM-Attention), target = the reference class, map resampled to the beat and scaled to [0, 1]; **report/** metrics',
    '(ROC AUC by the trapezoid rule with ties counted ½). Rows reference, columns predicted in every matrix.',
    '',
  ];
  const results: Record<string, ModelResult[]> = {};
  for (const p of o.protocols) {
    const r = await reportProtocol(p, o);
    lines.push(...r.lines);
    results[p] = r.results;
  }
  return { markdown: lines.join('\n'), results };
}
