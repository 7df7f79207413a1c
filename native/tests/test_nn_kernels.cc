// Kernel tests: fixed-point helpers and LUTs against libm, SHA-256 vectors, hand-checked small cases, and the
// reference vs optimized paths of every compute kernel on random shapes and data (must be bit-identical).
#include <cmath>
#include <cstring>
#include <random>
#include <vector>
#include "nn/kernels.h"
#include "nn/quant.h"
#include "nn/sha256.h"
#include "nn_test_model.h"
#include "test_harness.h"

using namespace ecg::nn;

ECG_TEST(nn_requantize_rounds_half_up_and_saturates) {
  ECG_CHECK(requantize(3, 1 << 30, 31) == 2);    // 1.5 → 2
  ECG_CHECK(requantize(-3, 1 << 30, 31) == -1);  // -1.5 → -1 (half up)
  ECG_CHECK(requantize(1000, 1 << 30, 32) == 250);
  ECG_CHECK(requantize(INT32_MAX, 0x7fffffff, 1) == INT32_MAX);
  ECG_CHECK(requantize(INT32_MIN, 0x7fffffff, 1) == INT32_MIN);
}

ECG_TEST(nn_lut_nonlinearities_match_libm) {
  int worst_sig = 0, worst_tanh = 0;
  for (int x = -32768; x <= 32767; x += 7) {
    const double r = x / 4096.0;
    const int s = sigmoid_q12_q15(static_cast<int16_t>(x)), t = tanh_q12_q15(static_cast<int16_t>(x));
    worst_sig = std::max(worst_sig, static_cast<int>(std::fabs(s - 32768.0 / (1 + std::exp(-r)))));
    worst_tanh = std::max(worst_tanh, static_cast<int>(std::fabs(t - 32768.0 * std::tanh(r))));
  }
  ECG_CHECK(worst_sig <= 3);     // ≤ 1e-4 absolute
  ECG_CHECK(worst_tanh <= 14);   // ≤ 4.3e-4 absolute
  for (int x = -65535; x <= 0; x += 13) {
    const double e = std::exp(x / 4096.0) * 1073741824.0;
    ECG_CHECK(std::fabs(exp_neg_q12_q30(x) - e) <= 5e-4 * e + 2);  // chord error of e^x over 1/16 steps: ≤ e^x / 2048
  }
  ECG_CHECK(exp_neg_q12_q30(0) == (1 << 30));
  ECG_CHECK(exp_neg_q12_q30(-70000) == 0);
  ECG_CHECK(hard_sigmoid_q12_q15(0) == 16384);
  ECG_CHECK(hard_sigmoid_q12_q15(4096) == 16384 + 6554);  // 0.2 · 1 → 0.7
  ECG_CHECK(hard_sigmoid_q12_q15(32767) == 32767 && hard_sigmoid_q12_q15(-32768) == 0);
}

ECG_TEST(nn_sha256_known_vectors) {
  uint8_t d[32];
  sha256(reinterpret_cast<const uint8_t*>("abc"), 3, d);
  const uint8_t abc[4] = {0xba, 0x78, 0x16, 0xbf};
  ECG_CHECK(std::memcmp(d, abc, 4) == 0 && d[31] == 0xad);
  sha256(nullptr, 0, d);
  ECG_CHECK(d[0] == 0xe3 && d[1] == 0xb0 && d[31] == 0x55);
  const char* m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 56 bytes: two padding blocks
  sha256(reinterpret_cast<const uint8_t*>(m), std::strlen(m), d);
  ECG_CHECK(d[0] == 0x24 && d[1] == 0x8d && d[31] == 0xc1);
}

ECG_TEST(nn_pooling_hand_cases) {
  const int8_t in[8] = {1, -5, 3, 4, -128, -2, 7, 7};  // [T=4, C=2]
  int8_t out[4];
  Pool1dParams p{4, 2, 2, 2, 2, 0};
  maxpool1d_s8(p, in, out);
  ECG_CHECK(out[0] == 3 && out[1] == 4 && out[2] == 7 && out[3] == 7);
  avgpool1d_s8(p, in, out);
  ECG_CHECK(out[0] == 2 && out[1] == -1 && out[2] == -61 && out[3] == 3);  // (1+3)/2, (-5+4)/2 → -0.5 → -1, (-128+7)/2 → -60.5 → -61, 5/2 → 3
  Pool1dParams same{4, 2, 2, 3, 2, 1};                                     // 'same': windows [-1,2) and [1,4)
  maxpool1d_s8(same, in, out);
  ECG_CHECK(out[0] == 3 && out[1] == 4 && out[2] == 7 && out[3] == 7);
  int8_t g[2];
  global_avgpool1d_s8(4, 2, in, g);
  ECG_CHECK(g[0] == -29 && g[1] == 1);  // (1+3-128+7)/4 = -29.25, (-5+4-2+7)/4 = 1
}

