// Post-training quantization of an ecg-edge tfjs Layers model into the .ecgm int8 format.
//   1. Graph: walk the layers in topological order; fold BatchNormalization into the preceding FramedConv1D/Dense,
//      fuse ReLU into conv/dense/add, drop Dropout, map the rest 1:1 onto the native ops.
//   2. Calibration (training beats only): run the float model with every fused output exposed, record each
//      activation's range; simulate LSTMs in float to get the cell-state and hidden-state ranges over all steps.
//   3. Quantization: weights per-output-channel symmetric int8, biases int32 in accumulator units (corrected for the
//      mean shift of the weight rounding), activations asymmetric int8 (zero exactly representable) or, for the
//      chosen early tensors, symmetric int16 (format 2.2, "16x8"; quantizeAuto chooses them on training beats),
//      logits int16, LSTM gates Q3.12 / cell int16, multipliers as (mult, shift) pairs so the native Run is
//      integer-only.
// This module imports tfjs; the inference side (src/nn/index.ts) never does.
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../train/spec.js';
import {
  quantizeMultiplier,
  writeModelFile,
  type FileInputSpec,
  type FileOp,
  type FileTensor,
  type ModelFileContents,
  type RRFeatureName,
} from './format.js';

export interface Calibration {
  n: number;
  beats: Float32Array; // n × T × C (the spec's beat channels, time-major), as the model takes them
  rr: Float32Array; // n × nRR
}

export interface QuantizeReport {
  ops: { op: string; layer: string }[];
  /** Activations that may be kept at 16 bits (format 2.2), in graph order (earliest first), and those that are. */
  int16Candidates: string[];
  int16: string[];
  ranges: Record<string, [number, number]>;
  lstm: { layer: string; cellMax: number; hMax: number; cellFrac: number }[];
}

type Kind = 'input' | 'conv' | 'dense' | 'maxpool' | 'avgpool' | 'gap' | 'lstm' | 'attention' | 'add' | 'concat' | 'reshape' | 'clamp' | 'softmax';

interface Node {
  kind: Kind;
  layer: tf.layers.Layer; // first layer of the fused group
  outLayer: string; // tfjs layer whose output this node's output is (after fusion)
  inputs: Node[];
  relu: boolean;
  w?: Float32Array; // conv/dense: folded kernel [fanIn, cout]
  b?: Float32Array;
  fanIn?: number;
  cout?: number;
  shape: number[]; // output shape without batch
  consumers: number;
  fusedConcat?: Node; // dense: its input concat is fused (dense2)
  fusedInto?: Node; // concat: emitted as part of this dense
  fusedConv?: Node; // add: one input is this convolution, emitted as one conv1d with the other input as residual
  fusedIntoAdd?: Node; // conv: emitted by this add
  fuseOptions?: Node[]; // add: the convolution inputs that could be fused
}

