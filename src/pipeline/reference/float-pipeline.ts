// A plain float64 TypeScript implementation of the native signal path's algorithm (same filters, same
// detector rules as native/core/dsp/clean_q12.h and native/core/detect/qrs_i64.cc, in floating point and
// without the integer scalings). It is the yardstick of the benchmark (`npm run bench`: the native pipeline's
// speed relative to this) and a readable statement of the algorithm. Not used on the device.

export interface FloatPeak { sample: number; amplitude: number }

function oddRound(v: number): number {
  const n = Math.round(v);
  return n % 2 === 0 ? n + 1 : n;
}
const ms = (fs: number, m: number) => Math.round((fs * m) / 1000);

/** Filter coefficients, as native/core/dsp/design.cc (unquantized). */
export function designFloat(fs: number, mains: 50 | 60) {
  const w0 = (2 * Math.PI * mains) / fs;
  const r = 1 - (Math.PI * 2) / fs;
  const c = Math.cos(w0);
  const a1 = -2 * r * c, a2 = r * r;
  const g = (1 + a1 + a2) / (2 - 2 * c);
  const half = Math.round(0.03 * fs);
  const taps = 2 * half + 1;
  const fc = Math.min(40, 0.4 * fs) / fs;
  const fir = new Float64Array(taps);
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const k = i - half;
    const sinc = k === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * k) / (Math.PI * k);
    fir[i] = sinc * (0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (taps - 1)));
    sum += fir[i];
  }
  for (let i = 0; i < taps; i++) fir[i] /= sum;
  const base1 = oddRound(0.9 * fs), base2 = oddRound(0.75 * fs);
  return { b: [g, -2 * c * g, g], a: [1, a1, a2], fir, half, base1, base2, baseDelay: (base1 - 1) / 2 + (base2 - 1) / 2 };
}

/**
 * Runs the float pipeline over one channel: returns the R peaks (input-time samples). The cleaned output is
 * computed too (as the device does), into `clean` when given (delayed by half + baseDelay samples).
 */
