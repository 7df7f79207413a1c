// The analog front end of the board, as a model: an AD8232 whose output is OFFSET_MV + GAIN x input (clipped
// to its 0..3.3 V rails) read by the ATmega328P's 10-bit ADC against a 5 V reference. The simulator feeds the
// record through the first half (record -> millivolts at A0); simavr's ADC does the second half; the host
// turns ADC counts back into input millivolts from the constants the board reports in ECG_INFO.
import type { SignalSpec } from '../wfdb/index.js';

export interface FrontEnd {
  gain: number;
  offsetMv: number;
  railMv: number;
  vrefMv: number;
  adcMax: number;
}

/** The firmware's defaults (firmware/main.cpp: FRONTEND_GAIN, FRONTEND_OFFSET_MV; AVCC reference). */
export const DEFAULT_FRONTEND: FrontEnd = { gain: 500, offsetMv: 1650, railMv: 3300, vrefMv: 5000, adcMax: 1023 };

/** AD8232 output (mV at A0) for record samples in ADC units: baseline and gain from the WFDB header. */
export function recordToMillivolts(signal: Int16Array, spec: Pick<SignalSpec, 'gain' | 'baseline'>, fe: FrontEnd = DEFAULT_FRONTEND): Uint16Array {
  const out = new Uint16Array(signal.length);
  const gain = spec.gain || 200;
  for (let i = 0; i < signal.length; i++) {
    const inputMv = (signal[i] - spec.baseline) / gain;
    const mv = Math.round(fe.offsetMv + fe.gain * inputMv);
    out[i] = Math.min(fe.railMv, Math.max(0, mv));
  }
  return out;
}

/** The ADC count simavr's ATmega328P returns for `mv` at A0 (integer scaling by 1023/VREF, clipped). */
export function millivoltsToAdc(mv: number, fe: FrontEnd = DEFAULT_FRONTEND): number {
  return Math.min(fe.adcMax, Math.floor((mv * fe.adcMax) / fe.vrefMv));
}

/** Input millivolts (at the electrodes) for an ADC count, given the board's reported constants. */
export function adcToInputMv(adc: number, b: { vrefMv: number; gain: number; offsetMv: number }, adcMax = 1023): number {
  return ((adc * b.vrefMv) / adcMax - b.offsetMv) / b.gain;
}
