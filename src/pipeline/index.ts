// The native signal path: fixed-point cleaning filter, R-peak detection, signal quality (native/core via the addon).
export { ecgClean, ecgCleanQ12, ecgCleanReference, filterDesign, type CleanOptions } from './clean.js';
export { Pipeline, QUALITY, MAX_BLOCK, type PeakEvent, type PipelineOptions, type PipelineOutput, type QualityReport } from './pipeline.js';
export { detect, detectSignal, peaksToAnnotations, type DetectOptions } from './detect.js';
