// `ecg-edge detect <record>`: runs the device's signal path (fixed-point filter + R-peak detector) over one
// channel of a WFDB record and writes the R peaks as a WFDB annotation file.
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { CliError, parse, type CommandSpec } from '../args.js';
import { resolveChannel } from '../record-args.js';
import { readRecord, resolveRecord, writeAnnotations } from '../../wfdb/index.js';
import { detect, peaksToAnnotations } from '../../pipeline/index.js';

const help = `Usage: ecg-edge detect <record> [--channel N|NAME] --out FILE [--mains 50|60] [--json]

Runs the device's native signal path (50/60 Hz notch, 40 Hz low-pass, baseline removal, adaptive-threshold
R-peak detector, all fixed point) over one channel of a WFDB record and writes the R peaks as a WFDB
annotation file (beat label N), readable by PhysioNet's tools (e.g. bxb -a atr qrs).

  <record>          a path without extension (fixtures/mitdb/100) or a bare record name (100), looked up in
                    $ECG_EDGE_DATA/mitdb and then in the package's fixtures/mitdb
  --channel N|NAME  signal to analyse (default: MLII by name, else 0)
  --out FILE        annotation file to write, named <record>.<annotator> (e.g. out/100.qrs); its folder must exist
  --mains 50|60     powerline frequency to notch (default 60, as in MIT-BIH)
  --json            also print {"record","channel","fs","beats","file","latency":{"median","max"}} (samples)
  -h, --help        this help`;

export const detectCommand: CommandSpec = {
  name: 'detect',
  summary: 'detect R peaks in a record with the native pipeline and write a WFDB annotation file',
  help,
  async run(argv) {
    const args = parse(argv, { channel: { type: 'string' }, out: { type: 'string' }, mains: { type: 'string' }, json: { type: 'boolean' } }, help);
    if (!args) return 0;
    const [spec, ...extra] = args.positionals;
    if (!spec) throw new CliError(`expected a record, got none\n\n${help}`);
    if (extra.length) throw new CliError(`expected one record, got also: ${extra.join(' ')}`);
    const out = args.values.out;
    if (!out) throw new CliError(`--out: expected an annotation file such as out/100.qrs, got none\n\n${help}`);
    const ext = path.extname(out);
    const annotator = ext.slice(1);
    if (!/^[A-Za-z0-9_]+$/.test(annotator)) {
      throw new CliError(`--out: expected a file named <record>.<annotator> with an annotator of letters, digits or '_' (e.g. out/100.qrs), got '${out}'`);
    }
    const dir = path.dirname(out);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`--out: the folder '${dir}' does not exist; create it first`);
    let mains: 50 | 60 = 60;
    if (args.values.mains !== undefined) {
      if (args.values.mains !== '50' && args.values.mains !== '60') throw new CliError(`--mains: expected 50 or 60, got '${args.values.mains}'`);
      mains = Number(args.values.mains) as 50 | 60;
    }
    const recordPath = resolveRecord(spec);
    const rec = readRecord(recordPath);
    const channel = resolveChannel(rec.header, args.values.channel);
    const peaks = detect(rec, { channel, mains });
    writeAnnotations(out.slice(0, out.length - ext.length), annotator, peaksToAnnotations(peaks, channel));
    const lat = peaks.map((p) => p.emitted - p.sample).sort((a, b) => a - b);
    const summary = {
      record: rec.header.record, channel, fs: rec.header.fs, beats: peaks.length, file: out,
      latency: { median: lat.length ? lat[lat.length >> 1] : null, max: lat.length ? lat[lat.length - 1] : null },
    };
    if (args.values.json) console.log(JSON.stringify(summary));
    else console.log(`${summary.record}: ${peaks.length} beats on channel ${channel} (${rec.header.signals[channel]?.description ?? ''}) -> ${out}`);
    return 0;
  },
};
