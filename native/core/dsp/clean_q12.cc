#include "clean_q12.h"
#include <cstring>

namespace ecg::dsp {

void clean_reset(CleanState* s) {
  std::memset(s, 0, sizeof(*s));
}

void clean_prime(const FilterDesign& d, CleanState* s, int32_t x_adc) {
  const int32_t x = x_adc * (1 << kSampleShift);
  s->x1 = s->x2 = s->y1 = s->y2 = x;
  for (int k = 0; k < 2 * kMaxFirTaps; ++k) s->fir[k] = x;
  s->fir_pos = 0;
  for (int k = 0; k < kBaseRing1; ++k) s->r1[k] = x;
  s->s1 = int64_t{x} * d.base1;
  for (int k = 0; k < kBaseRing2; ++k) s->r2[k] = s->s1;
  s->s2 = s->s1 * d.base2;
  s->i1 = 0;
  s->primed = true;
}

}  // namespace ecg::dsp

namespace ecg::dsp {

Status clean_signal_q12(const int32_t* in, size_t n, int fs, int mains, int32_t* out) {
  FilterDesign d;
  Status st = design_filters(fs, mains, &d);
  if (st != Status::kOk) return st;
  if (n == 0) return Status::kOk;
  CleanState s;
  clean_reset(&s);
  clean_prime(d, &s, clamp_input(in[0]));
  const size_t delay = static_cast<size_t>(d.clean_delay);
  for (size_t i = 0; i < n + delay; ++i) {
    const int32_t x = clamp_input(i < n ? in[i] : in[n - 1]);
    const CleanOut o = clean_step_q12(d, s, x);
    if (i >= delay) out[i - delay] = o.clean;
  }
  return Status::kOk;
}

}  // namespace ecg::dsp
