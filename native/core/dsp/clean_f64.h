// Float64 reference of the cleaning filter (same structure as clean_q12.h, exact unquantized coefficients,
// no rounding). Used to measure the fixed-point error (SNR test) and as documentation of the maths.
#pragma once
#include <cstddef>
#include <cstdint>
#include "design.h"

namespace ecg::dsp {

struct CleanStateF64 {
  double x1, x2, y1, y2;
  double fir[2 * kMaxFirTaps];
  int32_t fir_pos;
  double r1[kBaseRing1];
  double r2[kBaseRing2];
  double s1, s2;
  uint32_t i1;
};

void clean_prime_f64(const FilterDesign& d, CleanStateF64* s, double x);
double clean_step_f64(const FilterDesign& d, CleanStateF64& s, double x);

// Whole-signal reference, delay-compensated like ecg_clean: out[i] aligned with in[i]; the end is padded by
// holding the last sample (as Pipeline::flush does). Returns kInvalidArgument on bad fs/mains.
Status clean_signal_f64(const int16_t* in, size_t n, int fs, int mains, double* out);

}  // namespace ecg::dsp
