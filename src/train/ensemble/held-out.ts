// Held-out predictions of an ensemble's members: each member scores the beats it was validated on (never trained
// on), combined with the ensemble's method. With DS1 cross-validation folds (`ecg-edge train --fold k`), the
// members of fold k score fold k's records, so together they cover DS1 out of fold. Used to choose class offsets.
import fs from 'node:fs';
import path from 'node:path';
import { buildSplit, interValRecords, recordsSet, setInputs, type BeatSet, type Protocol } from '../dataset/index.js';
import { loadClassifier } from '../classify.js';
import { combine, type EnsembleMethod, type ProbMatrix } from './index.js';

export interface HeldOut {
  probs: ProbMatrix;
  labels: Int8Array;
  /** What was scored, e.g. 'held-out DS1 records 101,106,…'. */
  data: string;
}

/** The validation data of a trained model: its DS1 validation records (inter-patient) or the intra-patient validation split. */
function validationOf(dir: string, protocol: Protocol): { key: string; records: string[] | null } {
  const mf = path.join(dir, 'metrics.json');
  if (!fs.existsSync(mf)) throw new Error(`member ${dir} has no metrics.json: its validation data is unknown`);
  const m = JSON.parse(fs.readFileSync(mf, 'utf8')) as { validation?: { records?: string[] }; fold?: number };
  if (protocol === 'intra-patient') return { key: 'intra-patient validation split', records: null };
  const records = m.validation?.records ?? interValRecords(m.fold);
  return { key: [...records].sort().join(','), records: [...records].sort() };
}

export async function heldOutProbs(memberDirs: string[], weights: number[], method: EnsembleMethod, protocol: Protocol, db: string): Promise<HeldOut> {
  const groups = new Map<string, { records: string[] | null; members: number[] }>();
  memberDirs.forEach((d, k) => {
    const v = validationOf(d, protocol);
    const g = groups.get(v.key) ?? { records: v.records, members: [] };
    g.members.push(k);
    groups.set(v.key, g);
  });
  const seen = new Map<string, string>();
  for (const [key, g] of groups) for (const r of g.records ?? []) {
    if (seen.has(r)) throw new Error(`members validated on overlapping DS1 records (record ${r} is in {${seen.get(r)}} and {${key}}): held-out calibration needs members grouped in disjoint folds, e.g. trained with --fold 1..4`);
    seen.set(r, key);
  }
  const parts: { probs: ProbMatrix; labels: Int8Array }[] = [];
  for (const [, g] of groups) {
    const clfs = [];
    for (const k of g.members) clfs.push(await loadClassifier(memberDirs[k]!));
    const spec = clfs[0]!.spec.input;
    clfs.forEach((c, i) => {
      if (JSON.stringify(c.spec.input) !== JSON.stringify(spec)) throw new Error(`member ${memberDirs[g.members[i]!]} has a different input spec from ${memberDirs[g.members[0]!]}`);
    });
    const set: BeatSet = g.records ? await recordsSet(db, g.records, spec) : (await buildSplit(protocol, db, spec, ['val'])).val;
    const { beats, rr } = setInputs(set, spec);
    const probs = [];
    for (const c of clfs) probs.push(await c.predictor.predictProbs(beats, spec.length, rr));
    parts.push({ probs: combine(method, probs, g.members.map((k) => weights[k]!)), labels: set.label });
  }
  const n = parts.reduce((s, p) => s + p.probs.n, 0), C = parts[0]!.probs.C;
  const data = new Float32Array(n * C), labels = new Int8Array(n);
  let o = 0;
  for (const p of parts) { data.set(p.probs.data, o * C); labels.set(p.labels, o); o += p.probs.n; }
  const recs = [...seen.keys()].sort();
  return { probs: { n, C, data }, labels, data: protocol === 'intra-patient' ? 'intra-patient validation beats' : `held-out DS1 records ${recs.join(',')} (each scored by the members that did not train on it)` };
}
