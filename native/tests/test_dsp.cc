// Unit tests of the fixed-point cleaning filter (native/core/dsp) against its float64 reference.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include "dsp/clean_f64.h"
#include "dsp/clean_q12.h"
#include "dsp/design.h"
#include "test_harness.h"

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRates[] = {125, 128, 200, 250, 256, 300, 360, 400, 500, 512, 720, 800, 1000};

// Deterministic pseudo-random generator (no libc state).
struct Lcg {
  uint64_t s;
  uint32_t next() { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return static_cast<uint32_t>(s >> 33); }
  double uniform() { return next() / 2147483648.0; }
};

// Synthetic ECG-like signal in ADC units: QRS-like Gaussian pulses at ~72 bpm, T waves, baseline wander,
// 60 Hz hum and white noise.
void synth(int16_t* x, int n, int fs, uint64_t seed) {
  Lcg g{seed};
  const double rr = 0.83 * fs;
  for (int i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    double v = 80 * std::sin(2 * kPi * 0.3 * t) + 15 * std::sin(2 * kPi * 60 * t) + 6 * (g.uniform() - 0.5);
    const double ph = std::fmod(i, rr);
    v += 220 * std::exp(-0.5 * std::pow((ph - 0.3 * fs) / (0.012 * fs), 2));
    v += 40 * std::exp(-0.5 * std::pow((ph - 0.55 * fs) / (0.05 * fs), 2));
    x[i] = static_cast<int16_t>(std::lround(v));
  }
}

static int16_t g_in[60 * 1000];
static int32_t g_in32[60 * 1000];
static int32_t g_q[60 * 1000];
static double g_ref[60 * 1000];

double snr_db(const int32_t* q, const double* ref, int from, int to) {
  double ps = 0, pe = 0;
  for (int i = from; i < to; ++i) {
    const double y = q[i] / 4096.0;
    ps += ref[i] * ref[i];
    pe += (y - ref[i]) * (y - ref[i]);
  }
  return pe == 0 ? 300.0 : 10 * std::log10(ps / pe);
}

// Gain (dB) of the fixed-point filter for a sinusoid of frequency f, measured in the steady state.
double gain_db(int fs, int mains, double f) {
  const int n = fs * 20;
  for (int i = 0; i < n; ++i) g_in32[i] = static_cast<int32_t>(std::lround(8000 * std::sin(2 * kPi * f * i / fs)));
  ECG_CHECK(ecg::dsp::clean_signal_q12(g_in32, n, fs, mains, g_q) == ecg::Status::kOk);
  double p = 0;
  int c = 0;
  for (int i = fs * 6; i < n - fs * 6; ++i, ++c) p += (g_q[i] / 4096.0) * (g_q[i] / 4096.0);
  return 10 * std::log10(p / c / (8000.0 * 8000.0 / 2));
}

}  // namespace

ECG_TEST(dsp_design_accepts_every_rate_and_rejects_bad_ones) {
  ecg::dsp::FilterDesign d;
  for (int fs = ecg::dsp::kMinFs; fs <= ecg::dsp::kMaxFs; fs += 1) {
    for (int mains : {50, 60}) {
      ECG_CHECK(ecg::dsp::design_filters(fs, mains, &d) == ecg::Status::kOk);
      ECG_CHECK(d.fir_taps % 2 == 1 && d.fir_taps <= ecg::dsp::kMaxFirTaps);
      ECG_CHECK(d.base1 % 2 == 1 && d.base1 <= ecg::dsp::kMaxBase1 && d.base1 < ecg::dsp::kBaseRing1);
      ECG_CHECK(d.base2 % 2 == 1 && d.base2 <= ecg::dsp::kMaxBase2 && d.base2 < ecg::dsp::kBaseRing2);
      ECG_CHECK(d.base_delay < d.base1);
      ECG_CHECK(d.clean_delay == d.fir_delay + d.base_delay);
      // Exact unity DC gain in fixed point.
      int64_t sum = 0;
      for (int k = 0; k < d.fir_taps; ++k) sum += d.qfir[k];
      ECG_CHECK(sum == (int64_t{1} << 30));
      ECG_CHECK(int64_t{d.qb[0]} + d.qb[1] + d.qb[2] == (int64_t{1} << 30) + d.qa[1] + d.qa[2]);
    }
  }
  ECG_CHECK(ecg::dsp::design_filters(124, 50, &d) == ecg::Status::kInvalidArgument);
  ECG_CHECK(ecg::dsp::design_filters(1001, 50, &d) == ecg::Status::kInvalidArgument);
  ECG_CHECK(ecg::dsp::design_filters(360, 55, &d) == ecg::Status::kInvalidArgument);
  ECG_CHECK(ecg::dsp::design_filters(360, 60, nullptr) == ecg::Status::kInvalidArgument);
}

