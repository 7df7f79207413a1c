// Filter design for the signal path: computes, for one input rate and mains frequency, the exact (float64)
// coefficients and their fixed-point (Q30) quantization. Runs at configure time only (not per sample).
#pragma once
#include <cstdint>
#include "../status.h"

namespace ecg::dsp {

constexpr int kMinFs = 125;
constexpr int kMaxFs = 1000;
constexpr int kMaxFirTaps = 63;         // odd, ≤ 2*round(0.03*kMaxFs)+1 = 61
constexpr int kFirRing = 64;            // power of two ≥ kMaxFirTaps
constexpr int kMaxBase1 = 901;          // first baseline boxcar, 0.9 s at 1000 Hz (odd)
constexpr int kMaxBase2 = 751;          // second baseline boxcar, 0.75 s at 1000 Hz (odd)
constexpr int kBaseRing1 = 1024;        // power of two ≥ kMaxBase1
constexpr int kBaseRing2 = 1024;        // power of two ≥ kMaxBase2
constexpr int kCoefShift = 30;          // Q30 coefficients
constexpr int kSampleShift = 12;        // Q12 samples (ADC units * 4096)
constexpr int32_t kInputMin = -32768;   // inputs are clamped to the int16 range (flagged as saturation)
constexpr int32_t kInputMax = 32767;

struct FilterDesign {
  int fs = 0;
  int mains = 0;            // 50 or 60
  bool notch_on = false;    // false when mains >= fs/2 (cannot occur for fs >= 125)
  // Notch: H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2), unity gain at DC.
  double nb[3] = {0, 0, 0}, na[3] = {1, 0, 0};
  int32_t qb[3] = {0, 0, 0}, qa[3] = {1 << kCoefShift, 0, 0};
  // Low-pass FIR (linear phase, Hamming windowed sinc, 40 Hz), symmetric, unity DC gain.
  int fir_taps = 0;
  double fir[kMaxFirTaps] = {};
  int32_t qfir[kMaxFirTaps] = {};
  // Baseline estimate: two cascaded boxcars of lengths base1, base2 (odd); output = delayed x - estimate.
  int base1 = 0, base2 = 0;
  // round(2^62 / (base1*base2)) for the final normalization.
  int64_t base_recip = 0;
  // Delays in samples (all integers: every stage is linear phase except the notch, whose group delay away
  // from the mains frequency is ~0 and is not compensated).
  int fir_delay = 0, base_delay = 0, clean_delay = 0;
};

// Designs every filter for fs in [kMinFs, kMaxFs] and mains in {50, 60}.
Status design_filters(int fs, int mains, FilterDesign* out);

constexpr double kLowpassHz = 40.0;
constexpr double kNotchBandwidthHz = 2.0;

}  // namespace ecg::dsp
