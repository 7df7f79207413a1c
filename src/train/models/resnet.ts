// ResNet-1D: a conv stem and three residual blocks (conv-BN-ReLU-conv-BN + shortcut, Add, ReLU; a kernel-1
// FramedConv1D projection when the width changes), max pooling between blocks, global average pooling, joined
// with the RR features, dense head.
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../spec.js';
import { ctx, inputs, conv, bn, relu, convBnRelu, maxPool, head, nm, type BuildOptions, type Ctx } from './common.js';

function block(c: Ctx, x: tf.SymbolicTensor, filters: number, k: number): tf.SymbolicTensor {
  const cin = x.shape[x.shape.length - 1];
  const width = Math.max(1, Math.round(filters * c.width));
  const y = bn(c, conv(c, relu(c, bn(c, conv(c, x, filters, k))), filters, k));
  const shortcut = cin === width ? x : bn(c, conv(c, x, filters, 1));
  const sum = tf.layers.add({ name: nm(c, 'add') }).apply([y, shortcut]) as tf.SymbolicTensor;
  return relu(c, sum);
}

export function buildResnet(spec: InputSpec, opts: BuildOptions = {}, nClasses = 5): tf.LayersModel {
  const c = ctx(opts);
  const { beat, rr } = inputs(spec);
  let x = convBnRelu(c, beat, 16, 7);
  x = maxPool(c, block(c, x, 16, 5));
  x = maxPool(c, block(c, x, 32, 5));
  x = maxPool(c, block(c, x, 32, 3));
  const g = tf.layers.globalAveragePooling1d({ name: nm(c, 'gap') }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: [beat, rr], outputs: head(c, g, rr, nClasses), name: 'resnet' });
}
