// A small valid .ecgm model written with the TypeScript writer (no tfjs): conv1d (ReLU) → global average pool,
// concatenated with the RR input, int16 logits, softmax. Deterministic pseudo-random weights. Test helper.
import { writeModelFile, quantizeMultiplier, type FileTensor, type FileOp } from '../src/nn/format.js';
import type { Int8Classifier } from '../src/nn/index.js';
import { StreamClassifier, type LabelledBeat } from '../src/nn/stream.js';

/** Streams `x` through a StreamClassifier in blocks of block(k) samples; the labelled beats and the latency bound. */
export function runStream(clf: Int8Classifier, x: Int16Array, block: (k: number) => number): { beats: LabelledBeat[]; bound: number } {
  const s = new StreamClassifier(clf);
  const beats: LabelledBeat[] = [];
  for (let i = 0, k = 0; i < x.length; k++) {
    const n = Math.min(block(k), x.length - i);
    beats.push(...s.push(x.subarray(i, i + n)));
    i += n;
  }
  beats.push(...s.flush());
  const bound = s.latencyBound;
  s.close();
  return { beats, bound };
}

/** `wide`: a format 2.2 file with 16-bit activations (int16 beat → conv1d to int16 → maxpool1d int16 →
 *  global_avgpool1d from int16), the 16-bit ops the exporter emits. */
export function tinyModelBytes(seed = 1, length = 128, wide = false): Uint8Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const ri = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const tensors: FileTensor[] = [];
  const t = (x: FileTensor) => (tensors.push(x), tensors.length - 1);
  const beat = wide ? t({ dtype: 'int16', kind: 'activation', shape: [length, 1], scale: 1 / 4096, zeroPoint: 0 }) : t({ dtype: 'int8', kind: 'activation', shape: [length, 1], scale: 0.05, zeroPoint: 0 });
  const rr = t({ dtype: 'int8', kind: 'activation', shape: [4], scale: 0.02, zeroPoint: -100 });
  const C = 6;
  const conv = wide ? t({ dtype: 'int16', kind: 'activation', shape: [length, C], scale: 0.04 / 256, zeroPoint: 0 }) : t({ dtype: 'int8', kind: 'activation', shape: [length, C], scale: 0.04, zeroPoint: -128 });
  const M = wide ? 0.005 : 0.004;
  const mult = (m: number, n: number) => Int32Array.from({ length: n }, () => quantizeMultiplier(m * (0.5 + rnd()))[0]);
  const shift = (m: number, n: number) => Int32Array.from({ length: n }, () => quantizeMultiplier(m)[1]);
  const ops: FileOp[] = [];
  ops.push({
    op: 'conv1d',
    tensors: [beat,
      t({ dtype: 'int8', kind: 'constant', shape: [C, 5, 1], data: Int8Array.from({ length: C * 5 }, () => ri(-127, 127)) }),
      t({ dtype: 'int32', kind: 'constant', shape: [C], data: Int32Array.from({ length: C }, () => ri(-500, 500)) }),
      t({ dtype: 'int32', kind: 'constant', shape: [C], data: mult(M, C) }),
      t({ dtype: 'int32', kind: 'constant', shape: [C], data: shift(M, C) }),
      conv],
    params: wide ? [2, 0, 32767] : [2, -128, 127],
  });
  const gap = t({ dtype: 'int8', kind: 'activation', shape: [C], scale: 0.04, zeroPoint: -128 });
  if (wide) {
    const pooled = t({ dtype: 'int16', kind: 'activation', shape: [length / 2, C], scale: 0.04 / 256, zeroPoint: 0 });
    ops.push({ op: 'maxpool1d', tensors: [conv, pooled], params: [2, 2, 0] });
    ops.push({ op: 'global_avgpool1d', tensors: [pooled, gap], params: quantizeMultiplier(0.04 / 256 / ((length / 2) * 0.04)) });
  } else ops.push({ op: 'global_avgpool1d', tensors: [conv, gap] });
  const cat = t({ dtype: 'int8', kind: 'activation', shape: [C + 4], scale: 0.05, zeroPoint: -60 });
  const tab = t({ dtype: 'int32', kind: 'constant', shape: [2, 2], data: Int32Array.from([...quantizeMultiplier(0.04 / 0.05), ...quantizeMultiplier(0.02 / 0.05)]) });
  ops.push({ op: 'concat', tensors: [gap, rr, tab, cat] });
  const logits = t({ dtype: 'int16', kind: 'activation', shape: [5], scale: 0.001, zeroPoint: 0 });
  ops.push({
    op: 'dense',
    tensors: [cat,
      t({ dtype: 'int8', kind: 'constant', shape: [5, C + 4], data: Int8Array.from({ length: 5 * (C + 4) }, () => ri(-127, 127)) }),
      t({ dtype: 'int32', kind: 'constant', shape: [5], data: Int32Array.from({ length: 5 }, () => ri(-2000, 2000)) }),
      t({ dtype: 'int32', kind: 'constant', shape: [5], data: mult(0.05 * 0.01 / 0.001, 5) }),
      t({ dtype: 'int32', kind: 'constant', shape: [5], data: shift(0.05 * 0.01 / 0.001, 5) }),
      logits],
    params: [-32768, 32767],
  });
  const probs = t({ dtype: 'int16', kind: 'activation', shape: [5], scale: 1 / 32768, zeroPoint: 0 });
  ops.push({ op: 'softmax', tensors: [logits, probs], params: quantizeMultiplier(0.001 * 4096) });
  return writeModelFile({
    spec: {
      fs: 360, fsModel: 180, decimation: 2, before: 48, after: length - 48, length,
      filter: { name: 'ecgClean', mains: 60 }, normalization: { kind: 'zscore-per-beat', eps: 1e-3 },
      rr: { features: ['pre/recordAvg', 'post/recordAvg', 'pre/localAvg', 'post/localAvg'], recordWindow: 300, localWindow: 10, clampMin: 0.15, clampMax: 3 },
      arch: 'tiny-test',
    },
    classes: ['N', 'S', 'V', 'F', 'Q'],
    tensors,
    ops,
    io: { beat, rr, logits, probs },
  });
}