ECG_TEST(nn_softmax_and_clamp) {
  const int16_t lg[3] = {1000, 1000, -2000};
  int16_t p[3];
  softmax_s16(3, lg, 1 << 30, 31, p);  // scale: 1 logit unit = 0.5/4096 real... then d = -1500 → exp(-0.37)
  ECG_CHECK(p[0] == p[1]);
  ECG_CHECK(p[0] + p[1] + p[2] >= 32766 && p[0] + p[1] + p[2] <= 32769);
  ECG_CHECK(p[2] < p[0]);
  const int8_t x[4] = {-128, -5, 0, 100};
  int8_t y[4];
  clamp_s8(4, x, -10, 50, y);
  ECG_CHECK(y[0] == -10 && y[1] == -5 && y[2] == 0 && y[3] == 50);
}

ECG_TEST(nn_add_and_concat_requantize) {
  const int8_t a[3] = {10, -20, 127}, b[3] = {0, 5, 127};
  int8_t o[3];
  AddParams p{3, 0, 0, 0, 1 << 30, 1 << 30, 31, -128, 127};  // 0.5·a + 0.5·b
  add_s8(p, a, b, o);
  ECG_CHECK(o[0] == 5 && o[1] == -7 && o[2] == 127);  // -7.5 → -7 (half up)
  ConcatInput ins[2] = {{a, 3, 0, 0, 0}, {b, 3, 0, 1 << 30, 31}};
  int8_t c[6];
  concat_s8(1, ins, 2, 0, 6, c);
  ECG_CHECK(c[0] == 10 && c[2] == 127 && c[3] == 0 && c[4] == 3 && c[5] == 64);
}

namespace {
std::mt19937 rng(12345);
std::vector<int32_t> mvec(size_t n) { return nn_test::random_vec<int32_t>(rng, n, 1 << 30, 0x7fffffff); }
}  // namespace

ECG_TEST(nn_conv1d_reference_and_optimized_are_bit_identical) {
  for (int trial = 0; trial < 40; trial++) {
    std::uniform_int_distribution<int> d(1, 24);
    const int T = d(rng) + 3, cin = d(rng), cout = d(rng), k = 1 + 2 * (d(rng) % 4);
    const int pl = (k - 1) / 2;
    Conv1dParams p{T, cin, cout, k, pl, static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>(rng() % 256) - 128, -128, 127};
    if (trial % 2) p.act_min = p.out_zp;  // fused ReLU
    auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cin, -128, 127);
    auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * k * cin, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, cout, -100000, 100000);
    auto m = mvec(cout);
    auto s = nn_test::random_vec<int32_t>(rng, cout, 36, 44);
    std::vector<int16_t> w16(packed_s16_elems(cout, k * cin));
    pack_s8_s16(w.data(), cout, k * cin, w16.data());
    std::vector<uint8_t> scratch(conv1d_s8_scratch_bytes(p) + 16);
    std::vector<int8_t> o1(static_cast<size_t>(T) * cout), o2(o1.size());
    conv1d_s8(p, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, o1.data(), scratch.data(), KernelPath::kReference);
    conv1d_s8(p, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, o2.data(), scratch.data(), KernelPath::kOptimized);
    ECG_CHECK(o1 == o2);
    // Spot check one output against a direct computation in double.
    const int t = T / 2, co = cout - 1;
    double acc = bias[co];
    for (int j = 0; j < k; j++) {
      const int ti = t + j - pl;
      if (ti < 0 || ti >= T) continue;
      for (int c = 0; c < cin; c++) acc += w[(static_cast<size_t>(co) * k + j) * cin + c] * (in[static_cast<size_t>(ti) * cin + c] - p.in_zp);
    }
    const double y = std::floor(acc * m[co] / std::ldexp(1.0, s[co]) + 0.5) + p.out_zp;
    ECG_CHECK(o1[static_cast<size_t>(t) * cout + co] == static_cast<int8_t>(std::max<double>(p.act_min, std::min(127.0, y))));
  }
}