const layerClass = (l: tf.layers.Layer) => l.getClassName();
const inboundOf = (l: tf.layers.Layer): tf.layers.Layer[] => {
  const nodes = (l as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
  return nodes.length ? nodes[0]!.inboundLayers : [];
};
const outShape = (l: tf.layers.Layer): number[] => {
  const s = l.outputShape as (number | null)[];
  return s.slice(1).map((d) => {
    if (d == null) throw new Error(`layer ${l.name}: output shape has an unknown dimension`);
    return d;
  });
};
const cfg = (l: tf.layers.Layer) => l.getConfig() as Record<string, unknown>;

/** Builds the fused graph of a model (in topological order). */
function buildGraph(model: tf.LayersModel, fuseResidual = true): { nodes: Node[]; byLayer: Map<string, Node>; beat: Node; rr: Node; logits: Node } {
  const byLayer = new Map<string, Node>();
  const nodes: Node[] = [];
  const consumers = new Map<string, number>();
  for (const l of model.layers) for (const p of inboundOf(l)) consumers.set(p.name, (consumers.get(p.name) ?? 0) + 1);
  const single = (n: Node) => (consumers.get(n.outLayer) ?? 0) === 1;
  let beat: Node | undefined, rr: Node | undefined;
  const add = (n: Node, l: tf.layers.Layer) => { nodes.push(n); byLayer.set(l.name, n); return n; };
  const mk = (kind: Kind, l: tf.layers.Layer, inputs: Node[], extra: Partial<Node> = {}): Node =>
    add({ kind, layer: l, outLayer: l.name, inputs, relu: false, shape: outShape(l), consumers: 0, ...extra }, l);
  for (const l of model.layers) {
    const cls = layerClass(l);
    const ins = inboundOf(l).map((p) => {
      const n = byLayer.get(p.name);
      if (!n) throw new Error(`layer ${l.name}: input ${p.name} was not seen before it (graph order)`);
      return n;
    });
    const c = cfg(l);
    switch (cls) {
      case 'InputLayer': {
        const n = mk('input', l, []);
        if (l.name === 'beat') beat = n;
        else if (l.name === 'rr') rr = n;
        else throw new Error(`input layer '${l.name}': expected inputs named 'beat' and 'rr'`);
        break;
      }
      case 'FramedConv1D': {
        const [k, bias] = l.getWeights();
        const w = k!.dataSync() as Float32Array;
        const cout = (c.filters as number);
        mk('conv', l, ins, { w: Float32Array.from(w), b: bias ? Float32Array.from(bias.dataSync() as Float32Array) : new Float32Array(cout), fanIn: k!.shape[0], cout });
        break;
      }
      case 'Dense': {
        const [k, bias] = l.getWeights();
        const cout = c.units as number;
        const n = mk('dense', l, ins, { w: Float32Array.from(k!.dataSync() as Float32Array), b: bias ? Float32Array.from(bias.dataSync() as Float32Array) : new Float32Array(cout), fanIn: k!.shape[0], cout });
        const act = c.activation as string;
        if (act === 'relu') { n.relu = true; }
        else if (act === 'softmax') {
          n.kind = 'dense';
          mk('softmax', l, [n]);
          // the dense node keeps the logits; the softmax node owns the layer's name for graph lookups
          n.outLayer = `${l.name}/logits`;
        } else if (act !== 'linear') throw new Error(`layer ${l.name}: Dense activation '${act}' is not supported (relu, linear, softmax)`);
        break;
      }
      case 'BatchNormalization': {
        const p = ins[0]!;
        if (!((p.kind === 'conv' || p.kind === 'dense') && !p.relu && single(p))) throw new Error(`layer ${l.name}: BatchNormalization must follow a FramedConv1D or Dense with no other consumer (it is folded into it)`);
        const ws = l.getWeights().map((t) => t.dataSync() as Float32Array);
        const center = c.center !== false, scale = c.scale !== false;
        let i = 0;
        const gamma = scale ? ws[i++]! : null;
        const beta = center ? ws[i++]! : null;
        const mean = ws[i++]!, variance = ws[i++]!;
        const eps = (c.epsilon as number) ?? 1e-3;
        const cout = p.cout!;
        for (let o = 0; o < cout; o++) {
          const s = (gamma ? gamma[o]! : 1) / Math.sqrt(variance[o]! + eps);
          for (let r = 0; r < p.fanIn!; r++) p.w![r * cout + o]! *= s;
          p.b![o] = (p.b![o]! - mean[o]!) * s + (beta ? beta[o]! : 0);
        }
        p.outLayer = l.name;
        byLayer.set(l.name, p);
        break;
      }
      case 'Activation':
      case 'ReLU': {
        const act = cls === 'ReLU' ? 'relu' : (c.activation as string);
        const p = ins[0]!;
        if (act === 'linear') { byLayer.set(l.name, p); break; }
        if (act !== 'relu') throw new Error(`layer ${l.name}: activation '${act}' is not supported here (relu, linear)`);
        if ((p.kind === 'conv' || p.kind === 'dense' || p.kind === 'add') && !p.relu && single(p)) {
          p.relu = true;
          p.outLayer = l.name;
          byLayer.set(l.name, p);
        } else mk('clamp', l, ins);
        break;
      }
      case 'Dropout':
        byLayer.set(l.name, ins[0]!);
        break;
      case 'MaxPooling1D':
      case 'AveragePooling1D':
        mk(cls === 'MaxPooling1D' ? 'maxpool' : 'avgpool', l, ins);
        break;
      case 'GlobalAveragePooling1D':
        mk('gap', l, ins);
        break;
      case 'Flatten':
        mk('reshape', l, ins);
        break;
      case 'LSTM': {
        if (c.activation !== 'tanh') throw new Error(`layer ${l.name}: LSTM activation must be tanh, got ${c.activation}`);
        if (c.recurrentActivation !== 'sigmoid' && c.recurrentActivation !== 'hardSigmoid') throw new Error(`layer ${l.name}: LSTM recurrentActivation must be sigmoid or hardSigmoid`);
        if (c.goBackwards || c.stateful) throw new Error(`layer ${l.name}: goBackwards/stateful LSTMs are not supported`);
        mk('lstm', l, ins);
        break;
      }
      case 'TemporalAttention':
        mk('attention', l, ins);
        break;
      case 'Add':
        if (ins.length !== 2) throw new Error(`layer ${l.name}: Add with ${ins.length} inputs (2 supported)`);
        mk('add', l, ins);
        break;
      case 'Concatenate': {
        const axis = (c.axis as number) ?? -1;
        const rank = outShape(l).length;
        if (axis !== -1 && axis !== rank) throw new Error(`layer ${l.name}: Concatenate must be on the last axis`);
        mk('concat', l, ins);
        break;
      }
      default:
        throw new Error(`layer ${l.name}: layer class '${cls}' is not supported by the int8 exporter (docs/MODEL_FORMAT.md lists the ops)`);
    }
  }
  const outs = model.outputs;
  if (outs.length !== 1) throw new Error(`the model must have one output (softmax probabilities), got ${outs.length}`);
  const last = byLayer.get(outs[0]!.sourceLayer.name)!;
  if (last.kind !== 'softmax') throw new Error(`the model output must be a Dense layer with softmax activation`);
  if (!beat || !rr) throw new Error(`the model must have two inputs named 'beat' and 'rr'`);
  for (const n of nodes) for (const i of n.inputs) i.consumers++;
  // Fuse concat([a, b]) → dense into one 'dense2' op: each input keeps its own quantization.
  for (const n of nodes) {
    if (n.kind !== 'dense' || n.inputs.length !== 1) continue;
    const c = n.inputs[0]!;
    if (c.kind !== 'concat' || c.inputs.length !== 2 || c.consumers !== 1 || c.shape.length !== 1) continue;
    if (c.inputs.some((i) => i.shape.length !== 1)) continue;
    if (last.inputs[0] === n) continue; // the logits layer keeps int16 outputs through the plain dense op
    n.fusedConcat = c;
    c.fusedInto = n;
  }
  // Fuse conv → Add(·, residual) into one conv1d that adds the residual in its int32 accumulator: the convolution's
  // output is never rounded to 8 bits before the sum (one rounding instead of two at each residual connection).
  if (fuseResidual) {
    for (const n of nodes) {
      if (n.kind !== 'add' || n.inputs.length !== 2) continue;
      const ok = (c: Node) => c.kind === 'conv' && !c.relu && c.consumers === 1 && c.inputs[0] !== beat && c.shape.join() === n.shape.join() && n.shape.length === 2;
      const [a, b] = n.inputs as [Node, Node];
      if (a === b) continue;
      const opts = [a, b].filter(ok);
      if (!opts.length) continue;
      n.fuseOptions = opts; // resolved after calibration: the branch with the wider range (coarser 8-bit grid) is fused
      n.fusedConv = opts[0];
      opts[0]!.fusedIntoAdd = n;
    }
  }
  return { nodes, byLayer, beat, rr, logits: last.inputs[0]! };
}

/**
 * The activations that may be kept at 16 bits (format 2.2, "16x8": int16 with zero point 0, int8 weights), in
 * graph order, each with the tensors that share its quantization (the max pooling after it). A candidate is a
 * convolution's output (or a convolution fused with its residual Add) whose every reader takes an int16 input:
 * a convolution with k·cin ≤ 257 (exact int32 sums), the residual slot of a fused Add, max pooling (which keeps
 * the tensor's quantization, so its readers count too), global average pooling, or an LSTM (cin ≤ 258).
 */
function wideCandidates(nodes: Node[]): Map<string, Node[]> {
  const readers = new Map<Node, Node[]>();
  for (const n of nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const out = new Map<string, Node[]>();
  for (const n of nodes) {
    const producer = (n.kind === 'conv' && !n.fusedIntoAdd) || (n.kind === 'add' && !!n.fusedConv);
    if (!producer) continue;
    const group: Node[] = [n];
    let ok = true;
    for (let g = 0; g < group.length && ok; g++) {
      const m = group[g]!;
      for (const r of readers.get(m) ?? []) {
        if (r.kind === 'maxpool') group.push(r);
        else if (r.kind === 'conv') ok = r.fanIn! <= 257;
        else if (r.kind === 'add' && r.fusedConv && r.fusedConv !== m) ok = true; // the residual slot
        else if (r.kind === 'gap') ok = true;
        else if (r.kind === 'lstm') ok = m.shape[m.shape.length - 1]! <= 258;
        else ok = false;
        if (!ok) break;
      }
    }
    if (ok) out.set(n.outLayer, group);
  }
  return out;
}

function sigmoid(x: number) { return 1 / (1 + Math.exp(-x)); }

/** Float LSTM over calibration sequences: the largest |c| and |h| over every step (tfjs only exposes the output). */
function lstmRanges(layer: tf.layers.Layer, x: Float32Array, n: number, T: number, cin: number, hard: boolean): { cellMax: number; hMax: number } {
  const [k, rk, bias] = layer.getWeights().map((t) => t.dataSync() as Float32Array);
  const units = Math.round(Math.sqrt(rk!.length / 4)); // recurrent kernel [U, 4U]
  const G = 4 * units;
  const h = new Float64Array(units), c = new Float64Array(units), z = new Float64Array(G);
  const act = hard ? (v: number) => Math.min(1, Math.max(0, 0.2 * v + 0.5)) : sigmoid;
  let cellMax = 0, hMax = 0;
  for (let s = 0; s < n; s++) {
    h.fill(0); c.fill(0);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < G; j++) z[j] = bias ? bias[j]! : 0;
      const xo = (s * T + t) * cin;
      for (let i = 0; i < cin; i++) { const xv = x[xo + i]!; if (xv !== 0) for (let j = 0; j < G; j++) z[j]! += xv * k![i * G + j]!; }
      for (let u = 0; u < units; u++) { const hv = h[u]!; if (hv !== 0) for (let j = 0; j < G; j++) z[j]! += hv * rk![u * G + j]!; }
      for (let u = 0; u < units; u++) {
        const ig = act(z[u]!), fg = act(z[units + u]!), gg = Math.tanh(z[2 * units + u]!), og = act(z[3 * units + u]!);
        c[u] = fg * c[u]! + ig * gg;
        h[u] = og * Math.tanh(c[u]!);
        cellMax = Math.max(cellMax, Math.abs(c[u]!));
        hMax = Math.max(hMax, Math.abs(h[u]!));
      }
    }
  }
  return { cellMax, hMax };
}

