// The optimized int8 kernels at every instruction-set level this CPU offers (0 portable loops, 1 AVX2,
// 2 AVX-512 VNNI; see simd_level()): each level must give exactly the reference results, including the edge
// cases the vector code treats separately (odd K, overlapping GEMM rows, column tails, small shifts that can
// saturate, huge biases, recurrent terms too large for the 32-bit gate sum).
#include <algorithm>
#include <cstring>
#include <random>
#include <vector>
#include "nn/kernels.h"
#include "nn/quant.h"
#include "nn_test_model.h"
#include "test_harness.h"

using namespace ecg::nn;

namespace {
std::mt19937 rng(777);
}  // namespace

ECG_TEST(nn_simd_gemm_lda_matches_naive_sums) {
  for (int trial = 0; trial < 60; trial++) {
    const int M = 1 + static_cast<int>(rng() % 9), N = 1 + static_cast<int>(rng() % 70), K = 1 + static_cast<int>(rng() % 45);
    const int lda = trial % 3 == 0 ? std::max(1, K / 3) : K + static_cast<int>(rng() % 3);  // overlapping rows on every third
    auto A = nn_test::random_vec<int16_t>(rng, static_cast<size_t>(M - 1) * lda + K, -255, 255);
    auto B = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(N) * K, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, N, -1000000, 1000000);
    std::vector<int16_t> Bp(packed_s16_elems(N, K));
    pack_s8_s16(B.data(), N, K, Bp.data());
    std::vector<int32_t> want(static_cast<size_t>(M) * N);
    for (int m = 0; m < M; m++)
      for (int n = 0; n < N; n++) {
        int64_t s = trial % 2 ? bias[n] : 0;
        for (int k = 0; k < K; k++) s += static_cast<int64_t>(A[static_cast<size_t>(m) * lda + k]) * B[static_cast<size_t>(n) * K + k];
        want[static_cast<size_t>(m) * N + n] = static_cast<int32_t>(s);
      }
    nn_test::at_every_simd_level([&](int) {
      std::vector<int32_t> C(want.size(), 12345);
      gemm_packed_s16_lda(A.data(), lda, M, Bp.data(), N, K, trial % 2 ? bias.data() : nullptr, C.data());
      ECG_CHECK(C == want);
    });
  }
}

ECG_TEST(nn_simd_requant_rows_s8_matches_scalar) {
  for (int trial = 0; trial < 40; trial++) {
    const int rows = 1 + static_cast<int>(rng() % 6), n = 1 + static_cast<int>(rng() % 40);
    std::vector<int32_t> acc(static_cast<size_t>(rows) * n), mult(n), shift(n);
    for (size_t i = 0; i < acc.size(); i++) {
      const uint32_t r = static_cast<uint32_t>(rng());
      acc[i] = i % 13 == 0 ? INT32_MIN : i % 11 == 0 ? INT32_MAX : trial % 2 ? static_cast<int32_t>(r) : static_cast<int32_t>(r % 2000001) - 1000000;
    }
    for (int c = 0; c < n; c++) {
      mult[c] = c % 7 == 3 ? 0 : static_cast<int32_t>((1u << 30) + rng() % (1u << 30));
      // every third trial: all shifts ≥ 32 or ≥ 31 (the vector fast paths); otherwise anything in 1..62
      shift[c] = trial % 3 == 0 ? 32 + static_cast<int32_t>(rng() % 31) : trial % 3 == 1 ? 31 + static_cast<int32_t>(rng() % 3) : 1 + static_cast<int32_t>(rng() % 62);
    }
    const int32_t zp = static_cast<int32_t>(rng() % 256) - 128;
    int32_t lo = static_cast<int32_t>(rng() % 256) - 128, hi = static_cast<int32_t>(rng() % 256) - 128;
    if (lo > hi) std::swap(lo, hi);
    std::vector<int8_t> want(acc.size());
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < n; c++) {
        const size_t i = static_cast<size_t>(r) * n + c;
        want[i] = static_cast<int8_t>(clamp_i32(sat_i32(static_cast<int64_t>(requantize(acc[i], mult[c], shift[c])) + zp), lo, hi));
      }
    nn_test::at_every_simd_level([&](int) {
      std::vector<int8_t> out(acc.size(), 99);
      requant_rows_s8(acc.data(), rows, n, mult.data(), shift.data(), zp, lo, hi, out.data());
      ECG_CHECK(out == want);
      std::vector<int32_t> o32(acc.size());
      requant_s32(acc.data(), mult.data(), shift.data(), n, o32.data());  // first row, per-lane multipliers
      for (int c = 0; c < n; c++) ECG_CHECK(o32[c] == requantize(acc[c], mult[c], shift[c]));
    });
  }
}

