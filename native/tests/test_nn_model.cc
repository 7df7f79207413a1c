// Model file tests: a valid model loads and runs identically on both kernel paths without allocating per beat;
// truncated, wrong-magic, wrong-version, corrupt and ill-shaped files are rejected with a precise message; a
// fuzz test mutates valid files (with and without resealing the checksum) and must never crash (ASan + UBSan).
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include "nn/model.h"
#include "nn_test_model.h"
#include "test_harness.h"

using namespace ecg;
using namespace ecg::nn;

namespace {
bool has(const char* s, const char* sub) { return std::strstr(s, sub) != nullptr; }
void put32(std::vector<uint8_t>& b, size_t o, uint32_t v) { nn_test::Builder::put32(b, o, v); }
uint32_t get32(const std::vector<uint8_t>& b, size_t o) { return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (static_cast<uint32_t>(b[o + 3]) << 24); }
}  // namespace

ECG_TEST(nn_model_valid_file_loads_and_paths_agree) {
  auto file = nn_test::small_model(1).build();
  Model m;
  ECG_CHECK(nn_test::loads(m, file));
  ECG_CHECK(m.n_classes() == 5 && std::strcmp(m.class_name(2), "V") == 0);
  ECG_CHECK(m.spec().length == 32 && m.spec().n_rr == 4 && m.spec().mains == 60);
  ECG_CHECK(m.arena_bytes() == m.persistent_bytes() + m.activation_bytes() + m.scratch_bytes());
  ECG_CHECK(m.arena_bytes() > 0 && m.arena_bytes() < 64 * 1024);
  std::mt19937 g(7);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::vector<std::vector<int16_t>> seen;
  for (int beat = 0; beat < 200; beat++) {
    float x[32], rr[4], p1[5], p2[5];
    for (float& v : x) v = nd(g) * 2;
    for (float& v : rr) v = 1 + nd(g) * 0.3f;
    int l1 = -1, l2 = -2;
    ECG_CHECK(m.classify(x, rr, p1, &l1, KernelPath::kReference) == Status::kOk);
    std::vector<int16_t> lg1(m.logits(), m.logits() + 5);
    ECG_CHECK(m.classify(x, rr, p2, &l2, KernelPath::kOptimized) == Status::kOk);
    std::vector<int16_t> lg2(m.logits(), m.logits() + 5);
    ECG_CHECK(l1 == l2 && lg1 == lg2 && std::memcmp(p1, p2, sizeof p1) == 0);
    float s = 0;
    for (float v : p1) s += v;
    ECG_CHECK(s > 0.99f && s < 1.01f);
    ECG_CHECK(l1 >= 0 && l1 < 5);
    bool dup = false;
    for (auto& v : seen) dup |= v == lg1;
    if (!dup) seen.push_back(lg1);
  }
  if (seen.size() <= 20) std::fprintf(stderr, "  only %zu distinct logit vectors\n", seen.size());
  ECG_CHECK(seen.size() > 20);  // the logits depend on the input: the test exercises real data flow
}

ECG_TEST(nn_model_rejects_truncated_files_at_every_length) {
  auto file = nn_test::small_model(2).build();
  for (size_t n = 0; n < file.size(); n += (n < 200 ? 1 : 37)) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<long>(n));
    Model m;
    const Status st = m.load(cut.data(), cut.size());
    ECG_CHECK(st == Status::kBadFormat);
    ECG_CHECK(has(m.error(), "truncated") || has(m.error(), "magic"));
    ECG_CHECK(m.input_beat() == nullptr);
  }
}

ECG_TEST(nn_model_rejects_wrong_magic_version_checksum_and_trailing_bytes) {
  auto file = nn_test::small_model(3).build();
  {
    auto f = file; f[0] = 'X';
    Model m;
    ECG_CHECK(m.load(f.data(), f.size()) == Status::kBadFormat && has(m.error(), "wrong magic"));
  }
  {
    auto f = file; f[4] = 3; nn_test::Builder::reseal(f);
    Model m;
    ECG_CHECK(m.load(f.data(), f.size()) == Status::kUnsupported && has(m.error(), "version 3.0"));
  }
  {
    auto f = file; f[f.size() / 2] ^= 0x40;
    Model m;
    ECG_CHECK(m.load(f.data(), f.size()) == Status::kBadFormat && has(m.error(), "SHA-256"));
  }
  {
    auto f = file; f.push_back(0);
    Model m;
    ECG_CHECK(m.load(f.data(), f.size()) == Status::kBadFormat && has(m.error(), "trailing"));
  }
  {
    Model m;
    ECG_CHECK(m.load(nullptr, 0) == Status::kBadFormat);
    float x[32] = {0}, rr[4] = {0};
    ECG_CHECK(m.classify(x, rr, nullptr, nullptr) == Status::kInvalidState);
  }
}