interface QParams { scale: number; zp: number }

function asymmetric(lo: number, hi: number): QParams {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  if (hi - lo < 1e-8) hi = lo + 1e-8;
  const scale = (hi - lo) / 255;
  const zp = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return { scale, zp };
}

/** Per-output-channel symmetric int8: w [fanIn, cout] (tfjs layout) → q [cout][fanIn] and scales. */
function quantWeights(w: Float32Array, fanIn: number, cout: number): { q: Int8Array; s: Float64Array } {
  const q = new Int8Array(fanIn * cout);
  const s = new Float64Array(cout);
  for (let o = 0; o < cout; o++) {
    let m = 0;
    for (let r = 0; r < fanIn; r++) m = Math.max(m, Math.abs(w[r * cout + o]!));
    const sc = m > 0 ? m / 127 : 1;
    s[o] = sc;
    for (let r = 0; r < fanIn; r++) q[o * fanIn + r] = Math.max(-127, Math.min(127, Math.round(w[r * cout + o]! / sc)));
  }
  return { q, s };
}

const i32 = (a: number[]) => Int32Array.from(a);

export interface QuantizeOptions {
  /** Beats per calibration batch for the float model. */
  batch?: number;
  /** Keep the beat input at 16 bits when only convolutions read it (default true; false: int8 as format 2.0 files). */
  beat16?: boolean;
  /** Fuse each residual Add into the convolution before it (one conv1d with a residual input; default true). */
  fuseResidual?: boolean;
  /** Give the global average pooling output its own calibrated scale (default true; false: the input's, format 2.0). */
  gapRequant?: boolean;
  /** Diagnosis: multiply the calibrated range of these int8 activations (by tfjs output layer name, as in
   *  `report.ranges`, or 'rr') by the factor, e.g. { relu_1: 2 } = one bit less for that tensor alone. */
  widen?: Record<string, number>;
  /** Correct each convolution's and dense layer's bias for the mean shift its weight rounding causes, with the
   *  per-channel input means over the calibration beats (default true; false: the float bias as is). */
  biasCorrection?: boolean;
  /** Activations kept at 16 bits (format 2.2), by name as in `report.int16Candidates` (default none). */
  int16?: string[];
  /** Activation range: 'minmax' (default) or a two-sided percentile clip, e.g. 1e-4 drops the 0.01 % extremes. */
  clip?: number;
  log?: (s: string) => void;
}

