// The one max pooling over time behind maxpool1d_s8 and maxpool1d_s16 (a template over the activation type,
// instantiated in those two files): max over each window's valid samples, quantization unchanged. The window's
// rows are reduced channel-wise into the output row, 16 bytes at a time with packed max (SSE4.1 pmaxsb / SSE2
// pmaxsw on x86-64 CPUs with AVX2, see simd_level(); NEON smax via auto-vectorization elsewhere), then a scalar
// tail. Max is exact, so every path gives the same values. Not a public header: include it from the kernels only.
#pragma once
#include <cstdint>
#include <limits>

#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(ECG_NO_AVX2)
#include <immintrin.h>
#define ECG_POOL_SSE41 1
#endif

namespace ecg {
namespace nn {
namespace maxpool_impl {

#ifdef ECG_POOL_SSE41
// Packed max of 128-bit vectors for each activation type (kLanes elements per vector).
template <typename T>
struct Sse;
template <>
struct Sse<int8_t> {
  static constexpr int kLanes = 16;
  __attribute__((target("sse4.1"))) static __m128i lowest() { return _mm_set1_epi8(INT8_MIN); }
  __attribute__((target("sse4.1"))) static __m128i max(__m128i a, __m128i b) { return _mm_max_epi8(a, b); }
};
template <>
struct Sse<int16_t> {
  static constexpr int kLanes = 8;
  __attribute__((target("sse4.1"))) static __m128i lowest() { return _mm_set1_epi16(INT16_MIN); }
  __attribute__((target("sse4.1"))) static __m128i max(__m128i a, __m128i b) { return _mm_max_epi16(a, b); }
};

template <typename T>
__attribute__((target("sse4.1"))) void maxpool_sse41(const Pool1dParams& p, const T* in, T* out) {
  const int C = p.C;
  for (int o = 0; o < p.To; o++) {
    int t0, t1;
    pool_window(p, o, &t0, &t1);
    T* dst = out + static_cast<size_t>(o) * C;
    int c = 0;
    for (; c + Sse<T>::kLanes <= C; c += Sse<T>::kLanes) {
      __m128i m = Sse<T>::lowest();
      for (int t = t0; t < t1; t++) m = Sse<T>::max(m, _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + static_cast<size_t>(t) * C + c)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + c), m);
    }
    for (; c < C; c++) {
      T m = std::numeric_limits<T>::min();
      for (int t = t0; t < t1; t++) m = in[static_cast<size_t>(t) * C + c] > m ? in[static_cast<size_t>(t) * C + c] : m;
      dst[c] = m;
    }
  }
}
#endif

template <typename T>
inline void row_max(T* __restrict dst, const T* __restrict src, int C) {
  for (int c = 0; c < C; c++) dst[c] = src[c] > dst[c] ? src[c] : dst[c];
}

template <typename T>
void maxpool1d(const Pool1dParams& p, const T* in, T* out) {
#ifdef ECG_POOL_SSE41
  if (simd_level() >= 1) {  // AVX2 implies SSE4.1
    maxpool_sse41(p, in, out);
    return;
  }
#endif
  const int C = p.C;
  for (int o = 0; o < p.To; o++) {
    int t0, t1;
    pool_window(p, o, &t0, &t1);
    T* dst = out + static_cast<size_t>(o) * C;
    for (int c = 0; c < C; c++) dst[c] = std::numeric_limits<T>::min();
    for (int t = t0; t < t1; t++) row_max(dst, in + static_cast<size_t>(t) * C, C);
  }
}

}  // namespace maxpool_impl
}  // namespace nn
}  // namespace ecg
