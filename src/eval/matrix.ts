// The bxb confusion matrix: rows are reference labels, columns test labels.
// Rows N S V F Q (reference beats), O (no reference beat: a test beat without a match, or a reference '!'),
// X (test beat inside a reference shutdown). Columns n s v f q (test beats), o (no test beat), x (reference
// beat inside a test shutdown). The cells O/X × o/x are never counted.
export const ROWS = ['N', 'S', 'V', 'F', 'Q', 'O', 'X'] as const;
export const COLS = ['n', 's', 'v', 'f', 'q', 'o', 'x'] as const;
export type Row = (typeof ROWS)[number];
export type Col = (typeof COLS)[number];
export type ClassMatrix = Record<Row, Record<Col, number>>;

export const BEAT_ROWS = ['N', 'S', 'V', 'F', 'Q'] as const;
export const BEAT_COLS = ['n', 's', 'v', 'f', 'q'] as const;

export function emptyMatrix(): ClassMatrix {
  const m = {} as ClassMatrix;
  for (const r of ROWS) {
    m[r] = {} as Record<Col, number>;
    for (const c of COLS) m[r][c] = 0;
  }
  return m;
}

export function addMatrix(into: ClassMatrix, m: ClassMatrix): ClassMatrix {
  for (const r of ROWS) for (const c of COLS) into[r][c] += m[r][c];
  return into;
}

/** Sum of m[r][c] over the given rows and columns. */
export function sumCells(m: ClassMatrix, rows: readonly Row[], cols: readonly Col[]): number {
  let s = 0;
  for (const r of rows) for (const c of cols) s += m[r][c];
  return s;
}
