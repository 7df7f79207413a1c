// Exponential moving average of a model's weights (Polyak averaging), for `train --ema <decay>`.
//
// After every batch: avg ← d·avg + (1 − d)·w, with the warm-up d = min(decay, (1 + n)/(10 + n)) after n updates
// (as TensorFlow's ExponentialMovingAverage with num_updates), so the first batches do not keep the random
// initialization. Every weight is averaged, the batch-norm moving statistics too. The averaged weights are swapped
// into the model for validation and saving, and written to the checkpoint so a resumed run continues exactly.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { writeAtomic } from './io.js';

const FILE = 'ema.bin';

export class WeightAverage {
  private constructor(
    private readonly model: tf.LayersModel,
    private readonly decay: number,
    private readonly avg: tf.Variable[],
    private readonly file: string,
    private steps: number,
  ) {}

  /** Starts from the model's current weights, or, when resuming (steps > 0), from the checkpoint's averages. */
  static async open(model: tf.LayersModel, decay: number, checkpointDir: string, steps: number): Promise<WeightAverage> {
    if (!(decay > 0 && decay < 1)) throw new Error(`the weight-average decay must be in (0, 1), got ${decay}`);
    const file = path.join(checkpointDir, FILE);
    const current = model.weights.map((w) => w.read());
    let init: tf.Tensor[];
    if (steps > 0) {
      if (!fs.existsSync(file)) throw new Error(`${file} is missing: the checkpoint in ${checkpointDir} was written without --ema; delete ${checkpointDir} to start over`);
      const buf = fs.readFileSync(file);
      const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const total = current.reduce((s, t) => s + t.size, 0);
      if (all.length !== total) throw new Error(`${file} holds ${all.length} values but the model has ${total}; delete ${checkpointDir} to start over`);
      let o = 0;
      init = current.map((t) => {
        const v = tf.tensor(all.subarray(o, o + t.size), t.shape, 'float32');
        o += t.size;
        return v;
      });
    } else init = current.map((t) => t.clone());
    const avg = init.map((t) => {
      const v = tf.variable(t, false);
      t.dispose();
      return v;
    });
    return new WeightAverage(model, decay, avg, file, steps);
  }

  /** One update after an optimizer step. */
  update(): void {
    const d = Math.min(this.decay, (1 + this.steps) / (10 + this.steps));
    const ws = this.model.weights;
    tf.tidy(() => {
      this.avg.forEach((a, i) => a.assign(a.mul(d).add(ws[i]!.read().mul(1 - d))));
    });
    this.steps++;
  }

  /** Puts the averaged weights into the model; the returned function puts the trained weights back. */
  swapIn(): () => void {
    const backup = this.model.weights.map((w) => w.read().clone());
    this.model.setWeights(this.avg);
    return () => {
      this.model.setWeights(backup);
      backup.forEach((t) => t.dispose());
    };
  }

  /** Writes the averages to the checkpoint folder; returns the update count to keep in the checkpoint state. */
  save(): number {
    const parts = this.avg.map((a) => a.dataSync() as Float32Array);
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    writeAtomic(this.file, new Uint8Array(all.buffer));
    return this.steps;
  }
}