/** Calibration statistics of the float model on the calibration beats; they do not depend on the 8/16-bit choice,
 *  so quantizeAuto computes them once for all its steps. */
interface ProbeStats {
  /** Per probed node (probe order): output range, clip samples, per-channel sums and counts. */
  lo: Float64Array; hi: Float64Array; samples: number[][]; chSum: Float64Array[]; chCount: Float64Array;
  rrLo: number; rrHi: number; bLo: number; bHi: number; beatSum: Float64Array;
  /** Inputs of each LSTM (by probe index) over the first calibration beats. */
  lstmInputs: Map<number, Float32Array[]>;
}

async function probeStats(model: tf.LayersModel, probe: Node[], logits: Node, calib: Calibration, spec: ModelSpec, opts: QuantizeOptions): Promise<ProbeStats> {
  const T = spec.input.length;
  const CH = spec.input.channels?.length ?? 1; // beat input [T, CH]
  const nRR = spec.input.rr.features.length;
  const layerOut = (name: string) => {
    const base = name.endsWith('/logits') ? name.slice(0, -7) : name;
    return model.getLayer(base);
  };
  // The logits are the pre-softmax Dense output: expose them by a linear copy of the Dense layer.
  const outputs: tf.SymbolicTensor[] = [];
  const logitsDense = logits.layer as tf.layers.Layer;
  for (const n of probe) {
    if (n === logits) {
      const linear = tf.layers.dense({ units: logits.cout!, activation: 'linear', name: `${logitsDense.name}__int8_logits`, weights: logitsDense.getWeights() });
      outputs.push(linear.apply(inboundOf(logitsDense)[0]!.output as tf.SymbolicTensor) as tf.SymbolicTensor);
    } else outputs.push(layerOut(n.outLayer).output as tf.SymbolicTensor);
  }
  const lstmInputs = new Map<number, Float32Array[]>();
  const probeModel = tf.model({ inputs: model.inputs, outputs });
  const lo = new Float64Array(probe.length).fill(Infinity), hi = new Float64Array(probe.length).fill(-Infinity);
  const clip = opts.clip ?? 0;
  const samples: number[][] = probe.map(() => []);
  let rrLo = Infinity, rrHi = -Infinity, bLo = Infinity, bHi = -Infinity;
  // per-channel sums of every activation (for the bias correction of the weights' rounding)
  const chSum = probe.map((n) => new Float64Array(n.shape[n.shape.length - 1]!));
  const chCount = new Float64Array(probe.length);
  const beatSum = new Float64Array(CH);
  const batch = opts.batch ?? 512;
  const lstmSample = Math.min(calib.n, 1500);
  for (let s = 0; s < calib.n; s += batch) {
    const m = Math.min(batch, calib.n - s);
    const xb = calib.beats.subarray(s * T * CH, (s + m) * T * CH);
    const xr = calib.rr.subarray(s * nRR, (s + m) * nRR);
    for (const v of xb) { if (v < bLo) bLo = v; if (v > bHi) bHi = v; }
    for (const v of xr) { if (v < rrLo) rrLo = v; if (v > rrHi) rrHi = v; }
    const outs = tf.tidy(() => {
      const r = probeModel.predict([tf.tensor3d(xb, [m, T, CH]), tf.tensor2d(xr, [m, nRR])]);
      return Array.isArray(r) ? r : [r];
    });
    for (let k = 0; k < probe.length; k++) {
      const d = outs[k]!.dataSync() as Float32Array;
      let a = lo[k]!, b = hi[k]!;
      for (const v of d) { if (v < a) a = v; if (v > b) b = v; }
      if (clip > 0) { const smp = samples[k]!; const step = Math.max(1, Math.floor(d.length / 4096)); for (let i = 0; i < d.length; i += step) smp.push(d[i]!); }
      lo[k] = a; hi[k] = b;
      const C = probe[k]!.shape[probe[k]!.shape.length - 1]!, cs = chSum[k]!;
      for (let i = 0; i < d.length; i++) cs[i % C]! += d[i]!;
      chCount[k]! += d.length / C;
    }
    for (let i = 0; i < xb.length; i++) beatSum[i % CH]! += xb[i]!;
    for (const n of probe) {
      if (n.kind !== 'lstm' || s >= lstmSample) continue;
      const src = n.inputs[0]!;
      const k = probe.indexOf(src);
      const d = k >= 0 ? (outs[k]!.dataSync() as Float32Array) : null;
      if (!d) throw new Error(`LSTM ${n.layer.name}: its input is not a probed layer`);
      const arr = lstmInputs.get(probe.indexOf(n)) ?? [];
      arr.push(Float32Array.from(d));
      lstmInputs.set(probe.indexOf(n), arr);
    }
    tf.dispose(outs);
  }
  return { lo, hi, samples, chSum, chCount, rrLo, rrHi, bLo, bHi, beatSum, lstmInputs };
}

