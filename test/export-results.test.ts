// `ecg-edge export --results`: the int8 fidelity table names each model folder and never rounds a miss into a pass.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeResults } from '../src/app/commands/export.js';

function fid(dir: string, arch: string, agreement: number, drop: number, extra: Record<string, unknown> = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const f = { model: dir, file: path.join(dir, 'model.ecgm'), arch, protocol: 'inter-patient', beats: 49712, agreement, macro_f1_float: 0.4, macro_f1_int8: 0.4 - drop, macro_f1_drop: drop,
    veb_f1_float: 0.9, veb_f1_int8: 0.9, sveb_f1_float: 0.2, sveb_f1_int8: 0.2, bytes: 100, arena_bytes: 200, date: '2026-11-25', ...extra };
  fs.writeFileSync(path.join(dir, 'model.ecgm.fidelity.json'), JSON.stringify(f));
}

describe('export --results', () => {
  it('shows three decimals, the folder name with its architecture, and whether both targets are met', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-edge-fid-'));
    fid(path.join(root, 'inter-patient', 'cnn-lstm'), 'cnn-lstm', 0.99497, -0.0009);
    fid(path.join(root, 'inter-patient', 'cnn-lstm-focal'), 'cnn-lstm', 0.99503, 0.001);
    fid(path.join(root, 'inter-patient', 'resnet'), 'resnet', 0.996, 0.006);
    fid(path.join(root, 'inter-patient', 'cnn'), 'cnn', 0.9971, 0, { int16: ['relu_1', 'relu_2'], int16_training_agreement: 0.99905 });
    fid(path.join(root, 'intra-patient', 'cnn'), 'cnn', 0.9993, 0, { protocol: 'intra-patient', int16: [], int16_training_agreement: 0.9995 });
    const md = await writeResults(root);
    const row = (name: string) => md.split('\n').find((l) => l.startsWith(`| inter-patient | ${name} `))!;
    expect(row('cnn-lstm')).toContain('| 99.497 | **no** |');
    expect(row('cnn-lstm-focal (cnn-lstm)')).toContain('| 99.503 | yes |');
    expect(row('resnet')).toContain('| 99.600 | **no** |'); // agreement met, macro F1 drop 0.006 > 0.005
    expect(row('resnet').endsWith('| 2026-11-25 | - | - |')).toBe(true); // a 2.1-era record: no 16-bit choice recorded
    expect(row('cnn').endsWith('| relu_1, relu_2 | 99.905 |')).toBe(true); // the 16-bit activations and the training-beat agreement that chose them
    expect(md.split('\n').find((l) => l.startsWith('| intra-patient | cnn '))!.endsWith('| none | 99.950 |')).toBe(true);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
