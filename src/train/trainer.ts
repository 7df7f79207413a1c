// The training loop: per-epoch class-balanced sampling, jitter augmentation, weighted CE or focal loss, Adam with
// a cosine learning-rate schedule, validation after every epoch (best epoch kept), checkpoints every epoch and
// resume after interruption. Deterministic under a fixed seed and engine: every random draw comes from seeded
// generators derived from (seed, epoch), so a resumed run continues exactly as an uninterrupted one.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { initEngine, rng, seedGlobalRandom, shuffleInPlace, type EngineChoice } from './engine.js';
import { archByName, type ArchName } from './models/index.js';
import { CLASS_NAMES, beatChannels, defaultInputSpec, makeSpec, type InputSpec, type ModelSpec, type RRFeatureName, type BeatChannelName } from './spec.js';
import { buildSplit, classCounts, DS1, countsTable, gatherBeats, interValRecords, recordsSet, type BeatSet, type Fold, type Protocol } from './dataset/index.js';
import { saveModel, loadModel, writeAtomic } from './io.js';
import { predictSet, argmax } from './predict.js';
import { classificationMetrics, selectionScore } from './report/metrics.js';
import { getLoss, classWeights, lossNames } from './losses/index.js';
import { WeightAverage } from './weight-average.js';

export interface TrainConfig {
  arch: ArchName;
  protocol: Protocol;
  loss: string;
  gan: boolean;
  seed: number;
  epochs: number;
  out: string;
  db: string;
  engine: EngineChoice;
  batchSize: number;
  lr: number;
  /** N (normal) beats drawn per epoch (all other classes are used in full every epoch); 0 = all. */
  nPerEpoch: number;
  weighting: 'sqrt' | 'inverse' | 'none';
  /** Max jitter of the window position in model samples (augmentation; detectors are not sample-exact). */
  jitter: number;
  width: number;
  /** Augmentation: std of Gaussian noise added to the normalized beat, and max amplitude of a random linear baseline tilt. */
  noise: number;
  tilt: number;
  /** Dropout rate of the dense layers. */
  dropout: number;
  /** Leave out of training the S beats that are not premature (pre-RR ≥ sPremature × both averages): their RR
   *  carries no S evidence and their morphology is a normal beat's, so they only teach patient-specific shapes. 0 = keep all. */
  sPremature: number;
  /** Input ablations: RR features and beat channels other than the default spec's, and the units of the RR
   *  branch (0 = RR features join the morphology features directly). */
  rrFeatures?: RRFeatureName[];
  channels?: BeatChannelName[];
  rrBranch?: number;
  /** Exponential moving average of the weights (decay per batch, e.g. 0.997; 0 or absent = off). When on, the
   *  validation, the best-epoch choice and the saved model use the averaged weights: they move smoothly where
   *  the raw weights swing from epoch to epoch on patients the model has not seen. */
  ema?: number;
  /** Inter-patient only: validate on DS1 cross-validation fold k (1-based, INTER_FOLDS) instead of INTER_VAL; or
   *  'all': train on every DS1 record with no validation, for exactly `epochs` epochs (the model of the last epoch
   *  is kept; choose the count from cross-validation). */
  fold?: Fold;
  /** Optional cap on training beats (smoke tests): a stratified random subset of this size. */
  maxTrainBeats?: number;
  /** Records to use instead of the protocol (smoke tests): { train, val } record names. */
  records?: { train: string[]; val: string[] };
  quiet?: boolean;
}

export const DEFAULTS = { batchSize: 128, lr: 2e-3, nPerEpoch: 12000, weighting: 'sqrt' as const, jitter: 1, width: 1, sPremature: 0, noise: 0.05, tilt: 0.1, dropout: 0.3, epochs: 20, loss: 'ce', seed: 1, rrBranch: 16 };

export interface EpochRecord {
  epoch: number;
  loss: number;
  lr: number;
  beats: number;
  seconds: number;
  /** null when the run has no validation data (--fold all). */
  val: { score: number; accuracy: number | null; macroF1: number | null; f1: Record<string, number | null> } | null;
}

interface State {
  configKey: string;
  epochsDone: number;
  bestEpoch: number;
  bestScore: number;
  history: EpochRecord[];
  trainSeconds: number;
  /** Batches averaged into the EMA weights so far (its warm-up depends on it). */
  emaSteps?: number;
}

export interface TrainResult {
  outDir: string;
  bestEpoch: number;
  bestScore: number;
  trainSeconds: number;
  metricsFile: string;
  /** The model as it is after the last epoch, with its trained (not averaged) weights: equal to the saved one when
   *  the last epoch is the best and --ema is off. */
  model: tf.LayersModel;
}