/** Quantizes `model` with activation ranges from `calib` (training beats only) into .ecgm bytes. */
export async function quantizeModel(model: tf.LayersModel, spec: ModelSpec, calib: Calibration, opts: QuantizeOptions = {}, cache?: { stats?: ProbeStats }): Promise<{ bytes: Uint8Array; report: QuantizeReport }> {
  const { nodes, beat, rr, logits } = buildGraph(model, opts.fuseResidual !== false);
  const widen = opts.widen ?? {};
  for (const [name, f] of Object.entries(widen)) {
    if (!(f > 0 && Number.isFinite(f))) throw new Error(`widen ${name}: the factor must be a positive number, got ${f}`);
    const ok = name === 'rr' || nodes.some((n) => n.outLayer === name && n.kind !== 'input' && n.kind !== 'softmax' && n.kind !== 'lstm');
    if (!ok) throw new Error(`widen: '${name}' is not an int8 activation of this model (use 'rr' or a name from the export report's ranges)`);
  }
  const wf = (name: string) => widen[name] ?? 1;
  const candidates = wideCandidates(nodes);
  const wide = new Set<Node>();
  for (const name of opts.int16 ?? []) {
    const g = candidates.get(name);
    if (!g) throw new Error(`int16: '${name}' cannot be kept at 16 bits in this model (candidates, earliest first: ${[...candidates.keys()].join(', ') || 'none'})`);
    wide.add(g[0]!);
  }
  const T = spec.input.length;
  // ---- calibration: ranges of every node output (the fused group's last tfjs layer), computed once per cache
  const probe = nodes.filter((n) => n.kind !== 'input' && n.kind !== 'softmax');
  const st = cache?.stats ?? (await probeStats(model, probe, logits, calib, spec, opts));
  if (cache) cache.stats = st;
  const { lo, hi, samples, rrLo, rrHi, bLo, bHi, chSum, chCount, beatSum } = st;
  const lstmInputs = new Map(probe.map((n, k) => [n, st.lstmInputs.get(k)!]));
  const clip = opts.clip ?? 0;
  // Residual fusion: when both inputs of an Add are fusable convolutions, fuse the one with the wider calibrated
  // range: its 8-bit output would be the coarser, so keeping it in the accumulator saves the larger rounding error.
  for (const n of nodes) {
    if (!n.fuseOptions || n.fuseOptions.length < 2) continue;
    const width = (c: Node) => { const k = probe.indexOf(c); return k >= 0 ? hi[k]! - lo[k]! : 0; };
    const best = n.fuseOptions.reduce((x, y) => (width(y) > width(x) ? y : x));
    n.fusedConv!.fusedIntoAdd = undefined;
    n.fusedConv = best;
    best.fusedIntoAdd = n;
  }
  // Empirical bias correction (Nagel et al. 2019): rounding the weights shifts each output channel's mean by
  // Σ_r (w_q − w)[r, o] · E[x_r]; with E[x] per input channel over the calibration (training) beats, subtracting
  // that shift from the bias removes the systematic part of the weight rounding error (ReLU inputs have E[x] ≠ 0).
  const meanOf = (n: Node): Float64Array | null => {
    if (n === beat) return beatSum.map((v) => v / (calib.n * T));
    const k = probe.indexOf(n);
    return k >= 0 && chCount[k]! > 0 ? chSum[k]!.map((v) => v / chCount[k]!) : null;
  };
  const biasCorrection = opts.biasCorrection !== false;
  const correctedBias = (c: Node, wq: Int8Array, ws: Float64Array): Float32Array => {
    const b = Float32Array.from(c.b!);
    const mean = biasCorrection ? meanOf(c.inputs[0]!) : null;
    if (!mean) return b;
    const fanIn = c.fanIn!, cout = c.cout!, cin = mean.length;
    for (let o = 0; o < cout; o++) {
      let shift = 0;
      for (let r = 0; r < fanIn; r++) shift += (wq[o * fanIn + r]! * ws[o]! - c.w![r * cout + o]!) * mean[r % cin]!;
      b[o] = b[o]! - shift;
    }
    return b;
  };
  const report: QuantizeReport = { ops: [], int16Candidates: [...candidates.keys()], int16: [...candidates.keys()].filter((k) => wide.has(candidates.get(k)![0]!)), ranges: {}, lstm: [] };
  // ---- quantization parameters of every tensor
  const q = new Map<Node, QParams & { dtype: 'int8' | 'int16' }>();
  // The beat input stays at 16 bits (symmetric, zero point 0) when only convolutions read it and their
  // accumulators stay exact (k·cin ≤ 257): 8-bit input quantization of the normalized beat alone costs a
  // measurable share of the class agreement, and the first convolution is the cheapest layer to widen.
  const beatReaders = nodes.filter((n) => n.inputs.includes(beat));
  const beat16 = opts.beat16 !== false && beatReaders.length > 0 && beatReaders.every((n) => n.kind === 'conv' && n.fanIn! <= 257);
  q.set(beat, beat16 ? { scale: Math.max(Math.abs(bLo), Math.abs(bHi), 1e-6) / 32767, zp: 0, dtype: 'int16' } : { ...asymmetric(bLo, bHi), dtype: 'int8' });
  q.set(rr, { ...asymmetric(rrLo * wf('rr'), rrHi * wf('rr')), dtype: 'int8' });
  report.ranges['beat'] = [bLo, bHi];
  report.ranges['rr'] = [rrLo, rrHi];
  const lstmInfo = new Map<Node, { cellFrac: number; hScale: number }>();
  for (const [k, n] of probe.entries()) {
    report.ranges[n.outLayer] = [lo[k]!, hi[k]!];
    if (n === logits) {
      const m = Math.max(Math.abs(lo[k]!), Math.abs(hi[k]!), 1e-6) * 1.25;
      q.set(n, { scale: m / 32767, zp: 0, dtype: 'int16' });
    } else if (n.kind === 'gap' && (opts.gapRequant !== false || q.get(n.inputs[0]!)!.dtype === 'int16')) {
      // A mean over time spans a much narrower range than its input: its own scale keeps the head's features fine.
      q.set(n, { ...asymmetric(lo[k]! * wf(n.outLayer), hi[k]! * wf(n.outLayer)), dtype: 'int8' });
    } else if (n.kind === 'maxpool') {
      q.set(n, { ...q.get(n.inputs[0]!)! }); // same quantization (and width) as the input
    } else if (n.kind === 'avgpool' || n.kind === 'gap' || n.kind === 'reshape' || n.kind === 'attention' || n.kind === 'clamp') {
      q.set(n, { ...q.get(n.inputs[0]!)!, dtype: 'int8' }); // same quantization as the input
    } else if (n.kind === 'lstm') {
      const c = cfg(n.layer);
      const inShape = n.inputs[0]!.shape;
      const xs = lstmInputs.get(n)!;
      let cellMax = 0, hMax = 0;
      for (const x of xs) {
        const r = lstmRanges(n.layer, x, x.length / (inShape[0]! * inShape[1]!), inShape[0]!, inShape[1]!, c.recurrentActivation === 'hardSigmoid');
        cellMax = Math.max(cellMax, r.cellMax);
        hMax = Math.max(hMax, r.hMax);
      }
      hMax = Math.min(1, Math.max(hMax, 1e-3));
      const cellFrac = Math.max(8, Math.min(14, Math.floor(Math.log2(32767 / Math.max(cellMax * 1.25, 1e-3)))));
      lstmInfo.set(n, { cellFrac, hScale: hMax / 127 });
      report.lstm.push({ layer: n.layer.name, cellMax, hMax, cellFrac });
      q.set(n, { scale: hMax / 127, zp: 0, dtype: 'int8' });
    } else {
      let a = lo[k]!, b = hi[k]!;
      if (clip > 0 && samples[k]!.length > 100) {
        const v = Float64Array.from(samples[k]!).sort();
        a = Math.min(a, 0) < 0 ? v[Math.floor(clip * (v.length - 1))]! : a;
        b = v[Math.ceil((1 - clip) * (v.length - 1))]!;
      }
      if (wide.has(n)) {
        // 16 bits, symmetric (zero point 0): 256× finer steps than the 8-bit grid over the same range
        q.set(n, { scale: Math.max(Math.abs(a), Math.abs(b), 1e-8) * wf(n.outLayer) / 32767, zp: 0, dtype: 'int16' });
      } else q.set(n, { ...asymmetric(a * wf(n.outLayer), b * wf(n.outLayer)), dtype: 'int8' });
    }
  }
  // The attention output must share its input's quantization; so must pooling (already set above).
  // ---- emit tensors and ops
  const tensors: FileTensor[] = [];
  const ops: FileOp[] = [];
  const tid = new Map<Node, number>();
  const act = (n: Node): number => {
    const p = q.get(n)!;
    tensors.push({ dtype: p.dtype, kind: 'activation', shape: n.kind === 'softmax' ? [logits.cout!] : n.shape, scale: p.scale, zeroPoint: p.zp });
    tid.set(n, tensors.length - 1);
    return tensors.length - 1;
  };
  const cst = (dtype: 'int8' | 'int32', shape: number[], data: Int8Array | Int32Array): number => {
    tensors.push({ dtype, kind: 'constant', shape, data });
    return tensors.length - 1;
  };
  act(beat);
  act(rr);
  let probsId = -1;
  for (const n of nodes) {
    if (n.kind === 'input') continue;
    const inQ = n.inputs.map((i) => q.get(i)!);
    const ins = n.inputs.map((i) => tid.get(i)!);
    if (n.kind === 'softmax') {
      const lq = q.get(logits)!;
      tensors.push({ dtype: 'int16', kind: 'activation', shape: [logits.cout!], scale: 1 / 32768, zeroPoint: 0 });
      probsId = tensors.length - 1;
      ops.push({ op: 'softmax', tensors: [ins[0]!, probsId], params: quantizeMultiplier(lq.scale * 4096) });
      report.ops.push({ op: 'softmax', layer: n.layer.name });
      continue;
    }
    if (n.fusedInto || n.fusedIntoAdd) continue; // emitted by its dense2 / its add
    const oq = q.get(n)!;
    const clampLo = (relu: boolean) => (relu ? oq.zp : oq.dtype === 'int16' ? -32768 : -128);
    const clampHi = oq.dtype === 'int16' ? 32767 : 127;
    if (n.fusedConcat) {
      const [A, B] = n.fusedConcat.inputs as [Node, Node];
      const qa = q.get(A)!, qb = q.get(B)!;
      const fanIn = n.fanIn!, cout = n.cout!;
      const na = A.shape[0]!, nb = B.shape[0]!;
      if (na + nb !== fanIn) throw new Error(`layer ${n.layer.name}: concat widths ${na} + ${nb} do not match the Dense input ${fanIn}`);
      const { q: wq, s: ws } = quantWeights(n.w!, fanIn, cout); // one scale per output channel over both parts
      const wa = new Int8Array(cout * na), wb = new Int8Array(cout * nb);
      for (let o = 0; o < cout; o++) {
        wa.set(wq.subarray(o * fanIn, o * fanIn + na), o * na);
        wb.set(wq.subarray(o * fanIn + na, (o + 1) * fanIn), o * nb);
      }
      const bias = new Int32Array(cout), mult = new Int32Array(cout), shift = new Int32Array(cout);
      for (let o = 0; o < cout; o++) {
        bias[o] = Math.max(-(2 ** 30), Math.min(2 ** 30, Math.round(n.b![o]! / (qa.scale * ws[o]!))));
        [mult[o], shift[o]] = quantizeMultiplier((qa.scale * ws[o]!) / oq.scale);
      }
      const ids = [cst('int8', [cout, na], wa), cst('int8', [cout, nb], wb), cst('int32', [cout], bias), cst('int32', [cout], mult), cst('int32', [cout], shift)];
      const out = act(n);
      const [bm, bs] = quantizeMultiplier(qb.scale / qa.scale);
      ops.push({ op: 'dense2', tensors: [tid.get(A)!, tid.get(B)!, ...ids, out], params: [bm, bs, clampLo(n.relu), 127] });
      report.ops.push({ op: 'dense2', layer: n.outLayer });
      continue;
    }
    switch (n.kind) {
      case 'conv':
      case 'dense': {
        const fanIn = n.fanIn!, cout = n.cout!;
        const { q: wq, s: ws } = quantWeights(n.w!, fanIn, cout);
        const sx = inQ[0]!.scale;
        const bias = new Int32Array(cout), mult = new Int32Array(cout), shift = new Int32Array(cout);
        const bc = correctedBias(n, wq, ws);
        for (let o = 0; o < cout; o++) {
          bias[o] = Math.max(-(2 ** 30), Math.min(2 ** 30, Math.round(bc[o]! / (sx * ws[o]!))));
          [mult[o], shift[o]] = quantizeMultiplier((sx * ws[o]!) / oq.scale);
        }
        let wShape: number[];
        if (n.kind === 'conv') {
          const k = cfg(n.layer).kernelSize as number;
          const cin = fanIn / k;
          wShape = [cout, k, cin]; // tfjs row j·cin + c == file (o·k + j)·cin + c: already in this order
        } else wShape = [cout, fanIn];
        const wId = cst('int8', wShape, wq), bId = cst('int32', [cout], bias), mId = cst('int32', [cout], mult), sId = cst('int32', [cout], shift);
        const out = act(n);
        if (n.kind === 'conv') {
          const k = cfg(n.layer).kernelSize as number;
          ops.push({ op: 'conv1d', tensors: [ins[0]!, wId, bId, mId, sId, out], params: [Math.floor((k - 1) / 2), clampLo(n.relu), clampHi] });
        } else {
          const is16 = oq.dtype === 'int16';
          ops.push({ op: 'dense', tensors: [ins[0]!, wId, bId, mId, sId, out], params: is16 ? [-32768, 32767] : [clampLo(n.relu), 127] });
        }
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        const c = cfg(n.layer);
        const pool = (Array.isArray(c.poolSize) ? c.poolSize[0] : c.poolSize) as number;
        const stride = ((Array.isArray(c.strides) ? c.strides[0] : c.strides) ?? pool) as number;
        const Tin = n.inputs[0]!.shape[0]!;
        const To = n.shape[0]!;
        const padLeft = c.padding === 'same' ? Math.floor(Math.max((To - 1) * stride + pool - Tin, 0) / 2) : 0;
        const out = act(n);
        ops.push({ op: n.kind === 'maxpool' ? 'maxpool1d' : 'avgpool1d', tensors: [ins[0]!, out], params: [pool, stride, padLeft] });
        break;
      }
      case 'gap':
      case 'reshape': {
        const out = act(n);
        const same = oq.scale === inQ[0]!.scale && oq.zp === inQ[0]!.zp && oq.dtype === inQ[0]!.dtype;
        const params = n.kind === 'gap' && !same ? quantizeMultiplier(inQ[0]!.scale / (n.inputs[0]!.shape[0]! * oq.scale)) : undefined;
        ops.push({ op: n.kind === 'gap' ? 'global_avgpool1d' : 'reshape', tensors: [ins[0]!, out], ...(params ? { params } : {}) });
        break;
      }
      case 'clamp': {
        const out = act(n);
        ops.push({ op: 'clamp', tensors: [ins[0]!, out], params: [oq.zp, 127] });
        break;
      }
      case 'lstm': {
        const c = cfg(n.layer);
        const [k, rk, b] = n.layer.getWeights().map((t) => t.dataSync() as Float32Array);
        const cin = n.inputs[0]!.shape[1]!;
        const U = c.units as number, G = 4 * U;
        const { q: wxq, s: wxs } = quantWeights(k!, cin, G);
        const { q: whq, s: whs } = quantWeights(rk!, U, G);
        const info = lstmInfo.get(n)!;
        const sx = inQ[0]!.scale, sh = info.hScale;
        const bias = new Int32Array(G), mx = new Int32Array(G), sxs = new Int32Array(G), mh = new Int32Array(G), shs = new Int32Array(G);
        for (let j = 0; j < G; j++) {
          bias[j] = Math.round((b ? b[j]! : 0) * 4096);
          [mx[j], sxs[j]] = quantizeMultiplier(sx * wxs[j]! * 4096);
          [mh[j], shs[j]] = quantizeMultiplier((whs[j]! * 4096) / 32768); // recurrence on h in Q0.15
        }
        const ids = [cst('int8', [G, cin], wxq), cst('int8', [G, U], whq), cst('int32', [G], bias), cst('int32', [G], mx), cst('int32', [G], sxs), cst('int32', [G], mh), cst('int32', [G], shs)];
        const out = act(n);
        const [om, os] = quantizeMultiplier(1 / (32768 * sh));
        ops.push({ op: 'lstm', tensors: [ins[0]!, ...ids, out], params: [c.returnSequences ? 1 : 0, info.cellFrac, om, os, c.recurrentActivation === 'hardSigmoid' ? 1 : 0] });
        break;
      }
      case 'attention': {
        const [W, b, v] = n.layer.getWeights().map((t) => t.dataSync() as Float32Array);
        const H = n.inputs[0]!.shape[1]!;
        const A = b!.length;
        const { q: wq, s: ws } = quantWeights(W!, H, A);
        const sh = inQ[0]!.scale;
        const bias = new Int32Array(A), m = new Int32Array(A), s = new Int32Array(A);
        for (let a = 0; a < A; a++) {
          bias[a] = Math.round(b![a]! * 4096);
          [m[a], s[a]] = quantizeMultiplier(sh * ws[a]! * 4096);
        }
        let vmax = 0;
        for (const x of v!) vmax = Math.max(vmax, Math.abs(x));
        const sv = vmax > 0 ? vmax / 127 : 1;
        const vq = Int8Array.from(v!, (x) => Math.max(-127, Math.min(127, Math.round(x / sv))));
        const ids = [cst('int8', [A, H], wq), cst('int32', [A], bias), cst('int32', [A], m), cst('int32', [A], s), cst('int8', [A], vq)];
        const out = act(n);
        ops.push({ op: 'attention', tensors: [ins[0]!, ...ids, out], params: quantizeMultiplier((sv / 32768) * 4096) });
        break;
      }
      case 'add': {
        if (n.fusedConv) {
          // conv1d with residual: acc = bias + Σ w·(x − zp) + rq(r − zp_r, s_r / (s_x·s_w,o)); out = clamp(zp + rq(acc, s_x·s_w,o / s_out))
          const c = n.fusedConv;
          const res = n.inputs[0] === c ? n.inputs[1]! : n.inputs[0]!;
          const qx = q.get(c.inputs[0]!)!, qr = q.get(res)!;
          const fanIn = c.fanIn!, cout = c.cout!;
          const { q: wq, s: ws } = quantWeights(c.w!, fanIn, cout);
          const sx = qx.scale;
          const bias = new Int32Array(cout), mult = new Int32Array(cout), shift = new Int32Array(cout), rm = new Int32Array(cout), rs = new Int32Array(cout);
          const bc = correctedBias(c, wq, ws);
          for (let o = 0; o < cout; o++) {
            bias[o] = Math.max(-(2 ** 30), Math.min(2 ** 30, Math.round(bc[o]! / (sx * ws[o]!))));
            [mult[o], shift[o]] = quantizeMultiplier((sx * ws[o]!) / oq.scale);
            [rm[o], rs[o]] = quantizeMultiplier(qr.scale / (sx * ws[o]!));
          }
          const k = cfg(c.layer).kernelSize as number;
          const ids = [cst('int8', [cout, k, fanIn / k], wq), cst('int32', [cout], bias), cst('int32', [cout], mult), cst('int32', [cout], shift)];
          const rIds = [cst('int32', [cout], rm), cst('int32', [cout], rs)];
          const out = act(n);
          ops.push({ op: 'conv1d', tensors: [tid.get(c.inputs[0]!)!, ...ids, tid.get(res)!, ...rIds, out], params: [Math.floor((k - 1) / 2), clampLo(n.relu), clampHi] });
          report.ops.push({ op: 'conv1d+add', layer: n.outLayer });
          continue;
        }
        const qa = inQ[0]!, qb = inQ[1]!;
        const ra = qa.scale / oq.scale, rb = qb.scale / oq.scale;
        const shift = Math.max(1, Math.min(62, 30 - Math.floor(Math.log2(Math.max(ra, rb)))));
        const out = act(n);
        ops.push({ op: 'add', tensors: [ins[0]!, ins[1]!, out], params: [Math.round(ra * 2 ** shift), Math.round(rb * 2 ** shift), shift, clampLo(n.relu), 127] });
        break;
      }
      case 'concat': {
        const table: number[] = [];
        for (const iq of inQ) {
          if (iq.scale === oq.scale && iq.zp === oq.zp) table.push(0, 0);
          else table.push(...quantizeMultiplier(iq.scale / oq.scale));
        }
        const tId = cst('int32', [inQ.length, 2], i32(table));
        const out = act(n);
        ops.push({ op: 'concat', tensors: [...ins, tId, out] });
        break;
      }
      default:
        throw new Error(`internal: unhandled node kind ${n.kind}`);
    }
    report.ops.push({ op: ops[ops.length - 1]!.op, layer: n.outLayer });
  }
  const contents: ModelFileContents = {
    spec: fileSpec(spec),
    classes: [...spec.classes],
    tensors,
    ops,
    io: { beat: tid.get(beat)!, rr: tid.get(rr)!, logits: tid.get(logits)!, probs: probsId },
  };
  return { bytes: writeModelFile(contents), report };
}

