// The tfjs-free int8 API: loading (and rejecting) model files through the addon, batch classification on
// both kernel paths, argument errors, a fuzz test over mutated files, and proof that classifying never loads
// TensorFlow.js.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Int8Classifier } from '../src/nn/index.js';
import { packageRoot } from '../src/native/binding.js';
import { tinyModelBytes } from './nn-model-fixture.js';

function reseal(b: Uint8Array): Uint8Array {
  const out = Uint8Array.from(b);
  out.set(createHash('sha256').update(out.subarray(0, out.length - 32)).digest(), out.length - 32);
  return out;
}

function randomInputs(n: number, seed: number) {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 2 ** 32);
  const beats = Float32Array.from({ length: n * 128 }, (_, i) => Math.sin(i / 7) * 2 + (r() - 0.5));
  const rr = Float32Array.from({ length: n * 4 }, () => 0.6 + r());
  return { beats, rr };
}

describe('Int8Classifier', () => {
  it('loads a model file and reports its spec, classes and arena', () => {
    const clf = Int8Classifier.load(tinyModelBytes());
    expect(clf.classes).toEqual(['N', 'S', 'V', 'F', 'Q']);
    expect(clf.spec.length).toBe(128);
    expect(clf.spec.beforeSamples).toBe(96);
    expect(clf.spec.rr.features).toEqual(['pre/recordAvg', 'post/recordAvg', 'pre/localAvg', 'post/localAvg']);
    expect(clf.arch).toBe('tiny-test');
    expect(clf.arenaBytes).toBe(clf.memory.persistent + clf.memory.activations + clf.memory.scratch);
    expect(clf.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('classifies a batch identically on the reference and optimized paths, probabilities summing to 1', () => {
    const clf = Int8Classifier.load(tinyModelBytes());
    const { beats, rr } = randomInputs(300, 5);
    const a = clf.classifyBatch(beats, rr);
    const b = clf.classifyBatch(beats, rr, { path: 'reference' });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.probs)).toEqual(Array.from(b.probs));
    for (let i = 0; i < a.n; i++) {
      let s = 0;
      for (let c = 0; c < 5; c++) s += a.probs[i * 5 + c]!;
      expect(s).toBeGreaterThan(0.99);
      expect(s).toBeLessThan(1.01);
    }
    const one = clf.classify(beats.subarray(0, 128), rr.subarray(0, 4));
    expect(one.label).toBe(a.labels[0]);
    expect(one.className).toBe(clf.classes[a.labels[0]!]);
    expect(new Set(a.labels).size).toBeGreaterThan(0);
  });

  it('rejects bad files with a message naming the problem', () => {
    const good = tinyModelBytes();
    const bad = (b: Uint8Array) => () => Int8Classifier.load(b);
    expect(bad(good.subarray(0, 50))).toThrow(/truncated/);
    expect(bad(good.subarray(0, good.length - 1))).toThrow(/truncated/);
    const magic = Uint8Array.from(good); magic[0] = 0x58;
    expect(bad(magic)).toThrow(/wrong magic/);
    const ver = Uint8Array.from(good); ver[4] = 9;
    expect(bad(reseal(ver))).toThrow(/version 9\.0/);
    const flip = Uint8Array.from(good); flip[200] ^= 1;
    expect(bad(flip)).toThrow(/SHA-256/);
    expect(() => Int8Classifier.load('/nonexistent/model.ecgm')).toThrow(/does not exist/);
    expect(() => Int8Classifier.load(42 as never)).toThrow(TypeError);
  });

  it('checks arguments: types, lengths, path, closed', () => {
    const clf = Int8Classifier.load(tinyModelBytes());
    const { beats, rr } = randomInputs(2, 1);
    expect(() => clf.classifyBatch([1, 2] as never, rr)).toThrow(/Float32Array/);
    expect(() => clf.classifyBatch(beats.subarray(0, 100), rr)).toThrow(RangeError);
    expect(() => clf.classifyBatch(beats, rr.subarray(0, 3))).toThrow(/expected 2 × 4/);
    expect(() => clf.classifyBatch(beats, rr, { path: 'fast' as never })).toThrow(/optimized/);
    clf.close();
    expect(() => clf.classifyBatch(beats, rr)).toThrow(/after close/);
  });

  it('fuzz: mutated model files never crash the process (load fails with a message or the model runs)', () => {
    // seeds: a 2.0 file and a 2.2 file with 16-bit activations (int16 conv output, max pooling and pooled mean)
    const wide = tinyModelBytes(3, 128, true);
    expect(wide[6]).toBe(2);
    const w = Int8Classifier.load(wide);
    const ref = w.classifyBatch(randomInputs(3, 2).beats, randomInputs(3, 2).rr, { path: 'reference' });
    expect(Array.from(w.classifyBatch(randomInputs(3, 2).beats, randomInputs(3, 2).rr).probs)).toEqual(Array.from(ref.probs));
    w.close();
    for (const good of [tinyModelBytes(3), wide]) {
      let s = 99;
      const r = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
      const { beats, rr } = randomInputs(3, 2);
      let loaded = 0, rejected = 0;
      for (let iter = 0; iter < 1500; iter++) {
        let f = Uint8Array.from(good);
        for (let k = 0, n = 1 + r(5); k < n; k++) f[r(f.length)] = r(256);
        if (iter % 10 === 9) f = f.subarray(0, r(f.length));
        if (iter % 4 !== 0 && f.length > 32) f = reseal(f);
        try {
          const clf = Int8Classifier.load(f);
          const out = clf.classifyBatch(beats, rr);
          expect(out.labels.every((l) => l >= 0 && l < clf.nClasses)).toBe(true);
          loaded++;
        } catch (e) {
          expect((e as Error).message).toMatch(/cannot load int8 model/);
          rejected++;
        }
      }
      expect(rejected).toBeGreaterThan(300);
      expect(loaded).toBeGreaterThan(5);
    }
  });

  it('classifying never loads TensorFlow.js (a process that only classifies)', () => {
    const dist = path.join(packageRoot, 'dist', 'nn', 'index.js');
    expect(fs.existsSync(dist), `${dist} is missing: build first (npx tsc)`).toBe(true);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-nn-'));
    const file = path.join(tmp, 'tiny.ecgm');
    fs.writeFileSync(file, tinyModelBytes());
    const hook = `data:text/javascript,${encodeURIComponent(
      'export async function resolve(s, c, n) { if (s.includes("@tensorflow")) throw new Error("TFJS_IMPORTED " + s); return n(s, c); }',
    )}`;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(hook)});
      const { Int8Classifier } = await import(${JSON.stringify(dist)});
      const clf = Int8Classifier.load(${JSON.stringify(file)});
      const r = clf.classifyBatch(new Float32Array(128), Float32Array.from([1, 1, 1, 1]));
      const { createRequire } = await import('node:module');
      const req = createRequire(import.meta.url);
      const cjs = Object.keys(req.cache).filter((k) => k.includes('@tensorflow'));
      console.log(JSON.stringify({ label: r.labels[0], cjs }));
    `;
    const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: packageRoot });
    expect(p.stderr).not.toMatch(/TFJS_IMPORTED/);
    expect(p.status, p.stderr).toBe(0);
    const out = JSON.parse(p.stdout.trim().split('\n').pop()!);
    expect(out.cjs).toEqual([]);
    expect(out.label).toBeGreaterThanOrEqual(0);
  });
});