ECG_TEST(nn_simd_maxpool_matches_naive) {
  ECG_CHECK(nn_test::maxpool_mismatches<int8_t>(rng, 40, maxpool1d_s8) == 0);
}

ECG_TEST(nn_simd_conv_dense_lstm_every_level_equals_reference) {
  for (int trial = 0; trial < 30; trial++) {
    // conv1d
    {
      const int T = 4 + static_cast<int>(rng() % 40), cin = 1 + static_cast<int>(rng() % 20), cout = 1 + static_cast<int>(rng() % 40), k = 1 + static_cast<int>(rng() % 7);
      Conv1dParams p{T, cin, cout, k, static_cast<int>(rng() % k), static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>(rng() % 256) - 128, -128, 127};
      if (trial % 2) p.act_min = p.out_zp;
      auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cin, -128, 127);
      auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * k * cin, -127, 127);
      auto bias = nn_test::random_vec<int32_t>(rng, cout, -100000, 100000);
      auto m = nn_test::random_vec<int32_t>(rng, cout, 1 << 30, 0x7fffffff);
      auto s = nn_test::random_vec<int32_t>(rng, cout, trial % 3 ? 33 : 20, 44);
      std::vector<int16_t> w16(packed_s16_elems(cout, k * cin));
      pack_s8_s16(w.data(), cout, k * cin, w16.data());
      std::vector<uint8_t> scratch(conv1d_s8_scratch_bytes(p) + 16);
      std::vector<int8_t> ref(static_cast<size_t>(T) * cout);
      conv1d_s8(p, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, ref.data(), scratch.data(), KernelPath::kReference);
      nn_test::at_every_simd_level([&](int) {
        std::vector<int8_t> o(ref.size());
        conv1d_s8(p, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, o.data(), scratch.data(), KernelPath::kOptimized);
        ECG_CHECK(o == ref);
      });
    }
    // dense, several rows
    {
      const int rows = 1 + static_cast<int>(rng() % 5), n = 1 + static_cast<int>(rng() % 100), cout = 1 + static_cast<int>(rng() % 50);
      DenseParams p{rows, n, cout, static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>(rng() % 256) - 128, -128, 127};
      auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(rows) * n, -128, 127);
      auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * n, -127, 127);
      auto bias = nn_test::random_vec<int32_t>(rng, cout, -100000, 100000);
      auto m = nn_test::random_vec<int32_t>(rng, cout, 1 << 30, 0x7fffffff);
      auto s = nn_test::random_vec<int32_t>(rng, cout, 25, 44);
      std::vector<int16_t> w16(packed_s16_elems(cout, n));
      pack_s8_s16(w.data(), cout, n, w16.data());
      std::vector<uint8_t> scratch(dense_s8_scratch_bytes(p) + 16);
      std::vector<int8_t> ref(static_cast<size_t>(rows) * cout);
      dense_s8(p, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, ref.data(), scratch.data(), KernelPath::kReference);
      nn_test::at_every_simd_level([&](int) {
        std::vector<int8_t> o(ref.size());
        dense_s8(p, in.data(), w.data(), w16.data(), bias.data(), {m.data(), s.data()}, o.data(), scratch.data(), KernelPath::kOptimized);
        ECG_CHECK(o == ref);
      });
    }
    // LSTM: every fourth trial with recurrent multipliers so large that the 32-bit gate sum is not safe (the
    // exact 64-bit fallback), every fifth with biases beyond ±2^30 (the scalar lanes of the input terms).
    {
      const int T = 1 + static_cast<int>(rng() % 24), cin = 1 + static_cast<int>(rng() % 20), U = 1 + static_cast<int>(rng() % 36);
      const size_t G = 4 * static_cast<size_t>(U);
      LstmParams p{T, cin, U, static_cast<int32_t>(rng() % 256) - 128, static_cast<int>(trial % 2), 8 + trial % 7,
                   static_cast<int32_t>((1u << 30) + rng() % (1u << 30)), 35 + trial % 6, trial % 7 == 0};
      auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cin, -128, 127);
      auto wx = nn_test::random_vec<int8_t>(rng, G * cin, -127, 127);
      auto wh = nn_test::random_vec<int8_t>(rng, G * U, -127, 127);
      auto bias = trial % 5 == 0 ? nn_test::random_vec<int32_t>(rng, G, INT32_MIN, INT32_MAX) : nn_test::random_vec<int32_t>(rng, G, -8000, 8000);
      auto mx = nn_test::random_vec<int32_t>(rng, G, 1 << 30, 0x7fffffff), mh = nn_test::random_vec<int32_t>(rng, G, 1 << 30, 0x7fffffff);
      auto sx = nn_test::random_vec<int32_t>(rng, G, trial % 3 ? 29 : 31, 38);
      auto sh = trial % 4 == 0 ? nn_test::random_vec<int32_t>(rng, G, 2, 12) : nn_test::random_vec<int32_t>(rng, G, 30, 44);
      std::vector<int16_t> wx16(packed_s16_elems(static_cast<int>(G), cin)), wh16(packed_s16_elems(static_cast<int>(G), U));
      pack_s8_s16(wx.data(), static_cast<int>(G), cin, wx16.data());
      pack_s8_s16(wh.data(), static_cast<int>(G), U, wh16.data());
      std::vector<uint8_t> scratch(lstm_s8_scratch_bytes(p) + 16);
      const size_t on = p.return_sequences ? static_cast<size_t>(T) * U : static_cast<size_t>(U);
      std::vector<int8_t> ref(on);
      lstm_s8(p, in.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, ref.data(), scratch.data(), KernelPath::kReference);
      nn_test::at_every_simd_level([&](int) {
        std::vector<int8_t> o(on, 77);
        lstm_s8(p, in.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), bias.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, o.data(), scratch.data(), KernelPath::kOptimized);
        ECG_CHECK(o == ref);
      });
    }
  }
}