export function floatPipeline(x: ArrayLike<number>, fs: number, mains: 50 | 60 = 60, clean?: Float64Array): FloatPeak[] {
  const d = designFloat(fs, mains);
  const n = x.length;
  const peaks: FloatPeak[] = [];
  if (n === 0) return peaks;
  // --- cleaning filter state (primed with the first sample)
  const x0 = x[0];
  let x1 = x0, x2 = x0, y1 = x0, y2 = x0;
  const taps = d.fir.length;
  const firBuf = new Float64Array(2 * taps).fill(x0);
  let firPos = 0;
  const R1 = 1024, R2 = 1024;
  const r1 = new Float64Array(R1).fill(x0);
  let s1 = x0 * d.base1;
  const r2 = new Float64Array(R2).fill(s1);
  let s2 = s1 * d.base2;
  const norm = 1 / (d.base1 * d.base2);
  // --- detector parameters and state (qrs_i64.cc)
  const lh = oddRound(0.15 * fs), dh = (lh - 1) / 2, m = ms(fs, 16), lw = oddRound(0.2 * fs), dw = (lw - 1) / 2;
  const mergeMin = ms(fs, 150), mergeMax = ms(fs, 250), refractory = ms(fs, 200), twave = ms(fs, 360);
  const learn = 2 * fs, fidHalf = ms(fs, 100), lag = dh + m + dw + mergeMax + 1;
  const rrMin = ms(fs, 200), rrMax = 3 * fs, slowReset = 4 * fs;
  const QR = 256, HR = 1024, ER = 512;
  const qring = new Float64Array(QR).fill(x0);
  let qsum = x0 * lh;
  const hring = new Float64Array(HR);
  const ering = new Float64Array(ER);
  let wsum = 0, prev = 0, rising = false, hasCand = false, candK = 0, candV = 0, merge = mergeMin;
  let learning = true, spk = 0, npk = 0, lastQrs = -1e15, lastDecay = -1e15, lastSlope = 0;
  const rr: number[] = [];
  let rrMean = 0, sbLimit = ms(fs, 800) * 1.66, sbPending = false;
  type Pk = { t: number; v: number; slope: number; amp: number; tw: boolean };
  let store: Pk[] = [];
  const learnBuf: Pk[] = [];
  const firDelay = d.half;

  const emit = (p: Pk) => {
    const s = p.t - firDelay;
    if (s >= 0 && s < n) peaks.push({ sample: s, amplitude: p.amp });
  };
  const thr1 = () => npk + (spk - npk) / 6;
  const accept = (p: Pk, sb: boolean) => {
    const vc = spk > 0 ? Math.min(p.v, 4 * spk) : p.v;
    spk += sb ? (vc - spk) / 4 : (vc - spk) / 8;
    if (lastQrs > -1e14) {
      const iv = p.t - lastQrs;
      if (iv >= rrMin && iv <= rrMax) {
        rr.push(iv);
        if (rr.length > 8) rr.shift();
        rrMean = rr.reduce((a, b) => a + b, 0) / rr.length;
        sbLimit = rrMean * 1.66;
        merge = Math.min(mergeMax, Math.max(mergeMin, rrMean / 4));
      }
    }
    lastQrs = p.t;
    lastSlope = p.slope;
    store = store.filter((q) => q.t > p.t);
    sbPending = store.length > 0;
    emit(p);
  };
  const storePeak = (p: Pk) => {
    if (store.length === 32) store.shift();
    store.push(p);
    sbPending = true;
  };
  const searchback = () => {
    for (;;) {
      const t2 = thr1() / 2;
      let best: Pk | null = null;
      for (const c of store) {
        const since = c.t - lastQrs;
        if (c.tw || since < refractory || c.v <= t2) continue;
        if (since < twave && c.slope * 4 < lastSlope) continue;
        if (!best || c.v > best.v) best = c;
      }
      if (!best) { sbPending = false; return; }
      accept(best, true);
    }
  };
  const decide = (p: Pk) => {
    if (sbPending && p.t - lastQrs > sbLimit) searchback();
    const since = p.t - lastQrs;
    const t1 = thr1();
    if (since < refractory) return;
    const early = rr.length >= 4 && since < 0.8 * rrMean;
    if (early && p.v > t1 && p.v <= 8 * npk) { storePeak(p); return; }
    if (p.v > t1) {
      if (since < twave && p.slope * 4 < lastSlope) { p.tw = true; npk += (p.v - npk) / 8; storePeak(p); return; }
      accept(p, false);
    } else {
      npk += (p.v - npk) / 8;
      storePeak(p);
    }
  };
  const confirm = () => {
    let slope = 0;
    for (let i = candK - lw + 1; i <= candK; i++) slope = Math.max(slope, ering[i & (ER - 1)]);
    const c = candK - dw - m - dh;
    let bt = c, ba = -1, bh = 0;
    for (let t = c - fidHalf; t <= c + fidHalf; t++) {
      const h = hring[(t + dh) & (HR - 1)];
      if (Math.abs(h) > ba) { ba = Math.abs(h); bt = t; bh = h; }
    }
    const p: Pk = { t: bt, v: candV, slope, amp: bh / lh, tw: false };
    if (learning) { if (learnBuf.length < 32) learnBuf.push(p); return; }
    decide(p);
  };

  const total = n + Math.max(d.half + d.baseDelay, lag + Math.floor(rrMax * 1.66) + 2);
  const last = x[n - 1];
  for (let k = 0; k < total; k++) {
    const xi = k < n ? x[k] : last;
    // cleaning filter
    const a = d.b[0] * xi + d.b[1] * x1 + d.b[2] * x2 - d.a[1] * y1 - d.a[2] * y2;
    x2 = x1; x1 = xi; y2 = y1; y1 = a;
    firPos = firPos === 0 ? taps - 1 : firPos - 1;
    firBuf[firPos] = a; firBuf[firPos + taps] = a;
    let l = 0;
    for (let i = 0; i < taps; i++) l += d.fir[i] * firBuf[firPos + i];
    s1 += l - r1[(k - d.base1) & (R1 - 1)];
    r1[k & (R1 - 1)] = l;
    s2 += s1 - r2[(k - d.base2) & (R2 - 1)];
    r2[k & (R2 - 1)] = s1;
    if (clean && k >= d.half + d.baseDelay && k - d.half - d.baseDelay < n) {
      clean[k - d.half - d.baseDelay] = r1[(k - d.baseDelay) & (R1 - 1)] - s2 * norm;
    }
    // detector
    qsum += l - qring[(k - lh) & (QR - 1)];
    qring[k & (QR - 1)] = l;
    const hp = lh * qring[(k - dh) & (QR - 1)] - qsum;
    hring[k & (HR - 1)] = hp;
    const dv = (hp - hring[(k - 2 * m) & (HR - 1)]) / lh;
    const e = dv * dv;
    wsum += e - ering[(k - lw) & (ER - 1)];
    ering[k & (ER - 1)] = e;
    const mwi = wsum;
    if (mwi > prev) rising = true;
    else if (mwi < prev && rising) {
      rising = false;
      if (!hasCand || prev > candV) { hasCand = true; candK = k - 1; candV = prev; }
    }
    prev = mwi;
    if (hasCand && k - candK > merge) { hasCand = false; confirm(); }
    if (learning) {
      if (k >= learn + lag) {
        learning = false;
        spk = Math.max(0, ...learnBuf.map((p) => p.v)) / 2;
        npk = 0;
        for (const p of learnBuf) decide(p);
      }
      continue;
    }
    const now = k - lag;
    if (sbPending && now - lastQrs > sbLimit) searchback();
    if (now - Math.max(lastQrs, lastDecay) > slowReset && now - lastQrs > 2 * sbLimit) {
      spk /= 2; npk /= 2; lastDecay = now; sbPending = store.length > 0;
    }
  }
  return peaks;
}
