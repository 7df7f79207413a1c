// 'same' 1-D convolution computed as pad → k shifted slices → concat → matMul, registered as 'FramedConv1D'.
// The wasm backend has no Conv2DBackpropFilter kernel, so tf.layers.conv1d cannot train there; this layer uses
// only slice/concat/matMul, whose gradients every backend has. Stride 1, no dilation, no built-in activation.
//
// Weights (the int8 exporter reads them in this layout):
//   kernel [k·Cin, Cout]: row j·Cin + c multiplies input channel c at time offset (j − padLeft);
//   bias   [Cout] (when useBias).
// Padding follows TensorFlow 'same': padLeft = floor((k−1)/2), padRight = k−1−padLeft, zeros.
import * as tf from '@tensorflow/tfjs';

export interface FramedConv1DArgs {
  filters: number;
  kernelSize: number;
  useBias?: boolean;
  kernelInitializer?: string;
  seed?: number;
  name?: string;
  trainable?: boolean;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  dtype?: string;
}

export class FramedConv1D extends tf.layers.Layer {
  static className = 'FramedConv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly useBias: boolean;
  readonly seed: number | undefined;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: FramedConv1DArgs) {
    super(args as never);
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`FramedConv1D: filters must be a positive integer, got ${args.filters}`);
    if (!Number.isInteger(args.kernelSize) || args.kernelSize < 1) throw new Error(`FramedConv1D: kernelSize must be a positive integer, got ${args.kernelSize}`);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
  }

  get padLeft(): number {
    return Math.floor((this.kernelSize - 1) / 2);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const cin = shape[shape.length - 1];
    if (cin == null) throw new Error('FramedConv1D: the channel dimension of the input must be known');
    const fanIn = this.kernelSize * cin;
    this.kernel = this.addWeight(
      'kernel',
      [fanIn, this.filters],
      'float32',
      tf.initializers.heNormal({ seed: this.seed }),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0], s[1], this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [b, t, c] = x.shape;
      const k = this.kernelSize;
      let framed: tf.Tensor3D;
      if (k === 1) {
        framed = x;
      } else {
        const pl = this.padLeft;
        const padded = tf.pad(x, [[0, 0], [pl, k - 1 - pl], [0, 0]]);
        const slices: tf.Tensor3D[] = [];
        for (let j = 0; j < k; j++) slices.push(tf.slice(padded, [0, j, 0], [b, t, c]));
        framed = tf.concat(slices, 2);
      }
      let y = tf.matMul(tf.reshape(framed, [b * t, k * c]), this.kernel!.read() as tf.Tensor2D);
      if (this.bias) y = tf.add(y, this.bias.read());
      return tf.reshape(y, [b, t, this.filters]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const cfg: tf.serialization.ConfigDict = { filters: this.filters, kernelSize: this.kernelSize, useBias: this.useBias };
    if (this.seed !== undefined) cfg.seed = this.seed;
    return { ...super.getConfig(), ...cfg };
  }
}

tf.serialization.registerClass(FramedConv1D);

export function framedConv1d(args: FramedConv1DArgs): FramedConv1D {
  return new FramedConv1D(args);
}
