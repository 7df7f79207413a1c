// Unit tests of the streaming pipeline: bit-exact re-blocking, channels, quality flags, state errors.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include "pipeline/pipeline.h"
#include "test_harness.h"

namespace {

constexpr double kPi = 3.14159265358979323846;
struct Lcg {
  uint64_t s;
  uint32_t next() { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return static_cast<uint32_t>(s >> 33); }
};

constexpr int kMaxN = 40 * 500 * 2;
static ecg::pipeline::Pipeline g_a, g_b;
static int32_t g_x[kMaxN];
static int32_t g_ya[kMaxN + 8 * 1000], g_yb[kMaxN + 8 * 1000];
static ecg::pipeline::PeakEvent g_ea[2048], g_eb[2048];
static ecg::pipeline::QualityEvent g_qa[512], g_qb[512];

void synth(int fs, int channels, int frames, uint64_t seed) {
  Lcg g{seed};
  for (int f = 0; f < frames; ++f) {
    const double t = static_cast<double>(f) / fs;
    const double ph = std::fmod(t, 0.8);
    const double ecg = 300 * std::exp(-0.5 * std::pow((ph - 0.2) / 0.012, 2)) + 50 * std::sin(2 * kPi * 0.2 * t);
    for (int c = 0; c < channels; ++c)
      g_x[f * channels + c] = static_cast<int32_t>(std::lround((c % 2 ? -ecg : ecg) + (g.next() % 21) - 10.0));
  }
}

struct Run { size_t n_out, n_ev, n_q; };

// Streams frames through p in blocks whose sizes come from `sizes` (cycled), then flushes.
Run stream(ecg::pipeline::Pipeline& p, int channels, int frames, const int* sizes, int n_sizes, int32_t* y,
           ecg::pipeline::PeakEvent* ev, ecg::pipeline::QualityEvent* q) {
  Run r{0, 0, 0};
  int f = 0, k = 0;
  while (f < frames) {
    int m = sizes[k++ % n_sizes];
    if (m > frames - f) m = frames - f;
    if (static_cast<size_t>(m) > p.max_frames_per_push()) m = static_cast<int>(p.max_frames_per_push());
    size_t nout = 0;
    ECG_CHECK(p.push(g_x + f * channels, static_cast<size_t>(m), y + r.n_out * channels, &nout) == ecg::Status::kOk);
    r.n_out += nout;
    r.n_ev += p.take_peaks(ev + r.n_ev, 2048 - r.n_ev);
    r.n_q += p.take_quality(q + r.n_q, 512 - r.n_q);
    f += m;
  }
  size_t nout = 0;
  ECG_CHECK(p.flush(y + r.n_out * channels, 1000, &nout) == ecg::Status::kOk);
  r.n_out += nout;
  r.n_ev += p.take_peaks(ev + r.n_ev, 2048 - r.n_ev);
  r.n_q += p.take_quality(q + r.n_q, 512 - r.n_q);
  return r;
}

}  // namespace

ECG_TEST(pipeline_rejects_bad_configuration_and_state) {
  ecg::pipeline::Config c;
  size_t nout = 0;
  int32_t x[4] = {0, 0, 0, 0}, y[4];
  ecg::pipeline::Pipeline* p = &g_a;
  *p = ecg::pipeline::Pipeline();
  ECG_CHECK(p->push(x, 1, y, &nout) == ecg::Status::kInvalidState);
  c.fs = 100;
  ECG_CHECK(p->configure(c) == ecg::Status::kInvalidArgument);
  c.fs = 360;
  c.channels = 0;
  ECG_CHECK(p->configure(c) == ecg::Status::kInvalidArgument);
  c.channels = ecg::pipeline::kMaxChannels + 1;
  ECG_CHECK(p->configure(c) == ecg::Status::kInvalidArgument);
  c.channels = 1;
  c.mains = 55;
  ECG_CHECK(p->configure(c) == ecg::Status::kInvalidArgument);
  c.mains = 50;
  c.rail_lo = 10;
  c.rail_hi = 10;
  ECG_CHECK(p->configure(c) == ecg::Status::kInvalidArgument);
  c.rail_lo = -32768;
  c.rail_hi = 32767;
  ECG_CHECK(p->configure(c) == ecg::Status::kOk);
  ECG_CHECK(p->push(x, 361, y, &nout) == ecg::Status::kInvalidArgument);   // more than max_frames_per_push
  ECG_CHECK(p->push(nullptr, 1, y, &nout) == ecg::Status::kInvalidArgument);
  ECG_CHECK(p->push(x, 0, y, &nout) == ecg::Status::kOk && nout == 0);
  ECG_CHECK(p->flush(y, 0, nullptr) == ecg::Status::kInvalidArgument);
}