ECG_TEST(nn_dense_reference_and_optimized_are_bit_identical) {
  for (int trial = 0; trial < 40; trial++) {
    const int rows = 1 + static_cast<int>(rng() % 3), n = 1 + static_cast<int>(rng() % 300), cout = 1 + static_cast<int>(rng() % 40);
    DenseParams p{rows, n, cout, static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>(rng() % 256) - 128, -128, 127};
    auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(rows) * n, -128, 127);
    auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * n, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, cout, -100000, 100000);
    auto m = mvec(cout);
    auto s = nn_test::random_vec<int32_t>(rng, cout, 36, 44);
    std::vector<int16_t> w16(packed_s16_elems(cout, n));
    pack_s8_s16(w.data(), cout, n, w16.data());
    std::vector<uint8_t> scratch(dense_s8_scratch_bytes(p) + 16);
    std::vector<int8_t> o1(static_cast<size_t>(rows) * cout), o2(o1.size());
    dense_s8(p, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, o1.data(), scratch.data(), KernelPath::kReference);
    dense_s8(p, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, o2.data(), scratch.data(), KernelPath::kOptimized);
    ECG_CHECK(o1 == o2);
    DenseParams p16 = p;
    p16.act_min = -32768; p16.act_max = 32767; p16.out_zp = 0;
    std::vector<int16_t> q1(o1.size()), q2(o1.size());
    dense_s8_s16(p16, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, q1.data(), scratch.data(), KernelPath::kReference);
    dense_s8_s16(p16, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, q2.data(), scratch.data(), KernelPath::kOptimized);
    ECG_CHECK(q1 == q2);
  }
}

ECG_TEST(nn_lstm_and_attention_reference_and_optimized_are_bit_identical) {
  for (int trial = 0; trial < 25; trial++) {
    const int T = 1 + static_cast<int>(rng() % 40), cin = 1 + static_cast<int>(rng() % 32), U = 1 + static_cast<int>(rng() % 40);
    LstmParams p{T, cin, U, static_cast<int32_t>(rng() % 256) - 128, static_cast<int>(trial % 2), 8 + trial % 7, static_cast<int32_t>((1u << 30) + rng() % (1u << 30)), 37 + trial % 3, trial % 5 == 0};
    const size_t G = 4 * static_cast<size_t>(U);
    auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cin, -128, 127);
    auto wx = nn_test::random_vec<int8_t>(rng, G * cin, -127, 127);
    auto wh = nn_test::random_vec<int8_t>(rng, G * U, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, G, -8000, 8000);
    auto mx = mvec(G), mh = mvec(G);
    auto sx = nn_test::random_vec<int32_t>(rng, G, 32, 38), sh = nn_test::random_vec<int32_t>(rng, G, 30, 34);
    std::vector<int16_t> wx16(packed_s16_elems(static_cast<int>(G), cin)), wh16(packed_s16_elems(static_cast<int>(G), U));
    pack_s8_s16(wx.data(), static_cast<int>(G), cin, wx16.data());
    pack_s8_s16(wh.data(), static_cast<int>(G), U, wh16.data());
    std::vector<uint8_t> scratch(lstm_s8_scratch_bytes(p) + 16);
    const size_t on = p.return_sequences ? static_cast<size_t>(T) * U : static_cast<size_t>(U);
    std::vector<int8_t> o1(on), o2(on);
    lstm_s8(p, in.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, o1.data(), scratch.data(), KernelPath::kReference);
    lstm_s8(p, in.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, o2.data(), scratch.data(), KernelPath::kOptimized);
    ECG_CHECK(o1 == o2);
    bool nonzero = false;
    for (int8_t v : o1) nonzero |= v != 0;
    ECG_CHECK(nonzero);

    const int A = 1 + static_cast<int>(rng() % 32);
    AttentionParams ap{T, cin, A, static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>((1u << 30) + rng() % (1u << 30)), 30 + trial % 8};
    auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(A) * cin, -127, 127);
    auto b = nn_test::random_vec<int32_t>(rng, A, -8000, 8000);
    auto v = nn_test::random_vec<int8_t>(rng, A, -127, 127);
    auto am = mvec(A);
    auto as = nn_test::random_vec<int32_t>(rng, A, 32, 38);
    std::vector<int16_t> w16(packed_s16_elems(A, cin));
    pack_s8_s16(w.data(), A, cin, w16.data());
    std::vector<uint8_t> ascratch(attention_s8_scratch_bytes(ap) + 16);
    std::vector<int8_t> a1(cin), a2(cin);
    attention_s8(ap, in.data(), w.data(), w16.data(), b.data(), {am.data(), as.data()}, v.data(), a1.data(), ascratch.data(), KernelPath::kReference);
    attention_s8(ap, in.data(), w.data(), w16.data(), b.data(), {am.data(), as.data()}, v.data(), a2.data(), ascratch.data(), KernelPath::kOptimized);
    ECG_CHECK(a1 == a2);
    // A convex combination over time: every output lies within the input's range per channel.
    for (int c = 0; c < cin; c++) {
      int lo = 127, hi = -128;
      for (int t = 0; t < T; t++) { lo = std::min<int>(lo, in[static_cast<size_t>(t) * cin + c]); hi = std::max<int>(hi, in[static_cast<size_t>(t) * cin + c]); }
      ECG_CHECK(a1[c] >= lo && a1[c] <= hi);
    }
  }
}

