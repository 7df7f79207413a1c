// The native signal path: fixed-point cleaning filter, R-peak detection, signal quality (native/core via the addon).
export { ecgClean, ecgCleanQ12, ecgCleanReference, filterDesign, type CleanOptions } from './clean.js';
