// lstm_s8: LSTM with int8 weights and activations, gates in Q3.12, an int16 cell state, LUT sigmoid/tanh.
//   gate_j = sat16(rq(Σ wx_j·(x − zp), qx_j) + rq(Σ wh_j·h_q15, qh_j) + bias_j)  (Q3.12, i, f, c, o order;
//            the recurrence uses the previous h in Q0.15, int16, not the int8 output)
//   c ← sat16(round(f·c / 2^15) + round(i·g / 2^(30 − cell_frac)))              (Q.cell_frac)
//   h = round(o · tanh(c) / 2^15) (Q0.15) → int8 through (out_mult, out_shift), zero point 0
// Reference: direct loops. Optimized: the input projection for every step in one int16 GEMM, then one int16
// mat-vec per step. Both produce the same exact accumulators, so the outputs are bit-identical.
#include "kernels.h"
#include "quant.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(ECG_NO_AVX2)
#include <immintrin.h>
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
  r.x16 = reinterpret_cast<int16_t*>(s); s += align16(static_cast<size_t>(p.T) * p.cin * 2);
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
    const __m256i hv8 = rsr(_mm256_mullo_epi32(o, tc), 15);
    alignas(32) int32_t hv[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(hv), hv8);
    for (int k = 0; k < 8; k++) {
      hq[u + k] = static_cast<int16_t>(hv[k]);
      h[u + k] = sat_i8(requantize(hv[k], p.out_mult, p.out_shift));
    }
  }
  return u;
}
#endif

void cell_update(const LstmParams& p, const int16_t* g, int16_t* c, int8_t* h, int16_t* hq, bool vector_ok) {
  int u0 = 0;
#ifdef ECG_LSTM_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (vector_ok && avx2 && !p.hard_sigmoid) u0 = cell_update_avx2(p, g, c, h, hq);
#else
  (void)vector_ok;
#endif
  cell_update_from(p, g, c, h, hq, u0);
}
}  // namespace

size_t lstm_s8_scratch_bytes(const LstmParams& p) {
  const size_t U = p.units, G = 4 * U;
  return align16(U) + align16(U * 2) + align16(G * 2) + align16(static_cast<size_t>(p.T) * p.cin * 2) +
         align16(static_cast<size_t>(p.T) * G * 4) + align16(U * 2) + align16(G * 4) + align16(U * 2);
}

void lstm_s8(const LstmParams& p, const int8_t* in, const int8_t* wx, const int8_t* wh, const int16_t* wx16,
             const int16_t* wh16, const int32_t* bias_q12, ChannelQuant qx, ChannelQuant qh, int8_t* out, void* scratch,
             KernelPath path) {
  const int U = p.units, G = 4 * U;
  LstmScratch s = carve(p, scratch);
  for (int u = 0; u < U; u++) { s.h[u] = 0; s.c[u] = 0; s.hq[u] = 0; }
  const bool opt = path == KernelPath::kOptimized && wx16 && wh16;
  if (opt) {
    const size_t n = static_cast<size_t>(p.T) * p.cin;
    for (size_t i = 0; i < n; i++) s.x16[i] = static_cast<int16_t>(in[i] - p.in_zp);
    gemm_packed_s16(s.x16, p.T, wx16, G, p.cin, nullptr, s.accx);
  }
  for (int t = 0; t < p.T; t++) {
    if (opt) {
      gemm_packed_s16(s.hq, 1, wh16, G, U, nullptr, s.acch);
      int32_t* ax = s.accx + static_cast<size_t>(t) * G;
      requant_s32(ax, qx.mult, qx.shift, G, ax);
      requant_s32(s.acch, qh.mult, qh.shift, G, s.acch);
      for (int j = 0; j < G; j++) s.gates[j] = sat_i16(sat_i32(static_cast<int64_t>(ax[j]) + s.acch[j] + bias_q12[j]));
    } else {
      const int8_t* x = in + static_cast<size_t>(t) * p.cin;
      for (int j = 0; j < G; j++) {
        int32_t ax = 0, ah = 0;
        const int8_t* wxj = wx + static_cast<size_t>(j) * p.cin;
        for (int c = 0; c < p.cin; c++) ax += static_cast<int32_t>(wxj[c]) * (static_cast<int32_t>(x[c]) - p.in_zp);
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
