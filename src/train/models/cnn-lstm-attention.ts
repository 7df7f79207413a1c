// CNN-LSTM-Attention: as CNN-LSTM, but the LSTM returns its whole sequence and additive temporal attention
// pools it (score_t = v·tanh(W h_t + b)); joined with the RR features, dense head.
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../spec.js';
import { TemporalAttention } from '../layers/temporal-attention.js';
import { ctx, inputs, convBnRelu, maxPool, lstm, head, nm, type BuildOptions } from './common.js';

export function buildCnnLstmAttention(spec: InputSpec, opts: BuildOptions = {}, nClasses = 5): tf.LayersModel {
  const c = ctx(opts);
  const { beat, rr } = inputs(spec);
  let x = maxPool(c, convBnRelu(c, beat, 16, 7));
  x = maxPool(c, convBnRelu(c, x, 32, 5));
  const seq = lstm(c, x, 32, true);
  const att = new TemporalAttention({ units: 16, seed: c.seed(), name: nm(c, 'attention') }).apply(seq) as tf.SymbolicTensor;
  return tf.model({ inputs: [beat, rr], outputs: head(c, att, rr, nClasses), name: 'cnn_lstm_attention' });
}
