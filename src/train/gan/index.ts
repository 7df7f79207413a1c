// A class-conditional 1-D GAN that synthesizes beats of the minority classes S, V and F, for training-set
// augmentation (`ecg-edge train --gan`).
//
// Data: beats of the training split only (for inter-patient: DS1 minus the held-out validation records), as the
// dataset stores them: windows of length T + 2·margin (the model window plus the jitter margin) of the filtered
// signal. Each window is z-scored with the mean/std of its central T samples (the spec's per-beat normalization),
// so a generated window, cropped and re-normalized by the dataset's gatherBeats(), is a model input like a real
// one.
//
// Networks (wasm-friendly: Dense, FramedConv1D, LeakyReLU, pooling; no Conv1D backprop):
//   G(z, c): [z (zDim) ‖ onehot(c)] → Dense 128 → Dense 256 → Dense L → [L,1] → + FramedConv1D refinement → [L,1]
//   D(x, c): x [L,1] → FramedConv1D 8 (k7) → avgpool 2 → FramedConv1D 16 (k5) → avgpool 2 → flatten → Dense 64 = h;
//            logit = w·h + w'·(h ⊙ E·onehot(c))  (a projection-style conditional discriminator)
// Loss: the non-saturating GAN loss with logits (one-sided label smoothing 0.9 for real beats); Adam(2e-4, β1 0.5);
// batches balanced across the classes. All randomness (initializers, noise, batch sampling) derives from one seed.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { FramedConv1D } from '../layers/framed-conv1d.js';
import { rng, seedStream } from '../engine.js';
import { CLASS_NAMES, GATE_RR_FEATURE_NAMES, type InputSpec } from '../spec.js';
import { normalizeBeat } from '../dataset/features.js';
import type { BeatSet } from '../dataset/protocols.js';
import { saveModel, loadModel, writeAtomic } from '../io.js';

const G = GATE_RR_FEATURE_NAMES.length;

/** Classes the GAN synthesizes (global class indices into CLASS_NAMES): S, V, F. */
export const GAN_CLASS_NAMES = ['S', 'V', 'F'] as const;
export const GAN_CLASSES = GAN_CLASS_NAMES.map((c) => CLASS_NAMES.indexOf(c));

export interface GanConfig {
  /** Global class indices, in conditioning order. */
  classes: number[];
  zDim: number;
  /** Model window T and stored margin; the GAN generates windows of L = T + 2·margin. */
  T: number;
  margin: number;
  L: number;
}

export interface GanMeta {
  kind: 'ecg-edge-gan';
  version: 1;
  config: GanConfig;
  input: InputSpec;
  protocol?: string;
  seed: number;
  steps: number;
  batch: number;
  trainRecords?: string[];
  trainCounts: Record<string, number>;
  history: { step: number; dLoss: number; gLoss: number; dReal: number; dFake: number }[];
  createdAt: string;
  seconds?: number;
}

function lrelu(name: string) {
  return tf.layers.leakyReLU({ alpha: 0.2, name });
}

export function buildGenerator(cfg: GanConfig, seed: number): tf.LayersModel {
  const s = seedStream(seed);
  const z = tf.input({ shape: [cfg.zDim], name: 'z' });
  const c = tf.input({ shape: [cfg.classes.length], name: 'cls' });
  let h = tf.layers.concatenate({ name: 'g_concat' }).apply([z, c]) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 128, kernelInitializer: tf.initializers.heNormal({ seed: s() }), name: 'g_dense1' }).apply(h) as tf.SymbolicTensor;
  h = lrelu('g_act1').apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 256, kernelInitializer: tf.initializers.heNormal({ seed: s() }), name: 'g_dense2' }).apply(h) as tf.SymbolicTensor;
  h = lrelu('g_act2').apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: cfg.L, kernelInitializer: tf.initializers.glorotUniform({ seed: s() }), name: 'g_dense3' }).apply(h) as tf.SymbolicTensor;
  const coarse = tf.layers.reshape({ targetShape: [cfg.L, 1], name: 'g_reshape' }).apply(h) as tf.SymbolicTensor;
  let r = new FramedConv1D({ filters: 8, kernelSize: 7, seed: s(), name: 'g_conv1' }).apply(coarse) as tf.SymbolicTensor;
  r = lrelu('g_act3').apply(r) as tf.SymbolicTensor;
  r = new FramedConv1D({ filters: 1, kernelSize: 7, seed: s(), name: 'g_conv2' }).apply(r) as tf.SymbolicTensor;
  const out = tf.layers.add({ name: 'g_out' }).apply([coarse, r]) as tf.SymbolicTensor;
  return tf.model({ inputs: [z, c], outputs: out, name: 'generator' });
}

