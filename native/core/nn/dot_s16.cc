// Optimized-path inner product: int16 × int16 accumulated in int32. Written so compilers vectorize it
// (pmaddwd / vpmaddwd on x86, smlal on NEON); on x86-64 Linux with GCC an AVX2 clone is chosen at load time.
#include <cstdlib>

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
// AVX2 micro-kernel: MR rows of A × 8·NV columns of C, accumulators held in registers across the whole k loop.
// Per k pair: NV loads of packed B (8 columns × 2 k each), one 32-bit broadcast of the pair (A[2kp], A[2kp+1])
// per row, vpmaddwd + vpaddd per accumulator. Exact int32 arithmetic, like the portable loop below.
__attribute__((target("avx2"))) static inline __m256i bcast_pair(const int16_t* a) {
  int32_t v;
  __builtin_memcpy(&v, a, 4);
  return _mm256_set1_epi32(v);
}

// The micro-kernel body, instantiated twice: AVX2 (vpmaddwd + vpaddd) and AVX-512 VNNI on 256-bit registers
// (vpdpwssd: the same pair products and the same int32 sum, modulo 2^32, in one instruction).
#define ECG_GEMM_MICRO(NAME, TARGET, MAC)                                                                                  \
  template <int MR, int NV>                                                                                            \
  __attribute__((target(TARGET))) static inline void NAME(const int16_t* A, int lda, const int16_t* Bp, int N, int K, \
                                                          int n0, const int32_t* bias, int32_t* C) {                 \
    __m256i acc[MR][NV];                                                                                               \
    for (int v = 0; v < NV; v++) {                                                                                     \
      const __m256i b0 = bias ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + n0 + 8 * v)) : _mm256_setzero_si256(); \
      for (int r = 0; r < MR; r++) acc[r][v] = b0;                                                                     \
    }                                                                                                                  \
    const int KP = K / 2;                                                                                              \
    const int16_t* b = Bp + static_cast<size_t>(n0) * 2;                                                               \
    const size_t bstep = static_cast<size_t>(N) * 2;                                                                   \
    for (int kp = 0; kp < KP; kp++, b += bstep) {                                                                      \
      __m256i bv[NV];                                                                                                  \
      for (int v = 0; v < NV; v++) bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 * v));          \
      for (int r = 0; r < MR; r++) {                                                                                   \
        const __m256i a = bcast_pair(A + static_cast<size_t>(r) * lda + 2 * kp);                                       \
        for (int v = 0; v < NV; v++) acc[r][v] = MAC(acc[r][v], bv[v], a);                                             \
      }                                                                                                                \
    }                                                                                                                  \
    if (K & 1) { /* last k alone (its pair partner in B is 0; A is not read past K) */                                \
      __m256i bv[NV];                                                                                                  \
      for (int v = 0; v < NV; v++) bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 * v));          \
      for (int r = 0; r < MR; r++) {                                                                                   \
        const __m256i a = _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint16_t>(A[static_cast<size_t>(r) * lda + K - 1]))); \
        for (int v = 0; v < NV; v++) acc[r][v] = MAC(acc[r][v], bv[v], a);                                             \
      }                                                                                                                \
    }                                                                                                                  \
    for (int r = 0; r < MR; r++)                                                                                       \
      for (int v = 0; v < NV; v++) _mm256_storeu_si256(reinterpret_cast<__m256i*>(C + static_cast<size_t>(r) * N + n0 + 8 * v), acc[r][v]); \
  }

