// CNN: four conv blocks with max pooling, flattened (keeps where in the beat each feature occurs), joined
// with the RR features, dense head.
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../spec.js';
import { ctx, inputs, convBnRelu, maxPool, dense, dropout, head, nm, type BuildOptions } from './common.js';

export function buildCnn(spec: InputSpec, opts: BuildOptions = {}, nClasses = 5): tf.LayersModel {
  const c = ctx(opts);
  const { beat, rr } = inputs(spec);
  let x = maxPool(c, convBnRelu(c, beat, 16, 7));
  x = maxPool(c, convBnRelu(c, x, 24, 5));
  x = maxPool(c, convBnRelu(c, x, 32, 5));
  x = convBnRelu(c, x, 32, 3);
  x = maxPool(c, x);
  const flat = tf.layers.flatten({ name: nm(c, 'flatten') }).apply(x) as tf.SymbolicTensor;
  const f = dropout(c, dense(c, flat, 32, 'relu'));
  return tf.model({ inputs: [beat, rr], outputs: head(c, f, rr, nClasses), name: 'cnn' });
}
