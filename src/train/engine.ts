// Chooses the TensorFlow.js engine for training and inference: `auto` takes @tensorflow/tfjs-node when it is
// installed and loads (it is optional and never a required dependency), then the wasm backend, then the pure-JS
// cpu backend. The choice and the reason are reported so every run states what it ran on.
import * as tf from '@tensorflow/tfjs';

import { ENGINE_CHOICES, type EngineChoice, type EngineName } from './engine-choices.js';
export { ENGINE_CHOICES, type EngineChoice, type EngineName };

export interface EngineInfo {
  engine: EngineName;
  /** Name of the active tfjs backend ('tensorflow', 'wasm' or 'cpu'). */
  backend: string;
  reason: string;
}

let active: EngineInfo | undefined;

async function tryNode(): Promise<string | null> {
  // A variable specifier keeps TypeScript and bundlers from resolving the optional package at build time.
  const spec = '@tensorflow/tfjs-node';
  try {
    await import(spec);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return /Cannot find (package|module)/.test(msg) ? `${spec} is not installed` : `${spec} failed to load (${msg})`;
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return `${spec} loaded but the 'tensorflow' backend did not initialize`;
    await tf.ready();
    return null;
  } catch (err) {
    return `${spec} backend failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function tryWasm(): Promise<string | null> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return 'the wasm backend did not initialize';
    await tf.ready();
    return null;
  } catch (err) {
    return `the wasm backend failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function tryCpu(): Promise<string | null> {
  if (!(await tf.setBackend('cpu'))) return 'the cpu backend did not initialize';
  await tf.ready();
  return null;
}

/**
 * Selects and initializes the engine. Explicit choices fail with a clear error when unavailable; `auto` falls
 * back node → wasm → cpu and says why. Calling it again with the same choice is a no-op.
 */
export async function initEngine(choice: EngineChoice = 'auto', opts: { quiet?: boolean } = {}): Promise<EngineInfo> {
  if (!ENGINE_CHOICES.includes(choice)) {
    throw new Error(`unknown engine '${choice}': choose one of ${ENGINE_CHOICES.join(', ')}`);
  }
  if (active && (choice === 'auto' || choice === active.engine)) return active;
  const tries: Record<EngineName, () => Promise<string | null>> = { node: tryNode, wasm: tryWasm, cpu: tryCpu };
  const order: EngineName[] = choice === 'auto' ? ['node', 'wasm', 'cpu'] : [choice];
  const failures: string[] = [];
  for (const e of order) {
    const why = await tries[e]();
    if (why === null) {
      const reason =
        choice === 'auto'
          ? failures.length
            ? `auto: ${failures.join('; ')}; using ${e}`
            : `auto: ${e} is available`
          : `requested with --engine ${e}`;
      active = { engine: e, backend: tf.getBackend(), reason };
      if (!opts.quiet) console.error(`engine: ${e} (${reason})`);
      return active;
    }
    failures.push(why);
  }
  const hint =
    choice === 'node'
      ? ' Install it with `npm install @tensorflow/tfjs-node` (optional; needs libtensorflow) or use --engine wasm.'
      : choice === 'auto'
        ? ''
        : ' Use --engine auto to fall back automatically.';
  throw new Error(`engine '${choice}' is not available: ${failures.join('; ')}.${hint}`);
}

export function activeEngine(): EngineInfo | undefined {
  return active;
}

/** Small seeded PRNG (mulberry32): the only randomness source of dataset splits, shuffles and sampling. */
import { rng, shuffleInPlace } from '../util/random.js';
export { rng, shuffleInPlace };

/** Derives independent integer seeds (for initializers, dropout) from one run seed. */
export function seedStream(seed: number): () => number {
  const r = rng(seed ^ 0x9e3779b9);
  return () => Math.floor(r() * 2 ** 31);
}

/**
 * Makes every unseeded random draw of this process deterministic (tfjs dropout, unseeded initializers) by
 * replacing Math.random with a seeded generator. Used by the trainer only.
 */
export function seedGlobalRandom(seed: number): void {
  Math.random = rng(seed ^ 0x5bd1e995);
}