#define ECG_GEMM_DRIVER(NAME, MICRO, TARGET)                                                                              \
  template <int MR, int NV>                                                                                            \
  __attribute__((target(TARGET))) static inline void NAME##_rows(const int16_t* A, int lda, int M, const int16_t* Bp, int N, int K, \
                                                                 int n0, const int32_t* bias, int32_t* C) {          \
    int m = 0;                                                                                                         \
    for (; m + MR <= M; m += MR) MICRO<MR, NV>(A + static_cast<size_t>(m) * lda, lda, Bp, N, K, n0, bias, C + static_cast<size_t>(m) * N); \
    for (; m < M; m++) MICRO<1, NV>(A + static_cast<size_t>(m) * lda, lda, Bp, N, K, n0, bias, C + static_cast<size_t>(m) * N); \
  }                                                                                                                    \
  __attribute__((target(TARGET))) static void NAME(const int16_t* A, int lda, int M, const int16_t* Bp, int N, int K,   \
                                                   const int32_t* bias, int32_t* C) {                                  \
    int n = 0;                                                                                                         \
    for (; n + 32 <= N; n += 32) NAME##_rows<2, 4>(A, lda, M, Bp, N, K, n, bias, C);                                   \
    if (n + 16 <= N) { NAME##_rows<4, 2>(A, lda, M, Bp, N, K, n, bias, C); n += 16; }                                 \
    if (n + 8 <= N) { NAME##_rows<4, 1>(A, lda, M, Bp, N, K, n, bias, C); n += 8; }                                   \
    gemm_tail_cols(A, lda, M, Bp, N, K, n, bias, C);                                                                   \
  }

static void gemm_tail_cols(const int16_t* A, int lda, int M, const int16_t* Bp, int N, int K, int n0, const int32_t* bias, int32_t* C) {
  for (int n = n0; n < N; n++) {
    for (int m = 0; m < M; m++) {
      const int16_t* a = A + static_cast<size_t>(m) * lda;
      int32_t acc = bias ? bias[n] : 0;
      for (int k = 0; k < K; k++) acc += static_cast<int32_t>(a[k]) * Bp[(static_cast<size_t>(k / 2) * N + n) * 2 + (k & 1)];
      C[static_cast<size_t>(m) * N + n] = acc;
    }
  }
}

#define ECG_MAC_AVX2(acc, b, a) _mm256_add_epi32(_mm256_madd_epi16((b), (a)), (acc))
#define ECG_MAC_VNNI(acc, b, a) _mm256_dpwssd_epi32((acc), (b), (a))
ECG_GEMM_MICRO(gemm_micro_avx2, "avx2", ECG_MAC_AVX2)
ECG_GEMM_DRIVER(gemm_packed_s16_avx2, gemm_micro_avx2, "avx2")
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 9 || defined(__clang__) && __clang_major__ >= 8
#define ECG_NN_VNNI 1
__attribute__((target("avx2,avx512vl,avx512vnni"))) static inline __m256i bcast_pair_vnni(const int16_t* a) {
  int32_t v;
  __builtin_memcpy(&v, a, 4);
  return _mm256_set1_epi32(v);
}
#define bcast_pair bcast_pair_vnni
ECG_GEMM_MICRO(gemm_micro_vnni, "avx2,avx512vl,avx512vnni", ECG_MAC_VNNI)
ECG_GEMM_DRIVER(gemm_packed_s16_vnni, gemm_micro_vnni, "avx2,avx512vl,avx512vnni")
#undef bcast_pair
#endif
#endif

namespace {
int cpu_simd_level() {
  int level = 0;
#ifdef ECG_NN_AVX2
  if (__builtin_cpu_supports("avx2")) level = 1;
#ifdef ECG_NN_VNNI
  if (level == 1 && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) level = 2;
#endif
#endif
  return level;
}
int initial_simd_level() {
  int level = cpu_simd_level();
  const char* cap = std::getenv("ECG_NN_SIMD");
  if (cap && cap[0] >= '0' && cap[0] <= '2' && cap[1] == 0 && cap[0] - '0' < level) level = cap[0] - '0';
  return level;
}
int g_simd_level = -1;
}  // namespace

int simd_level() {
  if (g_simd_level < 0) g_simd_level = initial_simd_level();
  return g_simd_level;
}

void set_simd_level(int level) {
  const int cpu = cpu_simd_level();
  g_simd_level = level < 0 ? 0 : (level > cpu ? cpu : level);
}

// C[m][n] = bias[n] + Σ_k A[m·lda + k]·B[n][k] with B packed as pairs over k: Bp[kp][n][0..1] = B[n][2kp], B[n][2kp+1].
// A's rows may overlap (lda < K): a 'same' convolution reads its zero-padded input directly as the im2col matrix.
// AVX2 on x86-64 when the CPU has it; otherwise the portable loop (inner loop over n, auto-vectorized on NEON/SSE).
void gemm_packed_s16_lda(const int16_t* A, int lda, int M, const int16_t* Bp, int N, int K, const int32_t* bias, int32_t* C) {
#ifdef ECG_NN_AVX2
  const int isa = simd_level();
#ifdef ECG_NN_VNNI
  if (isa == 2) {
    gemm_packed_s16_vnni(A, lda, M, Bp, N, K, bias, C);
    return;
  }
#endif
  if (isa >= 1) {
    gemm_packed_s16_avx2(A, lda, M, Bp, N, K, bias, C);
    return;
  }
#endif
  const int KP = K / 2;
  for (int m = 0; m < M; m++) {
    const int16_t* a = A + static_cast<size_t>(m) * lda;
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

void gemm_packed_s16(const int16_t* A, int M, const int16_t* Bp, int N, int K, const int32_t* bias, int32_t* C) {
  gemm_packed_s16_lda(A, K, M, Bp, N, K, bias, C);
}

void widen_s8_s16(const int8_t* src, int16_t* dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

}  // namespace nn
}  // namespace ecg