export function buildDiscriminator(cfg: GanConfig, seed: number): tf.LayersModel {
  const s = seedStream(seed ^ 0x51ed);
  const x = tf.input({ shape: [cfg.L, 1], name: 'x' });
  const c = tf.input({ shape: [cfg.classes.length], name: 'cls' });
  let h = new FramedConv1D({ filters: 8, kernelSize: 7, seed: s(), name: 'd_conv1' }).apply(x) as tf.SymbolicTensor;
  h = lrelu('d_act1').apply(h) as tf.SymbolicTensor;
  h = tf.layers.averagePooling1d({ poolSize: 2, strides: 2, name: 'd_pool1' }).apply(h) as tf.SymbolicTensor;
  h = new FramedConv1D({ filters: 16, kernelSize: 5, seed: s(), name: 'd_conv2' }).apply(h) as tf.SymbolicTensor;
  h = lrelu('d_act2').apply(h) as tf.SymbolicTensor;
  h = tf.layers.averagePooling1d({ poolSize: 2, strides: 2, name: 'd_pool2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'd_flat' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 64, kernelInitializer: tf.initializers.heNormal({ seed: s() }), name: 'd_dense1' }).apply(h) as tf.SymbolicTensor;
  h = lrelu('d_act3').apply(h) as tf.SymbolicTensor;
  const emb = tf.layers.dense({ units: 64, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: s() }), name: 'd_embed' }).apply(c) as tf.SymbolicTensor;
  const proj = tf.layers.multiply({ name: 'd_proj' }).apply([h, emb]) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'd_join' }).apply([h, proj]) as tf.SymbolicTensor;
  const logit = tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: s() }), name: 'd_logit' }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: [x, c], outputs: logit, name: 'discriminator' });
}

/** Standard normal draws from the seeded PRNG (Box-Muller). */
export function gaussian(rand: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12), v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Full windows (L = T + 2·margin) z-scored by their central T samples. */
export function normalizedWindow(src: Float32Array, off: number, T: number, margin: number, eps: number, dst: Float32Array, dOff: number): void {
  const L = T + 2 * margin;
  let s = 0;
  for (let i = 0; i < T; i++) s += src[off + margin + i]!;
  const mean = s / T;
  let v = 0;
  for (let i = 0; i < T; i++) v += (src[off + margin + i]! - mean) ** 2;
  const sd = Math.max(Math.sqrt(v / T), eps);
  for (let i = 0; i < L; i++) dst[dOff + i] = (src[off + i]! - mean) / sd;
}

export interface GanData {
  cfg: GanConfig;
  /** Normalized windows per conditioning class: n_k × L. */
  byClass: Float32Array[];
  counts: number[];
}

/** Beats of the GAN classes from a BeatSet (the training split), normalized. */
export function ganData(set: BeatSet, spec: InputSpec, classes: number[] = GAN_CLASSES): GanData {
  const T = spec.length, margin = set.margin, L = T + 2 * margin;
  const cfg: GanConfig = { classes: [...classes], zDim: 32, T, margin, L };
  const idx: number[][] = classes.map(() => []);
  for (let i = 0; i < set.n; i++) {
    const k = classes.indexOf(set.label[i]!);
    if (k >= 0) idx[k]!.push(i);
  }
  const byClass = idx.map((list) => {
    const out = new Float32Array(list.length * L);
    list.forEach((i, j) => normalizedWindow(set.windows, i * L, T, margin, spec.normalization.eps, out, j * L));
    return out;
  });
  idx.forEach((list, k) => {
    if (list.length === 0) throw new Error(`gan: the training set has no beats of class ${CLASS_NAMES[classes[k]!]}; cannot train a conditional GAN for it`);
  });
  return { cfg, byClass, counts: idx.map((l) => l.length) };
}

