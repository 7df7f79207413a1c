// Optimized-path inner product: int16 × int16 accumulated in int32. Written so compilers vectorize it
// (pmaddwd / vpmaddwd on x86, smlal on NEON); on x86-64 Linux with GCC an AVX2 clone is chosen at load time.
#include "kernels.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(ECG_NO_CLONES)
#define ECG_NN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ECG_NN_CLONES
#endif

namespace ecg {
namespace nn {

ECG_NN_CLONES int32_t dot_s16(const int16_t* a, const int16_t* b, int n) {
  int32_t acc = 0;
  for (int i = 0; i < n; i++) acc += static_cast<int32_t>(a[i]) * static_cast<int32_t>(b[i]);
  return acc;
}

ECG_NN_CLONES void gemm_nt_s16(const int16_t* A, int M, const int16_t* B, int N, int K, const int32_t* bias, int32_t* C) {
  for (int m = 0; m < M; m++) {
    const int16_t* a = A + static_cast<size_t>(m) * K;
    int32_t* c = C + static_cast<size_t>(m) * N;
    for (int n = 0; n < N; n++) {
      const int16_t* b = B + static_cast<size_t>(n) * K;
      int32_t acc = 0;
      for (int k = 0; k < K; k++) acc += static_cast<int32_t>(a[k]) * static_cast<int32_t>(b[k]);
      c[n] = acc + (bias ? bias[n] : 0);
    }
  }
}

void widen_s8_s16(const int8_t* src, int16_t* dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

}  // namespace nn
}  // namespace ecg
