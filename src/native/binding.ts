// Loads the compiled addon: a prebuilt binary for this platform first, then the local build (node-gyp-build).
// Every failure is reported at once with its cause and the remedy.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
/** Package root: src/native/ and dist/native/ are both two levels below it. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// The addon's raw exports; each module of src/ narrows the part it uses.
export type NativeAddon = { version: string } & Record<string, unknown>;

let cached: NativeAddon | undefined;

export function loadNative(): NativeAddon {
  if (cached) return cached;
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
    cached = nodeGypBuild(packageRoot);
    return cached;
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new Error(
      `ecg-edge: the native addon could not be loaded.\n` +
        `  cause: ${cause}\n` +
        `  remedies: (1) run \`npm install\` in ${packageRoot} to build it (needs python3, make and a C++17 compiler);\n` +
        `            (2) or run \`npm run build:native\` to rebuild it after changing native/;\n` +
        `            (3) prebuilt binaries ship for linux-x64 and linux-arm64 under prebuilds/.`,
    );
  }
}
