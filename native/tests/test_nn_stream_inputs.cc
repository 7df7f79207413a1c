// Format 2.1 model inputs in the native core (under ASan/UBSan): the extended input spec (beat channels,
// template window, RR codes 5 and 6) is read and validated, and BeatStream feeds the model exactly the inputs
// the definitions give (src/train/dataset/features.ts): the six RR features by code in the file's order, and a
// [length, 2] beat input whose 'beat-template' channel is z − the running float32 template, restarted by reset().
#include <cmath>
#include <cstring>
#include <random>
#include <vector>
#include "classify/beat_stream.h"
#include "nn_test_model.h"
#include "test_harness.h"

using namespace ecg;

namespace {

// The shipped order: pre/recordAvg, post/recordAvg, pre/localAvg, post/localAvg, irregularity, post/pre.
nn_test::Builder v21_model(uint32_t seed, int length, std::vector<uint8_t> rr_codes, std::vector<uint8_t> channels, int window) {
  nn_test::Builder b = nn_test::small_model(seed, length, static_cast<int>(rr_codes.size()), static_cast<int>(channels.size()));
  b.rr_codes = rr_codes;
  b.channels = channels;
  b.template_window = window;
  return b;
}

bool loads(const std::vector<uint8_t>& f, const char* expect_in_error = nullptr) {
  nn::Model m;
  const Status st = m.load(f.data(), f.size());
  if (st != Status::kOk && expect_in_error && !std::strstr(m.error(), expect_in_error)) {
    std::printf("    unexpected error: %s\n", m.error());
  }
  return st == Status::kOk;
}

// Independent expected values, straight from the definitions (double for RR, float32 for the template).
struct Expected {
  std::vector<std::vector<double>> rr;       // per beat, codes 1..6 at index code
  std::vector<std::vector<float>> input;     // per beat [L, C]
};

Expected expected(const std::vector<int32_t>& q12, const std::vector<int64_t>& peaks, const nn::InputSpec& s) {
  Expected e;
  const int L = s.length, C = s.n_channels, D = s.decimation;
  const size_t n = peaks.size();
  auto clampv = [&](double v) { return v < s.rr_clamp_min ? static_cast<double>(s.rr_clamp_min) : (v > s.rr_clamp_max ? static_cast<double>(s.rr_clamp_max) : v); };
  auto interval = [&](size_t k) { return clampv(static_cast<double>(peaks[k] - peaks[k - 1]) / s.fs); };
  double rec = 0, loc = 0, irr = 0, prev_p = 0;
  std::vector<float> tpl(L);
  for (size_t k = 0; k < n; k++) {
    const double pre = k >= 1 ? interval(k) : (n >= 2 ? interval(1) : 1.0);
    const double post = k + 1 < n ? interval(k + 1) : pre;
    const double m = static_cast<double>(k + 1);
    if (k == 0) { rec = pre; loc = pre; }
    else {
      rec += (pre - rec) / std::min(m, static_cast<double>(s.rr_record_window));
      loc += (pre - loc) / std::min(m, static_cast<double>(s.rr_local_window));
    }
    const double p = pre / loc;
    const double d = k == 0 ? 0.0 : std::fabs(p - prev_p);
    irr += (d - irr) / std::min(m, static_cast<double>(s.rr_local_window));
    prev_p = p;
    e.rr.push_back({0.0, pre / rec, post / rec, p, post / loc, irr, post / pre});
    // window + z-score
    std::vector<float> z(L);
    for (int i = 0; i < L; i++) {
      int64_t idx = peaks[k] + static_cast<int64_t>(D) * (i - s.before);
      idx = idx < 0 ? 0 : (idx >= static_cast<int64_t>(q12.size()) ? static_cast<int64_t>(q12.size()) - 1 : idx);
      z[i] = static_cast<float>(q12[static_cast<size_t>(idx)] / 4096.0);
    }
    double sum = 0;
    for (float v : z) sum += v;
    const double mean = sum / L;
    double var = 0;
    for (float v : z) { const double dd = v - mean; const double sq = dd * dd; var = var + sq; }
    double sd = std::sqrt(var / L);
    if (sd < s.norm_eps) sd = s.norm_eps;
    for (float& v : z) v = static_cast<float>((v - mean) / sd);
    if (k == 0) tpl = z;
    std::vector<float> in(static_cast<size_t>(L) * C);
    for (int i = 0; i < L; i++)
      for (int c = 0; c < C; c++) in[i * C + c] = s.channels[c] == 2 ? z[i] - tpl[i] : z[i];
    e.input.push_back(in);
    const float div = static_cast<float>(std::min<int64_t>(static_cast<int64_t>(k + 1), s.template_window));
    for (int i = 0; i < L; i++) { const float step = (z[i] - tpl[i]) / div; tpl[i] = tpl[i] + step; }
  }
  return e;
}

}  // namespace

