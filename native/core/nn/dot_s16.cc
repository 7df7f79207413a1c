// Optimized-path inner product: int16 × int16 accumulated in int32. Written so compilers vectorize it
// (pmaddwd / vpmaddwd on x86, smlal on NEON); on x86-64 Linux with GCC an AVX2 clone is chosen at load time.
#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(ECG_NO_AVX2)
#include <immintrin.h>
#define ECG_NN_AVX2 1
#endif

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

size_t packed_s16_elems(int N, int K) { return static_cast<size_t>((K + 1) / 2) * N * 2; }

void pack_s8_s16(const int8_t* w, int N, int K, int16_t* dst) {
  const int KP = (K + 1) / 2;
  for (int kp = 0; kp < KP; kp++) {
    for (int n = 0; n < N; n++) {
      const int k0 = 2 * kp, k1 = 2 * kp + 1;
      int16_t* d = dst + (static_cast<size_t>(kp) * N + n) * 2;
      d[0] = w[static_cast<size_t>(n) * K + k0];
      d[1] = k1 < K ? w[static_cast<size_t>(n) * K + k1] : 0;
    }
  }
}

#ifdef ECG_NN_AVX2
// AVX2: vpmaddwd of 8 packed (B[n][2kp], B[n][2kp+1]) pairs against the broadcast pair (A[2kp], A[2kp+1]),
// accumulators for 32 outputs held in registers across the whole k loop. Exact int32 arithmetic like the loop below.
__attribute__((target("avx2"))) static inline __m256i pair_avx2(const int16_t* a, int kp, int K) {
  const uint16_t a0 = static_cast<uint16_t>(a[2 * kp]);
  const uint16_t a1 = 2 * kp + 1 < K ? static_cast<uint16_t>(a[2 * kp + 1]) : 0;
  return _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(a0) | (static_cast<uint32_t>(a1) << 16)));
}

__attribute__((target("avx2"))) static void gemm_packed_s16_avx2(const int16_t* A, int M, const int16_t* Bp, int N, int K, const int32_t* bias, int32_t* C) {
  const int KP = (K + 1) / 2;
  for (int m = 0; m < M; m++) {
    const int16_t* a = A + static_cast<size_t>(m) * K;
    int32_t* c = C + static_cast<size_t>(m) * N;
    int n = 0;
    for (; n + 32 <= N; n += 32) {
      __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
      for (int kp = 0; kp < KP; kp++) {
        const __m256i ap = pair_avx2(a, kp, K);
        const int16_t* b = Bp + (static_cast<size_t>(kp) * N + n) * 2;
        c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), ap));
        c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16)), ap));
        c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32)), ap));
        c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 48)), ap));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + n), c0);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + n + 8), c1);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + n + 16), c2);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + n + 24), c3);
    }
    for (; n + 8 <= N; n += 8) {
      __m256i c0 = _mm256_setzero_si256();
      for (int kp = 0; kp < KP; kp++) {
        const int16_t* b = Bp + (static_cast<size_t>(kp) * N + n) * 2;
        c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), pair_avx2(a, kp, K)));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + n), c0);
    }
    for (; n < N; n++) {
      int32_t acc = 0;
      for (int kp = 0; kp < KP; kp++) {
        const int16_t* b = Bp + (static_cast<size_t>(kp) * N + n) * 2;
        acc += static_cast<int32_t>(a[2 * kp]) * b[0] + (2 * kp + 1 < K ? static_cast<int32_t>(a[2 * kp + 1]) * b[1] : 0);
      }
      c[n] = acc;
    }
    if (bias) for (int j = 0; j < N; j++) c[j] += bias[j];
  }
}
#endif

// C[m][n] = bias[n] + Σ_k A[m][k]·B[n][k] with B packed as pairs over k: Bp[kp][n][0..1] = B[n][2kp], B[n][2kp+1].
// AVX2 on x86-64 when the CPU has it; otherwise the portable loop (inner loop over n, auto-vectorized on NEON/SSE).
void gemm_packed_s16(const int16_t* A, int M, const int16_t* Bp, int N, int K, const int32_t* bias, int32_t* C) {
#ifdef ECG_NN_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    gemm_packed_s16_avx2(A, M, Bp, N, K, bias, C);
    return;
  }
#endif
  const int KP = K / 2;
  for (int m = 0; m < M; m++) {
    const int16_t* a = A + static_cast<size_t>(m) * K;
    int32_t* c = C + static_cast<size_t>(m) * N;
    for (int n = 0; n < N; n++) c[n] = bias ? bias[n] : 0;
    for (int kp = 0; kp < KP; kp++) {
      const int32_t a0 = a[2 * kp], a1 = a[2 * kp + 1];
      const int16_t* b = Bp + static_cast<size_t>(kp) * N * 2;
      for (int n = 0; n < N; n++) c[n] += a0 * b[2 * n] + a1 * b[2 * n + 1];
    }
    if (K & 1) {
      const int32_t a0 = a[K - 1];
      const int16_t* b = Bp + static_cast<size_t>(KP) * N * 2;
      for (int n = 0; n < N; n++) c[n] += a0 * b[2 * n];
    }
  }
}

void widen_s8_s16(const int8_t* src, int16_t* dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

}  // namespace nn
}  // namespace ecg
