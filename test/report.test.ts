import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initEngine } from '../src/train/engine.js';
import { archByName } from '../src/train/models/index.js';
import { defaultInputSpec, makeSpec } from '../src/train/spec.js';
import { saveModel } from '../src/train/io.js';
import { writeManifest } from '../src/train/ensemble/index.js';
import { writeSection, discoverModels, modelInfo, buildReport } from '../src/train/report/index.js';

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(tmpdir(), prefix));
}

async function tinyModel(root: string, name: string, extra: { gan?: boolean; loss?: string; seed: number; score: number }): Promise<string> {
  const input = defaultInputSpec(360);
  const model = archByName('cnn').build(input, { seed: extra.seed, width: 0.25 });
  const dir = path.join(root, 'inter-patient', name);
  await saveModel(model, dir, makeSpec('cnn', input, { protocol: 'inter-patient', seed: extra.seed, loss: extra.loss ?? 'ce', gan: extra.gan ?? false }));
  fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({ kind: 'ecg-edge-train-metrics', arch: 'cnn', protocol: 'inter-patient', loss: extra.loss ?? 'ce', gan: extra.gan ?? false, validation: { score: extra.score } }));
  model.dispose();
  return dir;
}

describe('RESULTS.md sections', () => {
  it('creates, replaces and preserves sections', () => {
    const f = path.join(tmp('res-'), 'RESULTS.md');
    writeSection(f, 'training-report', 'first');
    let t = fs.readFileSync(f, 'utf8');
    expect(t).toContain('<!-- BEGIN training-report -->\nfirst\n<!-- END training-report -->');
    fs.appendFileSync(f, '\n<!-- BEGIN other -->\nkeep me\n<!-- END other -->\n');
    writeSection(f, 'training-report', 'second');
    t = fs.readFileSync(f, 'utf8');
    expect(t).toContain('second');
    expect(t).not.toContain('first');
    expect(t).toContain('keep me');
    expect(t.match(/BEGIN training-report/g)).toHaveLength(1);
    fs.writeFileSync(f, '<!-- BEGIN training-report -->\nno end\n');
    expect(() => writeSection(f, 'training-report', 'x')).toThrow(/unbalanced/);
  });

  it('discovers model folders and ensemble manifests', async () => {
    await initEngine('wasm', { quiet: true });
    const root = tmp('models-');
    const a = await tinyModel(root, 'cnn', { seed: 1, score: 0.5 });
    const b = await tinyModel(root, 'cnn-gan', { seed: 2, score: 0.6, gan: true });
    writeManifest(path.join(root, 'inter-patient', 'ensemble.json'), { format: 'ecg-edge-ensemble', version: 1, protocol: 'inter-patient', method: 'top2-weighted', classes: ['N', 'S', 'V', 'F', 'Q'], members: [{ model: 'cnn', weight: 0.5 }, { model: 'cnn-gan', weight: 0.6 }] });
    fs.mkdirSync(path.join(root, 'inter-patient', 'not-a-model'));
    const d = discoverModels(root, 'inter-patient');
    expect(d.models).toEqual([a, b]);
    expect(d.ensembles).toEqual([path.join(root, 'inter-patient', 'ensemble.json')]);
    expect(discoverModels(root, 'intra-patient')).toEqual({ models: [], ensembles: [] });
    const info = modelInfo(b);
    expect(info).toMatchObject({ name: 'cnn-gan', arch: 'cnn', loss: 'ce', gan: true, valScore: 0.6 });
  });
});

describe.skipIf(!process.env.ECG_EDGE_DATA)('ecg-edge report on DS2 (needs ECG_EDGE_DATA)', () => {
  beforeAll(async () => {
    await initEngine('wasm', { quiet: true });
  });

  it('scores models and ensembles, writes figures and the ablation rows', async () => {
    const root = tmp('models-');
    await tinyModel(root, 'cnn', { seed: 1, score: 0.5 });
    await tinyModel(root, 'cnn-gan', { seed: 2, score: 0.6, gan: true });
    writeManifest(path.join(root, 'inter-patient', 'ensemble.json'), { format: 'ecg-edge-ensemble', version: 1, protocol: 'inter-patient', method: 'top2-weighted', classes: ['N', 'S', 'V', 'F', 'Q'], members: [{ model: 'cnn', weight: 0.5 }, { model: 'cnn-gan', weight: 0.6 }] });
    const figs = tmp('figs-');
    const { markdown, results } = await buildReport({ protocols: ['inter-patient'], db: path.join(process.env.ECG_EDGE_DATA!, 'mitdb'), modelsRoot: root, figuresDir: figs, command: 'test' });
    const rs = results['inter-patient']!;
    expect(rs.map((r) => r.info.name)).toEqual(['cnn', 'cnn-gan', 'ensemble', 'ensemble (average)', 'ensemble (weighted-average)']);
    for (const r of rs) {
      // DS2 has 49,668 labelled AAMI beats; every beat scored.
      expect(r.metrics.n).toBe(rs[0]!.metrics.n);
      expect(r.metrics.n).toBeGreaterThan(49000);
      // Our accuracy agrees with the EC57 evaluator's on the same predictions.
      expect(r.metrics.accuracy!).toBeCloseTo(r.ec57.accuracy!, 10);
      for (const a of r.auc) if (a !== null) { expect(a).toBeGreaterThanOrEqual(0); expect(a).toBeLessThanOrEqual(1); }
      expect(fs.readFileSync(path.join(figs, r.figures.confusion!), 'utf8')).toMatch(/^<svg/);
      expect(fs.readFileSync(path.join(figs, r.figures.roc!), 'utf8')).toContain('<polyline');
    }
    expect(fs.readFileSync(path.join(figs, rs[0]!.figures.gradcam!), 'utf8')).toContain('Grad-CAM');
    expect(markdown).toContain('| cnn, ce | cnn / cnn-gan |');
    expect(markdown).toContain('Top-2-weighted vs probability averaging');
    expect(markdown).toContain("| ensemble.json (cnn, cnn-gan) | top2-weighted |");
  });
});