export interface TrainGanOptions {
  steps: number;
  batch?: number; // beats per class per step
  seed?: number;
  lr?: number;
  /** Called every `logEvery` steps with the running means. */
  onLog?: (h: GanMeta['history'][number]) => void;
  logEvery?: number;
}

export class ConditionalGan {
  constructor(readonly generator: tf.LayersModel, readonly cfg: GanConfig, readonly meta?: Partial<GanMeta>) {}

  /**
   * Generates n normalized windows (n × L) of global class `cls`, deterministic for a given seed.
   */
  generateWindows(cls: number, n: number, seed: number): Float32Array {
    const k = this.cfg.classes.indexOf(cls);
    if (k < 0) throw new Error(`gan: class ${CLASS_NAMES[cls] ?? cls} is not synthesized by this GAN (classes ${this.cfg.classes.map((c) => CLASS_NAMES[c]).join(', ')})`);
    const out = new Float32Array(n * this.cfg.L);
    const rand = rng(seed);
    const B = 512;
    for (let s = 0; s < n; s += B) {
      const m = Math.min(B, n - s);
      const y = tf.tidy(() => {
        const z = tf.tensor2d(gaussian(rand, m * this.cfg.zDim), [m, this.cfg.zDim]);
        const c = tf.oneHot(tf.fill([m], k, 'int32') as tf.Tensor1D, this.cfg.classes.length).toFloat();
        return this.generator.predict([z, c]) as tf.Tensor;
      });
      out.set(y.dataSync() as Float32Array, s * this.cfg.L);
      y.dispose();
    }
    return out;
  }

  /** n model-input beats (n × T): the central crop of generated windows, re-normalized as the dataset does. */
  generateBeats(cls: number, n: number, seed: number, eps = 1e-3): Float32Array {
    const { T, L, margin } = this.cfg;
    const w = this.generateWindows(cls, n, seed);
    const out = new Float32Array(n * T);
    for (let i = 0; i < n; i++) {
      out.set(w.subarray(i * L + margin, i * L + margin + T), i * T);
      normalizeBeat(out, i * T, T, eps);
    }
    return out;
  }

  async save(dir: string, meta: GanMeta): Promise<void> {
    await saveModel(this.generator, path.join(dir, 'generator'));
    writeAtomic(path.join(dir, 'gan.json'), JSON.stringify(meta, null, 2) + '\n');
  }

  static async load(dir: string): Promise<ConditionalGan> {
    const mf = path.join(dir, 'gan.json');
    if (!fs.existsSync(mf)) throw new Error(`no GAN at ${dir}: ${mf} is missing (train one with \`ecg-edge gan train\`)`);
    const meta = JSON.parse(fs.readFileSync(mf, 'utf8')) as GanMeta;
    if (meta.kind !== 'ecg-edge-gan' || meta.version !== 1) throw new Error(`${mf} is not an ecg-edge GAN (kind/version)`);
    const { model } = await loadModel(path.join(dir, 'generator'));
    return new ConditionalGan(model, meta.config, meta);
  }
}

function pick(rand: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(rand() * n));
}

