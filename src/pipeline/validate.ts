// Argument validation for the signal path: every check names the parameter, what was expected and what was
// given, and throws TypeError (wrong type) or RangeError (wrong value) before anything reaches native code.

export const MIN_FS = 125;
export const MAX_FS = 1000;
export const MAX_CHANNELS = 8;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : `${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length: number }).length})`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (typeof v === 'object') return `object ${(v as object).constructor?.name ?? 'Object'}`;
  return typeof v;
}

export function checkFs(fs: unknown, name = 'fs'): number {
  if (typeof fs !== 'number') throw new TypeError(`${name}: expected a sampling rate in Hz (number), given ${describe(fs)}`);
  if (!Number.isInteger(fs) || fs < MIN_FS || fs > MAX_FS)
    throw new RangeError(`${name}: expected an integer from ${MIN_FS} to ${MAX_FS} Hz, given ${describe(fs)}`);
  return fs;
}

export function checkMains(mains: unknown, name = 'mains'): 50 | 60 {
  if (mains === undefined) return 60;
  if (typeof mains !== 'number') throw new TypeError(`${name}: expected 50 or 60 (number), given ${describe(mains)}`);
  if (mains !== 50 && mains !== 60) throw new RangeError(`${name}: expected 50 or 60 (Hz), given ${describe(mains)}`);
  return mains;
}

export function checkSamples(v: unknown, name: string): Int16Array | Int32Array {
  if (!(v instanceof Int16Array) && !(v instanceof Int32Array))
    throw new TypeError(`${name}: expected an Int16Array or Int32Array of ADC samples, given ${describe(v)}`);
  return v;
}

export function checkOptions(v: unknown, name = 'opts'): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new TypeError(`${name}: expected an options object, given ${describe(v)}`);
  return v as Record<string, unknown>;
}

export function checkInt(v: unknown, name: string, min: number, max: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number') throw new TypeError(`${name}: expected an integer from ${min} to ${max}, given ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${name}: expected an integer from ${min} to ${max}, given ${describe(v)}`);
  return v;
}
