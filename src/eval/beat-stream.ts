// Turns an annotation list into what the bxb comparison reads from one file: beats with their AAMI class,
// with ventricular flutter/fibrillation ('[' … ']') and shutdown ('~' with subtype bits 0x30) intervals.
import type { Annotation } from '../wfdb/index.js';
import { aamiClass, isBeatCode } from '../wfdb/index.js';

/** Row label of a reference beat (O: '!' flutter wave, counted in no QRS statistic). */
export type BeatClass = 'N' | 'S' | 'V' | 'F' | 'Q' | 'O';

export interface StreamBeat {
  sample: number;
  cls: BeatClass;
}

export interface BeatStream {
  beats: StreamBeat[];
  /** [onset, end] inclusive; end = HUGE_TIME when the file ends inside the interval. */
  vf: Array<[number, number]>;
  shutdown: Array<[number, number]>;
}

/** Stands for "after the end of the file" (bxb's largest time). */
export const HUGE_TIME = 0x7fffffff;

const NOISE = 14, VFON = 32, VFOFF = 33;
const isShutdownOn = (a: Annotation) => a.code === NOISE && (a.subtype & 0x30) === 0x30;

/** Reads one annotation file's beats and exclusion intervals, as bxb's getref()/gettest() do. */
export function beatStream(anns: Annotation[], window: number): BeatStream {
  const beats: StreamBeat[] = [];
  const vf: Array<[number, number]> = [];
  const shutdown: Array<[number, number]> = [];
  let lastBeat = 0; // time of the previous beat (0 before the first one, like bxb's dummy)
  let lastVfOff = -1;
  for (let k = 0; k < anns.length; k++) {
    const a = anns[k]!;
    if (isBeatCode(a.code)) {
      beats.push({ sample: a.sample, cls: aamiClass(a.symbol) as BeatClass });
      lastBeat = a.sample;
    } else if (isShutdownOn(a)) {
      const next = anns[k + 1];
      if (!next) {
        // The file ends inside the shutdown: nothing more is read from it.
        shutdown.push([a.sample, HUGE_TIME]);
        break;
      }
      if (next.code === NOISE && !isShutdownOn(next)) {
        shutdown.push([a.sample, next.sample]);
        k++;
      } else {
        // AHA style: one mark inside the shutdown; it runs from the previous beat (or VF end) + window
        // to the next annotation − window. The next annotation is then read normally.
        let on = (lastVfOff > lastBeat ? lastVfOff : lastBeat) + window;
        const off = next.sample - window;
        if (on > off) on = off;
        shutdown.push([on, off]);
      }
    } else if (a.code === VFON) {
      // Everything up to and including the next ']' is skipped, beats included.
      let j = k + 1;
      while (j < anns.length && anns[j]!.code !== VFOFF) j++;
      if (j >= anns.length) {
        vf.push([a.sample, HUGE_TIME]);
        break;
      }
      vf.push([a.sample, anns[j]!.sample]);
      lastVfOff = anns[j]!.sample;
      k = j;
    }
  }
  return { beats, vf, shutdown };
}

/** True if `t` lies in one of the inclusive intervals. */
export function inIntervals(t: number, intervals: Array<[number, number]>): boolean {
  for (const [on, off] of intervals) if (on <= t && t <= off) return true;
  return false;
}
