// Saving and loading models in the tfjs Layers format on disk (model.json + weights.bin) with custom
// tf.io handlers (plain @tensorflow/tfjs has no file:// handler in Node), plus spec.json beside them.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import './layers/index.js';
import { checkSpec, type ModelSpec } from './spec.js';

function joinWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out;
}

/** Writes <dir>/model.json, <dir>/weights.bin and (when given) <dir>/spec.json. Files are replaced atomically. */
export async function saveModel(model: tf.LayersModel, dir: string, spec?: ModelSpec): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = joinWeightData(artifacts.weightData ?? new ArrayBuffer(0));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      writeAtomic(path.join(dir, 'weights.bin'), weights);
      writeAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  if (spec) writeAtomic(path.join(dir, 'spec.json'), JSON.stringify(spec, null, 2) + '\n');
}

export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Loads a model saved by saveModel (or any tfjs layers-model folder with one weights file per manifest path). */
export async function loadModel(dir: string): Promise<{ model: tf.LayersModel; spec: ModelSpec | null }> {
  const mj = path.join(dir, 'model.json');
  if (!fs.existsSync(mj)) throw new Error(`no model at ${dir}: ${mj} is missing (expected a folder written by \`ecg-edge train\`)`);
  let json: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(fs.readFileSync(mj, 'utf8'));
  } catch (err) {
    throw new Error(`${mj} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`${mj} is not a tfjs layers model (modelTopology/weightsManifest missing)`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const f = path.join(dir, p);
      if (!fs.existsSync(f)) throw new Error(`model ${dir}: weights file ${f} is missing`);
      parts.push(fs.readFileSync(f));
    }
  }
  const weightData = joinWeightData(parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer as ArrayBuffer }),
  );
  const sp = path.join(dir, 'spec.json');
  const spec = fs.existsSync(sp) ? checkSpec(JSON.parse(fs.readFileSync(sp, 'utf8')), sp) : null;
  return { model, spec };
}
