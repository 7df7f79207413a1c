// BeatStream (native/core/classify) under ASan/UBSan: RR features on a regular rhythm, the clamp-horizon rule
// (a beat is labelled without a next peak once the clamped post-RR is final), late peaks ignored, and random
// peak/sample sequences never crash.
#include <cmath>
#include <random>
#include <vector>
#include "classify/beat_stream.h"
#include "nn_test_model.h"
#include "test_harness.h"

using namespace ecg;

namespace {
struct Fixture {
  std::vector<uint8_t> file = nn_test::small_model(9, 128).build();
  nn::Model model;
  classify::BeatStream* s = new classify::BeatStream();
  Fixture() { model.load(file.data(), file.size()); }
  ~Fixture() { delete s; }
};
}  // namespace

ECG_TEST(nn_stream_regular_rhythm_rr_features) {
  Fixture f;
  ECG_CHECK(f.model.loaded());
  ECG_CHECK(f.s->init(&f.model, 100) == Status::kOk);
  std::vector<int32_t> x(360 * 20);
  for (size_t i = 0; i < x.size(); i++) x[i] = static_cast<int32_t>(4096 * 100 * std::sin(i * 0.05));
  for (int k = 1; k < 20; k++) ECG_CHECK(f.s->push_peak(k * 360) == Status::kOk);  // 60 bpm
  classify::LabelledBeat out[32];
  ECG_CHECK(f.s->push_filtered(x.data(), static_cast<int>(x.size()), 0) == Status::kOk);
  int n = f.s->poll(out, 32);
  ECG_CHECK(n >= 17);
  for (int i = 0; i < n; i++) {
    ECG_CHECK(out[i].sample == (i + 1) * 360);
    for (int k = 0; k < 4; k++) ECG_CHECK(std::fabs(out[i].rr[k] - 1.0f) < 1e-6f);  // RR 1 s over averages of 1 s
    ECG_CHECK(out[i].label >= 0 && out[i].label < 5);
    ECG_CHECK(out[i].emitted_at >= out[i].sample);
  }
  n += f.s->flush(out, 32);
  ECG_CHECK(n == 19);
}

ECG_TEST(nn_stream_labels_after_clamp_horizon_and_ignores_late_peaks) {
  Fixture f;
  ECG_CHECK(f.s->init(&f.model, 50) == Status::kOk);
  std::vector<int32_t> x(360 * 10, 0);
  ECG_CHECK(f.s->push_peak(400) == Status::kOk);
  classify::LabelledBeat out[4];
  ECG_CHECK(f.s->push_filtered(x.data(), 400 + 1080 + 50, 0) == Status::kOk);  // up to r + 3 s + latency − 1
  ECG_CHECK(f.s->poll(out, 4) == 0);
  ECG_CHECK(f.s->push_filtered(x.data(), 1, 400 + 1080 + 50) == Status::kOk);   // horizon reached
  ECG_CHECK(f.s->poll(out, 4) == 1);
  ECG_CHECK(std::fabs(out[0].rr[1] - 1.0f) < 1e-6f);  // post = clamp max = pre (first beat): ratio 1
  ECG_CHECK(f.s->push_peak(300) == Status::kOk);       // behind a labelled beat: ignored
  ECG_CHECK(f.s->dropped() == 1);
  ECG_CHECK(f.s->push_filtered(x.data(), 5, 7) == Status::kInvalidArgument);  // not contiguous
}

ECG_TEST(nn_stream_random_sequences_never_crash) {
  Fixture f;
  std::mt19937 g(3);
  std::vector<int32_t> x(5000);
  for (auto& v : x) v = static_cast<int32_t>(g() % 2000000) - 1000000;
  classify::LabelledBeat out[64];
  for (int trial = 0; trial < 30; trial++) {
    ECG_CHECK(f.s->init(&f.model, static_cast<int>(g() % 1000)) == Status::kOk);
    int64_t t = 0, peak = -1;
    for (int step = 0; step < 200; step++) {
      if (g() % 3 == 0) { peak += 1 + static_cast<int64_t>(g() % 700); f.s->push_peak(peak); }
      const int n = static_cast<int>(g() % 600);
      ECG_CHECK(f.s->push_filtered(x.data(), n, t) == Status::kOk);
      t += n;
      const int k = f.s->poll(out, 64);
      for (int i = 0; i < k; i++) ECG_CHECK(out[i].label >= 0 && out[i].label < 5);
    }
    f.s->flush(out, 64);
  }
  classify::BeatStream unbound;
  ECG_CHECK(unbound.push_peak(5) == Status::kInvalidState);
  ECG_CHECK(unbound.init(nullptr, 0) == Status::kInvalidState);
}
