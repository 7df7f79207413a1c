// The int8 model a monitor runs when none is named: of the shipped protocol's ensemble members that have an
// int8 export (models/<protocol>/<member>/model.ecgm), the one with the best validation score (its ensemble
// weight, measured on held-out training records only: no test data picks it).
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../native/binding.js';

export interface DefaultModel {
  file: string;
  member: string;
  /** Validation score the choice was made on. */
  score: number;
}

export function defaultInt8Model(protocol: 'inter-patient' | 'intra-patient' = 'inter-patient', root = path.join(packageRoot, 'models')): DefaultModel | null {
  const manifest = path.join(root, protocol, 'ensemble.json');
  if (!fs.existsSync(manifest)) return null;
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { members?: { model: string; weight: number }[] };
  let best: DefaultModel | null = null;
  for (const member of m.members ?? []) {
    const file = path.join(root, protocol, member.model, 'model.ecgm');
    if (!fs.existsSync(file)) continue;
    if (!best || member.weight > best.score) best = { file, member: member.model, score: member.weight };
  }
  return best;
}
