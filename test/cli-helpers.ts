// Runs the compiled CLI (node bin/ecg-edge.js; `npm test` compiles it first with tsc).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  if (!existsSync(path.join(root, 'dist', 'app', 'cli.js'))) {
    throw new Error('dist/app/cli.js is missing: run `npx tsc -p tsconfig.json` (npm test does) before the CLI tests');
  }
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin', 'ecg-edge.js'), ...args], { cwd: root, env: e, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
