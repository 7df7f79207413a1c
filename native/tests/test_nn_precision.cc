// Higher-precision parts of the int8 format (2.1): the beat input kept at 16 bits (conv1d on an int16 input,
// zero point 0) and the global average pooling with its own requantized output scale. Kernels: reference vs
// optimized at every SIMD level; model: such a file loads, both paths agree, and bad variants are rejected.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>
#include "nn/kernels.h"
#include "nn/model.h"
#include "nn/quant.h"
#include "nn_test_model.h"
#include "test_harness.h"

using namespace ecg;
using namespace ecg::nn;

namespace {
std::mt19937 rng(4242);

nn_test::Builder precise_model(uint32_t seed) {
  nn_test::Builder b = nn_test::small_model(seed);
  b.tensors[b.beat].dtype = 2;  // int16 beat, zero point 0, fine scale
  b.tensors[b.beat].zp = 0;
  b.tensors[b.beat].scale = 1.f / 4096;
  for (auto& op : b.ops) {
    if (op.code == 5) {  // gap: own output scale, requantized sum over the input's T = 16 steps
      b.tensors[op.t[1]].scale = 0.01f;
      b.tensors[op.t[1]].zp = -100;
      const double M = 0.04 / (16 * 0.01);
      int32_t shift = 31;
      double m = M;
      while (m < 0.5) { m *= 2; shift++; }
      op.p = {static_cast<int32_t>(m * 2147483648.0 + 0.5), shift};
    }
  }
  return b;
}
// precise_model plus a residual convolution: conv2 (p1 → c2, k5, 8→12) gets a residual r = conv_k1(p1) [16, 12]
// added in its accumulator (9 slots).
nn_test::Builder residual_model(uint32_t seed, int res_shift_lo = 30, int res_shift_hi = 34) {
  nn_test::Builder b = precise_model(seed);
  std::mt19937 g(seed + 100);
  size_t conv2 = 0;
  int seen = 0;
  for (size_t i = 0; i < b.ops.size(); i++) if (b.ops[i].code == 1 && ++seen == 2) conv2 = i;
  const uint16_t p1 = b.ops[conv2].t[0];
  const uint16_t r = b.act(1, {16, 12}, 0.05f, 7);
  nn_test::TOp rop{1, {p1, b.constant<int8_t>(1, {12, 1, 8}, nn_test::random_vec<int8_t>(g, 96, -127, 127)), b.constant<int32_t>(3, {12}, nn_test::random_vec<int32_t>(g, 12, -3000, 3000)),
                       b.constant<int32_t>(3, {12}, nn_test::random_vec<int32_t>(g, 12, 1 << 30, 0x7fffffff)), b.constant<int32_t>(3, {12}, nn_test::random_vec<int32_t>(g, 12, 37, 39)), r},
                   {0, -128, 127}};
  nn_test::TOp& c2 = b.ops[conv2];
  const uint16_t out = c2.t.back();
  c2.t.pop_back();
  c2.t.push_back(r);
  c2.t.push_back(b.constant<int32_t>(3, {12}, nn_test::random_vec<int32_t>(g, 12, 1 << 30, 0x7fffffff)));
  c2.t.push_back(b.constant<int32_t>(3, {12}, nn_test::random_vec<int32_t>(g, 12, res_shift_lo, res_shift_hi)));
  c2.t.push_back(out);
  b.ops.insert(b.ops.begin() + static_cast<long>(conv2), rop);
  return b;
}
}  // namespace

