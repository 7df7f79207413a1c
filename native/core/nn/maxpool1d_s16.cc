// maxpool1d_s16: maxpool1d_s8 on int16 activations (format 2.2: the 16-bit region of a model, e.g. the first
// convolutions' outputs); quantization unchanged. The window's rows are reduced channel-wise: 8 channels at a
// time with packed 16-bit max (SSE2 pmaxsw on x86-64 CPUs with AVX2, see simd_level(); NEON smax via
// auto-vectorization elsewhere), then a scalar tail. Max is exact, so both paths give the same values.
#include <cstdint>

#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(ECG_NO_AVX2)
#include <immintrin.h>
#define ECG_POOL16_SSE2 1
#endif

namespace ecg {
namespace nn {

namespace {
/** The valid input rows [t0, t1) of output row o (padding excluded); the loader guarantees t0 < t1. */
inline void window16(const Pool1dParams& p, int o, int* t0, int* t1) {
  *t0 = o * p.stride - p.pad_left;
  *t1 = *t0 + p.pool;
  if (*t0 < 0) *t0 = 0;
  if (*t1 > p.T) *t1 = p.T;
}

#ifdef ECG_POOL16_SSE2
__attribute__((target("sse4.1"))) void maxpool16_sse(const Pool1dParams& p, const int16_t* in, int16_t* out) {
  const int C = p.C;
  for (int o = 0; o < p.To; o++) {
    int t0, t1;
    window16(p, o, &t0, &t1);
    int16_t* dst = out + static_cast<size_t>(o) * C;
    int c = 0;
    for (; c + 8 <= C; c += 8) {
      __m128i m = _mm_set1_epi16(INT16_MIN);
      for (int t = t0; t < t1; t++) m = _mm_max_epi16(m, _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + static_cast<size_t>(t) * C + c)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + c), m);
    }
    for (; c < C; c++) {
      int16_t m = INT16_MIN;
      for (int t = t0; t < t1; t++) m = in[static_cast<size_t>(t) * C + c] > m ? in[static_cast<size_t>(t) * C + c] : m;
      dst[c] = m;
    }
  }
}
#endif
}  // namespace

void maxpool1d_s16(const Pool1dParams& p, const int16_t* in, int16_t* out) {
#ifdef ECG_POOL16_SSE2
  if (simd_level() >= 1) {
    maxpool16_sse(p, in, out);
    return;
  }
#endif
  const int C = p.C;
  for (int o = 0; o < p.To; o++) {
    int t0, t1;
    window16(p, o, &t0, &t1);
    int16_t* __restrict dst = out + static_cast<size_t>(o) * C;
    for (int c = 0; c < C; c++) dst[c] = INT16_MIN;
    for (int t = t0; t < t1; t++) {
      const int16_t* __restrict src = in + static_cast<size_t>(t) * C;
      for (int c = 0; c < C; c++) dst[c] = src[c] > dst[c] ? src[c] : dst[c];
    }
  }
}

}  // namespace nn
}  // namespace ecg