/** Trains the conditional GAN. Returns the generator wrapper and the loss history. */
export function trainGan(data: GanData, opts: TrainGanOptions): { gan: ConditionalGan; history: GanMeta['history'] } {
  const { cfg } = data;
  const seed = opts.seed ?? 1;
  const bpc = opts.batch ?? 32;
  const K = cfg.classes.length;
  const B = bpc * K;
  const lr = opts.lr ?? 2e-4;
  const G = buildGenerator(cfg, seed);
  const D = buildDiscriminator(cfg, seed);
  const optG = tf.train.adam(lr, 0.5, 0.999);
  const optD = tf.train.adam(lr, 0.5, 0.999);
  const rand = rng(seed ^ 0xa5a5);
  const gVars = G.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const dVars = D.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const labels = new Int32Array(B);
  for (let k = 0; k < K; k++) labels.fill(k, k * bpc, (k + 1) * bpc);
  const cls = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), K).toFloat());
  const history: GanMeta['history'] = [];
  const logEvery = opts.logEvery ?? 50;
  let acc = { d: 0, g: 0, r: 0, f: 0, n: 0 };
  const realBuf = new Float32Array(B * cfg.L);
  for (let step = 1; step <= opts.steps; step++) {
    for (let k = 0; k < K; k++) {
      const src = data.byClass[k]!, n = data.counts[k]!;
      for (let j = 0; j < bpc; j++) {
        const i = pick(rand, n);
        realBuf.set(src.subarray(i * cfg.L, (i + 1) * cfg.L), (k * bpc + j) * cfg.L);
      }
    }
    const zD = gaussian(rand, B * cfg.zDim), zG = gaussian(rand, B * cfg.zDim);
    const res = tf.tidy(() => {
      const real = tf.tensor3d(realBuf, [B, cfg.L, 1]);
      const z1 = tf.tensor2d(zD, [B, cfg.zDim]);
      const z2 = tf.tensor2d(zG, [B, cfg.zDim]);
      const fake1 = G.apply([z1, cls]) as tf.Tensor; // outside the tape: a constant for D's update
      let pr: tf.Scalar | null = null, pf: tf.Scalar | null = null;
      const dCost = optD.minimize(() => {
        const lr_ = D.apply([real, cls], { training: true }) as tf.Tensor;
        const lf = D.apply([fake1, cls], { training: true }) as tf.Tensor;
        // Probes: mean D(real) and D(fake) as probabilities (before this update).
        pr = tf.keep(tf.mean(tf.sigmoid(lr_)) as tf.Scalar);
        pf = tf.keep(tf.mean(tf.sigmoid(lf)) as tf.Scalar);
        const lossReal = tf.mean(tf.add(tf.softplus(tf.neg(lr_)), tf.mul(0.1, lr_))); // label smoothing 0.9
        const lossFake = tf.mean(tf.softplus(lf));
        return tf.add(lossReal, lossFake) as tf.Scalar;
      }, true, dVars)!;
      const gCost = optG.minimize(() => {
        const fake = G.apply([z2, cls], { training: true }) as tf.Tensor;
        const lf = D.apply([fake, cls], { training: true }) as tf.Tensor;
        return tf.mean(tf.softplus(tf.neg(lf))) as tf.Scalar;
      }, true, gVars)!;
      const probes = [pr!, pf!];
      const outStack = tf.stack([dCost, gCost, ...probes]);
      tf.dispose(probes);
      return outStack;
    });
    const v = res.dataSync();
    res.dispose();
    acc.d += v[0]!; acc.g += v[1]!; acc.r += v[2]!; acc.f += v[3]!; acc.n++;
    if (!Number.isFinite(v[0]!) || !Number.isFinite(v[1]!)) throw new Error(`gan: training diverged at step ${step} (loss is not finite); try a lower --lr`);
    if (step % logEvery === 0 || step === opts.steps) {
      const h = { step, dLoss: acc.d / acc.n, gLoss: acc.g / acc.n, dReal: acc.r / acc.n, dFake: acc.f / acc.n };
      history.push(h);
      opts.onLog?.(h);
      acc = { d: 0, g: 0, r: 0, f: 0, n: 0 };
    }
  }
  cls.dispose();
  optG.dispose();
  optD.dispose();
  D.dispose();
  return { gan: new ConditionalGan(G, cfg), history };
}

export interface AugmentOptions {
  /** Final count per class name (e.g. { S: 5000, F: 3000 }): adds max(0, target − count) synthetic beats. */
  targetCounts?: Partial<Record<string, number>>;
  /** Adds round(ratio × count) synthetic beats of every GAN class. Default 1 when no targetCounts. */
  ratio?: number;
  seed?: number;
}