ECG_TEST(nn_conv1d_residual_reference_and_optimized_are_bit_identical) {
  for (int trial = 0; trial < 40; trial++) {
    const int T = trial < 8 ? 1 + trial : 3 + static_cast<int>(rng() % 50), cin = 1 + static_cast<int>(rng() % 24), cout = 1 + static_cast<int>(rng() % 40), k = 1 + static_cast<int>(rng() % 7);
    Conv1dParams p{T, cin, cout, k, static_cast<int>(rng() % k), static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>(rng() % 256) - 128, -128, 127};
    if (trial % 2) p.act_min = p.out_zp;
    auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cin, -128, 127);
    auto res = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cout, -128, 127);
    auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * k * cin, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, cout, -100000, 100000);
    auto m = nn_test::random_vec<int32_t>(rng, cout, 1 << 30, 0x7fffffff), rm = nn_test::random_vec<int32_t>(rng, cout, 1 << 30, 0x7fffffff);
    auto s = nn_test::random_vec<int32_t>(rng, cout, 36, 44);
    auto rs = nn_test::random_vec<int32_t>(rng, cout, trial % 3 ? 18 : 31, trial % 3 ? 40 : 60);  // residual multipliers ≫ 1 and < 1
    const int32_t rzp = static_cast<int32_t>(rng() % 256) - 128;
    const nn_test::PackedWeights pw(w, cout, k * cin);
    std::vector<uint8_t> scratch(conv1d_s8_scratch_bytes(p));
    const ConvResidual cr{res.data(), rzp, rm.data(), rs.data()};
    std::vector<int8_t> ref(static_cast<size_t>(T) * cout);
    conv1d_s8(p, in.data(), w.data(), pw.s16.data(), bias.data(), {m.data(), s.data()}, ref.data(), scratch.data(), KernelPath::kReference, {}, cr);
    // one output against the definition
    const int t = T / 2, co = cout / 2;
    int64_t acc = bias[co];
    for (int j = 0; j < k; j++) {
      const int ti = t + j - p.pad_left;
      if (ti < 0 || ti >= T) continue;
      for (int c = 0; c < cin; c++) acc += w[(static_cast<size_t>(co) * k + j) * cin + c] * (in[static_cast<size_t>(ti) * cin + c] - p.in_zp);
    }
    acc += requantize(res[static_cast<size_t>(t) * cout + co] - rzp, rm[co], rs[co]);
    ECG_CHECK(ref[static_cast<size_t>(t) * cout + co] == static_cast<int8_t>(clamp_i32(requantize(static_cast<int32_t>(acc), m[co], s[co]) + p.out_zp, p.act_min, p.act_max)));
    nn_test::at_every_simd_level([&](int) {
      for (int quad = 0; quad < 2; quad++) {
        std::vector<int8_t> o(ref.size(), 9);
        conv1d_s8(p, in.data(), w.data(), pw.s16.data(), bias.data(), {m.data(), s.data()}, o.data(), scratch.data(), KernelPath::kOptimized,
                  quad ? pw.quads() : PackedQ4{}, cr);
        ECG_CHECK(o == ref);
      }
    });
  }
}

ECG_TEST(nn_model_with_residual_conv_loads_paths_agree_and_bounds_are_checked) {
  {
    auto file = residual_model(21).build();
    Model m;
    ECG_CHECK(nn_test::loads(m, file));
    int distinct = 0;
    ECG_CHECK(nn_test::paths_agree_on_random_beats(m, 8, 100, &distinct));
    ECG_CHECK(distinct > 20);
  }
  {  // residual multipliers so large that the accumulator could overflow: rejected at load
    auto file = residual_model(22, 1, 2).build();
    Model m;
    ECG_CHECK(m.load(file.data(), file.size()) == Status::kBadFormat);
    ECG_CHECK(std::strstr(m.error(), "int32 accumulation") != nullptr);
  }
  {  // a residual of the wrong shape
    auto b = residual_model(23);
    for (auto& op : b.ops) if (op.code == 1 && op.t.size() == 9) b.tensors[op.t[5]].shape = {16, 11};
    auto file = b.build();
    Model m;
    ECG_CHECK(m.load(file.data(), file.size()) == Status::kBadFormat);
  }
  {  // 7 or 8 tensors: neither the plain nor the residual form
    auto b = residual_model(24);
    for (auto& op : b.ops) if (op.code == 1 && op.t.size() == 9) op.t.erase(op.t.begin() + 6);
    auto file = b.build();
    Model m;
    ECG_CHECK(m.load(file.data(), file.size()) == Status::kBadFormat);
  }
}

ECG_TEST(nn_conv1d_s16_input_reference_and_optimized_are_bit_identical) {
  for (int trial = 0; trial < 40; trial++) {
    const int T = 3 + static_cast<int>(rng() % 60), cin = 1 + static_cast<int>(rng() % 4), cout = 1 + static_cast<int>(rng() % 40), k = 1 + static_cast<int>(rng() % 9);
    Conv1dParams p{T, cin, cout, k, static_cast<int>(rng() % k), 0, static_cast<int32_t>(rng() % 256) - 128, -128, 127};
    if (trial % 2) p.act_min = p.out_zp;
    auto in = nn_test::random_vec<int16_t>(rng, static_cast<size_t>(T) * cin, -32768, 32767);
    auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * k * cin, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, cout, -1000000, 1000000);
    auto m = nn_test::random_vec<int32_t>(rng, cout, 1 << 30, 0x7fffffff);
    auto s = nn_test::random_vec<int32_t>(rng, cout, 38, 50);
    std::vector<int16_t> w16(packed_s16_elems(cout, k * cin));
    pack_s8_s16(w.data(), cout, k * cin, w16.data());
    std::vector<uint8_t> scratch(conv1d_s8_scratch_bytes(p) + 16);
    std::vector<int8_t> ref(static_cast<size_t>(T) * cout);
    conv1d_w16(p, ActIn{nullptr, in.data(), 0}, w.data(), w16.data(), bias.data(), {m.data(), s.data()}, ActOut{ref.data(), nullptr}, scratch.data(), KernelPath::kReference);
    // one output against a direct computation
    const int t = T / 2, co = cout - 1;
    int64_t acc = bias[co];
    for (int j = 0; j < k; j++) {
      const int ti = t + j - p.pad_left;
      if (ti < 0 || ti >= T) continue;
      for (int c = 0; c < cin; c++) acc += static_cast<int64_t>(w[(static_cast<size_t>(co) * k + j) * cin + c]) * in[static_cast<size_t>(ti) * cin + c];
    }
    ECG_CHECK(ref[static_cast<size_t>(t) * cout + co] == static_cast<int8_t>(clamp_i32(requantize(static_cast<int32_t>(acc), m[co], s[co]) + p.out_zp, p.act_min, p.act_max)));
    nn_test::at_every_simd_level([&](int) {
      std::vector<int8_t> o(ref.size(), 3);
      conv1d_w16(p, ActIn{nullptr, in.data(), 0}, w.data(), w16.data(), bias.data(), {m.data(), s.data()}, ActOut{o.data(), nullptr}, scratch.data(), KernelPath::kOptimized);
      ECG_CHECK(o == ref);
    });
  }
}

