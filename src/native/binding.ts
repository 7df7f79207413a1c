// Loads the compiled addon: a prebuilt binary for this platform first (prebuilds/<platform>-<arch>/, as
// prebuildify names them), then the local build through node-gyp-build. A local build that is newer than the
// prebuilt binary wins, so that `npm run build:native` after editing native/ is never shadowed by an old
// prebuild. Every failure is reported at once with its cause and the remedy.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
/** Package root: src/native/ and dist/native/ are both two levels below it. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The prebuilt binary for this platform and architecture, if one ships. */
export function prebuiltPath(root = packageRoot): string | null {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (!fs.existsSync(dir)) return null;
  const f = fs.readdirSync(dir).filter((n) => n.endsWith('.node')).sort()[0];
  return f ? path.join(dir, f) : null;
}

/** Whether the prebuilt binary is tried first: it exists and no newer local build (build/Release) does. */
export function preferPrebuilt(root = packageRoot): string | null {
  const pre = prebuiltPath(root);
  return pre && mtime(pre) >= mtime(path.join(root, 'build', 'Release', 'ecg_edge.node')) ? pre : null;
}

function mtime(f: string): number {
  try {
    return fs.statSync(f).mtimeMs;
  } catch {
    return -1;
  }
}

// The addon's raw exports; each module of src/ narrows the part it uses.
export type NativeAddon = { version: string } & Record<string, unknown>;

let cached: NativeAddon | undefined;

export function loadNative(): NativeAddon {
  if (cached) return cached;
  const pre = preferPrebuilt();
  if (pre) {
    try {
      cached = require(pre) as NativeAddon;
      return cached;
    } catch {
      // not loadable here (another libc or Node-API level): fall back to the local build
    }
  }
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
