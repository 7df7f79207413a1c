// The WFDB annotation codes (anntyp) and their mnemonics, as in PhysioNet's documentation of annotation codes.

/** Mnemonic per code; index = code. Unassigned codes are '' (shown as '[code]'). */
const SYMBOLS: string[] = [
  ' ', // 0 NOTQRS (not used in files)
  'N', // 1 NORMAL
  'L', // 2 LBBB
  'R', // 3 RBBB
  'a', // 4 ABERR
  'V', // 5 PVC
  'F', // 6 FUSION
  'J', // 7 NPC
  'A', // 8 APC
  'S', // 9 SVPB
  'E', // 10 VESC
  'j', // 11 NESC
  '/', // 12 PACE
  'Q', // 13 UNKNOWN
  '~', // 14 NOISE (signal quality change)
  '', // 15 unassigned
  '|', // 16 ARFCT (isolated QRS-like artifact)
  '', // 17 unassigned
  's', // 18 STCH (ST change)
  'T', // 19 TCH (T-wave change)
  '*', // 20 SYSTOLE
  'D', // 21 DIASTOLE
  '"', // 22 NOTE (comment)
  '=', // 23 MEASURE
  'p', // 24 PWAVE
  'B', // 25 BBB (bundle branch block beat, unspecified)
  '^', // 26 PACESP (non-conducted pacer spike)
  't', // 27 TWAVE
  '+', // 28 RHYTHM (rhythm change)
  'u', // 29 UWAVE
  '?', // 30 LEARN
  '!', // 31 FLWAV (ventricular flutter wave)
  '[', // 32 VFON (start of ventricular flutter/fibrillation)
  ']', // 33 VFOFF (end of ventricular flutter/fibrillation)
  'e', // 34 AESC (atrial escape beat)
  'n', // 35 SVESC (supraventricular escape beat)
  '@', // 36 LINK (link to external data)
  'x', // 37 NAPC (non-conducted P wave, blocked APC)
  'f', // 38 PFUS (fusion of paced and normal beat)
  '(', // 39 WFON (waveform onset)
  ')', // 40 WFOFF (waveform end)
  'r', // 41 RONT (R-on-T premature ventricular contraction)
];

/** Highest valid annotation code. */
export const ACMAX = 49;

/** Mnemonic of a code: 'N', 'V', ...; '[42]' for codes without one. */
export function codeToSymbol(code: number): string {
  const s = SYMBOLS[code];
  return s ? s : `[${code}]`;
}

const BY_SYMBOL = new Map<string, number>();
SYMBOLS.forEach((s, code) => {
  if (s && code > 0) BY_SYMBOL.set(s, code);
});

/** Code of a mnemonic ('N' → 1); also accepts '[42]'. Returns -1 if unknown. */
export function symbolToCode(symbol: string): number {
  const c = BY_SYMBOL.get(symbol);
  if (c !== undefined) return c;
  const m = /^\[(\d+)\]$/.exec(symbol);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= ACMAX) return Number(m[1]);
  return -1;
}

/** Beat (QRS) annotation symbols, as WFDB's isqrs() defines them. */
export const BEAT_SYMBOLS = new Set(['N', 'L', 'R', 'B', 'a', 'J', 'A', 'S', 'j', 'e', 'n', 'V', 'r', 'E', 'F', 'Q', '/', 'f', '?', '!']);

/** True for annotation codes that mark a beat. */
export function isBeatCode(code: number): boolean {
  return code >= 1 && code <= ACMAX && BEAT_SYMBOLS.has(codeToSymbol(code));
}

/** AAMI EC57 class of a beat symbol: N, S, V, F, Q, or 'O' for '!' (flutter wave) and undefined for non-beats. */
export function aamiClass(symbol: string): 'N' | 'S' | 'V' | 'F' | 'Q' | 'O' | undefined {
  switch (symbol) {
    case 'N': case 'L': case 'R': case 'B':
      return 'N';
    case 'a': case 'J': case 'A': case 'S': case 'j': case 'e': case 'n':
      return 'S';
    case 'V': case 'r': case 'E':
      return 'V';
    case 'F':
      return 'F';
    case 'Q': case '/': case 'f': case '?':
      return 'Q';
    case '!':
      return 'O';
    default:
      return undefined;
  }
}
