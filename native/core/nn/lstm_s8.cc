// lstm_s8: LSTM with int8 weights and activations, gates in Q3.12, an int16 cell state, LUT sigmoid/tanh.
//   gate_j = sat16(rq(Σ wx_j·(x − zp), qx_j) + rq(Σ wh_j·h_q15, qh_j) + bias_j)  (Q3.12, i, f, c, o order;
//            the recurrence uses the previous h in Q0.15, int16, not the int8 output)
//   c ← sat16(round(f·c / 2^15) + round(i·g / 2^(30 − cell_frac)))              (Q.cell_frac)
//   h = round(o · tanh(c) / 2^15) (Q0.15) → int8 through (out_mult, out_shift), zero point 0
// Reference: direct loops. Optimized: the input projection of every step in one int16 GEMM, requantized with the
// bias once for all steps; then per step one int16 mat-vec over all four gates, the recurrent requantization and
// the gate sum in 8-lane vectors, the cell update with table gathers and the output requantization vectorized.
// Both paths produce the same exact integers, so the outputs are bit-identical (test_nn_kernels.cc).
#include <cmath>

#include "kernels.h"
#include "quant.h"
#include "simd_avx2.h"

#ifdef ECG_NN_AVX2
#define ECG_LSTM_AVX2 1
#endif

