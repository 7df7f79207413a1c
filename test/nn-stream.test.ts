// Streaming classification (samples → filter → R peak → window + RR → int8 → label) against the batch path
// (detector positions → dataset windows and RR features → int8) on fixture records: same beats, same RR
// features, same labels and probabilities; independent of block sizes; latency within the stated bound.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readRecord, fixturesDir } from '../src/wfdb/index.js';
import { detect } from '../src/pipeline/index.js';
import { pickChannel } from '../src/train/dataset/records.js';
import { Int8Classifier } from '../src/nn/index.js';
import { asInputSpec, recordInputs } from '../src/nn/evaluate.js';
import { StreamClassifier } from '../src/nn/stream.js';
import { tinyModelBytes, runStream } from './nn-model-fixture.js';


describe('StreamClassifier (native beat stream)', () => {
  for (const rec of ['119', '208']) {
    it(`record ${rec}: streaming equals the batch path beat for beat, for any block size`, async () => {
      const clf = Int8Classifier.load(tinyModelBytes(7));
      const rp = path.join(fixturesDir(), rec);
      const r = readRecord(rp);
      const ch = pickChannel(r.header);
      const x = r.signals[ch]!;
      const { beats, bound } = runStream(clf, x, () => 360);
      // batch reference
      const pos = Int32Array.from(detect(r, { channel: ch }).map((p) => p.sample));
      const rb = await recordInputs(rp, asInputSpec(clf), pos); // the model's own (2.0) spec: 4 RR features, 1 channel
      const batch = clf.classifyBatch(rb.beats, rb.rr);
      expect(beats.length).toBe(pos.length);
      let rrSame = 0, labelSame = 0, probSame = 0;
      for (let i = 0; i < pos.length; i++) {
        expect(beats[i]!.sample).toBe(pos[i]);
        rrSame += +beats[i]!.rr.every((v, k) => v === rb.rr[i * 4 + k]);
        labelSame += +(beats[i]!.label === batch.labels[i]);
        probSame += +beats[i]!.probs.every((v, c) => v === batch.probs[i * 5 + c]);
      }
      // The last beat may differ (batch: post-RR = pre-RR; stream: already final when no beat follows in time).
      expect(rrSame).toBeGreaterThanOrEqual(pos.length - 1);
      expect(labelSame).toBeGreaterThanOrEqual(pos.length - 1);
      expect(probSame).toBeGreaterThanOrEqual(pos.length - 1);
      const lat = beats.slice(0, -1).map((b) => b.latency).sort((a, b) => a - b);
      const med = lat[lat.length >> 1]!, max = lat[lat.length - 1]!;
      console.log(`record ${rec}: ${beats.length} beats, R-peak-to-label latency median ${(med / 360).toFixed(3)} s, max ${(max / 360).toFixed(3)} s (bound ${(bound / 360).toFixed(3)} s)`);
      expect(max).toBeLessThanOrEqual(bound);
      // Re-blocking: random block sizes give the identical sequence of labelled beats.
      let seed = 11;
      const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 5000) + 1;
      const again = runStream(clf, x.subarray(0, 100000), rnd).beats;
      const ref = runStream(clf, x.subarray(0, 100000), () => 100000).beats;
      expect(again.map((b) => [b.sample, b.label, ...b.probs])).toEqual(ref.map((b) => [b.sample, b.label, ...b.probs]));
    });
  }

  it('rejects calls after close', () => {
    const s = new StreamClassifier(Int8Classifier.load(tinyModelBytes()));
    s.close();
    expect(() => s.push(new Int16Array(10))).toThrow(/after close/);
  });
});
