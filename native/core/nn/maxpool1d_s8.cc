// maxpool1d_s8: max over each time window (only the valid samples of a padded window); quantization unchanged.
// The window's rows are reduced channel-wise into the output row: 16 channels at a time with packed byte max
// (SSE4.1 pmaxsb on x86-64 CPUs with AVX2, see simd_level(); NEON smax via auto-vectorization elsewhere), then a scalar tail.
#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(ECG_NO_AVX2)
#include <immintrin.h>
#define ECG_POOL_SSE41 1
#endif

namespace ecg {
namespace nn {

namespace {
/** The valid input rows [t0, t1) of output row o (padding excluded). */
inline void window(const Pool1dParams& p, int o, int* t0, int* t1) {
  *t0 = o * p.stride - p.pad_left;
  *t1 = *t0 + p.pool;
  if (*t0 < 0) *t0 = 0;
  if (*t1 > p.T) *t1 = p.T;
}

inline void row_max(int8_t* __restrict dst, const int8_t* __restrict src, int C) {
  for (int c = 0; c < C; c++) dst[c] = src[c] > dst[c] ? src[c] : dst[c];
}

#ifdef ECG_POOL_SSE41
__attribute__((target("sse4.1"))) void maxpool_sse41(const Pool1dParams& p, const int8_t* in, int8_t* out) {
  const int C = p.C;
  for (int o = 0; o < p.To; o++) {
    int t0, t1;
    window(p, o, &t0, &t1);
    int8_t* dst = out + static_cast<size_t>(o) * C;
    int c = 0;
    for (; c + 16 <= C; c += 16) {
      __m128i m = _mm_set1_epi8(INT8_MIN);
      for (int t = t0; t < t1; t++) m = _mm_max_epi8(m, _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + static_cast<size_t>(t) * C + c)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + c), m);
    }
    for (; c < C; c++) {
      int8_t m = INT8_MIN;
      for (int t = t0; t < t1; t++) m = in[static_cast<size_t>(t) * C + c] > m ? in[static_cast<size_t>(t) * C + c] : m;
      dst[c] = m;
    }
  }
}
#endif
}  // namespace

void maxpool1d_s8(const Pool1dParams& p, const int8_t* in, int8_t* out) {
#ifdef ECG_POOL_SSE41
  if (simd_level() >= 1) {  // AVX2 implies SSE4.1
    maxpool_sse41(p, in, out);
    return;
  }
#endif
  const int C = p.C;
  for (int o = 0; o < p.To; o++) {
    int t0, t1;
    window(p, o, &t0, &t1);
    int8_t* dst = out + static_cast<size_t>(o) * C;
    for (int c = 0; c < C; c++) dst[c] = INT8_MIN;
    for (int t = t0; t < t1; t++) row_max(dst, in + static_cast<size_t>(t) * C, C);
  }
}

}  // namespace nn
}  // namespace ecg