namespace ecg {
namespace nn {
namespace {
inline size_t align16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }

struct LstmScratch {
  int8_t* h;
  int16_t* c;
  int16_t* gates;
  int16_t* x16;
  int32_t* accx;
  int16_t* h16;
  int32_t* acch;
  int16_t* hq;  // h in Q0.15, fed back to the recurrence (the int8 h is only the output)
};

LstmScratch carve(const LstmParams& p, void* scratch) {
  const size_t U = p.units, G = 4 * U;
  uint8_t* s = static_cast<uint8_t*>(scratch);
  LstmScratch r;
  r.h = reinterpret_cast<int8_t*>(s); s += align16(U);
  r.c = reinterpret_cast<int16_t*>(s); s += align16(U * 2);
  r.gates = reinterpret_cast<int16_t*>(s); s += align16(G * 2);
  r.x16 = reinterpret_cast<int16_t*>(s); s += align16(static_cast<size_t>(p.T) * p.cin * 2 + 4);  // or T·cin u8 + 4
  r.accx = reinterpret_cast<int32_t*>(s); s += align16(static_cast<size_t>(p.T) * G * 4);
  r.h16 = reinterpret_cast<int16_t*>(s); s += align16(U * 2);
  r.acch = reinterpret_cast<int32_t*>(s); s += align16(G * 4);
  r.hq = reinterpret_cast<int16_t*>(s);
  return r;
}

inline int16_t recurrent_act(const LstmParams& p, int16_t x) { return p.hard_sigmoid ? hard_sigmoid_q12_q15(x) : sigmoid_q12_q15(x); }

void cell_update_from(const LstmParams& p, const int16_t* g, int16_t* c, int8_t* h, int16_t* hq, int u0) {
  const int U = p.units;
  for (int u = u0; u < U; u++) {
    const int32_t i = recurrent_act(p, g[u]);
    const int32_t f = recurrent_act(p, g[U + u]);
    const int32_t gg = tanh_q12_q15(g[2 * U + u]);
    const int32_t o = recurrent_act(p, g[3 * U + u]);
    const int64_t cn = rshift_round(static_cast<int64_t>(f) * c[u], 15) + rshift_round(static_cast<int64_t>(i) * gg, 30 - p.cell_frac);
    c[u] = sat_i16(sat_i32(cn));
    int32_t c12;
    if (p.cell_frac > 12) c12 = static_cast<int32_t>(rshift_round(c[u], p.cell_frac - 12));
    else c12 = static_cast<int32_t>(c[u]) * (1 << (12 - p.cell_frac));
    const int32_t tc = tanh_q12_q15(sat_i16(c12));
    const int32_t hq15 = static_cast<int32_t>(rshift_round(static_cast<int64_t>(o) * tc, 15));
    hq[u] = static_cast<int16_t>(hq15);
    h[u] = sat_i8(requantize(hq15, p.out_mult, p.out_shift));
  }
}

#ifdef ECG_LSTM_AVX2
// 8 units at a time: table lookups by 32-bit gathers of the knot pair (t[i], t[i+1]), the same integer
// interpolation and rounding as lut_q12_q15, products and shifts in 32 bits (all fit), the final
// requantization per lane with the scalar helper. Bit-identical to cell_update_from.
__attribute__((target("avx2"))) static inline __m256i lut8(const int16_t* t, __m256i x) {
  const __m256i u = _mm256_add_epi32(x, _mm256_set1_epi32(32768));
  const __m256i i = _mm256_srli_epi32(u, 8), f = _mm256_and_si256(u, _mm256_set1_epi32(255));
  const __m256i pair = _mm256_i32gather_epi32(reinterpret_cast<const int*>(t), i, 2);  // t[i] | t[i+1] << 16
  const __m256i a = _mm256_srai_epi32(_mm256_slli_epi32(pair, 16), 16), b = _mm256_srai_epi32(pair, 16);
  const __m256i d = _mm256_mullo_epi32(_mm256_sub_epi32(b, a), f);
  return _mm256_add_epi32(a, _mm256_srai_epi32(_mm256_add_epi32(d, _mm256_set1_epi32(128)), 8));
}
__attribute__((target("avx2"))) static inline __m256i load8_s16(const int16_t* p) {
  return _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
__attribute__((target("avx2"))) static inline __m256i rsr(__m256i v, int s) {  // round half up, arithmetic >> s (s ≥ 1)
  return _mm256_sra_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(1 << (s - 1))), _mm_cvtsi32_si128(s));
}
__attribute__((target("avx2"))) static int cell_update_avx2(const LstmParams& p, const int16_t* g, int16_t* c, int8_t* h, int16_t* hq) {
  const int U = p.units;
  const __m256i lo16 = _mm256_set1_epi32(-32768), hi16 = _mm256_set1_epi32(32767);
  const __m256i lo8 = _mm256_set1_epi32(-128), hi8 = _mm256_set1_epi32(127);
  const __m256i om = _mm256_set1_epi32(p.out_mult), os = _mm256_set1_epi32(p.out_shift);
  int u = 0;
  for (; u + 8 <= U; u += 8) {
    const __m256i i = lut8(kSigmoidQ15, load8_s16(g + u));
    const __m256i f = lut8(kSigmoidQ15, load8_s16(g + U + u));
    const __m256i gg = lut8(kTanhQ15, load8_s16(g + 2 * U + u));
    const __m256i o = lut8(kSigmoidQ15, load8_s16(g + 3 * U + u));
    const __m256i cv = load8_s16(c + u);
    __m256i cn = _mm256_add_epi32(rsr(_mm256_mullo_epi32(f, cv), 15), rsr(_mm256_mullo_epi32(i, gg), 30 - p.cell_frac));
    cn = _mm256_min_epi32(_mm256_max_epi32(cn, lo16), hi16);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(c + u), _mm_packs_epi32(_mm256_castsi256_si128(cn), _mm256_extracti128_si256(cn, 1)));
    __m256i c12 = p.cell_frac > 12 ? rsr(cn, p.cell_frac - 12) : _mm256_sll_epi32(cn, _mm_cvtsi32_si128(12 - p.cell_frac));
    c12 = _mm256_min_epi32(_mm256_max_epi32(c12, lo16), hi16);
    const __m256i tc = lut8(kTanhQ15, c12);
    const __m256i hv8 = rsr(_mm256_mullo_epi32(o, tc), 15);  // |hv| ≤ 32767: the int16 pack is exact
    _mm_storeu_si128(reinterpret_cast<__m128i*>(hq + u), _mm_packs_epi32(_mm256_castsi256_si128(hv8), _mm256_extracti128_si256(hv8, 1)));
    const __m256i hq8 = avx2::requant8(hv8, om, os);
    avx2::store8_s8(h + u, _mm256_min_epi32(_mm256_max_epi32(hq8, lo8), hi8));
  }
  return u;
}
#endif

