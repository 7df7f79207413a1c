// The int8 model a monitor runs when none is named: of the protocol's shipped single models that have an int8
// export (models/<protocol>/<model>/model.ecgm), the one with the best validation score in its metrics.json.
// Only models validated on the same data compete (for inter-patient the fixed held-out DS1 records 108, 114,
// 116, 220; cross-validation fold models under models/<protocol>/cv/ score other records and are not candidates),
// so the choice is made on held-out training records only: no test data picks it.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../native/binding.js';
import { INTER_VAL } from '../train/dataset/protocols.js';

export interface DefaultModel {
  file: string;
  member: string;
  /** Validation score the choice was made on. */
  score: number;
}

const FIXED_VAL = [...INTER_VAL].sort().join(',');

export function defaultInt8Model(protocol: 'inter-patient' | 'intra-patient' = 'inter-patient', root = path.join(packageRoot, 'models')): DefaultModel | null {
  const dir = path.join(root, protocol);
  if (!fs.existsSync(dir)) return null;
  let best: DefaultModel | null = null;
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'model.ecgm');
    const metrics = path.join(dir, name, 'metrics.json');
    if (!fs.existsSync(file) || !fs.existsSync(metrics)) continue;
    let v: { score?: unknown; records?: string[] } | undefined;
    try {
      v = (JSON.parse(fs.readFileSync(metrics, 'utf8')) as { validation?: typeof v }).validation;
    } catch {
      continue;
    }
    if (typeof v?.score !== 'number') continue;
    if (protocol === 'inter-patient' && v.records && [...v.records].sort().join(',') !== FIXED_VAL) continue;
    if (!best || v.score > best.score) best = { file, member: name, score: v.score };
  }
  return best;
}