ECG_TEST(nn_global_avgpool_requantized_matches_real_mean) {
  for (int trial = 0; trial < 30; trial++) {
    const int T = 1 + static_cast<int>(rng() % 100), C = 1 + static_cast<int>(rng() % 20);
    const int32_t zi = static_cast<int32_t>(rng() % 256) - 128, zo = static_cast<int32_t>(rng() % 256) - 128;
    const double si = 0.05, so = 0.05 / (1 + rng() % 8);
    const double M = si / (T * so);
    int32_t shift = 31;
    double mm = M;
    while (mm < 0.5) { mm *= 2; shift++; }
    while (mm >= 1) { mm /= 2; shift--; }
    const int32_t mult = static_cast<int32_t>(std::min(mm * 2147483648.0 + 0.5, 2147483647.0));
    auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * C, -128, 127);
    std::vector<int8_t> out(C);
    global_avgpool1d_rq_s8(T, C, in.data(), zi, mult, shift, zo, out.data());
    for (int c = 0; c < C; c++) {
      double mean = 0;
      for (int t = 0; t < T; t++) mean += si * (in[static_cast<size_t>(t) * C + c] - zi);
      mean /= T;
      const double want = std::max(-128.0, std::min(127.0, zo + mean / so));
      ECG_CHECK(std::fabs(out[c] - want) <= 0.5 + 1e-6);  // within half a step of the real mean (unless saturated)
    }
  }
}

ECG_TEST(nn_model_with_int16_beat_and_requantized_gap_loads_and_paths_agree) {
  auto file = precise_model(11).build();
  Model m;
  ECG_CHECK(nn_test::loads(m, file));
  ECG_CHECK(m.input_beat16() != nullptr && m.input_beat() == nullptr);
  int distinct = 0;
  ECG_CHECK(nn_test::paths_agree_on_random_beats(m, 5, 100, &distinct));
  ECG_CHECK(distinct > 20);
}

ECG_TEST(nn_model_rejects_bad_int16_beat_and_gap_variants) {
  {  // int16 beat with a nonzero zero point
    auto b = precise_model(12);
    b.tensors[b.beat].zp = 5;
    auto f = b.build();
    Model m;
    ECG_CHECK(m.load(f.data(), f.size()) == Status::kBadFormat);
    ECG_CHECK(std::strstr(m.error(), "zero point 0") != nullptr);
  }
  {  // gap with its own output scale but no requantization
    auto b = precise_model(13);
    for (auto& op : b.ops) if (op.code == 5) op.p = {0, 0};
    auto f = b.build();
    Model m;
    ECG_CHECK(m.load(f.data(), f.size()) == Status::kBadFormat);
    ECG_CHECK(std::strstr(m.error(), "share scale") != nullptr);
  }
  {  // gap requantization with a shift out of range
    auto b = precise_model(14);
    for (auto& op : b.ops) if (op.code == 5) op.p = {1 << 30, 70};
    auto f = b.build();
    Model m;
    ECG_CHECK(m.load(f.data(), f.size()) == Status::kBadFormat);
    ECG_CHECK(std::strstr(m.error(), "out of range") != nullptr);
  }
  {  // an int16 activation feeding an op that only takes int8 (the beat into a dense would be rejected too)
    auto b = precise_model(15);
    for (auto& op : b.ops) if (op.code == 3) { b.tensors[op.t[0]].dtype = 2; b.tensors[op.t[0]].zp = 0; break; }
    auto f = b.build();
    Model m;
    ECG_CHECK(m.load(f.data(), f.size()) == Status::kBadFormat);
  }
}

ECG_TEST(nn_model_precise_variant_fuzz_mutations_never_crash) {
  int loaded = 0, rejected = 0;
  ECG_CHECK(nn_test::fuzz_bit_flips(residual_model(16).build(), 99, 1500, nn_test::FixedBeat(5), &loaded, &rejected) == 0);
  ECG_CHECK(rejected > 300 && loaded > 10);
}
