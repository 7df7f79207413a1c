// `ecg-edge export --results`: the int8 fidelity table names each model folder and never rounds a miss into a pass.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeResults } from '../src/app/commands/export.js';

function fid(dir: string, arch: string, agreement: number, drop: number) {
  fs.mkdirSync(dir, { recursive: true });
  const f = { model: dir, file: path.join(dir, 'model.ecgm'), arch, protocol: 'inter-patient', beats: 49712, agreement, macro_f1_float: 0.4, macro_f1_int8: 0.4 - drop, macro_f1_drop: drop,
    veb_f1_float: 0.9, veb_f1_int8: 0.9, sveb_f1_float: 0.2, sveb_f1_int8: 0.2, bytes: 100, arena_bytes: 200, date: '2026-11-25' };
  fs.writeFileSync(path.join(dir, 'model.ecgm.fidelity.json'), JSON.stringify(f));
}

describe('export --results', () => {
  it('shows three decimals, the folder name with its architecture, and whether both targets are met', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-edge-fid-'));
    fid(path.join(root, 'inter-patient', 'cnn-lstm'), 'cnn-lstm', 0.99497, -0.0009);
    fid(path.join(root, 'inter-patient', 'cnn-lstm-focal'), 'cnn-lstm', 0.99503, 0.001);
    fid(path.join(root, 'inter-patient', 'resnet'), 'resnet', 0.996, 0.006);
    const md = await writeResults(root);
    const row = (name: string) => md.split('\n').find((l) => l.startsWith(`| inter-patient | ${name} `))!;
    expect(row('cnn-lstm')).toContain('| 99.497 | **no** |');
    expect(row('cnn-lstm-focal (cnn-lstm)')).toContain('| 99.503 | yes |');
    expect(row('resnet')).toContain('| 99.600 | **no** |'); // agreement met, macro F1 drop 0.006 > 0.005
    fs.rmSync(root, { recursive: true, force: true });
  });
});