// ---- optimized gate pre-activations.
// gate_j = sat16(X_j + H_j) with X_j = rq(ax_j, qx_j) + bias_j (int64 exact) and H_j = rq(ah_j, qh_j).
// When every |H_j| ≤ 2^30 (checked per call from the multipliers: |ah| ≤ 127·32768·U), X can be clamped once to
// ±(2^30 + 2^15) and stored as int32: if X lies beyond, X + H lies beyond ±2^15 on the same side, so sat16 gives
// the same value, and X + H never overflows int32. Otherwise each step is combined exactly in 64 bits.
constexpr int32_t kXCap = (1 << 30) + (1 << 15);

bool recurrent_term_small(const LstmParams& p, ChannelQuant qh) {
  const double amax = 127.0 * 32768.0 * p.units;
  for (int j = 0; j < 4 * p.units; j++) {
    if (amax * qh.mult[j] / std::ldexp(1.0, qh.shift[j]) + 2.0 > static_cast<double>(1 << 30)) return false;
  }
  return true;
}

inline int32_t input_gate_term(int32_t ax, int32_t mult, int32_t shift, int32_t bias) {
  const int64_t x = static_cast<int64_t>(requantize(ax, mult, shift)) + bias;
  return static_cast<int32_t>(x > kXCap ? kXCap : (x < -kXCap ? -kXCap : x));
}

#ifdef ECG_LSTM_AVX2
__attribute__((target("avx2"))) static void input_terms_avx2(int32_t* acc, int T, int G, ChannelQuant qx, const int32_t* bias) {
  const __m256i cap = _mm256_set1_epi32(kXCap), ncap = _mm256_set1_epi32(-kXCap);
  const __m256i big = _mm256_set1_epi32((1 << 30) - 1), nbig = _mm256_set1_epi32(-((1 << 30) - 1));
  int j = 0;
  for (; j + 8 <= G; j += 8) {  // channel groups outer (multipliers prepared once), steps inner
    const avx2::Rq8 q = avx2::rq8_prepare(qx.mult + j, qx.shift + j);
    const __m256i b = avx2::load8(bias + j);
    const __m256i bc = _mm256_min_epi32(_mm256_max_epi32(b, nbig), big);
    const __m256i b_exact = _mm256_cmpeq_epi32(bc, b);
    for (int t = 0; t < T; t++) {
      int32_t* a = acc + static_cast<size_t>(t) * G + j;
      const __m256i r = avx2::rq8_apply(q, avx2::load8(a));
      // clamp(r + b, ±kXCap) in 32-bit lanes: exact when |r|, |b| < 2^30 (the sum cannot overflow); lanes
      // outside that (never seen in practice) are redone in scalar.
      const __m256i rc = _mm256_min_epi32(_mm256_max_epi32(r, nbig), big);
      const __m256i exact = _mm256_and_si256(_mm256_cmpeq_epi32(rc, r), b_exact);
      __m256i y = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(rc, bc), ncap), cap);
      if (_mm256_movemask_epi8(exact) != -1) {
        alignas(32) int32_t ys[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(ys), y);
        for (int k = 0; k < 8; k++) ys[k] = input_gate_term(a[k], qx.mult[j + k], qx.shift[j + k], bias[j + k]);
        y = _mm256_load_si256(reinterpret_cast<const __m256i*>(ys));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(a), y);
    }
  }
  for (; j < G; j++)
    for (int t = 0; t < T; t++) acc[static_cast<size_t>(t) * G + j] = input_gate_term(acc[static_cast<size_t>(t) * G + j], qx.mult[j], qx.shift[j], bias[j]);
}

