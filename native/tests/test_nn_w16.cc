// Format 2.2: 16-bit activations inside the model (TFLite's "16x8": int16 activations with zero point 0, int8
// weights). Kernels: conv1d_w16 (every int8/int16 combination of input, residual and output), maxpool1d_s16,
// lstm_s16_s8 and global_avgpool1d_rq_s16 against their definitions, and the optimized path equal to the
// reference at every SIMD level. Model: a file using every 16-bit op loads, both paths agree, malformed
// 16-bit parameters are rejected with a message, and mutations of it never crash (ASan + UBSan).
#include <algorithm>
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
std::mt19937 rng(1616);

int find_op(const nn_test::Builder& b, uint16_t code, int nth) {
  int seen = 0;
  for (size_t i = 0; i < b.ops.size(); i++)
    if (b.ops[i].code == code && seen++ == nth) return static_cast<int>(i);
  return -1;
}

void expect_reject(const nn_test::Builder& b, const char* needle) {
  auto f = b.build();
  Model m;
  const Status st = m.load(f.data(), f.size());
  ECG_CHECK(st != Status::kOk);
  if (!std::strstr(m.error(), needle)) std::fprintf(stderr, "  expected '%s' in: %s\n", needle, m.error());
  ECG_CHECK(std::strstr(m.error(), needle) != nullptr);
}
}  // namespace

