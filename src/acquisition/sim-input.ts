// The simulator's input file (ECGSIM01): the record already turned into AD8232 output millivolts, so that the
// C harness only has to index it by time. Layout (little-endian): "ECGSIM01", uint32 fs x 1000,
// uint32 sample count, then uint16 millivolts per sample.
import { writeFileSync } from 'node:fs';
import { readRecord, signalIndex, type Header } from '../wfdb/index.js';
import { DEFAULT_FRONTEND, recordToMillivolts, type FrontEnd } from './frontend.js';

export function encodeSimInput(mv: Uint16Array, fs: number): Buffer {
  const buf = Buffer.alloc(16 + mv.length * 2);
  buf.write('ECGSIM01', 0, 'latin1');
  buf.writeUInt32LE(Math.round(fs * 1000), 8);
  buf.writeUInt32LE(mv.length, 12);
  for (let i = 0; i < mv.length; i++) buf.writeUInt16LE(mv[i], 16 + 2 * i);
  return buf;
}

export interface SimRecord {
  header: Header;
  channel: number;
  /** The record channel in ADC units and its AD8232 output in mV. */
  signal: Int16Array;
  millivolts: Uint16Array;
}

/** Reads a WFDB record (MLII by name when present) and writes the simulator input for it. */
export function writeSimInput(recordPath: string, outFile: string, opts: { channel?: number; seconds?: number; frontEnd?: FrontEnd } = {}): SimRecord {
  const rec = readRecord(recordPath);
  const channel = opts.channel ?? Math.max(0, signalIndex(rec.header, 'MLII'));
  if (channel >= rec.header.nSignals) throw new Error(`record ${recordPath} has no channel ${channel}`);
  let signal = rec.signals[channel];
  if (opts.seconds !== undefined) signal = signal.subarray(0, Math.min(signal.length, Math.round(opts.seconds * rec.header.fs)));
  const mv = recordToMillivolts(signal, rec.header.signals[channel], opts.frontEnd ?? DEFAULT_FRONTEND);
  writeFileSync(outFile, encodeSimInput(mv, rec.header.fs));
  return { header: rec.header, channel, signal, millivolts: mv };
}