export interface AugmentResult {
  set: BeatSet;
  added: Record<string, number>;
}

/**
 * Returns a new BeatSet with synthetic beats of the GAN's classes appended. Each synthetic beat gets the RR
 * features of a random real beat of the same class (the GAN models morphology; RR comes from real rhythms).
 * Synthetic beats are marked with sample = −1 and keep the RR donor's record index.
 */
export function augment(set: BeatSet, gan: ConditionalGan, opts: AugmentOptions = {}): AugmentResult {
  const { L, T, margin } = gan.cfg;
  if (set.margin !== margin || set.windows.length !== set.n * (T + 2 * set.margin)) {
    throw new Error(`augment: the dataset windows (margin ${set.margin}) do not match the GAN (T ${T}, margin ${margin}); retrain the GAN for this dataset spec`);
  }
  const rand = rng(opts.seed ?? 1);
  const counts = CLASS_NAMES.map(() => 0);
  const members: number[][] = CLASS_NAMES.map(() => []);
  for (let i = 0; i < set.n; i++) if (set.label[i]! >= 0) { counts[set.label[i]!]!++; members[set.label[i]!]!.push(i); }
  const add: number[] = CLASS_NAMES.map(() => 0);
  for (const c of gan.cfg.classes) {
    const name = CLASS_NAMES[c]!;
    if (opts.targetCounts) {
      const t = opts.targetCounts[name];
      if (t !== undefined) add[c] = Math.max(0, Math.round(t) - counts[c]!);
    } else add[c] = Math.round((opts.ratio ?? 1) * counts[c]!);
    if (add[c]! > 0 && members[c]!.length === 0) throw new Error(`augment: no real ${name} beats to take RR features from`);
  }
  if (opts.targetCounts) {
    for (const k of Object.keys(opts.targetCounts)) {
      if (!gan.cfg.classes.some((c) => CLASS_NAMES[c] === k)) throw new Error(`augment: target for class '${k}', but this GAN synthesizes only ${gan.cfg.classes.map((c) => CLASS_NAMES[c]).join(', ')}`);
    }
  }
  const extra = add.reduce((a, b) => a + b, 0);
  const n = set.n + extra;
  const F = set.n ? set.rr.length / set.n : 0;
  const out: BeatSet = {
    n, margin,
    windows: new Float32Array(n * L),
    rr: new Float32Array(n * F),
    rrGate: new Float32Array(n * G),
    tpl: set.tpl ? new Float32Array(n * T) : null,
    label: new Int8Array(n),
    rec: new Int16Array(n),
    sample: new Int32Array(n),
    records: [...set.records],
  };
  out.windows.set(set.windows);
  out.rr.set(set.rr);
  out.rrGate.set(set.rrGate);
  if (out.tpl) out.tpl.set(set.tpl!);
  out.label.set(set.label);
  out.rec.set(set.rec);
  out.sample.set(set.sample);
  let o = set.n;
  const added: Record<string, number> = {};
  for (const c of gan.cfg.classes) {
    const m = add[c]!;
    added[CLASS_NAMES[c]!] = m;
    if (m === 0) continue;
    const w = gan.generateWindows(c, m, Math.floor(rand() * 2 ** 31));
    out.windows.set(w, o * L);
    for (let j = 0; j < m; j++) {
      const donor = members[c]![pick(rand, members[c]!.length)]!;
      out.rr.set(set.rr.subarray(donor * F, donor * F + F), (o + j) * F);
      out.rrGate.set(set.rrGate.subarray(donor * G, donor * G + G), (o + j) * G);
      if (out.tpl) out.tpl.set(set.tpl!.subarray(donor * T, (donor + 1) * T), (o + j) * T);
      out.label[o + j] = c;
      out.rec[o + j] = set.rec[donor]!;
      out.sample[o + j] = -1;
    }
    o += m;
  }
  return { set: out, added };
}

