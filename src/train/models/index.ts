// The architecture table: one list drives the CLI choices, the docs and the error messages.
import type * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../spec.js';
import type { BuildOptions } from './common.js';
import { buildCnn } from './cnn.js';
import { buildCnnLstm } from './cnn-lstm.js';
import { buildCnnLstmAttention } from './cnn-lstm-attention.js';
import { buildResnet } from './resnet.js';
import '../layers/index.js';

export type ArchName = 'cnn' | 'cnn-lstm' | 'cnn-lstm-attention' | 'resnet';

export interface ArchInfo {
  name: ArchName;
  description: string;
  build(spec: InputSpec, opts?: BuildOptions, nClasses?: number): tf.LayersModel;
}

export const ARCHS: readonly ArchInfo[] = [
  { name: 'cnn', description: '4 conv blocks (FramedConv1D-BN-ReLU, max pool), flatten, dense + RR head', build: buildCnn },
  { name: 'cnn-lstm', description: '2 conv blocks, LSTM(32) last state, dense + RR head', build: buildCnnLstm },
  { name: 'cnn-lstm-attention', description: '2 conv blocks, LSTM(32) sequence, additive temporal attention, dense + RR head', build: buildCnnLstmAttention },
  { name: 'resnet', description: 'conv stem, 3 residual blocks, global average pool, dense + RR head', build: buildResnet },
];

export const ARCH_NAMES: readonly ArchName[] = ARCHS.map((a) => a.name);

export function archByName(name: string): ArchInfo {
  const a = ARCHS.find((x) => x.name === name);
  if (!a) throw new Error(`unknown architecture '${name}': choose one of ${ARCH_NAMES.join(', ')}`);
  return a;
}

export type { BuildOptions } from './common.js';