ECG_TEST(nn_model_rejects_shapes_that_do_not_fit_their_ops) {
  struct Case { const char* what; void (*mutate)(nn_test::Builder&); const char* expect; };
  const Case cases[] = {
      {"conv weights cin", [](nn_test::Builder& b) { b.tensors[b.ops[0].t[1]].shape = {8, 7, 2}; b.tensors[b.ops[0].t[1]].data.resize(112); }, "do not match the input channels"},
      {"conv out shape", [](nn_test::Builder& b) { b.tensors[b.ops[0].t[5]].shape = {32, 9}; }, "output shape"},
      {"lstm rows", [](nn_test::Builder& b) { b.tensors[b.ops[4].t[2]].shape = {40, 9}; b.tensors[b.ops[4].t[2]].data.resize(360); }, "recurrent weights"},
      {"dense n", [](nn_test::Builder& b) { b.tensors[b.ops[11].t[1]].shape = {16, 25}; b.tensors[b.ops[11].t[1]].data.resize(400); }, "last dimension"},
      {"bad shift", [](nn_test::Builder& b) { auto& d = b.tensors[b.ops[0].t[4]].data; d[0] = 63; d[1] = d[2] = d[3] = 0; }, "shift 1..62"},
      {"pool window", [](nn_test::Builder& b) { b.tensors[b.ops[1].t[1]].shape = {40, 8}; }, "outside the input"},
      {"dtype", [](nn_test::Builder& b) { b.tensors[b.ops[0].t[2]].dtype = 1; b.tensors[b.ops[0].t[2]].data.resize(8); }, "must be a int32 constant"},
      {"read before write", [](nn_test::Builder& b) { std::swap(b.ops[0], b.ops[1]); }, "before any op writes it"},
      {"double write", [](nn_test::Builder& b) { b.ops[10].t[1] = b.ops[9].t[4]; }, "already written"},
      {"concat sum", [](nn_test::Builder& b) { b.tensors[b.ops[9].t[4]].shape = {27}; b.tensors[b.ops[10].t[1]].shape = {27}; }, "sum of the inputs"},
      {"tensor id", [](nn_test::Builder& b) { b.ops[2].t[0] = 999; }, "refers to tensor 999"},
      {"act scale", [](nn_test::Builder& b) { b.tensors[b.ops[0].t[5]].scale = -1.f; }, "scale"},
  };
  for (const Case& c : cases) {
    auto b = nn_test::small_model(4);
    c.mutate(b);
    auto f = b.build();
    Model m;
    const Status st = m.load(f.data(), f.size());
    const bool ok = st == Status::kBadFormat && has(m.error(), c.expect);
    if (!ok) std::fprintf(stderr, "  case '%s': status %d, message '%s'\n", c.what, static_cast<int>(st), m.error());
    ECG_CHECK(ok);
  }
}

ECG_TEST(nn_model_fuzz_mutations_never_crash) {
  // seeds: a 2.0 file with every op kind, and a 2.2 file with every 16-bit op (int16 conv outputs and residual,
  // int16 max pooling, LSTM and pooled mean on int16 inputs)
  for (const auto& base : {nn_test::small_model(5).build(), nn_test::w16_model(41).build()}) {
    std::mt19937 g(2024);
    int loaded = 0, rejected = 0;
    const nn_test::FixedBeat beat(7);
    for (int iter = 0; iter < 3000; iter++) {
      auto f = base;
      const int kind = iter % 4;
      const int n = 1 + static_cast<int>(g() % 6);
      for (int k = 0; k < n; k++) {
        const size_t pos = g() % (kind == 3 ? 64 : f.size());  // kind 3: header only
        if (kind == 1) f[pos] = static_cast<uint8_t>(g());
        else if (kind == 2) put32(f, pos & ~size_t{3}, g() % 2 ? g() : get32(f, pos & ~size_t{3}) + (g() % 5) - 2);
        else f[pos] ^= static_cast<uint8_t>(1u << (g() % 8));
      }
      if (iter % 8 == 7) f.resize(g() % f.size());
      if (iter % 3 != 0) nn_test::Builder::reseal(f);  // mostly reseal, so the structure parser is exercised
      ECG_CHECK(nn_test::runs_or_is_rejected(f, beat, {KernelPath::kOptimized}, &loaded, &rejected));
    }
    ECG_CHECK(rejected > 1000);
    ECG_CHECK(loaded > 10);  // some mutations (weights, params) keep a valid model: those must still run
  }
}
