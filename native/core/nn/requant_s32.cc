// requant_s32: requantize int32 accumulators with per-channel (mult, shift), exactly as quant.h's requantize()
// (64-bit product, round half up, arithmetic shift, saturate to int32). The optimized kernels call it; on x86-64
// with AVX2 it processes 8 lanes at a time (64-bit products on even/odd lanes, the arithmetic shift done as a
// logical shift between sign flips), elsewhere the scalar loop. Bit-identical. Three forms, each written once
// (the row forms are templates over the activation type, int8 or int16):
//   requant_s32        out[i] = rq(acc[i])                                  (one multiplier per element)
//   requant_rows_s8/16 out[r][c] = clamp(zp + rq(acc[r][c]), lo, hi)       (the conv/dense output epilogue)
//   add_requant_rows   acc[r][c] += rq(x[r][c] − zp)                         (a fused residual, int8 or int16)
#include "kernels.h"
#include "quant.h"

#include "simd_avx2.h"

namespace ecg {
namespace nn {

namespace {
/** The scalar epilogue of one accumulator (the AVX2 lanes compute the same). */
inline int32_t requant_clamp(int32_t acc, int32_t mult, int32_t shift, int32_t zp, int32_t lo, int32_t hi) {
  return clamp_i32(sat_i32(static_cast<int64_t>(requantize(acc, mult, shift)) + zp), lo, hi);
}

#ifdef ECG_NN_AVX2
// 8 int32 lanes already inside the output type's range → 8 outputs at dst.
ECG_AVX2 inline void store8(int8_t* dst, __m256i v) { avx2::store8_s8(dst, v); }
ECG_AVX2 inline void store8(int16_t* dst, __m256i v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
}
// 8 activations at src widened to int32 lanes.
ECG_AVX2 inline __m256i load8_widen(const int8_t* src) { return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src))); }
ECG_AVX2 inline __m256i load8_widen(const int16_t* src) { return _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src))); }

ECG_AVX2 void requant_s32_avx2(const int32_t* acc, const int32_t* mult, const int32_t* shift, int n, int32_t* out) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i r = avx2::requant8(avx2::load8(acc + i), avx2::load8(mult + i), avx2::load8(shift + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), r);
  }
  for (; i < n; i++) out[i] = requantize(acc[i], mult[i], shift[i]);
}

// rows × n accumulators, the same n channel multipliers for every row: channel groups of 8 outer (multipliers
// prepared once), rows inner.
template <typename T>
ECG_AVX2 void requant_rows_avx2(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift, int32_t zp, int32_t lo,
                                int32_t hi, T* out) {
  const __m256i vzp = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  const __m256i cap = _mm256_set1_epi32(1 << 30), ncap = _mm256_set1_epi32(-(1 << 30));
  int c = 0;
  for (; c + 8 <= n; c += 8) {
    const avx2::Rq8 q = avx2::rq8_prepare(mult + c, shift + c);
    for (int r = 0; r < rows; r++) {
      __m256i y = avx2::rq8_apply(q, avx2::load8(acc + static_cast<size_t>(r) * n + c));
      // |zp| ≤ 2^15 and [lo, hi] ⊂ int16: clamping to ±2^30 first equals the saturating 64-bit add.
      y = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(y, ncap), cap), vzp);
      store8(out + static_cast<size_t>(r) * n + c, _mm256_min_epi32(_mm256_max_epi32(y, vlo), vhi));  // inside T: the pack is exact
    }
  }
  for (; c < n; c++)
    for (int r = 0; r < rows; r++) {
      const size_t i = static_cast<size_t>(r) * n + c;
      out[i] = static_cast<T>(requant_clamp(acc[i], mult[c], shift[c], zp, lo, hi));
    }
}

template <typename T>
ECG_AVX2 void add_requant_rows_avx2(int32_t* acc, int rows, int n, const T* x, int32_t zp, const int32_t* mult, const int32_t* shift) {
  const __m256i vzp = _mm256_set1_epi32(zp);
  int c = 0;
  for (; c + 8 <= n; c += 8) {
    const avx2::Rq8 q = avx2::rq8_prepare(mult + c, shift + c);
    for (int r = 0; r < rows; r++) {
      const size_t o = static_cast<size_t>(r) * n + c;
      const __m256i v = _mm256_sub_epi32(load8_widen(x + o), vzp);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + o), _mm256_add_epi32(avx2::load8(acc + o), avx2::rq8_apply(q, v)));
    }
  }
  for (; c < n; c++)
    for (int r = 0; r < rows; r++) {
      const size_t o = static_cast<size_t>(r) * n + c;
      acc[o] += requantize(static_cast<int32_t>(x[o]) - zp, mult[c], shift[c]);
    }
}
#endif

template <typename T>
void requant_rows(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift, int32_t zp, int32_t lo, int32_t hi, T* out) {
#ifdef ECG_NN_AVX2
  if (avx2::available()) {
    requant_rows_avx2(acc, rows, n, mult, shift, zp, lo, hi, out);
    return;
  }
#endif
  for (int r = 0; r < rows; r++) {
    const int32_t* a = acc + static_cast<size_t>(r) * n;
    T* o = out + static_cast<size_t>(r) * n;
    for (int c = 0; c < n; c++) o[c] = static_cast<T>(requant_clamp(a[c], mult[c], shift[c], zp, lo, hi));
  }
}

template <typename T>
void add_requant_rows(int32_t* acc, int rows, int n, const T* x, int32_t zp, const int32_t* mult, const int32_t* shift) {
#ifdef ECG_NN_AVX2
  if (avx2::available()) {
    add_requant_rows_avx2(acc, rows, n, x, zp, mult, shift);
    return;
  }
#endif
  for (int r = 0; r < rows; r++) {
    int32_t* a = acc + static_cast<size_t>(r) * n;
    const T* xr = x + static_cast<size_t>(r) * n;
    for (int c = 0; c < n; c++) a[c] += requantize(static_cast<int32_t>(xr[c]) - zp, mult[c], shift[c]);
  }
}
}  // namespace

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
  requant_rows(acc, rows, n, mult, shift, zp, lo, hi, out);
}

void requant_rows_s16(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift, int32_t zp, int32_t lo, int32_t hi, int16_t* out) {
  requant_rows(acc, rows, n, mult, shift, zp, lo, hi, out);
}

void add_requant_rows_s8(int32_t* acc, int rows, int n, const int8_t* x, int32_t zp, const int32_t* mult, const int32_t* shift) {
  add_requant_rows(acc, rows, n, x, zp, mult, shift);
}

void add_requant_rows_s16(int32_t* acc, int rows, int n, const int16_t* x, const int32_t* mult, const int32_t* shift) {
  add_requant_rows(acc, rows, n, x, 0, mult, shift);
}

}  // namespace nn
}  // namespace ecg
