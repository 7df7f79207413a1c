// WFDB header (.hea) parsing and formatting. Record line:
//   name[/nseg] nsig [fs[/counterfreq[(base)]] [nsamp [basetime [basedate]]]]
// Signal line:
//   file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero [initval [checksum [blocksize [desc]]]]]]]
import { readFileSync } from 'node:fs';
import { type Header, type SignalSpec, WfdbError } from './types.js';

/** ADC resolution WFDB assumes for a format when the header does not give one. */
export function defaultAdcResolution(format: number): number {
  if (format === 8 || format === 80) return 8;
  if (format === 310 || format === 311) return 10;
  if (format === 212) return 12;
  if (format === 24) return 24;
  if (format === 32) return 32;
  return 16;
}

function fail(file: string, line: number, what: string, text: string): never {
  throw new WfdbError(`${file}, line ${line}: ${what}\n  line: ${JSON.stringify(text)}`);
}

function int(file: string, lineNo: number, text: string, field: string, s: string): number {
  if (!/^[+-]?\d+$/.test(s)) fail(file, lineNo, `${field} must be an integer, got '${s}'`, text);
  return Number.parseInt(s, 10);
}

function num(file: string, lineNo: number, text: string, field: string, s: string): number {
  const v = Number(s);
  if (s === '' || !Number.isFinite(v)) fail(file, lineNo, `${field} must be a number, got '${s}'`, text);
  return v;
}

/** Parses header text; `file` names the source in error messages. */
export function parseHeader(text: string, file: string): Header {
  const lines = text.split(/\r?\n/);
  const comments: string[] = [];
  let header: Header | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) {
      comments.push(trimmed.slice(1).replace(/^ /, ''));
      continue;
    }
    // A '#' after fields starts a trailing comment.
    const hash = trimmed.indexOf('#');
    const body = (hash >= 0 ? trimmed.slice(0, hash) : trimmed).trim();
    if (hash >= 0) comments.push(trimmed.slice(hash + 1).replace(/^ /, ''));
    if (body === '') continue;
    const f = body.split(/\s+/);
    if (!header) {
      header = parseRecordLine(f, file, lineNo, raw);
      continue;
    }
    if (header.signals.length >= header.nSignals) {
      fail(file, lineNo, `unexpected line: the record line declares ${header.nSignals} signal(s) and all are already defined`, raw);
    }
    header.signals.push(parseSignalLine(f, file, lineNo, raw));
  }
  if (!header) throw new WfdbError(`${file}: no record line (the file is empty or holds only comments)`);
  if (header.signals.length < header.nSignals) {
    throw new WfdbError(
      `${file}, line ${lines.length}: the record line declares ${header.nSignals} signal(s) but only ${header.signals.length} signal line(s) follow`,
    );
  }
  header.comments = comments;
  return header;
}

