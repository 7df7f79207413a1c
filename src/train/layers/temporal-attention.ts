// Additive (Bahdanau-style) attention pooling over time, registered as 'TemporalAttention'.
//   score_t = v · tanh(W h_t + b),  α = softmax_t(score),  output = Σ_t α_t h_t
// Input [B, T, H] (e.g. an LSTM with returnSequences), output [B, H].
// Weights (the int8 exporter reads them in this order and layout): W [H, U], b [U], v [U].
import * as tf from '@tensorflow/tfjs';

export interface TemporalAttentionArgs {
  units: number;
  seed?: number;
  name?: string;
  trainable?: boolean;
  dtype?: string;
}

export class TemporalAttention extends tf.layers.Layer {
  static className = 'TemporalAttention';
  readonly units: number;
  readonly seed: number | undefined;
  private W?: tf.LayerVariable;
  private b?: tf.LayerVariable;
  private v?: tf.LayerVariable;

  constructor(args: TemporalAttentionArgs) {
    super(args as never);
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`TemporalAttention: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (s.length !== 3 || s[2] == null) throw new Error(`TemporalAttention: expects input [batch, time, features], got [${s.join(', ')}]`);
    const h = s[2];
    this.W = this.addWeight('W', [h, this.units], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    this.b = this.addWeight('b', [this.units], 'float32', tf.initializers.zeros());
    this.v = this.addWeight('v', [this.units], 'float32', tf.initializers.glorotUniform({ seed: this.seed === undefined ? undefined : this.seed + 1 }));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0], s[2]];
  }

  /** The attention weights α [B, T] for a batch of sequences (used by Grad-CAM style reports). */
  attentionWeights(h: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const [bsz, t, hd] = h.shape;
      const e = tf.tanh(tf.add(tf.matMul(tf.reshape(h, [bsz * t, hd]), this.W!.read() as tf.Tensor2D), this.b!.read()));
      const score = tf.reshape(tf.matMul(e, tf.reshape(this.v!.read(), [this.units, 1])), [bsz, t]);
      return tf.softmax(score) as tf.Tensor2D;
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const h = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const alpha = this.attentionWeights(h);
      return tf.sum(tf.mul(h, tf.expandDims(alpha, 2)), 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const cfg: tf.serialization.ConfigDict = { units: this.units };
    if (this.seed !== undefined) cfg.seed = this.seed;
    return { ...super.getConfig(), ...cfg };
  }
}

tf.serialization.registerClass(TemporalAttention);

export function temporalAttention(args: TemporalAttentionArgs): TemporalAttention {
  return new TemporalAttention(args);
}