ECG_TEST(pipeline_output_is_bit_exact_under_any_blocking) {
  const int sizes_a[] = {1000000};
  Lcg g{11};
  for (int fs : {125, 360, 500}) {
    for (int channels : {1, 2}) {
      const int frames = 30 * fs;
      synth(fs, channels, frames, 5u + static_cast<uint64_t>(fs));
      ecg::pipeline::Config c;
      c.fs = fs;
      c.channels = channels;
      ECG_CHECK(g_a.configure(c) == ecg::Status::kOk);
      ECG_CHECK(g_b.configure(c) == ecg::Status::kOk);
      const Run ra = stream(g_a, channels, frames, sizes_a, 1, g_ya, g_ea, g_qa);
      ECG_CHECK(ra.n_out == static_cast<size_t>(frames));
      ECG_CHECK(ra.n_ev > static_cast<size_t>(30 * channels));
      for (int trial = 0; trial < 5; ++trial) {
        int sizes[64];
        for (int& s : sizes) s = 1 + static_cast<int>(g.next() % (trial == 0 ? 3 : 700));
        const Run rb = stream(g_b, channels, frames, sizes, 64, g_yb, g_eb, g_qb);
        ECG_CHECK(rb.n_out == ra.n_out && rb.n_ev == ra.n_ev && rb.n_q == ra.n_q);
        ECG_CHECK(std::memcmp(g_ya, g_yb, ra.n_out * channels * sizeof(int32_t)) == 0);
        bool same = true;
        for (size_t i = 0; i < ra.n_ev && i < rb.n_ev; ++i)
          same = same && g_ea[i].sample == g_eb[i].sample && g_ea[i].channel == g_eb[i].channel &&
                 g_ea[i].amplitude_q4 == g_eb[i].amplitude_q4 && g_ea[i].emitted == g_eb[i].emitted &&
                 g_ea[i].quality == g_eb[i].quality;
        ECG_CHECK(same);
      }
      // A channel and its inverse find the same beats.
      if (channels == 2) {
        int n0 = 0, n1 = 0;
        for (size_t i = 0; i < ra.n_ev; ++i) (g_ea[i].channel == 0 ? n0 : n1)++;
        ECG_CHECK(n0 == n1);
      }
    }
  }
}

ECG_TEST(pipeline_reset_restarts_the_stream) {
  const int fs = 360, frames = 20 * fs;
  synth(fs, 1, frames, 77);
  const int sizes[] = {fs};
  ecg::pipeline::Config c;
  c.fs = fs;
  ECG_CHECK(g_a.configure(c) == ecg::Status::kOk);
  const Run r1 = stream(g_a, 1, frames, sizes, 1, g_ya, g_ea, g_qa);
  // Dirty the state, reset, and run again: identical.
  size_t nout = 0;
  ECG_CHECK(g_a.push(g_x + 100, 200, g_yb, &nout) == ecg::Status::kOk);
  g_a.reset();
  ECG_CHECK(g_a.frames_in() == 0 && g_a.peaks_pending() == 0);
  const Run r2 = stream(g_a, 1, frames, sizes, 1, g_yb, g_eb, g_qb);
  ECG_CHECK(r1.n_out == r2.n_out && r1.n_ev == r2.n_ev);
  ECG_CHECK(std::memcmp(g_ya, g_yb, r1.n_out * sizeof(int32_t)) == 0);
}