ECG_TEST(nn_w16_conv1d_every_dtype_combination_matches_definition_at_every_level) {
  int trial = 0;
  for (int in16 = 0; in16 < 2; in16++)
    for (int out16 = 0; out16 < 2; out16++)
      for (int resk = 0; resk < 3; resk++)  // no residual, int8, int16
        for (int rep = 0; rep < 6; rep++, trial++) {
          const int T = rep < 2 ? 1 + rep : 3 + static_cast<int>(rng() % 50), cout = 1 + static_cast<int>(rng() % 40), k = 1 + static_cast<int>(rng() % 7);
          const int cin = 1 + static_cast<int>(rng() % (in16 ? std::min(24, 257 / k) : 24));
          Conv1dParams p{T, cin, cout, k, static_cast<int>(rng() % k), in16 ? 0 : static_cast<int32_t>(rng() % 256) - 128,
                         out16 ? 0 : static_cast<int32_t>(rng() % 256) - 128, out16 ? -32768 : -128, out16 ? 32767 : 127};
          if (rep % 2) p.act_min = p.out_zp;  // fused ReLU
          auto in8 = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cin, -128, 127);
          auto in16v = nn_test::random_vec<int16_t>(rng, static_cast<size_t>(T) * cin, -32768, 32767);
          auto r8 = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cout, -128, 127);
          auto r16 = nn_test::random_vec<int16_t>(rng, static_cast<size_t>(T) * cout, -32768, 32767);
          auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * k * cin, -127, 127);
          auto bias = nn_test::random_vec<int32_t>(rng, cout, -100000, 100000);
          auto m = nn_test::random_vec<int32_t>(rng, cout, 1 << 30, 0x7fffffff), rm = nn_test::random_vec<int32_t>(rng, cout, 1 << 30, 0x7fffffff);
          // output scale: int16 outputs keep ~8 more bits; int16 inputs are ~8 bits larger
          const int base = 36 + (in16 ? 8 : 0) - (out16 ? 8 : 0);
          auto s = nn_test::random_vec<int32_t>(rng, cout, base, base + 6);
          auto rs = nn_test::random_vec<int32_t>(rng, cout, resk == 2 ? 36 : 28, resk == 2 ? 44 : 36);
          const int32_t rzp = resk == 1 ? static_cast<int32_t>(rng() % 256) - 128 : 0;
          std::vector<int16_t> w16(packed_s16_elems(cout, k * cin));
          pack_s8_s16(w.data(), cout, k * cin, w16.data());
          std::vector<uint8_t> scratch(conv1d_s8_scratch_bytes(p));
          ActIn ai;
          if (in16) ai.s16 = in16v.data();
          else { ai.s8 = in8.data(); ai.zp = p.in_zp; }
          ConvResidualW res;
          if (resk == 1) res = ConvResidualW{ActIn{r8.data(), nullptr, rzp}, rm.data(), rs.data()};
          if (resk == 2) res = ConvResidualW{ActIn{nullptr, r16.data(), 0}, rm.data(), rs.data()};
          const size_t n_out = static_cast<size_t>(T) * cout;
          std::vector<int8_t> ref8(n_out, 7), o8(n_out);
          std::vector<int16_t> ref16(n_out, 7), o16(n_out);
          ActOut ao;
          if (out16) ao.s16 = ref16.data();
          else ao.s8 = ref8.data();
          conv1d_w16(p, ai, w.data(), w16.data(), bias.data(), {m.data(), s.data()}, ao, scratch.data(), KernelPath::kReference, res);
          // every output against the definition (64-bit sums)
          int distinct = 0, bad_vals = 0;
          for (int t = 0; t < T; t++)
            for (int co = 0; co < cout; co++) {
              int64_t acc = bias[co];
              for (int j = 0; j < k; j++) {
                const int ti = t + j - p.pad_left;
                if (ti < 0 || ti >= T) continue;
                for (int c = 0; c < cin; c++) {
                  const size_t xi = static_cast<size_t>(ti) * cin + c;
                  acc += static_cast<int64_t>(w[(static_cast<size_t>(co) * k + j) * cin + c]) * (in16 ? in16v[xi] : in8[xi] - p.in_zp);
                }
              }
              const size_t o = static_cast<size_t>(t) * cout + co;
              if (resk == 1) acc += requantize(r8[o] - rzp, rm[co], rs[co]);
              if (resk == 2) acc += requantize(r16[o], rm[co], rs[co]);
              const int32_t want = clamp_i32(sat_i32(static_cast<int64_t>(requantize(static_cast<int32_t>(acc), m[co], s[co])) + p.out_zp), p.act_min, p.act_max);
              const int32_t got = out16 ? ref16[o] : ref8[o];
              bad_vals += got != want;
              distinct += want != p.act_min && want != p.act_max;
            }
          ECG_CHECK(bad_vals == 0);
          if (T >= 3) ECG_CHECK(distinct > 0);  // not everything saturated
          nn_test::at_every_simd_level([&](int) {
            ActOut oo;
            if (out16) oo.s16 = o16.data();
            else oo.s8 = o8.data();
            std::fill(o8.begin(), o8.end(), 3);
            std::fill(o16.begin(), o16.end(), 3);
            conv1d_w16(p, ai, w.data(), w16.data(), bias.data(), {m.data(), s.data()}, oo, scratch.data(), KernelPath::kOptimized, res);
            ECG_CHECK(out16 ? o16 == ref16 : o8 == ref8);
          });
        }
  ECG_CHECK(trial == 72);
}

ECG_TEST(nn_w16_maxpool_matches_naive_at_every_level) {
  ECG_CHECK(nn_test::maxpool_mismatches<int16_t>(rng, 40, maxpool1d_s16) == 0);
}