/** Default folder of the GAN trained under a protocol. */
export function defaultGanDir(protocol: string, root = 'models'): string {
  return path.resolve(root, 'gan', protocol);
}

/**
 * Finds the GAN for a training set: an explicit dir, $ECG_EDGE_GAN, models/gan/<protocol>, or else the GAN
 * under models/gan/ whose recorded training class counts equal this training set's.
 */
export function resolveGanDir(opts: { ganDir?: string; protocol?: string; label?: Int8Array }): string {
  const explicit = opts.ganDir ?? process.env.ECG_EDGE_GAN;
  if (explicit) return path.resolve(explicit);
  if (opts.protocol) return defaultGanDir(opts.protocol);
  const root = path.resolve('models', 'gan');
  const found = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'gan.json'))) : [];
  if (opts.label) {
    const counts: Record<string, number> = {};
    for (const c of GAN_CLASSES) counts[CLASS_NAMES[c]!] = 0;
    for (const l of opts.label) if (GAN_CLASSES.includes(l)) counts[CLASS_NAMES[l]!]!++;
    for (const d of found) {
      const m = JSON.parse(fs.readFileSync(path.join(root, d, 'gan.json'), 'utf8')) as GanMeta;
      if (Object.keys(counts).every((k) => m.trainCounts?.[k] === counts[k])) return path.join(root, d);
    }
  }
  throw new Error(
    `no GAN found for this training set (looked for models/gan/*/gan.json trained on the same beats${found.length ? `; found ${found.join(', ')} with other class counts` : ''}). ` +
      'Train one with `ecg-edge gan train --protocol <protocol>` or set ECG_EDGE_GAN to its folder.',
  );
}

/**
 * The trainer's `--gan` hook: synthetic S, V and F model-input beats (n×T, normalized, one channel), RR features
 * from real beats of the same class (`donor`: the index of that real beat), and labels. `ratio` (default 1) synthetic beats per real beat of each class.
 */
export async function synthesizeForTraining(a: {
  beats: Float32Array; rr: Float32Array; label: Int8Array; T: number; seed: number; spec?: InputSpec;
  protocol?: string; ganDir?: string; ratio?: number;
}): Promise<{ beats: Float32Array; rr: Float32Array; label: Int8Array; donor: Int32Array }> {
  const dir = resolveGanDir({ ganDir: a.ganDir, protocol: a.protocol, label: a.label });
  const gan = await ConditionalGan.load(dir);
  try {
    if (gan.cfg.T !== a.T) throw new Error(`--gan: the GAN at ${dir} makes beats of ${gan.cfg.T} samples but the model window is ${a.T}; retrain the GAN`);
    const rand = rng(a.seed ^ 0x3c6ef372);
    const members: number[][] = CLASS_NAMES.map(() => []);
    a.label.forEach((l, i) => { if (l >= 0) members[l]!.push(i); });
    const parts: { c: number; beats: Float32Array }[] = [];
    for (const c of gan.cfg.classes) {
      const m = Math.round((a.ratio ?? 1) * members[c]!.length);
      if (m > 0) parts.push({ c, beats: gan.generateBeats(c, m, Math.floor(rand() * 2 ** 31), a.spec?.normalization.eps ?? 1e-3) });
    }
    const n = parts.reduce((s, p) => s + p.beats.length / a.T, 0);
    const F = a.label.length ? a.rr.length / a.label.length : 0;
    const beats = new Float32Array(n * a.T), rr = new Float32Array(n * F), label = new Int8Array(n), donor = new Int32Array(n);
    let o = 0;
    for (const p of parts) {
      const m = p.beats.length / a.T;
      beats.set(p.beats, o * a.T);
      for (let j = 0; j < m; j++) {
        const d = members[p.c]![pick(rand, members[p.c]!.length)]!;
        rr.set(a.rr.subarray(d * F, d * F + F), (o + j) * F);
        label[o + j] = p.c;
        donor[o + j] = d;
      }
      o += m;
    }
    return { beats, rr, label, donor };
  } finally {
    gan.generator.dispose();
  }
}
