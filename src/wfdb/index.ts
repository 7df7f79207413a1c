// WFDB input and output: headers, signals (formats 212, 16, 80), MIT-format annotations, data locations.
export { type Annotation, type Header, type SignalSpec, type WfdbRecord, WfdbError } from './types.js';
export { readHeader, parseHeader, formatHeader } from './header.js';
export { readRecord, checkSignals, checksum16, decodeSamples, encodeFormat16, type SignalCheck, type ReadRecordOptions } from './signal.js';
export { readAnnotations, writeAnnotations, decodeAnnotations, encodeAnnotations } from './annotation.js';
export { codeToSymbol, symbolToCode, isBeatCode, aamiClass, BEAT_SYMBOLS, ACMAX } from './annotation-codes.js';
export { writeRecord, type WriteSignal } from './write.js';
export { dataDir, fixturesDir, resolveRecord, MITDB_RECORDS, FIXTURE_RECORDS } from './paths.js';
import type { Header } from './types.js';

/** Index of the signal whose description is `name` (e.g. 'MLII'), or -1. */
export function signalIndex(header: Header, name: string): number {
  return header.signals.findIndex((s) => s.description === name);
}
