// Compares the speed of int8 model files on the same real beats: fixture records 208 and 119 (4,942 beats),
// `Int8Classifier.classifyBatch` on one core (optimized path, the best SIMD level unless ECG_NN_SIMD caps it),
// seven interleaved rounds, best round per file. Needs the compiled dist/ (npx tsc).
//   node scripts/nn-speed.mjs <spec.json> <a.ecgm> [<b.ecgm> ...]
// e.g. node scripts/nn-speed.mjs models/inter-patient/cnn-lstm/spec.json old.ecgm models/inter-patient/cnn-lstm/model.ecgm
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const [specFile, ...files] = process.argv.slice(2);
if (!specFile || !files.length) {
  console.error('usage: node scripts/nn-speed.mjs <spec.json of the models> <file.ecgm> [<file.ecgm> ...]');
  process.exit(2);
}
const { Int8Classifier } = await import(path.join(dist, 'nn/index.js'));
const { loadRecords, gather, setInputs } = await import(path.join(dist, 'train/dataset/protocols.js'));
const { fixturesDir } = await import(path.join(dist, 'wfdb/index.js'));
const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')).input;
const recs = await loadRecords(fixturesDir(), ['208', '119'], spec);
const picks = [];
recs.forEach((r, k) => { for (let i = 0; i < r.n; i++) picks.push({ r: k, i }); });
const set = gather(recs, picks, spec.length);
const { beats, rr } = setInputs(set, spec);
const clfs = files.map((f) => Int8Classifier.load(f));
const best = files.map(() => 0);
for (let round = 0; round < 7; round++) {
  clfs.forEach((c, k) => {
    const t0 = process.hrtime.bigint();
    c.classifyBatch(beats, rr);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best[k] = Math.max(best[k], set.n / s);
  });
}
files.forEach((f, k) => console.log(`${f}: ${Math.round(best[k])} beats/s (best of 7 over ${set.n} beats), arena ${clfs[k].arenaBytes} B`));