__attribute__((target("avx2"))) static void combine_avx2(const int32_t* X, const int32_t* ah, int G, ChannelQuant qh, bool fast, int16_t* gates) {
  int j = 0;
  for (; j + 16 <= G; j += 16) {
    const __m256i h0 = fast ? avx2::requant8_hi(avx2::load8(ah + j), avx2::load8(qh.mult + j), avx2::load8(qh.shift + j))
                            : avx2::requant8(avx2::load8(ah + j), avx2::load8(qh.mult + j), avx2::load8(qh.shift + j));
    const __m256i h1 = fast ? avx2::requant8_hi(avx2::load8(ah + j + 8), avx2::load8(qh.mult + j + 8), avx2::load8(qh.shift + j + 8))
                            : avx2::requant8(avx2::load8(ah + j + 8), avx2::load8(qh.mult + j + 8), avx2::load8(qh.shift + j + 8));
    const __m256i s0 = _mm256_add_epi32(avx2::load8(X + j), h0), s1 = _mm256_add_epi32(avx2::load8(X + j + 8), h1);
    const __m256i g = _mm256_permute4x64_epi64(_mm256_packs_epi32(s0, s1), 0xD8);  // saturating pack = sat16
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(gates + j), g);
  }
  for (; j < G; j++) gates[j] = sat_i16(X[j] + requantize(ah[j], qh.mult[j], qh.shift[j]));
}
#endif

void combine(const int32_t* X, const int32_t* ah, int G, ChannelQuant qh, bool fast, int16_t* gates) {
#ifdef ECG_LSTM_AVX2
  if (avx2::available()) {
    combine_avx2(X, ah, G, qh, fast, gates);
    return;
  }
#endif
  (void)fast;
  for (int j = 0; j < G; j++) gates[j] = sat_i16(X[j] + requantize(ah[j], qh.mult[j], qh.shift[j]));
}

void input_terms(int32_t* acc, int T, int G, ChannelQuant qx, const int32_t* bias) {
#ifdef ECG_LSTM_AVX2
  if (avx2::available()) {
    input_terms_avx2(acc, T, G, qx, bias);
    return;
  }
#endif
  for (int t = 0; t < T; t++) {
    int32_t* a = acc + static_cast<size_t>(t) * G;
    for (int j = 0; j < G; j++) a[j] = input_gate_term(a[j], qx.mult[j], qx.shift[j], bias[j]);
  }
}

void cell_update(const LstmParams& p, const int16_t* g, int16_t* c, int8_t* h, int16_t* hq, bool vector_ok) {
  int u0 = 0;
#ifdef ECG_LSTM_AVX2
  if (vector_ok && avx2::available() && !p.hard_sigmoid) u0 = cell_update_avx2(p, g, c, h, hq);
#else
  (void)vector_ok;
#endif
  cell_update_from(p, g, c, h, hq, u0);
}
}  // namespace

size_t lstm_s8_scratch_bytes(const LstmParams& p) {
  const size_t U = p.units, G = 4 * U;
  return align16(U) + align16(U * 2) + align16(G * 2) + align16(static_cast<size_t>(p.T) * p.cin * 2 + 4) +
         align16(static_cast<size_t>(p.T) * G * 4) + align16(U * 2) + align16(G * 4) + align16(U * 2);
}

void lstm_s8(const LstmParams& p, const int8_t* in, const int8_t* wx, const int8_t* wh, const int16_t* wx16,
             const int16_t* wh16, const int32_t* bias_q12, ChannelQuant qx, ChannelQuant qh, int8_t* out, void* scratch,
             KernelPath path, PackedQ4 wx4) {
  detail::lstm_run(p, in, nullptr, wx, wh, wx16, wh16, bias_q12, qx, qh, out, scratch, path, wx4);
}