ECG_TEST(nn_attention_equal_scores_average_uniformly) {
  // v = 0 → all scores equal → α uniform: out = mean over time.
  const int T = 4, H = 2, A = 3;
  const int8_t in[T * H] = {10, -10, 20, -20, 30, -30, 40, -40};
  const int8_t w[A * H] = {1, 2, 3, 4, 5, 6};
  const int32_t b[A] = {0, 0, 0}, m[A] = {1 << 30, 1 << 30, 1 << 30}, s[A] = {31, 31, 31};
  const int8_t v[A] = {0, 0, 0};
  AttentionParams p{T, H, A, 0, 1 << 30, 31};
  std::vector<uint8_t> scratch(attention_s8_scratch_bytes(p));
  int8_t out[H];
  attention_s8(p, in, w, nullptr, b, {m, s}, v, out, scratch.data(), KernelPath::kReference);
  ECG_CHECK(out[0] == 25 && out[1] == -25);
}

ECG_TEST(nn_requant_s32_vectorized_equals_scalar) {
  std::vector<int32_t> acc(1003), mult(1003), shift(1003), out(1003);
  for (size_t i = 0; i < acc.size(); i++) {
    const uint32_t r = static_cast<uint32_t>(rng());
    acc[i] = i % 17 == 0 ? INT32_MIN : i % 19 == 0 ? INT32_MAX : static_cast<int32_t>(r);
    mult[i] = i % 23 == 0 ? 0 : static_cast<int32_t>((1u << 30) + rng() % (1u << 30));
    shift[i] = 1 + static_cast<int32_t>(rng() % 62);
  }
  requant_s32(acc.data(), mult.data(), shift.data(), static_cast<int>(acc.size()), out.data());
  int bad = 0;
  for (size_t i = 0; i < acc.size(); i++) bad += out[i] != requantize(acc[i], mult[i], shift[i]);
  ECG_CHECK(bad == 0);
  requant_s32(acc.data(), mult.data(), shift.data(), static_cast<int>(acc.size()), acc.data());  // in place
  ECG_CHECK(acc == out);
}

ECG_TEST(nn_dense2_reference_and_optimized_are_bit_identical_and_exact) {
  for (int trial = 0; trial < 30; trial++) {
    const int na = 1 + static_cast<int>(rng() % 60), nb = 1 + static_cast<int>(rng() % 8), cout = 1 + static_cast<int>(rng() % 40);
    Dense2Params p{na, nb, cout, static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>(rng() % 256) - 128,
                   static_cast<int32_t>((1u << 30) + rng() % (1u << 30)), 28 + static_cast<int32_t>(rng() % 6), -128, 127};
    auto a = nn_test::random_vec<int8_t>(rng, na, -128, 127), b = nn_test::random_vec<int8_t>(rng, nb, -128, 127);
    auto wa = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * na, -127, 127), wb = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * nb, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, cout, -50000, 50000);
    auto m = mvec(cout);
    auto s = nn_test::random_vec<int32_t>(rng, cout, 36, 42);
    std::vector<int16_t> wa16(packed_s16_elems(cout, na)), wb16(packed_s16_elems(cout, nb));
    pack_s8_s16(wa.data(), cout, na, wa16.data());
    pack_s8_s16(wb.data(), cout, nb, wb16.data());
    std::vector<uint8_t> scratch(dense2_s8_scratch_bytes(p));
    std::vector<int8_t> o1(cout), o2(cout);
    dense2_s8(p, a.data(), b.data(), wa.data(), wb.data(), wa16.data(), wb16.data(), bias.data(), {m.data(), s.data()}, o1.data(), scratch.data(), KernelPath::kReference);
    dense2_s8(p, a.data(), b.data(), wa.data(), wb.data(), wa16.data(), wb16.data(), bias.data(), {m.data(), s.data()}, o2.data(), scratch.data(), KernelPath::kOptimized);
    ECG_CHECK(o1 == o2);
    const int c = cout - 1;
    int32_t accb = 0, acca = bias[c];
    for (int i = 0; i < na; i++) acca += wa[static_cast<size_t>(c) * na + i] * (a[i] - p.a_zp);
    for (int i = 0; i < nb; i++) accb += wb[static_cast<size_t>(c) * nb + i] * (b[i] - p.b_zp);
    const int32_t acc = sat_i32(static_cast<int64_t>(acca) + requantize(accb, p.b_mult, p.b_shift));
    ECG_CHECK(o1[c] == static_cast<int8_t>(clamp_i32(requantize(acc, m[c], s[c]) + p.out_zp, -128, 127)));
  }
}
