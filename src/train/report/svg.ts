// A tiny SVG plotting module (no dependencies): line plots with axes and legend, matrix heat maps (confusion
// matrices), and a signal trace coloured by a per-sample weight (Grad-CAM over a beat). Output is a standalone
// SVG document string.

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(x: number): string {
  return Number.isFinite(x) ? (Math.round(x * 100) / 100).toString() : '0';
}

function doc(w: number, h: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toFixed(digits)) + 0);
  return out;
}

export interface Series {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label?: string;
  color?: string;
  dash?: string;
  width?: number;
}

export interface Frame {
  x0: number; y0: number; w: number; h: number;
  xmin: number; xmax: number; ymin: number; ymax: number;
}

export function sx(f: Frame, x: number): number { return f.x0 + ((x - f.xmin) / (f.xmax - f.xmin || 1)) * f.w; }
export function sy(f: Frame, y: number): number { return f.y0 + f.h - ((y - f.ymin) / (f.ymax - f.ymin || 1)) * f.h; }

export function polyline(f: Frame, x: ArrayLike<number>, y: ArrayLike<number>, attrs: string): string {
  const pts: string[] = [];
  for (let i = 0; i < x.length; i++) pts.push(`${num(sx(f, x[i]!))},${num(sy(f, y[i]!))}`);
  return `<polyline fill="none" ${attrs} points="${pts.join(' ')}"/>`;
}

/** Axes box, ticks, tick labels and axis titles for a frame. */
export function axes(f: Frame, xlabel = '', ylabel = '', title = ''): string[] {
  const out: string[] = [`<rect x="${f.x0}" y="${f.y0}" width="${f.w}" height="${f.h}" fill="none" stroke="#333"/>`];
  for (const t of ticks(f.xmin, f.xmax)) {
    const X = num(sx(f, t));
    out.push(`<line x1="${X}" y1="${f.y0 + f.h}" x2="${X}" y2="${f.y0 + f.h + 4}" stroke="#333"/>`);
    out.push(`<text x="${X}" y="${f.y0 + f.h + 15}" text-anchor="middle">${num(t)}</text>`);
  }
  for (const t of ticks(f.ymin, f.ymax)) {
    const Y = num(sy(f, t));
    out.push(`<line x1="${f.x0 - 4}" y1="${Y}" x2="${f.x0}" y2="${Y}" stroke="#333"/>`);
    out.push(`<text x="${f.x0 - 6}" y="${Y}" text-anchor="end" dominant-baseline="middle">${num(t)}</text>`);
  }
  if (xlabel) out.push(`<text x="${f.x0 + f.w / 2}" y="${f.y0 + f.h + 32}" text-anchor="middle">${esc(xlabel)}</text>`);
  if (ylabel) out.push(`<text transform="translate(${f.x0 - 36},${f.y0 + f.h / 2}) rotate(-90)" text-anchor="middle">${esc(ylabel)}</text>`);
  if (title) out.push(`<text x="${f.x0 + f.w / 2}" y="${f.y0 - 8}" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`);
  return out;
}

export interface LinePlotOptions {
  width?: number; height?: number;
  title?: string; xlabel?: string; ylabel?: string;
  xlim?: [number, number]; ylim?: [number, number];
  /** Draw the y = x diagonal (ROC chance line). */
  diagonal?: boolean;
}

export function linePlot(series: Series[], opts: LinePlotOptions = {}): string {
  const W = opts.width ?? 480, H = opts.height ?? 380;
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (const s of series) for (let i = 0; i < s.x.length; i++) {
    xmin = Math.min(xmin, s.x[i]!); xmax = Math.max(xmax, s.x[i]!); ymin = Math.min(ymin, s.y[i]!); ymax = Math.max(ymax, s.y[i]!);
  }
  if (opts.xlim) [xmin, xmax] = opts.xlim;
  if (opts.ylim) [ymin, ymax] = opts.ylim;
  if (!Number.isFinite(xmin)) { xmin = 0; xmax = 1; ymin = 0; ymax = 1; }
  const f: Frame = { x0: 56, y0: 30, w: W - 76, h: H - 76, xmin, xmax, ymin, ymax };
  const body = axes(f, opts.xlabel, opts.ylabel, opts.title);
  if (opts.diagonal) body.push(`<line x1="${num(sx(f, xmin))}" y1="${num(sy(f, ymin))}" x2="${num(sx(f, xmax))}" y2="${num(sy(f, ymax))}" stroke="#aaa" stroke-dasharray="4 3"/>`);
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    body.push(polyline(f, s.x, s.y, `stroke="${color}" stroke-width="${s.width ?? 1.6}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}`));
  });
  const labelled = series.filter((s) => s.label);
  labelled.forEach((s, k) => {
    const color = s.color ?? PALETTE[series.indexOf(s) % PALETTE.length]!;
    const y = f.y0 + f.h - 12 - (labelled.length - 1 - k) * 15;
    const x = f.x0 + f.w - 150;
    body.push(`<line x1="${x}" y1="${y}" x2="${x + 18}" y2="${y}" stroke="${color}" stroke-width="2"/>`);
    body.push(`<text x="${x + 22}" y="${y}" dominant-baseline="middle">${esc(s.label!)}</text>`);
  });
  return doc(W, H, body);
}