// in8 (zero point p.in_zp) or in16 (zero point 0, format 2.2): only the input projection reads the input.
void detail::lstm_run(const LstmParams& p, const int8_t* in, const int16_t* in16, const int8_t* wx, const int8_t* wh, const int16_t* wx16,
                      const int16_t* wh16, const int32_t* bias_q12, ChannelQuant qx, ChannelQuant qh, int8_t* out, void* scratch,
                      KernelPath path, PackedQ4 wx4) {
  const int U = p.units, G = 4 * U;
  LstmScratch s = carve(p, scratch);
  for (int u = 0; u < U; u++) { s.h[u] = 0; s.c[u] = 0; s.hq[u] = 0; }
  const bool opt = path == KernelPath::kOptimized && wx16 && wh16;
  bool small = false, fast_h = false;
  if (opt) {
    const size_t n = static_cast<size_t>(p.T) * p.cin;
    if (in16) {  // 16-bit input: the int16 GEMM reads it directly
      gemm_packed_s16(in16, p.T, wx16, G, p.cin, nullptr, s.accx);
    } else if (wx4.w && gemm_u8s8_available()) {  // 8-bit input projection (VNNI): u = x + 128, bias −(zp + 128)·Σw
      uint8_t* xu = reinterpret_cast<uint8_t*>(s.x16);
      for (size_t i = 0; i < n; i++) xu[i] = static_cast<uint8_t>(in[i]) ^ 0x80u;
      for (size_t i = n; i < n + 4; i++) xu[i] = 0;  // read by a last partial quad, against zero weights
      u8_bias(nullptr, wx4.wsum, p.in_zp, G, s.acch);
      gemm_u8s8(xu, p.cin, p.T, wx4.w, G, p.cin, s.acch, s.accx);
    } else {
      for (size_t i = 0; i < n; i++) s.x16[i] = static_cast<int16_t>(in[i] - p.in_zp);
      gemm_packed_s16(s.x16, p.T, wx16, G, p.cin, nullptr, s.accx);
    }
    small = recurrent_term_small(p, qh);
    if (small) input_terms(s.accx, p.T, G, qx, bias_q12);
#ifdef ECG_LSTM_AVX2
    fast_h = avx2::all_shifts_hi(qh.shift, G);
#endif
  }
  for (int t = 0; t < p.T; t++) {
    if (opt) {
      gemm_packed_s16_lda(s.hq, U, 1, wh16, G, U, nullptr, s.acch);
      int32_t* ax = s.accx + static_cast<size_t>(t) * G;
      if (small) {
        combine(ax, s.acch, G, qh, fast_h, s.gates);
      } else {
        for (int j = 0; j < G; j++) {
          const int64_t g = static_cast<int64_t>(requantize(ax[j], qx.mult[j], qx.shift[j])) + requantize(s.acch[j], qh.mult[j], qh.shift[j]) + bias_q12[j];
          s.gates[j] = sat_i16(sat_i32(g));
        }
      }
    } else {
      const size_t x0 = static_cast<size_t>(t) * p.cin;
      for (int j = 0; j < G; j++) {
        int32_t ax = 0, ah = 0;
        const int8_t* wxj = wx + static_cast<size_t>(j) * p.cin;
        if (in16) {
          for (int c = 0; c < p.cin; c++) ax += static_cast<int32_t>(wxj[c]) * in16[x0 + c];
        } else {
          for (int c = 0; c < p.cin; c++) ax += static_cast<int32_t>(wxj[c]) * (static_cast<int32_t>(in[x0 + c]) - p.in_zp);
        }
        const int8_t* whj = wh + static_cast<size_t>(j) * U;
        for (int u = 0; u < U; u++) ah += static_cast<int32_t>(whj[u]) * s.hq[u];
        const int64_t g = static_cast<int64_t>(requantize(ax, qx.mult[j], qx.shift[j])) + requantize(ah, qh.mult[j], qh.shift[j]) +
                          bias_q12[j];
        s.gates[j] = sat_i16(sat_i32(g));
      }
    }
    cell_update(p, s.gates, s.c, s.h, s.hq, opt);
    if (p.return_sequences) {
      for (int u = 0; u < U; u++) out[static_cast<size_t>(t) * U + u] = s.h[u];
    }
  }
  if (!p.return_sequences) {
    for (int u = 0; u < U; u++) out[u] = s.h[u];
  }
}

}  // namespace nn
}  // namespace ecg