function configKey(c: TrainConfig): string {
  const { out: _o, engine: _e, quiet: _q, epochs: _ep, db: _db, ...rest } = c;
  return JSON.stringify(rest);
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

class Progress {
  private last = 0;
  private readonly tty = process.stderr.isTTY === true;
  constructor(private readonly quiet: boolean) {}
  update(epoch: number, epochs: number, done: number, total: number, loss: number, elapsed: number, force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    if (!force && now - this.last < 500) return;
    this.last = now;
    const frac = total ? done / total : 0;
    const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : NaN;
    const width = 24;
    const bar = '='.repeat(Math.floor(frac * width)).padEnd(width, ' ');
    const line = `epoch ${epoch}/${epochs} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% loss ${loss.toFixed(4)} ETA ${fmtTime(eta)}`;
    if (this.tty) process.stderr.write(`\r${line}`);
    else if (force) process.stderr.write(`${line}\n`);
  }
  end(): void {
    if (!this.quiet && this.tty) process.stderr.write('\n');
  }
}

/** Synthetic beats from the GAN (training-extras, src/train/gan). Errors clearly when that module is missing. */
async function ganAugment(train: BeatSet, spec: InputSpec, seed: number, protocol: string): Promise<{ beats: Float32Array; rr: Float32Array; label: Int8Array }> {
  const { synthesizeForTraining } = await import('./gan/index.js');
  const idx = new Int32Array(train.n).map((_, i) => i);
  const T = spec.length;
  const one = gatherBeats(train.windows, train.margin, { ...spec, channels: ['beat'] }, idx);
  const s = await synthesizeForTraining({ beats: one, rr: train.rr, label: train.label, T, seed, spec, protocol });
  // The GAN makes the z-scored beat; the other channels follow from it as for a real beat of the RR donor's
  // record ('beat-template': minus the donor's running template at that beat).
  const ch = beatChannels(spec);
  const C = ch.length;
  const n = s.label.length;
  const beats = new Float32Array(n * T * C);
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < T; t++) {
        const z = s.beats[k * T + t]!;
        beats[(k * T + t) * C + c] = ch[c] === 'beat' ? z : Math.fround(z - train.tpl![s.donor[k]! * T + t]!);
      }
    }
  }
  return { beats, rr: s.rr, label: s.label };
}

function subsetStratified(set: BeatSet, max: number, seed: number): Int32Array {
  const idx = Array.from({ length: set.n }, (_, i) => i);
  if (set.n <= max) return Int32Array.from(idx);
  shuffleInPlace(idx, rng(seed));
  return Int32Array.from(idx.slice(0, max).sort((a, b) => a - b));
}

