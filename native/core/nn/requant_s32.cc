// requant_s32: requantize a row of int32 accumulators with per-channel (mult, shift), exactly as quant.h's
// requantize() (64-bit product, round half up, arithmetic shift, saturate to int32). The optimized kernels
// call it; on x86-64 with AVX2 it processes 8 lanes at a time (64-bit products on even/odd lanes, the
// arithmetic shift done as a logical shift between sign flips), elsewhere the scalar loop. Bit-identical.
#include "kernels.h"
#include "quant.h"

#include "simd_avx2.h"

namespace ecg {
namespace nn {

#ifdef ECG_NN_AVX2
__attribute__((target("avx2"))) static void requant_s32_avx2(const int32_t* acc, const int32_t* mult, const int32_t* shift, int n, int32_t* out) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i r = avx2::requant8(avx2::load8(acc + i), avx2::load8(mult + i), avx2::load8(shift + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), r);
  }
  for (; i < n; i++) out[i] = requantize(acc[i], mult[i], shift[i]);
}

// rows × n accumulators, the same n channel multipliers for every row, to int8 with zero point and clamp:
// channel groups of 8 outer (multipliers prepared once), rows inner.
__attribute__((target("avx2"))) static void requant_rows_s8_avx2(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift,
                                                                 int32_t zp, int32_t lo, int32_t hi, int8_t* out) {
  const __m256i vzp = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  const __m256i cap = _mm256_set1_epi32(1 << 30), ncap = _mm256_set1_epi32(-(1 << 30));
  int c = 0;
  for (; c + 8 <= n; c += 8) {
    const avx2::Rq8 q = avx2::rq8_prepare(mult + c, shift + c);
    for (int r = 0; r < rows; r++) {
      __m256i y = avx2::rq8_apply(q, avx2::load8(acc + static_cast<size_t>(r) * n + c));
      // |zp| ≤ 2^15 and [lo, hi] ⊂ int16: clamping to ±2^30 first equals the saturating 64-bit add.
      y = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(y, ncap), cap), vzp);
      avx2::store8_s8(out + static_cast<size_t>(r) * n + c, _mm256_min_epi32(_mm256_max_epi32(y, vlo), vhi));
    }
  }
  for (; c < n; c++) {
    for (int r = 0; r < rows; r++) {
      const int32_t a = acc[static_cast<size_t>(r) * n + c];
      out[static_cast<size_t>(r) * n + c] = static_cast<int8_t>(clamp_i32(sat_i32(static_cast<int64_t>(requantize(a, mult[c], shift[c])) + zp), lo, hi));
    }
  }
}

// The same epilogue to int16 (format 2.2's 16-bit activations).
__attribute__((target("avx2"))) static void requant_rows_s16_avx2(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift,
                                                                  int32_t zp, int32_t lo, int32_t hi, int16_t* out) {
  const __m256i vzp = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  const __m256i cap = _mm256_set1_epi32(1 << 30), ncap = _mm256_set1_epi32(-(1 << 30));
  int c = 0;
  for (; c + 8 <= n; c += 8) {
    const avx2::Rq8 q = avx2::rq8_prepare(mult + c, shift + c);
    for (int r = 0; r < rows; r++) {
      __m256i y = avx2::rq8_apply(q, avx2::load8(acc + static_cast<size_t>(r) * n + c));
      y = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(y, ncap), cap), vzp);
      y = _mm256_min_epi32(_mm256_max_epi32(y, vlo), vhi);  // inside int16: the pack is exact
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + static_cast<size_t>(r) * n + c), _mm_packs_epi32(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1)));
    }
  }
  for (; c < n; c++) {
    for (int r = 0; r < rows; r++) {
      const int32_t a = acc[static_cast<size_t>(r) * n + c];
      out[static_cast<size_t>(r) * n + c] = static_cast<int16_t>(clamp_i32(sat_i32(static_cast<int64_t>(requantize(a, mult[c], shift[c])) + zp), lo, hi));
    }
  }
}
#endif

void requant_rows_s16(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift, int32_t zp, int32_t lo, int32_t hi, int16_t* out) {
#ifdef ECG_NN_AVX2
  if (avx2::available()) {
    requant_rows_s16_avx2(acc, rows, n, mult, shift, zp, lo, hi, out);
    return;
  }
#endif
  for (int r = 0; r < rows; r++) {
    const int32_t* a = acc + static_cast<size_t>(r) * n;
    int16_t* o = out + static_cast<size_t>(r) * n;
    for (int c = 0; c < n; c++) o[c] = static_cast<int16_t>(clamp_i32(sat_i32(static_cast<int64_t>(requantize(a[c], mult[c], shift[c])) + zp), lo, hi));
  }
}

void requant_s32(const int32_t* acc, const int32_t* mult, const int32_t* shift, int n, int32_t* out) {
#ifdef ECG_NN_AVX2
  if (avx2::available()) {
    requant_s32_avx2(acc, mult, shift, n, out);
    return;
  }
#endif
  for (int i = 0; i < n; i++) out[i] = requantize(acc[i], mult[i], shift[i]);
}

void requant_rows_s8(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift, int32_t zp, int32_t lo, int32_t hi, int8_t* out) {
#ifdef ECG_NN_AVX2
  if (avx2::available()) {
    requant_rows_s8_avx2(acc, rows, n, mult, shift, zp, lo, hi, out);
    return;
  }
#endif
  for (int r = 0; r < rows; r++) {
    const int32_t* a = acc + static_cast<size_t>(r) * n;
    int8_t* o = out + static_cast<size_t>(r) * n;
    for (int c = 0; c < n; c++) o[c] = static_cast<int8_t>(clamp_i32(sat_i32(static_cast<int64_t>(requantize(a[c], mult[c], shift[c])) + zp), lo, hi));
  }
}

}  // namespace nn
}  // namespace ecg