ECG_TEST(pipeline_quality_flags_lead_off_flat_saturation_noise) {
  const int fs = 250;
  ecg::pipeline::Config c;
  c.fs = fs;
  c.rail_lo = 0;
  c.rail_hi = 1023;   // a 10-bit board
  ECG_CHECK(g_a.configure(c) == ecg::Status::kOk);
  Lcg g{1};
  // 0-4 s: normal; 4-6 s: pinned at the rail (lead off); 6-8 s: flat; 8-10 s: clipped peaks; 10-12 s: EMG noise.
  const int frames = 12 * fs;
  for (int f = 0; f < frames; ++f) {
    const double t = static_cast<double>(f) / fs;
    const double ph = std::fmod(t, 0.8);
    double v = 512 + 200 * std::exp(-0.5 * std::pow((ph - 0.2) / 0.012, 2));
    if (t >= 4 && t < 6) v = 1023;
    if (t >= 6 && t < 8) v = 500;
    if (t >= 8 && t < 10) v = 512 + 900 * std::exp(-0.5 * std::pow((ph - 0.2) / 0.03, 2));
    if (t >= 10) v += static_cast<double>(g.next() % 121) - 60.0;
    if (v > 1023) v = 1023;
    g_x[f] = static_cast<int32_t>(std::lround(v));
  }
  const int sizes[] = {97};
  const Run r = stream(g_a, 1, frames, sizes, 1, g_ya, g_ea, g_qa);
  ECG_CHECK(r.n_q == 12);
  uint8_t f[12];
  for (size_t i = 0; i < r.n_q && i < 12; ++i) { ECG_CHECK(g_qa[i].second == static_cast<int64_t>(i)); f[i] = g_qa[i].flags; }
  ECG_CHECK(f[1] == 0 && f[2] == 0 && f[3] == 0);
  ECG_CHECK((f[4] & ecg::pipeline::kLeadOff) && (f[5] & ecg::pipeline::kLeadOff));
  ECG_CHECK((f[6] & ecg::pipeline::kFlat) && (f[7] & ecg::pipeline::kFlat));
  ECG_CHECK((f[8] & ecg::pipeline::kSaturation) && !(f[8] & ecg::pipeline::kLeadOff));
  ECG_CHECK((f[10] & ecg::pipeline::kNoise) && (f[11] & ecg::pipeline::kNoise));
}

ECG_TEST(pipeline_survives_full_scale_garbage_at_extreme_rates) {
  // Full-scale noise, square waves, spikes and rails through the whole pipeline (filter, detector, quality)
  // under ASan/UBSan: no overflow, no out-of-bounds, events inside the stream, in time order per channel.
  Lcg g{99};
  for (int fs : {125, 1000}) {
    for (int kind = 0; kind < 4; ++kind) {
      const int channels = 3, frames = (25 * fs < kMaxN / channels) ? 25 * fs : kMaxN / channels;
      for (int f = 0; f < frames; ++f)
        for (int c = 0; c < channels; ++c) {
          int32_t v;
          switch (kind) {
            case 0: v = static_cast<int32_t>(g.next() % 65536) - 32768; break;
            case 1: v = ((f / (1 + c * 5)) % 2) ? 32767 : -32768; break;
            case 2: v = (g.next() % 97 == 0) ? 2000000000 : -5; break;
            default: v = (f / fs) % 2 ? 32767 : static_cast<int32_t>(g.next() % 200); break;
          }
          g_x[f * channels + c] = v;
        }
      ecg::pipeline::Config cfg;
      cfg.fs = fs;
      cfg.channels = channels;
      ECG_CHECK(g_a.configure(cfg) == ecg::Status::kOk);
      const int sizes[] = {1, 13, fs, 7};
      const Run r = stream(g_a, channels, frames, sizes, 4, g_ya, g_ea, g_qa);
      ECG_CHECK(r.n_out == static_cast<size_t>(frames));
      int64_t last[3] = {-1, -1, -1};
      for (size_t i = 0; i < r.n_ev; ++i) {
        ECG_CHECK(g_ea[i].sample >= 0 && g_ea[i].sample < frames);
        ECG_CHECK(g_ea[i].channel >= 0 && g_ea[i].channel < channels);
        ECG_CHECK(g_ea[i].sample > last[g_ea[i].channel]);
        last[g_ea[i].channel] = g_ea[i].sample;
      }
    }
  }
}
