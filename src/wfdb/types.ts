// Types shared by the WFDB reader and writer (the contract in docs of src/wfdb/index.ts).

/** One signal line of a WFDB header (.hea). */
export interface SignalSpec {
  fileName: string;
  format: number;
  samplesPerFrame: number;
  skew: number;
  byteOffset: number;
  /** ADC units per physical unit (200 when the header leaves it unset or 0). */
  gain: number;
  baseline: number;
  units: string;
  adcResolution: number;
  adcZero: number;
  initValue: number;
  checksum: number;
  blockSize: number;
  description: string;
}

/** A parsed WFDB header (single-segment records). */
export interface Header {
  record: string;
  nSignals: number;
  fs: number;
  nSamples: number;
  baseTime?: string;
  baseDate?: string;
  signals: SignalSpec[];
  /** Comment lines, without the leading '#' and one following space. */
  comments: string[];
}

/** One annotation of a WFDB annotation file (MIT format). */
export interface Annotation {
  /** Sample index (frame number) from the start of the record. */
  sample: number;
  /** Mnemonic, e.g. 'N', 'V', '+', '~' (see annotation-codes.ts). */
  symbol: string;
  /** Numeric annotation code (anntyp), 1..49. */
  code: number;
  subtype: number;
  chan: number;
  num: number;
  /** Auxiliary text ('' when absent), e.g. '(AFIB' for rhythm changes. */
  aux: string;
}

export interface WfdbRecord {
  header: Header;
  /** One array per signal, in ADC units. */
  signals: Int16Array[];
}

/** Any problem reading or writing WFDB files: the message names the file and what is wrong. */
export class WfdbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WfdbError';
  }
}
