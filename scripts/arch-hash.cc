// Prints a hash of everything the streaming pipeline outputs (filtered samples, peaks, quality) for a set
// of deterministic synthetic ECGs at several rates and channel counts. scripts/prebuild-arm64.sh builds it
// for the host and for arm64 (run under qemu-user) and compares the two: the fixed-point path must be
// bit-identical across architectures.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>
#include "pipeline/pipeline.h"

static ecg::pipeline::Pipeline g_p;

int main() {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](int64_t v) { h = (h ^ static_cast<uint64_t>(v)) * 1099511628211ULL; };
  uint64_t rng = 12345;
  auto next = [&]() { rng = rng * 6364136223846793005ULL + 1442695040888963407ULL; return static_cast<int32_t>(rng >> 49); };
  size_t total_peaks = 0;
  for (int fs : {125, 250, 360, 500, 1000}) {
    for (int channels : {1, 3}) {
      const int frames = 60 * fs;
      std::vector<int32_t> x(static_cast<size_t>(frames) * channels), y(x.size() + 8000);
      for (int f = 0; f < frames; ++f) {
        // integer-only synthetic ECG: a triangle QRS every 0.83 s, a slow ramp wander and pseudo-random noise
        const int ph = (f * 100) % (83 * fs);
        const int c = 100 * fs / 360;
        const int qrs = ph < 2 * c ? 0 : (ph < 3 * c ? (ph - 2 * c) * 900 / c : (ph < 4 * c ? (4 * c - ph) * 900 / c : 0));
        for (int ch = 0; ch < channels; ++ch)
          x[static_cast<size_t>(f) * channels + ch] = (ch == 1 ? -qrs : qrs) / 3 + (f % (7 * fs)) / 40 + next() % 23;
      }
      ecg::pipeline::Config cfg;
      cfg.fs = fs;
      cfg.channels = channels;
      cfg.mains = fs == 250 ? 50 : 60;
      if (g_p.configure(cfg) != ecg::Status::kOk) return 1;
      size_t off = 0;
      ecg::pipeline::PeakEvent ev[256];
      ecg::pipeline::QualityEvent q[64];
      auto drain = [&]() {
        size_t k;
        while ((k = g_p.take_peaks(ev, 256)) > 0)
          for (size_t j = 0; j < k; ++j) { mix(ev[j].sample); mix(ev[j].channel); mix(ev[j].amplitude_q4); mix(ev[j].quality); ++total_peaks; }
        while ((k = g_p.take_quality(q, 64)) > 0)
          for (size_t j = 0; j < k; ++j) { mix(q[j].second); mix(q[j].flags); }
      };
      for (int f = 0; f < frames; f += 97) {
        const int m = frames - f < 97 ? frames - f : 97;
        size_t nout = 0;
        g_p.push(x.data() + static_cast<size_t>(f) * channels, static_cast<size_t>(m), y.data() + off * channels, &nout);
        off += nout;
        drain();
      }
      size_t nout = 0;
      g_p.flush(y.data() + off * channels, 8000 / channels, &nout);
      off += nout;
      drain();
      for (size_t i = 0; i < off * channels; ++i) mix(y[i]);
    }
  }
  std::printf("%zu peaks, hash %016llx\n", total_peaks, static_cast<unsigned long long>(h));
  return 0;
}
