// The part of the addon the signal path uses, typed.
import { loadNative } from '../native/binding.js';

export interface FilterDesignInfo {
  fs: number; mains: number; firTaps: number; base1: number; base2: number;
  firDelay: number; baseDelay: number; cleanDelay: number;
}

export interface PipelineNative {
  cleanSignal(signal: Int16Array | Int32Array, fs: number, mains: number): Float32Array;
  cleanSignalQ12(signal: Int16Array | Int32Array, fs: number, mains: number): Int32Array;
  referenceClean(signal: Int16Array, fs: number, mains: number): Float64Array;
  filterDesign(fs: number, mains: number): FilterDesignInfo;
  /** Core pipeline over one signal in 1-s pushes, timed in C++ (benchmark only). */
  benchCore(signal: Int16Array, fs: number): { seconds: number; peaks: number };
}

export function pipelineNative(): PipelineNative {
  return loadNative() as unknown as PipelineNative;
}