function parseRecordLine(f: string[], file: string, lineNo: number, raw: string): Header {
  const nameField = f[0]!;
  if (nameField.includes('/')) {
    fail(file, lineNo, `multi-segment records ('${nameField}') are not supported; give the header of one segment`, raw);
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(nameField)) fail(file, lineNo, `record name '${nameField}' has characters WFDB does not allow`, raw);
  if (f.length < 2) fail(file, lineNo, 'the record line needs at least the record name and the number of signals', raw);
  const nSignals = int(file, lineNo, raw, 'number of signals', f[1]!);
  if (nSignals < 0) fail(file, lineNo, `number of signals must be >= 0, got ${nSignals}`, raw);
  let fs = 250;
  if (f[2] !== undefined) {
    const m = /^([^/(]+)(?:\/([^(]+))?(?:\((.+)\))?$/.exec(f[2]);
    if (!m) fail(file, lineNo, `sampling frequency field '${f[2]}' is malformed`, raw);
    fs = num(file, lineNo, raw, 'sampling frequency', m[1]!);
    if (!(fs > 0)) fail(file, lineNo, `sampling frequency must be > 0, got ${fs}`, raw);
  }
  let nSamples = 0;
  if (f[3] !== undefined) {
    nSamples = int(file, lineNo, raw, 'number of samples', f[3]);
    if (nSamples < 0) fail(file, lineNo, `number of samples must be >= 0, got ${nSamples}`, raw);
  }
  const h: Header = { record: nameField, nSignals, fs, nSamples, signals: [], comments: [] };
  if (f[4] !== undefined) {
    if (!/^\d{1,2}(:\d{1,2}){0,2}(\.\d+)?$/.test(f[4])) fail(file, lineNo, `base time must be hh:mm:ss, got '${f[4]}'`, raw);
    h.baseTime = f[4];
  }
  if (f[5] !== undefined) {
    if (!/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(f[5])) fail(file, lineNo, `base date must be dd/mm/yyyy, got '${f[5]}'`, raw);
    h.baseDate = f[5];
  }
  return h;
}

const SUPPORTED_FORMATS = new Set([212, 16, 80]);

function parseSignalLine(f: string[], file: string, lineNo: number, raw: string): SignalSpec {
  if (f.length < 2) fail(file, lineNo, 'a signal line needs at least the file name and the format', raw);
  const fileName = f[0]!;
  const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(f[1]!);
  if (!fm) fail(file, lineNo, `format field '${f[1]}' is malformed (expected format[xspf][:skew][+offset])`, raw);
  const format = Number(fm[1]);
  if (!SUPPORTED_FORMATS.has(format)) {
    fail(file, lineNo, `signal format ${format} is not supported (supported: 212, 16, 80)`, raw);
  }
  const samplesPerFrame = fm[2] !== undefined ? Number(fm[2]) : 1;
  if (samplesPerFrame < 1) fail(file, lineNo, `samples per frame must be >= 1, got ${samplesPerFrame}`, raw);
  const skew = fm[3] !== undefined ? Number(fm[3]) : 0;
  const byteOffset = fm[4] !== undefined ? Number(fm[4]) : 0;

  let gain = 200;
  let baseline: number | undefined;
  let units = 'mV';
  if (f[2] !== undefined) {
    const gm = /^([^(/]+)(?:\(([^)]*)\))?(?:\/(.+))?$/.exec(f[2]);
    if (!gm) fail(file, lineNo, `gain field '${f[2]}' is malformed (expected gain[(baseline)][/units])`, raw);
    gain = num(file, lineNo, raw, 'ADC gain', gm[1]!);
    if (gain < 0) fail(file, lineNo, `ADC gain must be >= 0, got ${gain}`, raw);
    if (gain === 0) gain = 200;
    if (gm[2] !== undefined) baseline = int(file, lineNo, raw, 'baseline', gm[2]);
    if (gm[3] !== undefined) units = gm[3];
  }
  const adcResolution = f[3] !== undefined ? int(file, lineNo, raw, 'ADC resolution', f[3]) || defaultAdcResolution(format) : defaultAdcResolution(format);
  const adcZero = f[4] !== undefined ? int(file, lineNo, raw, 'ADC zero', f[4]) : 0;
  const initValue = f[5] !== undefined ? int(file, lineNo, raw, 'initial value', f[5]) : adcZero;
  const checksum = f[6] !== undefined ? int(file, lineNo, raw, 'checksum', f[6]) : 0;
  const blockSize = f[7] !== undefined ? int(file, lineNo, raw, 'block size', f[7]) : 0;
  const description = f.slice(8).join(' ');
  return {
    fileName, format, samplesPerFrame, skew, byteOffset, gain, baseline: baseline ?? adcZero, units, adcResolution,
    adcZero, initValue, checksum, blockSize, description,
  };
}

/** Reads `<recordPath>.hea`. */
export function readHeader(recordPath: string): Header {
  const file = `${recordPath}.hea`;
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WfdbError(
      code === 'ENOENT'
        ? `${file}: header not found (give the record path without extension, e.g. fixtures/mitdb/100)`
        : `${file}: cannot read header: ${(err as Error).message}`,
    );
  }
  return parseHeader(text, file);
}

/** Formats a header as WFDB text (the form PhysioNet's tools read). */
export function formatHeader(h: Header): string {
  const rec = [h.record, String(h.nSignals), String(h.fs), String(h.nSamples)];
  if (h.baseTime) rec.push(h.baseTime);
  if (h.baseDate) rec.push(h.baseDate);
  const lines = [rec.join(' ')];
  for (const s of h.signals) {
    let fmt = String(s.format);
    if (s.samplesPerFrame !== 1) fmt += `x${s.samplesPerFrame}`;
    if (s.skew) fmt += `:${s.skew}`;
    if (s.byteOffset) fmt += `+${s.byteOffset}`;
    let gain = String(s.gain);
    if (s.baseline !== s.adcZero) gain += `(${s.baseline})`;
    gain += `/${s.units}`;
    const fields = [s.fileName, fmt, gain, s.adcResolution, s.adcZero, s.initValue, s.checksum, s.blockSize].map(String);
    if (s.description) fields.push(s.description);
    lines.push(fields.join(' '));
  }
  for (const c of h.comments) lines.push(`# ${c}`);
  return lines.join('\n') + '\n';
}
