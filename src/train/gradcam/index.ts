// Grad-CAM (Selvaraju et al. 2017) for the 1-D beat classifiers, for every architecture.
//
// The target feature map A [T', K] is the last temporal (rank-3, T' > 1) activation before the network
// reduces time away: the last conv block's ReLU for the CNN and CNN-LSTM, the LSTM's sequence output feeding the
// attention layer for CNN-LSTM-Attention, the last residual block's ReLU for ResNet-1D (see `gradcamLayer`).
// For class c with pre-softmax score y_c (the logit of the final softmax Dense layer):
//   α_k = mean_t ∂y_c/∂A[t,k],   cam[t] = ReLU(Σ_k α_k A[t,k]),
// then cam is linearly resampled from T' to the beat length T (sample centres aligned) and divided by its
// maximum, so it is non-negative with max 1 (all zeros when no feature supports the class).
//
// It runs the functional graph layer by layer eagerly (every layer of these models is applied once), with the
// target layer's output replaced by a tensor we differentiate against.
import * as tf from '@tensorflow/tfjs';

type SymT = tf.SymbolicTensor;

function asList<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

function isInputLayer(l: tf.layers.Layer): boolean {
  return l.getClassName() === 'InputLayer';
}

const TEMPORAL_CLASSES = new Set(['Activation', 'ReLU', 'Add', 'LSTM', 'FramedConv1D', 'BatchNormalization', 'TemporalAttentionSeq']);

/** Name of the layer whose output Grad-CAM explains (the last temporal feature map, pooling excluded). */
export function gradcamLayer(model: tf.LayersModel): string {
  let best: string | null = null;
  for (const l of model.layers) {
    if (isInputLayer(l)) continue;
    const outs = asList(l.output as SymT | SymT[]);
    if (outs.length !== 1) continue;
    const s = outs[0]!.shape;
    if (s.length === 3 && (s[1] ?? 0) > 1 && TEMPORAL_CLASSES.has(l.getClassName())) best = l.name;
  }
  if (!best) throw new Error(`gradcam: model '${model.name}' has no temporal feature map (rank-3 activation) to explain`);
  return best;
}

/**
 * Runs the model eagerly on concrete inputs (in model.inputs order). When `override` is given, the named
 * layer's output is replaced by that tensor. When `logits` is set, the final softmax Dense layer returns its
 * pre-activation scores. Returns the final output and the target layer's output (if named).
 */
export function runGraph(
  model: tf.LayersModel,
  inputs: tf.Tensor[],
  opts: { target?: string; override?: tf.Tensor; logits?: boolean } = {},
): { output: tf.Tensor; target?: tf.Tensor } {
  if (inputs.length !== model.inputs.length) throw new Error(`gradcam: model takes ${model.inputs.length} inputs, got ${inputs.length}`);
  const values = new Map<number, tf.Tensor>();
  model.inputs.forEach((s, i) => values.set(s.id, inputs[i]!));
  const outLayer = model.outputLayers[0]!;
  let target: tf.Tensor | undefined;
  for (const l of model.layers) {
    if (isInputLayer(l)) continue;
    const outSym = l.output as SymT;
    let out: tf.Tensor;
    if (opts.override && l.name === opts.target) {
      out = opts.override;
    } else {
      const ins = asList(l.input as SymT | SymT[]).map((s) => {
        const v = values.get(s.id);
        if (!v) throw new Error(`gradcam: layer '${l.name}' input '${s.name}' was not computed (layer used more than once?)`);
        return v;
      });
      if (opts.logits && l === outLayer && l.getClassName() === 'Dense') {
        const [kernel, bias] = l.getWeights();
        out = tf.matMul(ins[0] as tf.Tensor2D, kernel as tf.Tensor2D);
        if (bias) out = tf.add(out, bias);
      } else {
        out = l.apply(ins.length === 1 ? ins[0]! : ins, { training: false }) as tf.Tensor;
      }
    }
    if (l.name === opts.target) target = out;
    values.set(outSym.id, out);
  }
  const output = values.get((model.outputs[0] as SymT).id);
  if (!output) throw new Error('gradcam: the model output was not computed');
  return { output, target };
}

/** Linear resampling of a length-n array to length m with sample centres aligned. */
export function resample(x: ArrayLike<number>, m: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(m);
  if (n === 0) return out;
  for (let j = 0; j < m; j++) {
    const pos = Math.min(n - 1, Math.max(0, ((j + 0.5) * n) / m - 0.5));
    const i0 = Math.floor(pos), i1 = Math.min(n - 1, i0 + 1), u = pos - i0;
    out[j] = x[i0]! * (1 - u) + x[i1]! * u;
  }
  return out;
}

export interface GradcamResult {
  /** Heat map over the beat, length T, in [0, 1]. */
  cam: Float32Array[];
  /** The raw (un-normalized, pre-resampling) maps, length T'. */
  raw: Float32Array[];
  /** Model probabilities of each beat. */
  probs: Float32Array[];
  layer: string;
}

/**
 * Grad-CAM heat maps for a batch of beats. `beats` is [B, T, 1] (or [B, T]), `rr` [B, F] (omit for a
 * single-input model). `classes[i]` is the class explained for beat i (default: the predicted class).
 */
export function gradcam(
  model: tf.LayersModel,
  beats: tf.Tensor,
  rr: tf.Tensor | null,
  opts: { classes?: number[]; layer?: string } = {},
): GradcamResult {
  const layer = opts.layer ?? gradcamLayer(model);
  if (!model.layers.some((l) => l.name === layer)) throw new Error(`gradcam: model has no layer '${layer}'`);
  return tf.tidy(() => {
    const b3 = beats.rank === 2 ? beats.expandDims(-1) : beats;
    const B = b3.shape[0]!, T = b3.shape[1]!;
    const ins = model.inputs.length === 1 ? [b3] : [b3, rr ?? tf.zeros([B, model.inputs[1]!.shape[1]!])];
    const fwd = runGraph(model, ins, { target: layer });
    const A = fwd.target!;
    const probs = fwd.output.arraySync() as number[][];
    const classes = opts.classes ?? probs.map((p) => p.indexOf(Math.max(...p)));
    if (classes.length !== B) throw new Error(`gradcam: ${classes.length} classes for ${B} beats`);
    const C = probs[0]!.length;
    const onehot = tf.oneHot(tf.tensor1d(classes, 'int32'), C);
    const score = (a: tf.Tensor) => tf.sum(tf.mul(runGraph(model, ins, { target: layer, override: a, logits: true }).output, onehot));
    const grads = tf.grad(score)(A); // [B, T', K]
    const alpha = tf.mean(grads, 1, true); // [B, 1, K]
    const raw = tf.relu(tf.sum(tf.mul(alpha, A), -1)); // [B, T']
    const rawArr = raw.arraySync() as number[][];
    const cam: Float32Array[] = [], rawOut: Float32Array[] = [];
    for (const r of rawArr) {
      const up = resample(r, T);
      let mx = 0;
      for (const v of up) mx = Math.max(mx, v);
      if (mx > 0) for (let i = 0; i < T; i++) up[i] = Math.max(0, up[i]! / mx);
      cam.push(up);
      rawOut.push(Float32Array.from(r));
    }
    return { cam, raw: rawOut, probs: probs.map((p) => Float32Array.from(p)), layer };
  });
}
