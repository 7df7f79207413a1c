// The command tables list each command by name and summary and import its module only when it runs.
// This checks that every entry agrees with its module, and that `--help` does not load TensorFlow.js.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { COMMANDS } from '../src/app/commands/index.js';
import { EVAL_SUBCOMMANDS } from '../src/app/commands/eval.js';
import type { CommandSpec } from '../src/app/args.js';

type Lazy = CommandSpec & { load?: () => Promise<CommandSpec> };

describe('lazy command tables', () => {
  for (const [table, entries] of [['top level', COMMANDS], ['eval', EVAL_SUBCOMMANDS]] as const) {
    it(`${table}: each entry's name and summary equal its module's`, async () => {
      for (const entry of entries as Lazy[]) {
        expect(entry.load, `${entry.name} has a loader`).toBeTypeOf('function');
        const real = await entry.load!();
        expect(real.name).toBe(entry.name);
        expect(real.summary).toBe(entry.summary);
        expect(real.help.length).toBeGreaterThan(20);
      }
    });
  }

  it('`ecg-edge --help` lists every command without loading TensorFlow.js', () => {
    // A resolve hook makes any import of @tensorflow fail loudly in the child process.
    const hook = `data:text/javascript,${encodeURIComponent(
      'export async function resolve(s, c, n) { if (s.includes("@tensorflow")) throw new Error("TFJS_IMPORTED " + s); return n(s, c); }',
    )}`;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(hook)});
      const { main } = await import('./dist/app/cli.js');
      const code = await main(['--help']);
      const evalCode = await main(['eval', '--help']);
      console.log(JSON.stringify({ code, evalCode }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/TFJS_IMPORTED/);
    expect(r.status, r.stderr).toBe(0);
    for (const c of [...COMMANDS, ...EVAL_SUBCOMMANDS]) expect(r.stdout).toContain(c.summary);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ code: 0, evalCode: 0 });
  });

  it('`eval classify --pipeline native` and the monitor load no TensorFlow.js (a Pi that only classifies)', () => {
    const hook = `data:text/javascript,${encodeURIComponent(
      'export async function resolve(s, c, n) { if (s.includes("@tensorflow")) throw new Error("TFJS_IMPORTED " + s); return n(s, c); }',
    )}`;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(hook)});
      await import('./dist/app/commands/eval-classify.js');
      await import('./dist/nn/evaluate.js');
      await import('./dist/app/commands/monitor.js');
      await import('./dist/app/commands/demo.js');
      console.log('imported');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/TFJS_IMPORTED/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('imported');
  });
});
