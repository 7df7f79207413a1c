// requant_s32: requantize a row of int32 accumulators with per-channel (mult, shift), exactly as quant.h's
// requantize() (64-bit product, round half up, arithmetic shift, saturate to int32). The optimized kernels
// call it; on x86-64 with AVX2 it processes 8 lanes at a time (64-bit products on even/odd lanes, the
// arithmetic shift done as a logical shift between sign flips), elsewhere the scalar loop. Bit-identical.
#include "kernels.h"
#include "quant.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(ECG_NO_AVX2)
#include <immintrin.h>
#define ECG_RQ_AVX2 1
#endif

namespace ecg {
namespace nn {

#ifdef ECG_RQ_AVX2
__attribute__((target("avx2"))) static inline __m256i sra64_round(__m256i p, __m256i s) {
  const __m256i one = _mm256_set1_epi64x(1);
  p = _mm256_add_epi64(p, _mm256_sllv_epi64(one, _mm256_sub_epi64(s, one)));
  const __m256i sign = _mm256_cmpgt_epi64(_mm256_setzero_si256(), p);
  __m256i r = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(p, sign), s), sign);
  const __m256i hi = _mm256_set1_epi64x(INT32_MAX), lo = _mm256_set1_epi64x(INT32_MIN);
  r = _mm256_blendv_epi8(r, hi, _mm256_cmpgt_epi64(r, hi));
  r = _mm256_blendv_epi8(r, lo, _mm256_cmpgt_epi64(lo, r));
  return r;
}

__attribute__((target("avx2"))) static void requant_s32_avx2(const int32_t* acc, const int32_t* mult, const int32_t* shift, int n, int32_t* out) {
  int i = 0;
  const __m256i low = _mm256_set1_epi64x(0xffffffff);
  for (; i + 8 <= n; i += 8) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + i));
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mult + i));
    const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(shift + i));
    const __m256i pe = _mm256_mul_epi32(a, m);
    const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(m, 32));
    const __m256i re = sra64_round(pe, _mm256_and_si256(s, low));
    const __m256i ro = sra64_round(po, _mm256_srli_epi64(s, 32));
    const __m256i r = _mm256_blend_epi32(re, _mm256_slli_epi64(ro, 32), 0xAA);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), r);
  }
  for (; i < n; i++) out[i] = requantize(acc[i], mult[i], shift[i]);
}
#endif

void requant_s32(const int32_t* acc, const int32_t* mult, const int32_t* shift, int n, int32_t* out) {
#ifdef ECG_RQ_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    requant_s32_avx2(acc, mult, shift, n, out);
    return;
  }
#endif
  for (int i = 0; i < n; i++) out[i] = requantize(acc[i], mult[i], shift[i]);
}

}  // namespace nn
}  // namespace ecg
