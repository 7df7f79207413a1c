// Loads the addon of a package directory the way an installed ecg-edge does (dist/native/binding.js →
// node-gyp-build → prebuilds/<platform>-<arch>/ecg-edge.node), runs the device path on the MIT-BIH records that
// ship in fixtures/ (fixed-point filter → R-peak detector → int8 classifier, StreamClassifier) and prints one
// JSON object of digests. scripts/prebuild-arm64.sh runs it under an x64 node and under a real arm64 node
// (qemu-user) and compares the two outputs: they must be identical.
// Usage: node scripts/prebuild-check.mjs <package-dir> [record,record...]
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const pkg = path.resolve(process.argv[2] ?? '.');
const records = (process.argv[3] ?? '100,208').split(',');
const load = (rel) => import(pathToFileURL(path.join(pkg, 'dist', rel)).href);

const require = createRequire(path.join(pkg, 'package.json'));
const addonFile = require('node-gyp-build').resolve(pkg);
const { loadNative } = await load('native/binding.js');
const { readRecord, readAnnotations, signalIndex, fixturesDir, isBeatCode, aamiClass } = await load('wfdb/index.js');
const { ecgCleanQ12 } = await load('pipeline/index.js');
const { Int8Classifier } = await load('nn/index.js');
const { StreamClassifier } = await load('nn/stream.js');
const { defaultInt8Model } = await load('nn/default-model.js');

const digest = (view) => createHash('sha256').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex').slice(0, 16);
const addon = loadNative();
const model = defaultInt8Model();
if (!model) throw new Error(`no int8 model under ${pkg}/models (models/inter-patient/<member>/model.ecgm)`);
const clf = Int8Classifier.load(model.file);
const out = {
  arch: process.arch,
  node: process.version,
  addon: path.relative(pkg, addonFile),
  addonVersion: addon.version,
  model: { file: path.relative(pkg, model.file), sha256: clf.sha256.slice(0, 16) },
  records: {},
};
for (const rec of records) {
  const recPath = path.join(fixturesDir(), rec);
  const { header, signals } = readRecord(recPath);
  const ch = signalIndex(header, 'MLII');
  const x = signals[ch >= 0 ? ch : 0];
  const clean = ecgCleanQ12(x, header.fs);
  const sc = new StreamClassifier(clf);
  const beats = [];
  for (let i = 0; i < x.length; i += 4096) beats.push(...sc.push(x.subarray(i, Math.min(x.length, i + 4096))));
  beats.push(...sc.flush());
  sc.close();
  const samples = Int32Array.from(beats, (b) => b.sample);
  const labels = Int32Array.from(beats, (b) => b.label);
  const probs = new Float32Array(beats.length * clf.nClasses);
  beats.forEach((b, k) => probs.set(b.probs, k * clf.nClasses));
  const counts = Object.fromEntries(clf.classes.map((c) => [c, 0]));
  for (const b of beats) counts[b.className]++;
  // Agreement with the reference annotations (beats within 150 ms, same AAMI class): a sanity figure, not a score.
  const ref = readAnnotations(recPath).filter((a) => isBeatCode(a.code));
  const win = Math.round(0.15 * header.fs);
  let matched = 0, sameClass = 0, j = 0;
  for (const a of ref) {
    while (j < beats.length && beats[j].sample < a.sample - win) j++;
    if (j < beats.length && Math.abs(beats[j].sample - a.sample) <= win) {
      matched++;
      if (beats[j].className === aamiClass(a.symbol)) sameClass++;
      j++;
    }
  }
  out.records[rec] = {
    samples: x.length,
    cleanQ12: digest(clean),
    beats: beats.length,
    peaks: digest(samples),
    labels: digest(labels),
    probs: digest(probs),
    classes: counts,
    reference: { beats: ref.length, matched, sameClass },
  };
}
clf.close?.();
process.stdout.write(JSON.stringify(out) + '\n');
