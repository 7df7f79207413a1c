// The registry of QRS detectors that `ecg-edge eval detect --detector NAME` can score. 'reference' comes first:
// it re-emits the reference annotations and so checks the evaluator itself (100% on every record).
// Other engineers add their detectors (e.g. 'native') to DETECTORS.
import { type Annotation, type Header, readAnnotations } from '../wfdb/index.js';
import { detect as nativeDetect, peaksToAnnotations } from '../pipeline/detect.js';

export interface DetectorInput {
  header: Header;
  signals: Int16Array[];
  /** Path of the record without extension, when it was read from files (the reference detector needs it). */
  recordPath?: string;
}

export interface Detector {
  name: string;
  description: string;
  detect(rec: DetectorInput, channel: number): Promise<Annotation[]>;
}

export const referenceDetector: Detector = {
  name: 'reference',
  description: "re-emits the record's reference annotations (.atr): checks the evaluator, scores 100%",
  async detect(rec) {
    if (!rec.recordPath) {
      throw new Error("the 'reference' detector needs the record's path (recordPath) to read its .atr file");
    }
    return readAnnotations(rec.recordPath, 'atr');
  },
};

/** The device's signal path: fixed-point filter + R-peak detector in the native addon (src/pipeline). */
export const nativeDetector: Detector = {
  name: 'native',
  description: 'the native fixed-point pipeline (filter + adaptive-threshold R-peak detector), as on the device',
  async detect(rec, channel) {
    return peaksToAnnotations(nativeDetect(rec, { channel }), channel);
  },
};

export const DETECTORS: Detector[] = [referenceDetector, nativeDetector];

/** The detector called `name`, or an error listing the available ones. */
export function findDetector(name: string): Detector {
  const d = DETECTORS.find((x) => x.name === name);
  if (!d) throw new Error(`unknown detector '${name}'; available: ${DETECTORS.map((x) => x.name).join(', ')}`);
  return d;
}