/** Interpolate white → blue (t in [0,1]). */
export function blues(t: number): string {
  const c = Math.max(0, Math.min(1, t));
  const r = Math.round(255 - c * (255 - 8)), g = Math.round(255 - c * (255 - 69)), b = Math.round(255 - c * (255 - 148));
  return `rgb(${r},${g},${b})`;
}

/** Perceptual-ish heat colour (dark blue → cyan → yellow → red) for t in [0,1]. */
export function heat(t: number): string {
  const c = Math.max(0, Math.min(1, t));
  const stops: [number, number, number][] = [[49, 54, 149], [69, 117, 180], [116, 173, 209], [254, 224, 144], [244, 109, 67], [165, 0, 38]];
  const x = c * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(x)), u = x - i;
  const a = stops[i]!, b = stops[i + 1]!;
  return `rgb(${Math.round(a[0] + u * (b[0] - a[0]))},${Math.round(a[1] + u * (b[1] - a[1]))},${Math.round(a[2] + u * (b[2] - a[2]))})`;
}

export interface MatrixOptions {
  title?: string;
  rowLabel?: string; colLabel?: string;
  /** Colour by row-normalized value (each row sums to 1), while printing the raw counts. Default true. */
  rowNormalize?: boolean;
  cell?: number;
}

/** A labelled matrix heat map with the value printed in each cell (confusion matrix). */
export function matrixPlot(m: number[][], rowLabels: string[], colLabels: string[], opts: MatrixOptions = {}): string {
  const cell = opts.cell ?? 56;
  const R = m.length, C = m[0]?.length ?? 0;
  const x0 = 80, y0 = 50;
  const W = Math.max(x0 + C * cell + 30, Math.ceil((opts.title?.length ?? 0) * 7.2) + 20), H = y0 + R * cell + 50;
  const body: string[] = [];
  if (opts.title) body.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(opts.title)}</text>`);
  const gmax = Math.max(1, ...m.flat());
  for (let r = 0; r < R; r++) {
    const rs = m[r]!.reduce((a, b) => a + b, 0);
    for (let c = 0; c < C; c++) {
      const v = m[r]![c]!;
      const t = (opts.rowNormalize ?? true) ? (rs > 0 ? v / rs : 0) : v / gmax;
      const x = x0 + c * cell, y = y0 + r * cell;
      body.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blues(t)}" stroke="#ccc"/>`);
      body.push(`<text x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" dominant-baseline="middle" fill="${t > 0.55 ? 'white' : 'black'}">${Number.isInteger(v) ? v : v.toFixed(2)}</text>`);
    }
    body.push(`<text x="${x0 - 8}" y="${y0 + r * cell + cell / 2}" text-anchor="end" dominant-baseline="middle" font-weight="bold">${esc(rowLabels[r] ?? '')}</text>`);
  }
  for (let c = 0; c < C; c++) body.push(`<text x="${x0 + c * cell + cell / 2}" y="${y0 - 6}" text-anchor="middle" font-weight="bold">${esc(colLabels[c] ?? '')}</text>`);
  if (opts.colLabel) body.push(`<text x="${x0 + (C * cell) / 2}" y="${y0 + R * cell + 24}" text-anchor="middle">${esc(opts.colLabel)}</text>`);
  if (opts.rowLabel) body.push(`<text transform="translate(${x0 - 44},${y0 + (R * cell) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.rowLabel)}</text>`);
  return doc(W, H, body);
}

export interface HeatTracePanel {
  signal: ArrayLike<number>;
  /** Per-sample weight in [0,1], same length as signal. */
  weight: ArrayLike<number>;
  title?: string;
}