ECG_TEST(dsp_constant_input_gives_exact_zero) {
  for (int fs : kRates) {
    const int n = fs * 5;
    for (int v : {-32768, -1234, 0, 7, 32767}) {
      for (int i = 0; i < n; ++i) g_in32[i] = v;
      ECG_CHECK(ecg::dsp::clean_signal_q12(g_in32, n, fs, 50, g_q) == ecg::Status::kOk);
      bool zero = true;
      for (int i = 0; i < n; ++i) zero = zero && g_q[i] == 0;
      ECG_CHECK(zero);
    }
  }
}

ECG_TEST(dsp_frequency_response_passband_notch_and_baseline) {
  for (int fs : {125, 250, 360, 500, 1000}) {
    for (int mains : {50, 60}) {
      ECG_CHECK(std::fabs(gain_db(fs, mains, 10.0)) < 0.5);        // QRS band passes
      ECG_CHECK(std::fabs(gain_db(fs, mains, 5.0)) < 0.5);
      ECG_CHECK(gain_db(fs, mains, static_cast<double>(mains)) < -40);  // mains notched
      ECG_CHECK(gain_db(fs, mains, 0.1) < -25);                     // baseline wander removed
      const double g067 = gain_db(fs, mains, 0.67);
      ECG_CHECK(g067 < -2 && g067 > -4.5);                          // -3 dB near 0.67 Hz
      const double g40 = gain_db(fs, mains, 40.0 > 0.4 * fs ? 0.4 * fs : 40.0);
      ECG_CHECK(g40 < -4.5 && g40 > -7.5);                          // -6 dB at the low-pass cutoff
    }
  }
}

ECG_TEST(dsp_fixed_point_matches_float_reference_above_60_db) {
  for (int fs : kRates) {
    for (int mains : {50, 60}) {
      const int n = fs * 40;
      synth(g_in, n, fs, 1000u + static_cast<uint64_t>(fs));
      for (int i = 0; i < n; ++i) g_in32[i] = g_in[i];
      ECG_CHECK(ecg::dsp::clean_signal_q12(g_in32, n, fs, mains, g_q) == ecg::Status::kOk);
      ECG_CHECK(ecg::dsp::clean_signal_f64(g_in, n, fs, mains, g_ref) == ecg::Status::kOk);
      const double snr = snr_db(g_q, g_ref, 0, n);
      if (snr < 60) std::fprintf(stderr, "  fs=%d mains=%d snr=%.1f dB\n", fs, mains, snr);
      ECG_CHECK(snr >= 60);
    }
  }
}

ECG_TEST(dsp_full_scale_inputs_stay_in_range) {
  // Worst cases for overflow: full-scale square waves at several frequencies, and random full-scale
  // noise. UBSan traps any signed overflow; the outputs must stay within the documented bounds.
  for (int fs : {125, 360, 1000}) {
    const int n = fs * 8;
    for (int period : {2, 3, 7, 16, 101, 997}) {
      for (int i = 0; i < n; ++i) g_in32[i] = (i / period) % 2 ? 32767 : -32768;
      ECG_CHECK(ecg::dsp::clean_signal_q12(g_in32, n, fs, 60, g_q) == ecg::Status::kOk);
      int64_t mx = 0;
      for (int i = 0; i < n; ++i) mx = std::max<int64_t>(mx, std::llabs(g_q[i]));
      ECG_CHECK(mx < (int64_t{1} << 30));
    }
    Lcg g{7};
    for (int i = 0; i < n; ++i) g_in32[i] = static_cast<int32_t>(g.next() % 65536) - 32768;
    ECG_CHECK(ecg::dsp::clean_signal_q12(g_in32, n, fs, 50, g_q) == ecg::Status::kOk);
    // Inputs beyond int16 are clamped, not wrapped.
    for (int i = 0; i < n; ++i) g_in32[i] = (i % 2) ? 2000000000 : -2000000000;
    ECG_CHECK(ecg::dsp::clean_signal_q12(g_in32, n, fs, 50, g_q) == ecg::Status::kOk);
  }
}
