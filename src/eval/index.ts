// The EC57 evaluator: bxb-exact beat-by-beat comparison, QRS and classification reports, detector registry.
export { compareRecord, secondsToSamples, ratio, type CompareOptions, type RecordComparison } from './compare.js';
export { beatStream, inIntervals, HUGE_TIME, type BeatStream, type StreamBeat, type BeatClass } from './beat-stream.js';
export { ROWS, COLS, BEAT_ROWS, BEAT_COLS, emptyMatrix, addMatrix, sumCells, type ClassMatrix, type Row, type Col } from './matrix.js';
export {
  qrsReport, classReport, classStats, type QrsReport, type QrsRecordRow, type ClassReport, type ClassStats,
  type EctopicStats, type AamiClassName,
} from './report.js';
export { DETECTORS, findDetector, referenceDetector, type Detector, type DetectorInput } from './detectors.js';
export { CLASS_SYMBOL, classAnnotation } from './class-annotation.js';
