// AVX2 helpers shared by the optimized int8 kernels (x86-64 with GCC/Clang only; every user also has a portable
// path, and chooses this one at run time when the CPU has AVX2). Exact integer arithmetic: each helper gives
// the same result as its scalar counterpart in quant.h, lane by lane.
#pragma once
#include <cstdint>

#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(ECG_NO_AVX2)
#include <immintrin.h>
#define ECG_NN_AVX2 1

namespace ecg {
namespace nn {
namespace avx2 {

#define ECG_AVX2 __attribute__((target("avx2")))

inline bool available() { return simd_level() >= 1; }

/** round_half_up(v / 2^s) of signed 64-bit lanes (s in 1..63 per lane), saturated to int32 (still in 64-bit lanes). */
ECG_AVX2 static inline __m256i sra64_round_sat(__m256i p, __m256i s) {
  const __m256i one = _mm256_set1_epi64x(1);
  p = _mm256_add_epi64(p, _mm256_sllv_epi64(one, _mm256_sub_epi64(s, one)));
  const __m256i sign = _mm256_cmpgt_epi64(_mm256_setzero_si256(), p);
  __m256i r = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(p, sign), s), sign);
  const __m256i hi = _mm256_set1_epi64x(INT32_MAX), lo = _mm256_set1_epi64x(INT32_MIN);
  r = _mm256_blendv_epi8(r, hi, _mm256_cmpgt_epi64(r, hi));
  r = _mm256_blendv_epi8(r, lo, _mm256_cmpgt_epi64(lo, r));
  return r;
}

/** requantize() of 8 int32 lanes with per-lane mult (0..2^31−1) and shift (1..62). */
ECG_AVX2 static inline __m256i requant8(__m256i a, __m256i m, __m256i s) {
  const __m256i low = _mm256_set1_epi64x(0xffffffff);
  const __m256i pe = _mm256_mul_epi32(a, m);
  const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(m, 32));
  const __m256i re = sra64_round_sat(pe, _mm256_and_si256(s, low));
  const __m256i ro = sra64_round_sat(po, _mm256_srli_epi64(s, 32));
  return _mm256_blend_epi32(re, _mm256_slli_epi64(ro, 32), 0xAA);
}

/** requantize() of 8 lanes when every shift is ≥ 32: the 64-bit product plus the rounding bit, its high half
 *  (= floor(v / 2^32), exact), then an arithmetic shift by s − 32. |x·mult| < 2^62, so the result fits int32 and
 *  never saturates: identical to requantize(). */
ECG_AVX2 static inline __m256i requant8_hi(__m256i a, __m256i m, __m256i s) {
  const __m256i one = _mm256_set1_epi64x(1), low = _mm256_set1_epi64x(0xffffffff);
  const __m256i pe = _mm256_mul_epi32(a, m);
  const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(m, 32));
  const __m256i re = _mm256_add_epi64(pe, _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_and_si256(s, low), one)));
  const __m256i ro = _mm256_add_epi64(po, _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_srli_epi64(s, 32), one)));
  const __m256i hi = _mm256_blend_epi32(_mm256_srli_epi64(re, 32), ro, 0xAA);
  return _mm256_srav_epi32(hi, _mm256_sub_epi32(s, _mm256_set1_epi32(32)));
}

/** requantize() for 8 channels with their multipliers prepared once (for many rows of accumulators).
 *  Exact without saturation when every shift is ≥ 31 (|x·mult| < 2^62, so |x·mult / 2^31| < 2^31): with
 *  v = x·mult + 2^(s−1), hi = v >> 32 (exact high half) and lo = v mod 2^32, the result is
 *  (hi << (32 − s)) | (lo >> s) for s ≤ 32 and hi >> (s − 32) for s > 32. Lanes with a smaller shift use the
 *  general requant8. */
struct Rq8 {
  __m256i m, m_odd, rnd_e, rnd_o, s, sl, sr, gt32;
  int mode;  // 0 general, 1 all shifts ≥ 32, 2 all shifts ≥ 31
};

ECG_AVX2 static inline Rq8 rq8_prepare(const int32_t* mult, const int32_t* shift) {
  Rq8 r;
  const __m256i one = _mm256_set1_epi64x(1), low = _mm256_set1_epi64x(0xffffffff);
  r.m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mult));
  r.s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(shift));
  r.m_odd = _mm256_srli_epi64(r.m, 32);
  r.rnd_e = _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_and_si256(r.s, low), one));
  r.rnd_o = _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_srli_epi64(r.s, 32), one));
  r.sl = _mm256_sub_epi32(_mm256_set1_epi32(32), r.s);
  r.sr = _mm256_sub_epi32(r.s, _mm256_set1_epi32(32));
  r.gt32 = _mm256_cmpgt_epi32(r.s, _mm256_set1_epi32(32));
  int mn = 62;
  for (int i = 0; i < 8; i++) mn = shift[i] < mn ? shift[i] : mn;
  r.mode = mn >= 32 ? 1 : (mn >= 31 ? 2 : 0);
  return r;
}

ECG_AVX2 static inline __m256i rq8_apply(const Rq8& r, __m256i x) {
  if (r.mode == 0) return requant8(x, r.m, r.s);
  const __m256i ve = _mm256_add_epi64(_mm256_mul_epi32(x, r.m), r.rnd_e);
  const __m256i vo = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), r.m_odd), r.rnd_o);
  const __m256i hi = _mm256_blend_epi32(_mm256_srli_epi64(ve, 32), vo, 0xAA);
  if (r.mode == 1) return _mm256_srav_epi32(hi, r.sr);
  const __m256i lo = _mm256_blend_epi32(ve, _mm256_slli_epi64(vo, 32), 0xAA);
  const __m256i t1 = _mm256_or_si256(_mm256_sllv_epi32(hi, r.sl), _mm256_srlv_epi32(lo, r.s));
  return _mm256_blendv_epi8(t1, _mm256_srav_epi32(hi, r.sr), r.gt32);
}

/** true when every shift[0..n) is ≥ 32 (requant8_hi applies). */
static inline bool all_shifts_hi(const int32_t* shift, int n) {
  int32_t m = 62;
  for (int i = 0; i < n; i++) m = shift[i] < m ? shift[i] : m;
  return m >= 32;
}

ECG_AVX2 static inline __m256i load8(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

/** 8 int32 lanes already inside [-128, 127] → 8 bytes at dst. */
ECG_AVX2 static inline void store8_s8(int8_t* dst, __m256i v) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_packs_epi16(w, w));
}

}  // namespace avx2
}  // namespace nn
}  // namespace ecg
#endif
