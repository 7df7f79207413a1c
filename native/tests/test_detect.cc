// Unit tests of the R-peak detector through the streaming pipeline on synthetic ECGs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include "pipeline/pipeline.h"
#include "test_harness.h"

namespace {

constexpr double kPi = 3.14159265358979323846;
struct Lcg {
  uint64_t s;
  uint32_t next() { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return static_cast<uint32_t>(s >> 33); }
  double uniform() { return next() / 2147483648.0; }
};

static ecg::pipeline::Pipeline g_p;
static int32_t g_x[120 * 1000];
static int32_t g_out[1000 * ecg::pipeline::kMaxChannels];
static int64_t g_beats[400];
static ecg::pipeline::PeakEvent g_ev[4096];

// Beats with jittered RR (0.6-1.0 s); QRS = narrow biphasic pulse of `amp` ADC units; T wave; noise.
int synth(int fs, int n, double amp, double noise, uint64_t seed) {
  Lcg g{seed};
  int nb = 0;
  double t = 0.7 * fs;
  for (int i = 0; i < n; ++i) g_x[i] = 0;
  while (t < n - fs && nb < 400) {
    g_beats[nb++] = static_cast<int64_t>(t);
    t += (0.6 + 0.4 * g.uniform()) * fs;
  }
  for (int i = 0; i < n; ++i) {
    double v = noise * (g.uniform() - 0.5) + 30 * std::sin(2 * kPi * 0.25 * i / fs);
    for (int b = 0; b < nb; ++b) {
      const double d = (i - static_cast<double>(g_beats[b])) / fs;
      if (d < -0.2 || d > 0.5) continue;
      v += amp * std::exp(-0.5 * std::pow(d / 0.012, 2)) - 0.3 * amp * std::exp(-0.5 * std::pow((d - 0.03) / 0.01, 2));
      v += 0.25 * amp * std::exp(-0.5 * std::pow((d - 0.3) / 0.05, 2));
    }
    g_x[i] = static_cast<int32_t>(std::lround(v));
  }
  return nb;
}

// Runs one channel through a 1-channel pipeline; returns number of events, fills g_ev.
size_t run(int fs, int n) {
  ecg::pipeline::Config cfg;
  cfg.fs = fs;
  ECG_CHECK(g_p.configure(cfg) == ecg::Status::kOk);
  size_t ne = 0;
  for (int i = 0; i < n; i += fs) {
    const int m = n - i < fs ? n - i : fs;
    size_t nout = 0;
    ECG_CHECK(g_p.push(g_x + i, static_cast<size_t>(m), g_out, &nout) == ecg::Status::kOk);
    ne += g_p.take_peaks(g_ev + ne, 4096 - ne);
  }
  static int32_t tail[1000 * ecg::pipeline::kMaxChannels];
  size_t nout = 0;
  ECG_CHECK(g_p.flush(tail, 1000, &nout) == ecg::Status::kOk);
  ne += g_p.take_peaks(g_ev + ne, 4096 - ne);
  return ne;
}

// Counts reference beats matched within 50 ms, and extra detections.
void score(int fs, int nb, size_t ne, int* tp, int* fp) {
  const int64_t w = fs / 20;
  *tp = 0;
  size_t j = 0;
  for (int b = 0; b < nb; ++b) {
    while (j < ne && g_ev[j].sample < g_beats[b] - w) ++j;
    if (j < ne && std::llabs(g_ev[j].sample - g_beats[b]) <= w) { ++*tp; ++j; }
  }
  *fp = static_cast<int>(ne) - *tp;
}

}  // namespace

ECG_TEST(detect_synthetic_beats_at_every_board_rate) {
  for (int fs : {125, 250, 360, 500, 1000}) {
    const int n = fs * 100;
    const int nb = synth(fs, n, 400, 10, 42u + static_cast<uint64_t>(fs));
    const size_t ne = run(fs, n);
    int tp = 0, fp = 0;
    score(fs, nb, ne, &tp, &fp);
    if (tp != nb || fp != 0) std::fprintf(stderr, "  fs=%d beats=%d tp=%d fp=%d\n", fs, nb, tp, fp);
    ECG_CHECK(tp == nb);
    ECG_CHECK(fp == 0);
    // Events come in time order, with a bounded latency.
    for (size_t i = 1; i < ne; ++i) ECG_CHECK(g_ev[i].sample > g_ev[i - 1].sample);
    for (size_t i = 0; i < ne; ++i) ECG_CHECK(g_ev[i].emitted - g_ev[i].sample <= 4 * fs + 2 * fs);
  }
}

ECG_TEST(detect_inverted_polarity_gives_the_same_beats) {
  const int fs = 360, n = fs * 90;
  const int nb = synth(fs, n, 300, 8, 9);
  for (int i = 0; i < n; ++i) g_x[i] = -g_x[i];
  const size_t ne = run(fs, n);
  int tp = 0, fp = 0;
  score(fs, nb, ne, &tp, &fp);
  ECG_CHECK(tp == nb);
  ECG_CHECK(fp == 0);
  for (size_t i = 0; i < ne; ++i) ECG_CHECK(g_ev[i].amplitude_q4 < 0);  // the dominant deflection is negative
}

ECG_TEST(detect_survives_pacemaker_spikes_and_a_baseline_jump) {
  const int fs = 360, n = fs * 90;
  const int nb = synth(fs, n, 300, 8, 5);
  // A 1-sample pacemaker spike 40 ms before each QRS, and a 1500-unit baseline step at 40 s.
  for (int b = 0; b < nb; ++b) {
    const int64_t s = g_beats[b] - fs / 25;
    if (s >= 0) g_x[s] += 1200;
  }
  for (int i = 40 * fs; i < n; ++i) g_x[i] += 1500;
  const size_t ne = run(fs, n);
  int tp = 0, fp = 0;
  score(fs, nb, ne, &tp, &fp);
  ECG_CHECK(tp >= nb - 2);   // at most the beats right at the step
  ECG_CHECK(fp <= 1);
}

ECG_TEST(detect_events_in_flat_signal_are_flagged) {
  const int fs = 250, n = fs * 60;
  Lcg g{3};
  for (int i = 0; i < n; ++i) g_x[i] = 512 + static_cast<int32_t>(g.next() % 3) - 1;
  const size_t ne = run(fs, n);
  // The detector is scale-free, so it may pick peaks in +-1 LSB noise, but every event after the first
  // second is flagged FLAT: the app does not use them.
  for (size_t i = 0; i < ne; ++i)
    if (g_ev[i].emitted >= 2 * fs) ECG_CHECK(g_ev[i].quality & ecg::pipeline::kFlat);
}
