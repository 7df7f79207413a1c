// The engine names, without loading TensorFlow.js (CLI help and validation use them).
export type EngineName = 'node' | 'wasm' | 'cpu';
export type EngineChoice = EngineName | 'auto';
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'node', 'wasm', 'cpu'];
