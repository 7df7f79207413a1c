import { describe, it, expect, vi } from 'vitest';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/app/cli.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const lo = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const le = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    lo.mockRestore();
    le.mockRestore();
  }
}

describe('gan / ensemble / report commands: usage errors', () => {
  it('gan needs a subcommand and a protocol', async () => {
    let r = await run(['gan']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/a subcommand is required: train or evaluate/);
    r = await run(['gan', 'fly']);
    expect(r.err).toMatch(/unknown subcommand 'fly'/);
    r = await run(['gan', 'train']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--protocol is required/);
    r = await run(['gan', 'train', '--protocol', 'cross-patient']);
    expect(r.err).toMatch(/unknown protocol 'cross-patient'/);
    r = await run(['gan', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ecg-edge gan train/);
  });

  it('ensemble build explains missing members and scores', async () => {
    const cwd = process.cwd();
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'ens-cli-'));
    process.chdir(dir);
    try {
      let r = await run(['ensemble', 'build', '--protocol', 'inter-patient']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/no model folders under models\/inter-patient/);
      fs.mkdirSync('m1');
      r = await run(['ensemble', 'build', '--protocol', 'inter-patient', '--members', 'm1']);
      expect(r.err).toMatch(/has no metrics.json/);
      fs.writeFileSync('m1/metrics.json', JSON.stringify({ protocol: 'intra-patient', validation: { score: 0.5 } }));
      r = await run(['ensemble', 'build', '--protocol', 'inter-patient', '--members', 'm1']);
      expect(r.err).toMatch(/trained under intra-patient/);
      fs.writeFileSync('m1/metrics.json', JSON.stringify({ protocol: 'inter-patient', arch: 'cnn', validation: { score: 0.5 } }));
      r = await run(['ensemble', 'build', '--protocol', 'inter-patient', '--members', 'm1', '--method', 'average', '--out', 'e.json']);
      expect(r.code).toBe(0);
      const m = JSON.parse(fs.readFileSync('e.json', 'utf8'));
      expect(m).toMatchObject({ format: 'ecg-edge-ensemble', method: 'average', members: [{ model: 'm1', weight: 0.5 }] });
      // --pick best-per-arch keeps, per architecture, the member with the best validation score
      const member = (name: string, arch: string, score: number) => {
        fs.mkdirSync(name);
        fs.writeFileSync(`${name}/metrics.json`, JSON.stringify({ protocol: 'inter-patient', arch, validation: { score } }));
      };
      member('m2', 'cnn', 0.7);
      member('m3', 'resnet', 0.6);
      member('m4', 'resnet', 0.6);
      r = await run(['ensemble', 'build', '--protocol', 'inter-patient', '--members', 'm1,m2,m3,m4', '--pick', 'best-per-arch', '--out', 'b.json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(fs.readFileSync('b.json', 'utf8')).members.map((x: { model: string }) => x.model)).toEqual(['m2', 'm3']);
      r = await run(['ensemble', 'build', '--protocol', 'inter-patient', '--members', 'm1', '--pick', 'best']);
      expect(r.err).toMatch(/unknown --pick 'best': choose all, best-per-arch or held-out/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('report validates its options', async () => {
    let r = await run(['report', '--protocol', 'both']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown protocol 'both'.*or 'all'/);
    r = await run(['report', '--models', 'a,b']);
    expect(r.err).toMatch(/--models needs a single --protocol/);
    r = await run(['report', '--protocol', 'inter-patient', '--models', '/nonexistent/model']);
    expect(r.err).toMatch(/does not exist/);
  });
});
