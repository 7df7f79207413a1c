// Board against offline, for beat classes: MIT-BIH 208 through the real firmware in simavr into the live
// monitor with the shipped default int8 model, compared with the same model run offline (StreamClassifier)
// on the record itself. The board sees the record after the AD8232 model and a 10-bit ADC, so labels may
// differ on a few borderline beats; the test measures how many.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoardLink } from '../src/acquisition/link.js';
import { LiveMonitor } from '../src/acquisition/monitor.js';
import { buildFirmware, SimulatedBoard } from '../src/acquisition/simulator.js';
import { Int8Classifier } from '../src/nn/index.js';
import { defaultInt8Model } from '../src/nn/default-model.js';
import { StreamClassifier, type LabelledBeat } from '../src/nn/stream.js';
import { fixturesDir, readRecord, signalIndex } from '../src/wfdb/index.js';

const RECORD = path.join(fixturesDir(), '208');
const SPEED = 8;
const SECONDS = 120;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  buildFirmware();
});

describe('beat classes on the simulated board vs offline', () => {
  const model = defaultInt8Model('inter-patient');
  let sim: SimulatedBoard | undefined;
  let link: BoardLink | undefined;
  afterAll(async () => {
    await link?.close();
    await sim?.stop();
  });

  it('the shipped default model exists and loads', () => {
    expect(model, 'models/inter-patient/ holds a model with an int8 export and a validation score').not.toBeNull();
    expect(model!.member).toBe('cnn-focal'); // the best validation score on DS1 records 108, 114, 116, 220
    const clf = Int8Classifier.load(model!.file);
    expect(clf.classes).toEqual(['N', 'S', 'V', 'F', 'Q']);
    clf.close();
  });

  it(`labels the first ${SECONDS} s of 208 on the board as offline, beat for beat`, async () => {
    const clf = Int8Classifier.load(model!.file);
    // offline: the record's own samples
    const rec = readRecord(RECORD);
    const n = SECONDS * rec.header.fs;
    const signal = rec.signals[signalIndex(rec.header, 'MLII')]!.subarray(0, n);
    const offline = new StreamClassifier(clf);
    const want: LabelledBeat[] = [];
    for (let i = 0; i < n; i += 180) want.push(...offline.push(signal.subarray(i, Math.min(n, i + 180))));
    want.push(...offline.flush());
    offline.close();

    // board: firmware -> pty -> link -> monitor with the classifier
    sim = await SimulatedBoard.start({ record: RECORD, seconds: SECONDS + 5, speed: SPEED, loop: false, noBuild: true });
    link = new BoardLink({ path: sim.path, clockScale: SPEED });
    const monitor = new LiveMonitor(link, { classifier: clf });
    monitor.start();
    await link.connect();
    const t0 = Date.now();
    while (monitor.samplesReceived < n) {
      if (Date.now() - t0 > ((SECONDS / SPEED) * 4 + 60) * 1000) throw new Error(`only ${monitor.samplesReceived} of ${n} samples arrived`);
      await sleep(50);
    }
    await link.stop();
    monitor.finish();
    expect(monitor.classifierIssue).toBeNull();

    const got = monitor.labels.filter((b) => b.sample < n - 2 * rec.header.fs);
    const ref = want.filter((b) => b.sample < n - 2 * rec.header.fs);
    let matched = 0, same = 0;
    let j = 0;
    for (const b of ref) {
      while (j < got.length && got[j]!.sample < b.sample - 5) j++;
      const g = got[j];
      if (g && Math.abs(g.sample - b.sample) <= 5) {
        matched++;
        if (g.label === b.label) same++;
      }
    }
    const status = monitor.status();
    const unlabelled = status.unlabelled ?? 0;
    console.log(`board vs offline (208, ${SECONDS} s, ${path.basename(path.dirname(model!.file))}): offline ${ref.length} labelled beats, ` +
      `board ${got.length} (+${unlabelled} unlabelled for poor signal), matched ${matched}, same class ${same} ` +
      `(${((100 * same) / Math.max(1, matched)).toFixed(2)} %); board classes ${JSON.stringify(status.classes)}`);
    expect(ref.length).toBeGreaterThan(200);
    expect(matched + unlabelled).toBeGreaterThanOrEqual(Math.floor(ref.length * 0.98));
    expect(same / matched).toBeGreaterThanOrEqual(0.95);
    // 208 is rich in PVCs: both paths find them
    expect(status.classes!.V).toBeGreaterThan(20);
    clf.close();
  });
});