ECG_TEST(nn_w16_lstm_int16_input_equals_int8_lstm_on_the_same_values_at_every_level) {
  // lstm_s16_s8 on x16 = q − zp must equal lstm_s8 on q (same integers into the input projection), and its
  // optimized path must equal its reference path at every level; an int16 input beyond int8 range must differ.
  for (int trial = 0; trial < 16; trial++) {
    const int T = 1 + static_cast<int>(rng() % 20), cin = 1 + static_cast<int>(rng() % 40), U = 1 + static_cast<int>(rng() % 24), G = 4 * U;
    LstmParams p{T, cin, U, static_cast<int32_t>(rng() % 256) - 128, static_cast<int>(trial % 2), 8 + static_cast<int>(rng() % 7), 1 << 30, 38, trial % 5 == 4};
    auto in8 = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cin, -128, 127);
    std::vector<int16_t> in16(in8.size());
    for (size_t i = 0; i < in8.size(); i++) in16[i] = static_cast<int16_t>(in8[i] - p.in_zp);
    auto wx = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(G) * cin, -127, 127), wh = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(G) * U, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, G, -8000, 8000);
    auto mx = nn_test::random_vec<int32_t>(rng, G, 1 << 30, 0x7fffffff), sx = nn_test::random_vec<int32_t>(rng, G, 33, 37);
    auto mh = nn_test::random_vec<int32_t>(rng, G, 1 << 30, 0x7fffffff), sh = nn_test::random_vec<int32_t>(rng, G, 31, 34);
    std::vector<int16_t> wx16(packed_s16_elems(G, cin)), wh16(packed_s16_elems(G, U));
    pack_s8_s16(wx.data(), G, cin, wx16.data());
    pack_s8_s16(wh.data(), G, U, wh16.data());
    std::vector<uint8_t> scratch(lstm_s8_scratch_bytes(p));
    const size_t n_out = p.return_sequences ? static_cast<size_t>(T) * U : static_cast<size_t>(U);
    std::vector<int8_t> ref8(n_out), ref16(n_out, 5);
    lstm_s8(p, in8.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, ref8.data(), scratch.data(), KernelPath::kReference);
    lstm_s16_s8(p, in16.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, ref16.data(), scratch.data(), KernelPath::kReference);
    ECG_CHECK(ref16 == ref8);
    // a wide int16 input (≫ int8 range): optimized == reference at every level
    auto wide = nn_test::random_vec<int16_t>(rng, static_cast<size_t>(T) * cin, -32768, 32767);
    auto sxw = sx;
    for (auto& v : sxw) v += 8;
    std::vector<int8_t> refw(n_out);
    lstm_s16_s8(p, wide.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sxw.data()}, {mh.data(), sh.data()}, refw.data(), scratch.data(), KernelPath::kReference);
    nn_test::at_every_simd_level([&](int) {
      std::vector<int8_t> o(n_out, 9);
      lstm_s16_s8(p, in16.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, o.data(), scratch.data(), KernelPath::kOptimized);
      ECG_CHECK(o == ref8);
      std::vector<int8_t> ow(n_out, 9);
      lstm_s16_s8(p, wide.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sxw.data()}, {mh.data(), sh.data()}, ow.data(), scratch.data(), KernelPath::kOptimized);
      ECG_CHECK(ow == refw);
    });
  }
}

ECG_TEST(nn_w16_gap_int16_equals_int8_gap_on_the_same_values) {
  for (int trial = 0; trial < 30; trial++) {
    const int T = 1 + static_cast<int>(rng() % 100), C = 1 + static_cast<int>(rng() % 20);
    const int32_t zi = static_cast<int32_t>(rng() % 256) - 128, zo = static_cast<int32_t>(rng() % 256) - 128;
    const int32_t mult = (1 << 30) + static_cast<int32_t>(rng() % (1u << 30)), shift = 31 + static_cast<int32_t>(rng() % 8);
    auto in8 = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * C, -128, 127);
    std::vector<int16_t> in16(in8.size());
    for (size_t i = 0; i < in8.size(); i++) in16[i] = static_cast<int16_t>(in8[i] - zi);
    std::vector<int8_t> a(C), b(C, 1);
    global_avgpool1d_rq_s8(T, C, in8.data(), zi, mult, shift, zo, a.data());
    global_avgpool1d_rq_s16(T, C, in16.data(), mult, shift + 0, zo, b.data());
    ECG_CHECK(a == b);
    // full int16 range: against the definition
    auto w = nn_test::random_vec<int16_t>(rng, static_cast<size_t>(T) * C, -32768, 32767);
    global_avgpool1d_rq_s16(T, C, w.data(), mult, shift + 8, zo, b.data());
    for (int c = 0; c < C; c++) {
      int64_t s = 0;
      for (int t = 0; t < T; t++) s += w[static_cast<size_t>(t) * C + c];
      ECG_CHECK(b[c] == sat_i8(sat_i32(static_cast<int64_t>(requantize(static_cast<int32_t>(s), mult, shift + 8)) + zo)));
    }
  }
}

