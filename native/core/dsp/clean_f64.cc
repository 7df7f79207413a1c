#include "clean_f64.h"
#include <cstring>

namespace ecg::dsp {

void clean_prime_f64(const FilterDesign& d, CleanStateF64* s, double x) {
  std::memset(s, 0, sizeof(*s));
  s->x1 = s->x2 = s->y1 = s->y2 = x;
  for (int k = 0; k < 2 * kMaxFirTaps; ++k) s->fir[k] = x;
  for (int k = 0; k < kBaseRing1; ++k) s->r1[k] = x;
  s->s1 = x * d.base1;
  for (int k = 0; k < kBaseRing2; ++k) s->r2[k] = s->s1;
  s->s2 = s->s1 * d.base2;
}

double clean_step_f64(const FilterDesign& d, CleanStateF64& s, double x) {
  const double a = d.nb[0] * x + d.nb[1] * s.x1 + d.nb[2] * s.x2 - d.na[1] * s.y1 - d.na[2] * s.y2;
  s.x2 = s.x1; s.x1 = x; s.y2 = s.y1; s.y1 = a;
  const int n = d.fir_taps;
  const int32_t pos = s.fir_pos == 0 ? n - 1 : s.fir_pos - 1;
  s.fir_pos = pos;
  s.fir[pos] = a;
  s.fir[pos + n] = a;
  double l = 0;
  for (int k = 0; k < n; ++k) l += d.fir[k] * s.fir[pos + k];
  const uint32_t i = s.i1++;
  // Exact boxcar sums (recomputed incrementally; the values are not integers, so keep them as they are).
  s.s1 += l - s.r1[(i - static_cast<uint32_t>(d.base1)) & (kBaseRing1 - 1)];
  s.r1[i & (kBaseRing1 - 1)] = l;
  s.s2 += s.s1 - s.r2[(i - static_cast<uint32_t>(d.base2)) & (kBaseRing2 - 1)];
  s.r2[i & (kBaseRing2 - 1)] = s.s1;
  const double est = s.s2 / (static_cast<double>(d.base1) * d.base2);
  return s.r1[(i - static_cast<uint32_t>(d.base_delay)) & (kBaseRing1 - 1)] - est;
}

Status clean_signal_f64(const int16_t* in, size_t n, int fs, int mains, double* out) {
  FilterDesign d;
  Status st = design_filters(fs, mains, &d);
  if (st != Status::kOk) return st;
  if (n == 0) return Status::kOk;
  CleanStateF64 s;
  clean_prime_f64(d, &s, in[0]);
  const size_t delay = static_cast<size_t>(d.clean_delay);
  for (size_t i = 0; i < n + delay; ++i) {
    const double x = i < n ? in[i] : in[n - 1];
    const double y = clean_step_f64(d, s, x);
    if (i >= delay) out[i - delay] = y;
  }
  return Status::kOk;
}

}  // namespace ecg::dsp
