// The device's cleaning filter, fixed point (kernel "clean", dtype q12): powerline notch (biquad, Q30
// coefficients) -> linear-phase low-pass FIR (Q30) -> baseline removal (two exact integer boxcars,
// subtracted from the delayed signal). Samples are int32 in Q12 (ADC units * 4096); accumulators int64,
// the baseline normalization uses one 64x64->128-bit product. Fixed-size state, no heap, one call per sample.
// Q formats and the overflow analysis: docs/FIXED_POINT.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include "design.h"

namespace ecg::dsp {

struct CleanState {
  int32_t x1, x2, y1, y2;                 // notch history (Q12)
  int32_t fir[2 * kMaxFirTaps];           // doubled ring: fir[pos..pos+taps-1] is the window, newest first
  int32_t fir_pos;
  int32_t r1[kBaseRing1];                 // low-pass output history (Q12)
  int64_t r2[kBaseRing2];                 // first boxcar sums
  int64_t s1, s2;                         // running sums of the two boxcars
  uint32_t i1;                            // sample counter (ring write index)
  bool primed;
};

struct CleanOut {
  int32_t lowpassed;   // notch + low-pass output (Q12), delay fir_delay
  int32_t centre;      // notch output at the FIR centre tap (Q12), delay fir_delay: centre - lowpassed = HF content
  int32_t clean;       // final output (Q12), delay clean_delay
};

// Symmetric FIR sum (Q30 x Q12 -> int64) over taps 0..2*half. The tap count is known at compile time for
// every supported rate (half = round(0.03 fs) in [4, 30]), so the loop is fully unrolled per case; the
// integer sum is exact, so the order does not matter.
template <int H>
inline int64_t fir_sym_fixed(const int32_t* h, const int32_t* w) {
  int64_t a0 = int64_t{h[H]} * w[H], a1 = 0;
  for (int k = 0; k + 1 < H; k += 2) {
    a0 += int64_t{h[k]} * (w[k] + w[2 * H - k]);
    a1 += int64_t{h[k + 1]} * (w[k + 1] + w[2 * H - 1 - k]);
  }
  if (H % 2) a0 += int64_t{h[H - 1]} * (w[H - 1] + w[H + 1]);
  return a0 + a1;
}

inline int64_t fir_sym_q30(const int32_t* h, const int32_t* w, int half) {
  switch (half) {
#define ECG_FIR_CASE(H) case H: return fir_sym_fixed<H>(h, w);
    ECG_FIR_CASE(4) ECG_FIR_CASE(5) ECG_FIR_CASE(6) ECG_FIR_CASE(7) ECG_FIR_CASE(8) ECG_FIR_CASE(9)
    ECG_FIR_CASE(10) ECG_FIR_CASE(11) ECG_FIR_CASE(12) ECG_FIR_CASE(13) ECG_FIR_CASE(14) ECG_FIR_CASE(15)
    ECG_FIR_CASE(16) ECG_FIR_CASE(17) ECG_FIR_CASE(18) ECG_FIR_CASE(19) ECG_FIR_CASE(20) ECG_FIR_CASE(21)
    ECG_FIR_CASE(22) ECG_FIR_CASE(23) ECG_FIR_CASE(24) ECG_FIR_CASE(25) ECG_FIR_CASE(26) ECG_FIR_CASE(27)
    ECG_FIR_CASE(28) ECG_FIR_CASE(29) ECG_FIR_CASE(30)
#undef ECG_FIR_CASE
    default: break;
  }
  int64_t acc = int64_t{h[half]} * w[half];
  for (int k = 0; k < half; ++k) acc += int64_t{h[k]} * (w[k] + w[2 * half - k]);
  return acc;
}

inline int32_t clamp_input(int32_t x) { return x < kInputMin ? kInputMin : (x > kInputMax ? kInputMax : x); }

void clean_reset(CleanState* s);
// Primes every stage as if the input had been constant at x (ADC units, already clamped) forever.
void clean_prime(const FilterDesign& d, CleanState* s, int32_t x);

inline CleanOut clean_step_q12(const FilterDesign& d, CleanState& s, int32_t x_adc) {
  const int32_t x = x_adc * (1 << kSampleShift);
  // Notch, direct form I, Q30 coefficients, int64 accumulator, rounded to Q12.
  int64_t acc = int64_t{d.qb[0]} * x + int64_t{d.qb[1]} * s.x1 + int64_t{d.qb[2]} * s.x2 -
                int64_t{d.qa[1]} * s.y1 - int64_t{d.qa[2]} * s.y2;
  const int32_t a = static_cast<int32_t>((acc + (int64_t{1} << (kCoefShift - 1))) >> kCoefShift);
  s.x2 = s.x1; s.x1 = x; s.y2 = s.y1; s.y1 = a;
  // Symmetric low-pass FIR on a doubled ring.
  const int n = d.fir_taps, half = d.fir_delay;
  int32_t pos = s.fir_pos == 0 ? n - 1 : s.fir_pos - 1;
  s.fir_pos = pos;
  s.fir[pos] = a;
  s.fir[pos + n] = a;
  const int32_t* w = s.fir + pos;
  acc = fir_sym_q30(d.qfir, w, half);
  const int32_t l = static_cast<int32_t>((acc + (int64_t{1} << (kCoefShift - 1))) >> kCoefShift);
  // Baseline: exact integer running sums, one rounded normalization.
  const uint32_t i = s.i1++;
  s.s1 += l - s.r1[(i - static_cast<uint32_t>(d.base1)) & (kBaseRing1 - 1)];
  s.r1[i & (kBaseRing1 - 1)] = l;
  s.s2 += s.s1 - s.r2[(i - static_cast<uint32_t>(d.base2)) & (kBaseRing2 - 1)];
  s.r2[i & (kBaseRing2 - 1)] = s.s1;
  const __int128 prod = static_cast<__int128>(s.s2) * d.base_recip + (static_cast<__int128>(1) << 61);
  const int32_t est = static_cast<int32_t>(static_cast<int64_t>(prod >> 62));
  const int32_t delayed = s.r1[(i - static_cast<uint32_t>(d.base_delay)) & (kBaseRing1 - 1)];
  return CleanOut{l, w[half], delayed - est};
}

}  // namespace ecg::dsp

namespace ecg::dsp {
// Whole-signal fixed-point cleaning, delay-compensated: out[i] (Q12) is aligned with in[i]. The first sample
// primes the state, the end is padded by holding the last sample. Identical arithmetic to the streaming
// Pipeline (same kernel), so a streamed record gives the same values.
Status clean_signal_q12(const int32_t* in, size_t n, int fs, int mains, int32_t* out);
}  // namespace ecg::dsp