ECG_TEST(nn_v21_spec_is_read) {
  auto f = v21_model(4, 64, {1, 2, 3, 4, 5, 6}, {1, 2}, 16).build();
  nn::Model m;
  ECG_CHECK(m.load(f.data(), f.size()) == Status::kOk);
  ECG_CHECK(m.spec().n_rr == 6 && m.spec().rr_features[4] == 5 && m.spec().rr_features[5] == 6);
  ECG_CHECK(m.spec().n_channels == 2 && m.spec().channels[0] == 1 && m.spec().channels[1] == 2);
  ECG_CHECK(m.spec().template_window == 16);
  // any subset in any order, template channel first
  auto g = v21_model(5, 64, {6, 5, 1}, {2, 1}, 3).build();
  ECG_CHECK(loads(g));
  // a 2.0 file (64-byte spec) is one 'beat' channel without a template
  auto old = nn_test::small_model(9, 64).build();
  nn::Model mo;
  ECG_CHECK(mo.load(old.data(), old.size()) == Status::kOk);
  ECG_CHECK(mo.spec().n_channels == 1 && mo.spec().channels[0] == 1 && mo.spec().template_window == 0);
}

ECG_TEST(nn_v21_spec_rejects_unknown_codes_and_bad_fields) {
  using nn_test::Builder;
  const size_t spec = 64;
  auto mutate = [&](std::vector<uint8_t> f, size_t off, uint8_t v) { f[off] = v; Builder::reseal(f); return f; };
  const auto good = v21_model(6, 64, {1, 2, 3, 4, 5, 6}, {1, 2}, 16).build();
  ECG_CHECK(loads(good));
  ECG_CHECK(!loads(mutate(good, spec + 24 + 5, 7), "unknown code 7"));           // RR code 7
  ECG_CHECK(!loads(mutate(good, spec + 24 + 0, 0), "unknown code 0"));           // RR code 0
  ECG_CHECK(!loads(mutate(good, spec + 65 + 1, 3), "beat channel 1 has unknown code 3"));
  ECG_CHECK(!loads(mutate(good, spec + 65 + 1, 1), "appears twice"));
  ECG_CHECK(!loads(mutate(good, spec + 64, 5), "beat channels"));                // C = 5
  ECG_CHECK(!loads(mutate(good, spec + 64, 0), "beat channels"));                // C = 0
  ECG_CHECK(!loads(mutate(good, spec + 64, 1), "unused beat channel slot"));     // C = 1 with a code in slot 1
  ECG_CHECK(!loads(mutate(mutate(good, spec + 72, 0), spec + 73, 0), "template window"));  // window 0
  ECG_CHECK(!loads(mutate(good, spec + 70, 1), "reserved byte"));
  ECG_CHECK(!loads(mutate(good, 6, 0), "input spec section has 80 bytes"));     // 80-byte spec in a 2.0 file
  ECG_CHECK(!loads(mutate(good, spec + 19, 9), "RR features"));                 // n_rr 9
  // beat input [L, 1] in a file whose spec says 2 channels
  auto b = v21_model(6, 64, {1, 2, 3, 4, 5, 6}, {1, 2}, 16);
  b.tensors[b.beat].shape = {64, 1};
  ECG_CHECK(!loads(b.build()));
  // a window without a template channel
  auto w = v21_model(6, 64, {1, 2}, {1}, 4).build();
  ECG_CHECK(!loads(w, "without a beat-template channel"));
  // no window with a template channel
  auto nw = v21_model(6, 64, {1, 2}, {2}, 0).build();
  ECG_CHECK(!loads(nw, "needs a template window"));
}

