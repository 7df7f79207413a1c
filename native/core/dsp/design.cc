#include "design.h"
#include <cmath>

namespace ecg::dsp {

namespace {
int32_t q30(double v) { return static_cast<int32_t>(std::llround(std::ldexp(v, kCoefShift))); }
int odd_round(double v) {
  int n = static_cast<int>(std::lround(v));
  return (n % 2 == 0) ? n + 1 : n;
}
}  // namespace

Status design_filters(int fs, int mains, FilterDesign* d) {
  if (!d || fs < kMinFs || fs > kMaxFs || (mains != 50 && mains != 60)) return Status::kInvalidArgument;
  *d = FilterDesign{};
  d->fs = fs;
  d->mains = mains;
  const double pi = 3.14159265358979323846;

  // Notch: zeros on the unit circle at the mains frequency, poles at radius r inside (bandwidth ~2 Hz).
  d->notch_on = 2 * mains < fs;
  if (d->notch_on) {
    const double w0 = 2 * pi * mains / fs;
    const double r = 1.0 - pi * kNotchBandwidthHz / fs;
    const double c = std::cos(w0);
    d->na[0] = 1;
    d->na[1] = -2 * r * c;
    d->na[2] = r * r;
    const double g = (1 + d->na[1] + d->na[2]) / (2 - 2 * c);  // unity DC gain
    d->nb[0] = g;
    d->nb[1] = -2 * c * g;
    d->nb[2] = g;
    d->qa[1] = q30(d->na[1]);
    d->qa[2] = q30(d->na[2]);
    d->qb[0] = d->qb[2] = q30(g);
    // Exact unity DC gain in fixed point: b0 + b1 + b2 == 1 + a1 + a2 (in Q30).
    const int64_t one = int64_t{1} << kCoefShift;
    d->qb[1] = static_cast<int32_t>(one + d->qa[1] + d->qa[2] - 2 * int64_t{d->qb[0]});
  } else {
    d->nb[0] = 1;
    d->qb[0] = 1 << kCoefShift;
  }

  // Low-pass FIR: 2*round(0.03 fs)+1 taps, cutoff 40 Hz (or 0.4 fs if lower), Hamming window.
  const int half = static_cast<int>(std::lround(0.03 * fs));
  d->fir_taps = 2 * half + 1;
  const double fc = std::fmin(kLowpassHz, 0.4 * fs) / fs;
  double sum = 0;
  for (int i = 0; i < d->fir_taps; ++i) {
    const int k = i - half;
    const double sinc = k == 0 ? 2 * fc : std::sin(2 * pi * fc * k) / (pi * k);
    const double w = 0.54 - 0.46 * std::cos(2 * pi * i / (d->fir_taps - 1));
    d->fir[i] = sinc * w;
    sum += d->fir[i];
  }
  int64_t qsum = 0;
  for (int i = 0; i < d->fir_taps; ++i) {
    d->fir[i] /= sum;
    d->qfir[i] = q30(d->fir[i]);
    qsum += d->qfir[i];
  }
  // Exact unity DC gain: put the rounding residue on the centre tap (keeps the symmetry).
  d->qfir[half] += static_cast<int32_t>((int64_t{1} << kCoefShift) - qsum);
  d->fir_delay = half;

  // Baseline: boxcars of 0.9 s and 0.75 s (odd lengths) -> trapezoidal kernel, -3 dB near 0.67 Hz.
  d->base1 = odd_round(0.9 * fs);
  d->base2 = odd_round(0.75 * fs);
  if (d->base1 > kMaxBase1) d->base1 = kMaxBase1;
  if (d->base2 > kMaxBase2) d->base2 = kMaxBase2;
  d->base_delay = (d->base1 - 1) / 2 + (d->base2 - 1) / 2;
  const double prod = static_cast<double>(d->base1) * d->base2;
  d->base_recip = static_cast<int64_t>(std::llround(std::ldexp(1.0, 62) / prod));
  d->clean_delay = d->fir_delay + d->base_delay;
  return Status::kOk;
}

}  // namespace ecg::dsp
