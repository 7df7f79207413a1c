// A predicted AAMI class as a test annotation, so classifiers are scored by the same EC57 comparison as
// detectors (any beat symbol of a class maps back to that class in the evaluator).
import { symbolToCode, type Annotation } from '../wfdb/index.js';

export const CLASS_SYMBOL: Readonly<Record<string, string>> = { N: 'N', S: 'A', V: 'V', F: 'F', Q: 'Q' };

export function classAnnotation(sample: number, className: string): Annotation {
  const symbol = CLASS_SYMBOL[className] ?? 'Q';
  return { sample, symbol, code: symbolToCode(symbol), subtype: 0, chan: 0, num: 0, aux: '' };
}