ECG_TEST(nn_w16_model_loads_and_paths_agree_at_every_level) {
  auto file = nn_test::w16_model(31).build();
  Model m;
  const bool ok = nn_test::loads(m, file);
  ECG_CHECK(ok);
  if (!ok) return;
  int n16 = 0;
  for (const Tensor& t : m.tensors()) n16 += !t.is_const && t.dtype == DType::kInt16;
  ECG_CHECK(n16 == 8);  // beat, c1, p1, r, c2, p2, logits, probs
  nn_test::at_every_simd_level([&](int) {
    int distinct = 0;
    ECG_CHECK(nn_test::paths_agree_on_random_beats(m, 7, 60, &distinct));
    ECG_CHECK(distinct > 20);
  });
}

ECG_TEST(nn_w16_model_rejects_malformed_16bit_parameters) {
  {  // 16-bit activations in a file that says 2.1
    auto b = nn_test::w16_model(32);
    b.minor = 1;
    expect_reject(b, "format 2.2");
  }
  {  // an int16 conv output with a zero point
    auto b = nn_test::w16_model(33);
    b.tensors[b.ops[static_cast<size_t>(find_op(b, 1, 0))].t.back()].zp = 4;
    expect_reject(b, "zero point 0");
  }
  {  // an int16 output clamp outside int16
    auto b = nn_test::w16_model(34);
    b.ops[static_cast<size_t>(find_op(b, 1, 2))].p[2] = 40000;
    expect_reject(b, "outside the output type");
  }
  {  // an int16 residual whose multiplier could overflow the accumulator
    auto b = nn_test::w16_model(35);
    auto& c2 = b.ops[static_cast<size_t>(find_op(b, 1, 2))];
    b.tensors[c2.t[7]] = b.tensors[b.constant<int32_t>(3, {8}, std::vector<int32_t>(8, 2))];
    expect_reject(b, "int32 accumulation");
  }
  {  // a global average pool of an int16 input without a requantization
    auto b = nn_test::w16_model(36);
    b.ops[static_cast<size_t>(find_op(b, 5, 0))].p = {0, 0};
    expect_reject(b, "needs a requantization");
  }
  {  // max pooling from int16 into an int8 output
    auto b = nn_test::w16_model(37);
    auto& mp = b.ops[static_cast<size_t>(find_op(b, 3, 1))];
    b.tensors[mp.t[1]].dtype = 1;
    expect_reject(b, "must be a int16 activation");
  }
  {  // an int16 LSTM input with a zero point
    auto b = nn_test::w16_model(38);
    auto& mp = b.ops[static_cast<size_t>(find_op(b, 3, 1))];
    b.tensors[mp.t[0]].zp = 2;
    b.tensors[mp.t[1]].zp = 2;
    expect_reject(b, "zero point 0");
  }
  {  // an int16 conv input too wide for exact int32 sums (k·cin > 257): 5 taps × 8 channels is fine, 40 taps are not
    auto b = nn_test::w16_model(39);
    auto& c2 = b.ops[static_cast<size_t>(find_op(b, 1, 2))];
    b.tensors[c2.t[1]] = b.tensors[b.constant<int8_t>(1, {8, 40, 8}, std::vector<int8_t>(2560, 1))];
    expect_reject(b, "at most 257");
  }
}

ECG_TEST(nn_w16_model_fuzz_mutations_never_crash) {
  int loaded = 0, rejected = 0;
  ECG_CHECK(nn_test::fuzz_bit_flips(nn_test::w16_model(40).build(), 4040, 1500, nn_test::FixedBeat(7), &loaded, &rejected) == 0);
  ECG_CHECK(rejected > 300 && loaded > 10);
}
