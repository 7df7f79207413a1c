// `ecg-edge eval noise`: the noise stress test of the native R-peak detector (nstdb pattern, see src/pipeline/nst.ts).
import path from 'node:path';
import { CliError, listOption, parse, pct, type CommandSpec } from '../args.js';
import { requireDir, resolveChannel } from '../record-args.js';
import { compareRecord, findDetector, qrsReport, type QrsReport } from '../../eval/index.js';
import { readAnnotations, readRecord } from '../../wfdb/index.js';
import { addNoiseStress } from '../../pipeline/nst.js';

const DEFAULT_SNRS = [24, 18, 12, 6, 0, -6];

const help = `Usage: ecg-edge eval noise [--db DIR] [--noise-db DIR] [--noise em|bw|ma] [--records 118,119]
                       [--snr 24,18,12,6,0,-6] [--detector native] [--json]

Noise stress test as in the MIT-BIH Noise Stress Test Database: each record gets calibrated noise from a
noise record (default em, electrode motion) — clean for the first 5 minutes, then alternately 2 minutes
noisy and 2 minutes clean — at each SNR (noise scaled to the QRS amplitude as WFDB's nst does). The detector
runs on the noisy signal and is scored against the clean record's reference annotations (EC57, from 5 min).

  --db DIR          MIT-BIH folder (default: $ECG_EDGE_DATA/mitdb)
  --noise-db DIR    folder with the noise records (default: $ECG_EDGE_DATA/nstdb-noise)
  --noise NAME      noise record: em, bw or ma (default em)
  --records LIST    records (default 118,119)
  --snr LIST        SNRs in dB (default 24,18,12,6,0,-6)
  --detector NAME   detector to score (default native)
  --json            print {"noise","records","snr":[{"snr","gross":{"se","ppv","tp","fn","fp"},"records":[...]}]}
  -h, --help        this help`;

export interface NoiseRow { snr: number; gross: QrsReport['gross']; records: QrsReport['records'] }

export const evalNoiseCommand: CommandSpec = {
  name: 'noise',
  summary: 'noise stress test (nstdb pattern, em/bw/ma noise at several SNRs): Se and +P per SNR',
  help,
  async run(argv) {
    const args = parse(argv, {
      db: { type: 'string' }, 'noise-db': { type: 'string' }, noise: { type: 'string' }, records: { type: 'string' },
      snr: { type: 'string' }, detector: { type: 'string' }, json: { type: 'boolean' },
    }, help, false);
    if (!args) return 0;
    const v = args.values;
    const data = process.env.ECG_EDGE_DATA;
    const db = v.db ?? (data ? path.join(data, 'mitdb') : undefined);
    const ndb = v['noise-db'] ?? (data ? path.join(data, 'nstdb-noise') : undefined);
    if (!db) throw new CliError('--db: expected the MIT-BIH folder; none given and ECG_EDGE_DATA is not set');
    if (!ndb) throw new CliError('--noise-db: expected the folder of noise records; none given and ECG_EDGE_DATA is not set');
    requireDir('db', db);
    requireDir('noise-db', ndb);
    const noiseName = v.noise ?? 'em';
    if (!['em', 'bw', 'ma'].includes(noiseName)) throw new CliError(`--noise: expected em, bw or ma, got '${noiseName}'`);
    const records = listOption('records', v.records) ?? ['118', '119'];
    const snrs = (listOption('snr', v.snr) ?? DEFAULT_SNRS.map(String)).map((s) => {
      const x = Number(s);
      if (!Number.isFinite(x)) throw new CliError(`--snr: expected numbers in dB such as 24,12,6, got '${s}'`);
      return x;
    });
    const detector = findDetector(v.detector ?? 'native');
    const noise = readRecord(path.join(ndb, noiseName));
    const rows: NoiseRow[] = [];
    const loaded = records.map((r) => {
      const p = path.join(db, r);
      const rec = readRecord(p);
      return { r, rec, ann: readAnnotations(p, 'atr'), channel: resolveChannel(rec.header, undefined) };
    });
    for (const snr of snrs) {
      const results = [];
      for (const { r, rec, ann, channel } of loaded) {
        const noiseCh = Math.min(channel, noise.signals.length - 1);
        const { signal } = addNoiseStress(rec.signals[channel], noise.signals[noiseCh], ann, { fs: rec.header.fs, snrDb: snr });
        const signals = rec.signals.slice();
        signals[channel] = signal;
        const test = await detector.detect({ header: rec.header, signals }, channel);
        results.push({ record: r, cmp: compareRecord(ann, test, { fs: rec.header.fs, nSamples: rec.header.nSamples }) });
      }
      const q = qrsReport(results);
      rows.push({ snr, gross: q.gross, records: q.records });
    }
    if (v.json) {
      console.log(JSON.stringify({ noise: noiseName, records, detector: detector.name, snr: rows }));
    } else {
      console.log(`noise stress test: ${noiseName} noise, records ${records.join(', ')}, detector ${detector.name}, EC57 from 5 min`);
      console.log('SNR dB      TP     FN     FP    Se %    +P %');
      for (const r of rows) {
        console.log(`${String(r.snr).padStart(6)}  ${String(r.gross.tp).padStart(6)} ${String(r.gross.fn).padStart(6)} ${String(r.gross.fp).padStart(6)}  ${pct(r.gross.se).padStart(6)}  ${pct(r.gross.ppv).padStart(6)}`);
      }
    }
    return 0;
  },
};
