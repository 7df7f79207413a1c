// Options shared by the commands that use the MIT-BIH data and a TensorFlow.js engine (train, eval classify,
// export, gan, report). Nothing here loads TensorFlow.js.
import { existsSync } from 'node:fs';
import { CliError } from './args.js';
import { ENGINE_CHOICES, type EngineChoice } from '../train/engine-choices.js';
import { dataDir } from '../wfdb/index.js';

/** `--engine`: one of ENGINE_CHOICES (default auto). */
export function engineOption(value: unknown): EngineChoice {
  const engine = ((value as string | undefined) ?? 'auto') as EngineChoice;
  if (!ENGINE_CHOICES.includes(engine)) throw new CliError(`unknown --engine '${engine}': choose one of ${ENGINE_CHOICES.join(', ')}`);
  return engine;
}

/** `--db`: the MIT-BIH folder (default $ECG_EDGE_DATA/mitdb, whose error says how to set it). */
export function mitdbOption(value: unknown): string {
  const db = (value as string | undefined) ?? dataDir('mitdb');
  if (!existsSync(db)) throw new CliError(`--db ${db} does not exist`);
  return db;
}