namespace {
void stream_matches_definitions(const std::vector<uint8_t>& rr_codes, const std::vector<uint8_t>& channels, int window) {
  auto f = v21_model(7, 64, rr_codes, channels, window).build();
  nn::Model model;
  ECG_CHECK(model.load(f.data(), f.size()) == Status::kOk);
  auto* s = new classify::BeatStream();
  ECG_CHECK(s->init(&model, 60) == Status::kOk);
  // an irregular rhythm with a varying beat shape
  std::mt19937 g(17);
  std::vector<int64_t> peaks;
  for (int64_t t = 300; t < 360 * 40; t += 200 + static_cast<int64_t>(g() % 300)) peaks.push_back(t);
  std::vector<int32_t> x(360 * 42);
  for (size_t i = 0; i < x.size(); i++) x[i] = static_cast<int32_t>(4096 * (50 * std::sin(i * 0.07) + 30 * std::sin(i * 0.013))) + static_cast<int32_t>(g() % 40000);
  for (int64_t p : peaks) for (int d = -6; d <= 6; d++) x[static_cast<size_t>(p + d)] += 4096 * (400 - 60 * std::abs(d)) + static_cast<int32_t>(g() % 200000);
  const Expected e = expected(x, peaks, model.spec());
  classify::LabelledBeat out[1];
  size_t k = 0, pushed = 0;
  int mismatched_rr = 0, mismatched_in = 0, mismatched_probs = 0;
  auto check = [&](const classify::LabelledBeat& b) {
    ECG_CHECK(b.sample == peaks[k]);
    for (int j = 0; j < model.spec().n_rr; j++) {
      const int code = model.spec().rr_features[j];
      const float want = static_cast<float>(e.rr[k][code]);
      if (std::memcmp(&want, &b.rr[j], 4) != 0) mismatched_rr++;
    }
    if (std::memcmp(s->beat_input(), e.input[k].data(), e.input[k].size() * 4) != 0) mismatched_in++;
    float probs[16];
    int label = -1;
    ECG_CHECK(model.classify(e.input[k].data(), b.rr, probs, &label) == Status::kOk);
    if (label != b.label || std::memcmp(probs, b.probs, 5 * 4) != 0) mismatched_probs++;
    for (int j = model.spec().n_rr; j < 8; j++) ECG_CHECK(b.rr[j] == 0.f);
    k++;
  };
  size_t pk = 0;
  for (size_t off = 0; off < x.size(); off += 97) {
    const int len = static_cast<int>(std::min<size_t>(97, x.size() - off));
    for (; pk < peaks.size() && peaks[pk] < static_cast<int64_t>(off) + len; pk++) ECG_CHECK(s->push_peak(peaks[pk]) == Status::kOk);
    ECG_CHECK(s->push_filtered(x.data() + off, len, static_cast<int64_t>(off)) == Status::kOk);
    pushed += static_cast<size_t>(len);
    while (s->poll(out, 1) == 1) check(out[0]);
  }
  while (s->flush(out, 1) == 1) check(out[0]);
  ECG_CHECK(k == peaks.size());
  ECG_CHECK(mismatched_rr == 0);
  ECG_CHECK(mismatched_in == 0);
  ECG_CHECK(mismatched_probs == 0);
  // the template channel is not trivially zero after the first beat, and is zero on it
  const int C = static_cast<int>(channels.size());
  for (int c = 0; c < C; c++) {
    if (channels[c] != 2) continue;
    bool first_zero = true, later_nonzero = false;
    for (int i = 0; i < 64; i++) { first_zero = first_zero && e.input[0][i * C + c] == 0.f; later_nonzero = later_nonzero || e.input[5][i * C + c] != 0.f; }
    ECG_CHECK(first_zero && later_nonzero);
  }
  // irregularity is 0 on the first beat and positive on this irregular rhythm
  ECG_CHECK(e.rr[0][5] == 0.0 && e.rr[10][5] > 0.01);

  // reset(): the template, averages and irregularity restart; the same stream gives the same beats again
  s->reset();
  k = 0;
  pk = 0;
  for (size_t off = 0; off < x.size(); off += 5000) {
    const int len = static_cast<int>(std::min<size_t>(5000, x.size() - off));
    for (; pk < peaks.size() && peaks[pk] < static_cast<int64_t>(off) + len; pk++) ECG_CHECK(s->push_peak(peaks[pk]) == Status::kOk);
    ECG_CHECK(s->push_filtered(x.data() + off, len, static_cast<int64_t>(off)) == Status::kOk);
    while (s->poll(out, 1) == 1) check(out[0]);
  }
  while (s->flush(out, 1) == 1) check(out[0]);
  ECG_CHECK(k == peaks.size());
  ECG_CHECK(mismatched_rr == 0 && mismatched_in == 0 && mismatched_probs == 0);
  delete s;
}
}  // namespace

