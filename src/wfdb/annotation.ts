// WFDB annotation files in MIT format: 16-bit little-endian words, code in the top 6 bits, data in the low 10.
// Pseudo-codes: SKIP (59, a 32-bit interval follows as high then low 16-bit words), NUM (60), SUB (61),
// CHN (62), AUX (63, data = byte count, the bytes follow padded to an even length). Word 0 ends the file.
// SKIP precedes the annotation it moves; NUM, SUB, CHN and AUX follow the annotation they modify.
// NUM and CHN carry over to later annotations; SUB and AUX apply to one annotation only.
import { readFileSync, writeFileSync } from 'node:fs';
import { ACMAX, codeToSymbol, symbolToCode } from './annotation-codes.js';
import { type Annotation, WfdbError } from './types.js';

const SKIP = 59, NUM = 60, SUB = 61, CHN = 62, AUX = 63;
const DATA = 0x3ff;

/** Signed-char view of a 10-bit field, as WFDB stores subtyp and num. */
function schar(v: number): number {
  const b = v & 0xff;
  return b >= 0x80 ? b - 0x100 : b;
}

/** Decodes an MIT-format annotation buffer; `file` names the source in error messages. */
export function decodeAnnotations(buf: Uint8Array, file: string): Annotation[] {
  const out: Annotation[] = [];
  const n = buf.length;
  let p = 0;
  let time = 0;
  let chan = 0;
  let num = 0;
  let current: Annotation | undefined;
  const word = (at: number): number => buf[at]! | (buf[at + 1]! << 8);
  while (p + 1 < n) {
    const w = word(p);
    const code = w >> 10;
    const data = w & DATA;
    const at = p;
    p += 2;
    if (w === 0) return out; // end of file
    switch (code) {
      case SKIP: {
        if (p + 4 > n) throw new WfdbError(`${file}: byte ${at}: SKIP needs 4 more bytes but the file ends`);
        const hi = word(p), lo = word(p + 2);
        p += 4;
        let skip = ((hi << 16) | lo) >>> 0;
        if (skip >= 0x80000000) skip -= 0x100000000;
        time += skip;
        current = undefined;
        break;
      }
      case NUM:
        num = schar(data);
        if (current) current.num = num;
        break;
      case SUB:
        if (!current) throw new WfdbError(`${file}: byte ${at}: SUB modifier without a preceding annotation`);
        current.subtype = schar(data);
        break;
      case CHN:
        chan = data & 0xff;
        if (current) current.chan = chan;
        break;
      case AUX: {
        if (!current) throw new WfdbError(`${file}: byte ${at}: AUX modifier without a preceding annotation`);
        if (p + data > n) throw new WfdbError(`${file}: byte ${at}: AUX declares ${data} bytes but the file ends`);
        let text = '';
        for (let i = 0; i < data; i++) {
          const c = buf[p + i]!;
          if (c === 0) break;
          text += String.fromCharCode(c);
        }
        current.aux = text;
        p += data + (data & 1);
        break;
      }
      default: {
        if (code < 1 || code > ACMAX) {
          throw new WfdbError(`${file}: byte ${at}: annotation code ${code} is outside 1..${ACMAX} (not an MIT-format annotation file?)`);
        }
        time += data;
        current = { sample: time, symbol: codeToSymbol(code), code, subtype: 0, chan, num, aux: '' };
        out.push(current);
      }
    }
  }
  // Tolerate a missing end marker (some writers omit it) but not an odd trailing byte.
  if (p < n) throw new WfdbError(`${file}: ends with an odd byte at ${p} (an annotation file is a sequence of 16-bit words)`);
  return out;
}

/** Reads `<recordPath>.<annotator>` (default 'atr'). */
export function readAnnotations(recordPath: string, annotator = 'atr'): Annotation[] {
  const file = `${recordPath}.${annotator}`;
  let buf: Uint8Array;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WfdbError(
      code === 'ENOENT'
        ? `${file}: annotation file not found (annotator '${annotator}' of record ${recordPath})`
        : `${file}: cannot read: ${(err as Error).message}`,
    );
  }
  return decodeAnnotations(buf, file);
}

/** Code of an annotation: its `code` if set (1..49), else from its symbol. */
function codeOf(a: Annotation, i: number): number {
  if (Number.isInteger(a.code) && a.code >= 1 && a.code <= ACMAX) return a.code;
  const c = symbolToCode(a.symbol);
  if (c < 1) throw new WfdbError(`annotation ${i} (sample ${a.sample}): neither code ${a.code} nor symbol '${a.symbol}' is a valid annotation type`);
  return c;
}

/** Encodes annotations (sorted by sample) in MIT format, as PhysioNet's wrann writes them. */
export function encodeAnnotations(anns: Annotation[]): Uint8Array {
  const bytes: number[] = [];
  const put = (w: number) => bytes.push(w & 0xff, (w >> 8) & 0xff);
  let time = 0;
  let chan = 0;
  let num = 0;
  anns.forEach((a, i) => {
    if (!Number.isInteger(a.sample) || a.sample < 0) throw new WfdbError(`annotation ${i}: sample must be an integer >= 0, got ${a.sample}`);
    if (a.sample < time) throw new WfdbError(`annotation ${i}: samples must be in increasing order (${a.sample} after ${time})`);
    const code = codeOf(a, i);
    let delta = a.sample - time;
    if (delta > DATA) {
      put(SKIP << 10);
      put((delta >>> 16) & 0xffff);
      put(delta & 0xffff);
      delta = 0;
    }
    put((code << 10) | delta);
    time = a.sample;
    if (a.subtype) put((SUB << 10) | (a.subtype & DATA));
    if (a.chan !== chan) {
      put((CHN << 10) | (a.chan & DATA));
      chan = a.chan;
    }
    if (a.num !== num) {
      put((NUM << 10) | (a.num & DATA));
      num = a.num;
    }
    if (a.aux) {
      // Stored NUL-terminated, the count including the NUL, padded to an even length (as in MIT-BIH's files).
      const text = Buffer.from(a.aux + '\0', 'latin1');
      if (text.length > 255) throw new WfdbError(`annotation ${i}: aux text is ${text.length - 1} bytes; the limit is 254`);
      put((AUX << 10) | text.length);
      for (const b of text) bytes.push(b);
      if (text.length & 1) bytes.push(0);
    }
  });
  put(0);
  return Uint8Array.from(bytes);
}

/** Writes `<recordPath>.<annotator>` in MIT format. */
export function writeAnnotations(recordPath: string, annotator: string, anns: Annotation[]): void {
  if (!/^[A-Za-z0-9_]+$/.test(annotator)) throw new WfdbError(`annotator name '${annotator}' must be letters, digits or '_'`);
  writeFileSync(`${recordPath}.${annotator}`, encodeAnnotations(anns));
}