export async function train(cfg: TrainConfig, log: (s: string) => void = (s) => console.error(s)): Promise<TrainResult> {
  if (!lossNames().includes(cfg.loss)) throw new Error(`unknown loss '${cfg.loss}': choose one of ${lossNames().join(', ')}`);
  const arch = archByName(cfg.arch);
  const eng = await initEngine(cfg.engine, { quiet: cfg.quiet });
  const spec = defaultInputSpec();
  if (cfg.rrFeatures) spec.rr.features = [...cfg.rrFeatures];
  if (cfg.channels) {
    spec.channels = [...cfg.channels];
    if (!spec.channels.includes('beat-template')) delete spec.template;
  }
  if (process.env.ECG_EDGE_TRAIN_FILTER === 'provisional') (spec.filter as { name: string }).name = 'provisional-float';

  // ---- data
  const t0 = Date.now();
  let trainSet: BeatSet, valSet: BeatSet, description: string;
  if (cfg.records) {
    trainSet = await recordsSet(cfg.db, cfg.records.train, spec);
    valSet = await recordsSet(cfg.db, cfg.records.val, spec);
    description = `records train {${cfg.records.train.join(',')}}, validation {${cfg.records.val.join(',')}}`;
  } else {
    const split = await buildSplit(cfg.protocol, cfg.db, spec, ['train', 'val'], cfg.fold ? { fold: cfg.fold } : {});
    trainSet = split.train;
    valSet = split.val;
    description = split.description;
    log(`dataset: ${cfg.protocol}: ${description}\n${countsTable(split).split('\n').filter((l) => !/^\s+test/.test(l)).join('\n')}`);
  }
  const T = spec.length;
  const W = T + 2 * trainSet.margin;
  let trainIdx = cfg.maxTrainBeats ? subsetStratified(trainSet, cfg.maxTrainBeats, cfg.seed) : Int32Array.from({ length: trainSet.n }, (_, i) => i);

  // GAN synthetic beats are appended as extra (already-normalized) training rows.
  let synth: { beats: Float32Array; rr: Float32Array; label: Int8Array } | null = null;
  if (cfg.gan) {
    synth = await ganAugment(trainSet, spec, cfg.seed, cfg.protocol);
    log(`gan: ${synth.label.length} synthetic beats (${CLASS_NAMES.map((c, k) => `${c} ${synth!.label.filter((l) => l === k).length}`).join(', ')})`);
  }
  log(`dataset ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const F = spec.rr.features.length;
  const ch = beatChannels(spec);
  const C = ch.length;
  const rrOf = (i: number, name: RRFeatureName) => {
    const f = spec.rr.features.indexOf(name);
    if (f < 0) throw new Error(`--s-premature needs the RR feature '${name}' in the input spec`);
    return trainSet.rr[i * F + f]!;
  };
  const byClass: number[][] = CLASS_NAMES.map(() => []);
  let droppedS = 0;
  for (const i of trainIdx) {
    const l = trainSet.label[i]!;
    if (l < 0) continue;
    if (l === 1 && cfg.sPremature > 0 && rrOf(i, 'pre/recordAvg') >= cfg.sPremature && rrOf(i, 'pre/localAvg') >= cfg.sPremature) {
      droppedS++;
      continue;
    }
    byClass[l]!.push(i);
  }
  if (droppedS) log(`training: left out ${droppedS} non-premature S beats (pre-RR ≥ ${cfg.sPremature} × record and local averages)`);
  const synthByClass: number[][] = CLASS_NAMES.map(() => []);
  if (synth) synth.label.forEach((l, i) => { if (l >= 0) synthByClass[l]!.push(i); });

  // ---- model, optimizer, checkpoint
  const outDir = path.resolve(cfg.out);
  const ckDir = path.join(outDir, 'checkpoint');
  fs.mkdirSync(ckDir, { recursive: true });
  const stateFile = path.join(ckDir, 'state.json');
  const key = configKey(cfg);
  let state: State = { configKey: key, epochsDone: 0, bestEpoch: -1, bestScore: -Infinity, history: [], trainSeconds: 0 };
  let model: tf.LayersModel;
  const optimizer = tf.train.adam(cfg.lr);
  if (fs.existsSync(stateFile)) {
    const prev = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as State;
    if (prev.configKey !== key) {
      throw new Error(`${outDir} holds a checkpoint of a different configuration; use another --out or delete ${ckDir} to start over`);
    }
    state = prev;
    model = (await loadModel(ckDir)).model;
    const ob = path.join(ckDir, 'optimizer.bin');
    const oj = JSON.parse(fs.readFileSync(path.join(ckDir, 'optimizer.json'), 'utf8')) as { name: string; shape: number[] }[];
    const buf = fs.readFileSync(ob);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    let o = 0;
    const named = oj.map((w) => {
      const size = w.shape.reduce((a, b) => a * b, 1);
      const t = tf.tensor(all.subarray(o, o + size), w.shape);
      o += size;
      return { name: w.name, tensor: t };
    });
    await optimizer.setWeights(named);
    log(`resuming from ${ckDir} after epoch ${state.epochsDone} (best so far: epoch ${state.bestEpoch}, score ${state.bestScore.toFixed(4)})`);
  } else {
    model = arch.build(spec, { seed: cfg.seed, width: cfg.width, dropout: cfg.dropout, rrBranch: cfg.rrBranch ?? DEFAULTS.rrBranch });
  }
  const ema = cfg.ema && cfg.ema > 0 ? await WeightAverage.open(model, cfg.ema, ckDir, state.epochsDone > 0 ? state.emaSteps ?? 0 : 0) : null;
  const params = model.countParams();
  const lossName = cfg.loss;
  log(`model: ${cfg.arch}, ${params} parameters; loss ${lossName}; engine ${eng.engine}; seed ${cfg.seed}; ${cfg.epochs} epochs`);

  const progress = new Progress(cfg.quiet ?? false);
  for (let epoch = state.epochsDone; epoch < cfg.epochs; epoch++) {
    const te = Date.now();
    seedGlobalRandom(cfg.seed * 1000003 + epoch);
    const rand = rng(cfg.seed * 7919 + epoch * 104729 + 17);
    // Epoch sample: every beat of the minority classes, a fresh random draw of N beats.
    const picks: number[] = []; // ≥ 0: real beat index; < 0: synthetic −(i+1)
    byClass.forEach((list, c) => {
      if (c === 0 && cfg.nPerEpoch > 0 && list.length > cfg.nPerEpoch) {
        const copy = list.slice();
        shuffleInPlace(copy, rand);
        picks.push(...copy.slice(0, cfg.nPerEpoch));
      } else picks.push(...list);
    });
    synthByClass.forEach((list) => picks.push(...list.map((i) => -(i + 1))));
    shuffleInPlace(picks, rand);
    const counts = CLASS_NAMES.map(() => 0);
    for (const p of picks) counts[p >= 0 ? trainSet.label[p]! : synth!.label[-p - 1]!]!++;
    const weights = classWeights(counts, cfg.weighting);
    const lossFn = getLoss(lossName, { classWeights: weights });
    const lr = cfg.lr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * epoch) / cfg.epochs)));
    (optimizer as unknown as { learningRate: number }).learningRate = lr;

    let lossSum = 0;
    let lossN = 0;
    const nb = Math.ceil(picks.length / cfg.batchSize);
    for (let b = 0; b < nb; b++) {
      const batch = picks.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize);
      const m = batch.length;
      const xb = new Float32Array(m * T * C);
      const rb = new Float32Array(m * F);
      const yb = new Int32Array(m);
      const realIdx: number[] = [];
      const realPos: number[] = [];
      const shifts: number[] = [];
      batch.forEach((p, k) => {
        if (p >= 0) {
          realIdx.push(p);
          realPos.push(k);
          shifts.push(cfg.jitter ? Math.floor(rand() * (2 * cfg.jitter + 1)) - cfg.jitter : 0);
          rb.set(trainSet.rr.subarray(p * F, p * F + F), k * F);
          yb[k] = trainSet.label[p]!;
        } else {
          const i = -p - 1;
          xb.set(synth!.beats.subarray(i * T * C, (i + 1) * T * C), k * T * C);
          rb.set(synth!.rr.subarray(i * F, i * F + F), k * F);
          yb[k] = synth!.label[i]!;
        }
      });
      if (realIdx.length) {
        const g = gatherBeats(trainSet.windows, trainSet.margin, spec, realIdx, shifts, trainSet.tpl);
        realPos.forEach((k, j) => xb.set(g.subarray(j * T * C, (j + 1) * T * C), k * T * C));
      }
      if (cfg.noise > 0 || cfg.tilt > 0) {
        for (let k = 0; k < m; k++) {
          const slope = cfg.tilt * (2 * rand() - 1);
          for (let t = 0; t < T; t++) {
            // Box-Muller from the seeded generator.
            const g = cfg.noise > 0 ? Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) : 0;
            // the same disturbance on every channel: a template difference sees the beat's noise, as on a device
            const v = cfg.noise * g + slope * (t / (T - 1) - 0.5);
            for (let c = 0; c < C; c++) xb[(k * T + t) * C + c] += v;
          }
        }
      }
      const lossT = tf.tidy(() => {
        const x = tf.tensor3d(xb, [m, T, C]);
        const r = tf.tensor2d(rb, [m, F]);
        const y = tf.oneHot(tf.tensor1d(yb, 'int32'), CLASS_NAMES.length);
        return optimizer.minimize(() => tf.mean(lossFn(y, model.apply([x, r], { training: true }) as tf.Tensor)) as tf.Scalar, true)!;
      });
      const lv = (await lossT.data())[0]!;
      lossT.dispose();
      ema?.update();
      if (!Number.isFinite(lv)) throw new Error(`training diverged at epoch ${epoch + 1}, batch ${b + 1} (loss ${lv}); try a smaller learning rate`);
      lossSum += lv * m;
      lossN += m;
      progress.update(epoch + 1, cfg.epochs, b + 1, nb, lossSum / lossN, (Date.now() - te) / 1000, b + 1 === nb);
    }
    progress.end();

    // ---- validation (of the averaged weights when --ema is on); without validation data every epoch is kept
    const restore = ema?.swapIn();
    const vm = valSet.n > 0 ? classificationMetrics(valSet.label, argmax(await predictSet(model, valSet, spec)), CLASS_NAMES) : null;
    const score = vm ? selectionScore(vm) : NaN;
    const seconds = (Date.now() - te) / 1000;
    const rec: EpochRecord = {
      epoch: epoch + 1,
      loss: lossSum / lossN,
      lr,
      beats: picks.length,
      seconds,
      val: vm ? { score, accuracy: vm.accuracy, macroF1: vm.macroF1, f1: Object.fromEntries(vm.perClass.map((c) => [c.label, c.f1])) } : null,
    };
    state.history.push(rec);
    state.trainSeconds += seconds;
    const improved = vm ? score > state.bestScore : true;
    if (improved) {
      if (vm) state.bestScore = score;
      state.bestEpoch = epoch + 1;
      await saveModel(model, outDir, makeSpec(cfg.arch, spec, { protocol: cfg.protocol, seed: cfg.seed, loss: lossName, gan: cfg.gan, params, createdAt: new Date().toISOString() }));
      if (vm) writeAtomic(path.join(outDir, 'val-metrics.json'), JSON.stringify(vm, null, 2) + '\n');
    }
    restore?.();
    if (!cfg.quiet) {
      const f = vm ? vm.perClass.map((c) => `${c.label} ${c.f1 === null ? '  -  ' : c.f1.toFixed(3)}`).join(' ') : '';
      log(`epoch ${epoch + 1}/${cfg.epochs}: loss ${rec.loss.toFixed(4)}, ${vm ? `val score ${score.toFixed(4)} acc ${(vm.accuracy ?? 0).toFixed(4)} F1 [${f}]` : 'no validation (kept)'} ${seconds.toFixed(0)} s${vm && improved ? ' *best' : ''}`);
    }
    // ---- checkpoint (model, optimizer, state), written last so an interruption leaves the previous one intact
    state.epochsDone = epoch + 1;
    await saveModel(model, ckDir);
    if (ema) state.emaSteps = ema.save();
    const ow = await optimizer.getWeights();
    writeAtomic(path.join(ckDir, 'optimizer.json'), JSON.stringify(ow.map((w) => ({ name: w.name, shape: w.tensor.shape }))));
    const parts = ow.map((w) => w.tensor.dataSync() as Float32Array);
    const total = parts.reduce((s, p) => s + p.length, 0);
    const all = new Float32Array(total);
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    writeAtomic(path.join(ckDir, 'optimizer.bin'), new Uint8Array(all.buffer));
    writeAtomic(stateFile, JSON.stringify(state, null, 2));
  }

  const best = state.history.find((h) => h.epoch === state.bestEpoch);
  const valRecords = cfg.records ? cfg.records.val : cfg.protocol === 'inter-patient' ? interValRecords(cfg.fold) : undefined;
  const metrics = {
    kind: 'ecg-edge-train-metrics',
    arch: cfg.arch,
    protocol: cfg.protocol,
    data: description,
    loss: lossName,
    gan: cfg.gan,
    seed: cfg.seed,
    engine: eng.engine,
    params,
    config: { batchSize: cfg.batchSize, lr: cfg.lr, epochs: cfg.epochs, nPerEpoch: cfg.nPerEpoch, weighting: cfg.weighting, jitter: cfg.jitter, width: cfg.width, sPremature: cfg.sPremature, noise: cfg.noise, tilt: cfg.tilt, dropout: cfg.dropout, ...(ema ? { ema: cfg.ema } : {}) },
    counts: { train: byClass.map((l) => l.length), val: classCounts(valSet), synthetic: synth ? CLASS_NAMES.map((_, k) => synth!.label.filter((l) => l === k).length) : null },
    bestEpoch: state.bestEpoch,
    ...(cfg.fold ? { fold: cfg.fold } : {}),
    validation: valSet.n === 0
      ? { split: `none: ${cfg.fold === 'all' ? `trained on all ${DS1.length} DS1 records` : 'no validation beats'} for ${cfg.epochs} epochs, the last one kept`, records: [], score: null }
      : {
          split: cfg.protocol === 'inter-patient' ? (cfg.fold ? `held-out DS1 records (fold ${cfg.fold})` : 'held-out DS1 records') : 'intra-patient validation beats',
          ...(valRecords ? { records: valRecords } : {}),
          score: state.bestScore,
          ...(best?.val ?? {}),
        },
    trainSeconds: state.trainSeconds,
    history: state.history,
    finishedAt: new Date().toISOString(),
  };
  const metricsFile = path.join(outDir, 'metrics.json');
  writeAtomic(metricsFile, JSON.stringify(metrics, null, 2) + '\n');
  log(`done: ${valSet.n === 0 ? `epoch ${state.bestEpoch} kept (no validation)` : `best epoch ${state.bestEpoch} (val score ${state.bestScore.toFixed(4)})`}, ${fmtTime(state.trainSeconds)} of training; model in ${outDir}`);
  return { outDir, bestEpoch: state.bestEpoch, bestScore: state.bestScore, trainSeconds: state.trainSeconds, metricsFile, model };
}

export type { ModelSpec };
export { selectionScore };