ECG_TEST(nn_v21_stream_inputs_match_the_definitions_bit_for_bit) {
  stream_matches_definitions({1, 2, 3, 4, 5, 6}, {1, 2}, 4);  // the shipped layout, a small window: the template moves
  stream_matches_definitions({6, 5, 3}, {2, 1}, 16);          // a subset in another order, template channel first
  stream_matches_definitions({5, 1}, {2}, 1);                 // template channel only, window 1 (previous beat)
}

ECG_TEST(nn_v21_fuzzed_specs_never_crash_the_stream) {
  const auto good = v21_model(11, 64, {1, 2, 3, 4, 5, 6}, {1, 2}, 16).build();
  std::mt19937 g(29);
  std::vector<int32_t> x(3000);
  for (size_t i = 0; i < x.size(); i++) x[i] = static_cast<int32_t>(4096 * 80 * std::sin(i * 0.1)) + static_cast<int32_t>(g() % 100000);
  int loaded = 0;
  for (int trial = 0; trial < 400; trial++) {
    std::vector<uint8_t> f = good;
    const int n = 1 + static_cast<int>(g() % 3);
    for (int k = 0; k < n; k++) {
      const size_t off = 64 + (g() % 2 ? 19 + g() % 13 : 64 + g() % 16);  // n_rr, RR codes, windows; the 2.1 extension
      f[off] = static_cast<uint8_t>(g() % 4 == 0 ? g() % 256 : g() % 8);
    }
    nn_test::Builder::reseal(f);
    nn::Model m;
    if (m.load(f.data(), f.size()) != Status::kOk) { ECG_CHECK(std::strlen(m.error()) > 0); continue; }
    loaded++;
    auto* s = new classify::BeatStream();
    if (s->init(&m, 40) == Status::kOk) {
      classify::LabelledBeat out[8];
      for (int64_t p = 200; p < 2800; p += 150 + static_cast<int64_t>(g() % 200)) s->push_peak(p);
      ECG_CHECK(s->push_filtered(x.data(), static_cast<int>(x.size()), 0) == Status::kOk);
      while (s->poll(out, 8) > 0) {}
      while (s->flush(out, 8) > 0) {}
    }
    delete s;
  }
  ECG_CHECK(loaded > 0);
}