/**
 * A grid of panels; each draws a signal as line segments coloured by their weight, over a faint band showing
 * the weight (Grad-CAM over a beat).
 */
export function heatTraceGrid(panels: HeatTracePanel[], opts: { cols?: number; panelW?: number; panelH?: number; title?: string; fs?: number } = {}): string {
  const cols = Math.max(1, Math.min(opts.cols ?? 5, panels.length));
  const rows = Math.ceil(panels.length / cols);
  const pw = opts.panelW ?? 200, ph = opts.panelH ?? 140;
  const top = opts.title ? 28 : 8;
  const W = cols * pw + 10, H = top + rows * ph + 10;
  const body: string[] = [];
  if (opts.title) body.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(opts.title)}</text>`);
  panels.forEach((p, k) => {
    const T = p.signal.length;
    if (p.weight.length !== T) throw new Error(`heatTraceGrid: panel ${k} has ${T} samples but ${p.weight.length} weights`);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < T; i++) { lo = Math.min(lo, p.signal[i]!); hi = Math.max(hi, p.signal[i]!); }
    const pad = (hi - lo) * 0.08 || 1;
    const f: Frame = { x0: 10 + (k % cols) * pw + 6, y0: top + Math.floor(k / cols) * ph + 18, w: pw - 16, h: ph - 30, xmin: 0, xmax: Math.max(1, T - 1), ymin: lo - pad, ymax: hi + pad };
    body.push(`<rect x="${f.x0}" y="${f.y0}" width="${f.w}" height="${f.h}" fill="#fafafa" stroke="#bbb"/>`);
    const bw = f.w / Math.max(1, T);
    for (let i = 0; i < T; i++) {
      const w = p.weight[i]!;
      if (w > 0.02) body.push(`<rect x="${num(f.x0 + i * bw)}" y="${f.y0}" width="${num(bw + 0.3)}" height="${f.h}" fill="${heat(w)}" fill-opacity="${num(0.35 * w)}"/>`);
    }
    for (let i = 0; i + 1 < T; i++) {
      const w = (p.weight[i]! + p.weight[i + 1]!) / 2;
      body.push(`<line x1="${num(sx(f, i))}" y1="${num(sy(f, p.signal[i]!))}" x2="${num(sx(f, i + 1))}" y2="${num(sy(f, p.signal[i + 1]!))}" stroke="${heat(w)}" stroke-width="1.8" stroke-linecap="round"/>`);
    }
    if (p.title) body.push(`<text x="${f.x0 + f.w / 2}" y="${f.y0 - 5}" text-anchor="middle">${esc(p.title)}</text>`);
  });
  return doc(W, H, body);
}

/** A grid of small panels, each overlaying several traces (e.g. real vs synthetic beats). */
export function traceGrid(panels: { traces: ArrayLike<number>[]; title?: string; color?: string }[], opts: { cols?: number; panelW?: number; panelH?: number; title?: string } = {}): string {
  const cols = Math.max(1, Math.min(opts.cols ?? 3, panels.length));
  const rows = Math.ceil(panels.length / cols);
  const pw = opts.panelW ?? 240, ph = opts.panelH ?? 160;
  const top = opts.title ? 28 : 8;
  const W = cols * pw + 10, H = top + rows * ph + 10;
  const body: string[] = [];
  if (opts.title) body.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(opts.title)}</text>`);
  let lo = Infinity, hi = -Infinity;
  for (const p of panels) for (const t of p.traces) for (let i = 0; i < t.length; i++) { lo = Math.min(lo, t[i]!); hi = Math.max(hi, t[i]!); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  panels.forEach((p, k) => {
    const T = Math.max(1, ...p.traces.map((t) => t.length));
    const f: Frame = { x0: 10 + (k % cols) * pw + 6, y0: top + Math.floor(k / cols) * ph + 18, w: pw - 16, h: ph - 30, xmin: 0, xmax: Math.max(1, T - 1), ymin: lo, ymax: hi };
    body.push(`<rect x="${f.x0}" y="${f.y0}" width="${f.w}" height="${f.h}" fill="#fafafa" stroke="#bbb"/>`);
    for (const t of p.traces) body.push(polyline(f, Array.from({ length: t.length }, (_, i) => i), t, `stroke="${p.color ?? PALETTE[0]}" stroke-width="0.9" stroke-opacity="0.55"`));
    if (p.title) body.push(`<text x="${f.x0 + f.w / 2}" y="${f.y0 - 5}" text-anchor="middle">${esc(p.title)}</text>`);
  });
  return doc(W, H, body);
}
