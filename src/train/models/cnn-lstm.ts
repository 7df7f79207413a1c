// CNN-LSTM: two conv blocks (×4 downsampling) feed an LSTM whose last state summarizes the beat; joined with
// the RR features, dense head.
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../spec.js';
import { ctx, inputs, convBnRelu, maxPool, lstm, head, type BuildOptions } from './common.js';

export function buildCnnLstm(spec: InputSpec, opts: BuildOptions = {}, nClasses = 5): tf.LayersModel {
  const c = ctx(opts);
  const { beat, rr } = inputs(spec);
  let x = maxPool(c, convBnRelu(c, beat, 16, 7));
  x = maxPool(c, convBnRelu(c, x, 32, 5));
  const h = lstm(c, x, 32, false);
  return tf.model({ inputs: [beat, rr], outputs: head(c, h, rr, nClasses), name: 'cnn_lstm' });
}