export function fileSpec(spec: ModelSpec): FileInputSpec {
  const s = spec.input;
  return {
    fs: s.fs,
    fsModel: s.fsModel,
    decimation: s.decimation,
    before: s.before,
    after: s.after,
    length: s.length,
    filter: { name: s.filter.name, mains: s.filter.mains },
    normalization: { kind: s.normalization.kind, eps: s.normalization.eps },
    rr: { features: [...s.rr.features] as RRFeatureName[], recordWindow: s.rr.recordWindow, localWindow: s.rr.localWindow, clampMin: s.rr.clampMin, clampMax: s.rr.clampMax },
    ...(s.channels ? { channels: [...s.channels] } : {}),
    ...(s.template ? { template: { window: s.template.window } } : {}),
    arch: spec.arch,
  };
}

/** Agreement on the calibration protocol's training beats that the automatic 8/16-bit choice aims for. */
export const AUTO_INT16_TARGET = 0.999;

export interface AutoStep { int16: string[]; agreement: number; bytes: number }

/**
 * The automatic per-tensor choice of 8 or 16 bits: start with every activation at 8 bits and keep the candidates
 * (`report.int16Candidates`, earliest first) at 16 bits one more at a time until `score` (float vs int8 class
 * agreement on TRAINING beats, never test beats) reaches `target`; if it never does, every candidate is widened.
 * The earliest layers come first because their rounding errors pass through the whole network, and the prefix
 * order makes the choice one number (how many) rather than a search over subsets.
 */
export async function quantizeAuto(model: tf.LayersModel, spec: ModelSpec, calib: Calibration, score: (bytes: Uint8Array) => number,
  opts: QuantizeOptions & { target?: number } = {}): Promise<{ bytes: Uint8Array; report: QuantizeReport; steps: AutoStep[] }> {
  const target = opts.target ?? AUTO_INT16_TARGET;
  const steps: AutoStep[] = [];
  const cache: { stats?: ProbeStats } = {};
  let r = await quantizeModel(model, spec, calib, { ...opts, int16: [] }, cache);
  const cands = r.report.int16Candidates;
  for (let k = 0; ; k++) {
    if (k > 0) r = await quantizeModel(model, spec, calib, { ...opts, int16: cands.slice(0, k) }, cache);
    const agreement = score(r.bytes);
    steps.push({ int16: cands.slice(0, k), agreement, bytes: r.bytes.length });
    opts.log?.(`int16 [${cands.slice(0, k).join(', ')}]: agreement on the training beats ${(100 * agreement).toFixed(3)} %`);
    if (agreement >= target || k >= cands.length) break;
  }
  return { ...r, steps };
}