ECG_TEST(nn_simd_u8s8_gemm_and_kernels_equal_reference) {
  // The 8-bit VNNI GEMM (only where the CPU has it: elsewhere gemm_u8s8 runs its portable loop) against naive sums
  // of w·(x − zp), and conv1d / LSTM given quad-packed weights against their reference paths at every level.
  for (int trial = 0; trial < 40; trial++) {
    const int M = 1 + static_cast<int>(rng() % 9), N = 1 + static_cast<int>(rng() % 70), K = 1 + static_cast<int>(rng() % 45);
    const int lda = trial % 3 == 0 ? std::max(1, K / 3) : K + static_cast<int>(rng() % 3);
    const int32_t zp = static_cast<int32_t>(rng() % 256) - 128;
    auto X = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(M - 1) * lda + K, -128, 127);
    std::vector<uint8_t> U(X.size() + 4, 0);
    for (size_t i = 0; i < X.size(); i++) U[i] = static_cast<uint8_t>(X[i]) ^ 0x80u;
    auto B = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(N) * K, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, N, -1000000, 1000000);
    std::vector<int8_t> Bq(packed_q4_bytes(N, K));
    std::vector<int32_t> wsum(N), beff(N);
    pack_s8_q4(B.data(), N, K, Bq.data(), wsum.data());
    u8_bias(bias.data(), wsum.data(), zp, N, beff.data());
    std::vector<int32_t> C(static_cast<size_t>(M) * N);
    gemm_u8s8(U.data(), lda, M, Bq.data(), N, K, beff.data(), C.data());
    bool ok = true;
    for (int m = 0; m < M; m++)
      for (int n = 0; n < N; n++) {
        int64_t s = bias[n];
        for (int k = 0; k < K; k++) s += static_cast<int64_t>(B[static_cast<size_t>(n) * K + k]) * (X[static_cast<size_t>(m) * lda + k] - zp);
        ok &= C[static_cast<size_t>(m) * N + n] == static_cast<int32_t>(s);
      }
    ECG_CHECK(ok);
  }
  for (int trial = 0; trial < 20; trial++) {
    const int T = 4 + static_cast<int>(rng() % 40), cin = 1 + static_cast<int>(rng() % 20), cout = 1 + static_cast<int>(rng() % 40), k = 1 + static_cast<int>(rng() % 7);
    Conv1dParams p{T, cin, cout, k, static_cast<int>(rng() % k), static_cast<int32_t>(rng() % 256) - 128, static_cast<int32_t>(rng() % 256) - 128, -128, 127};
    auto in = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cin, -128, 127);
    auto w = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(cout) * k * cin, -127, 127);
    auto bias = nn_test::random_vec<int32_t>(rng, cout, -100000, 100000);
    auto m = nn_test::random_vec<int32_t>(rng, cout, 1 << 30, 0x7fffffff);
    auto s = nn_test::random_vec<int32_t>(rng, cout, 33, 44);
    const nn_test::PackedWeights pw(w, cout, k * cin);
    std::vector<uint8_t> scratch(conv1d_s8_scratch_bytes(p));
    std::vector<int8_t> ref(static_cast<size_t>(T) * cout);
    conv1d_s8(p, in.data(), w.data(), pw.s16.data(), bias.data(), {m.data(), s.data()}, ref.data(), scratch.data(), KernelPath::kReference);
    nn_test::at_every_simd_level([&](int) {
      std::vector<int8_t> o(ref.size());
      conv1d_s8(p, in.data(), w.data(), pw.s16.data(), bias.data(), {m.data(), s.data()}, o.data(), scratch.data(), KernelPath::kOptimized, pw.quads());
      ECG_CHECK(o == ref);
    });
    const int cinl = 1 + static_cast<int>(rng() % 20), U = 1 + static_cast<int>(rng() % 36);
    const size_t G = 4 * static_cast<size_t>(U);
    LstmParams lp{T, cinl, U, static_cast<int32_t>(rng() % 256) - 128, static_cast<int>(trial % 2), 8 + trial % 7, static_cast<int32_t>((1u << 30) + rng() % (1u << 30)), 36, 0};
    auto lin = nn_test::random_vec<int8_t>(rng, static_cast<size_t>(T) * cinl, -128, 127);
    auto wx = nn_test::random_vec<int8_t>(rng, G * cinl, -127, 127), wh = nn_test::random_vec<int8_t>(rng, G * U, -127, 127);
    auto lb = nn_test::random_vec<int32_t>(rng, G, -8000, 8000);
    auto mx = nn_test::random_vec<int32_t>(rng, G, 1 << 30, 0x7fffffff), mh = nn_test::random_vec<int32_t>(rng, G, 1 << 30, 0x7fffffff);
    auto sx = nn_test::random_vec<int32_t>(rng, G, 30, 38), sh = nn_test::random_vec<int32_t>(rng, G, 30, 44);
    std::vector<int16_t> wx16(packed_s16_elems(static_cast<int>(G), cinl)), wh16(packed_s16_elems(static_cast<int>(G), U));
    pack_s8_s16(wx.data(), static_cast<int>(G), cinl, wx16.data());
    pack_s8_s16(wh.data(), static_cast<int>(G), U, wh16.data());
    std::vector<int8_t> wxq(packed_q4_bytes(static_cast<int>(G), cinl));
    std::vector<int32_t> wxs(G);
    pack_s8_q4(wx.data(), static_cast<int>(G), cinl, wxq.data(), wxs.data());
    std::vector<uint8_t> lscratch(lstm_s8_scratch_bytes(lp));
    const size_t on = lp.return_sequences ? static_cast<size_t>(T) * U : static_cast<size_t>(U);
    std::vector<int8_t> lref(on);
    lstm_s8(lp, lin.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), lb.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, lref.data(), lscratch.data(), KernelPath::kReference);
    nn_test::at_every_simd_level([&](int) {
      std::vector<int8_t> o(on, 1);
      lstm_s8(lp, lin.data(), wx.data(), wh.data(), wx16.data(), wh16.data(), lb.data(), {mx.data(), sx.data()}, {mh.data(), sh.data()}, o.data(), lscratch.data(), KernelPath::kOptimized,
              PackedQ4{wxq.data(), wxs.data()});
      ECG_CHECK(o == lref);
    });
  }
}

ECG_TEST(nn_simd_level_is_clamped_to_the_cpu) {
  const int best = simd_level();
  set_simd_level(99);
  ECG_CHECK(simd_level() >= best);  // clamped to the CPU (the default may be capped by ECG_NN_SIMD)
  set_simd_level(-3);
  ECG_CHECK(simd_level() == 0);
  set_simd_level(best);
}
