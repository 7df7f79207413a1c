// gemm_u8s8: the optimized GEMM on 8-bit operands for CPUs with AVX-512 VNNI (simd_level() 2): vpdpbusd sums four
// u8 × s8 products into each int32 lane without intermediate saturation, twice the products per instruction of
// the int16 vpmaddwd path. Activations enter as u = x + 128 (0..255, the int8 value with its sign bit flipped)
// and the difference to Σ w·(x − zp) is the per-channel constant (zp + 128)·Σ w, folded into the bias:
//   Σ_k w[n][k]·(x[k] − zp) = Σ_k w[n][k]·u[k] − (zp + 128)·wsum[n].
// All terms are exact integers whose final value fits int32 (|Σ w·(x − zp)| < 2^30 is checked at load), so the
// result equals the other paths bit for bit (wrapping int32 partial sums are exact modulo 2^32).
#include <cstring>

#include "kernels.h"
#include "simd_avx2.h"

namespace ecg {
namespace nn {

size_t packed_q4_bytes(int N, int K) { return static_cast<size_t>((K + 3) / 4) * N * 4; }

void pack_s8_q4(const int8_t* w, int N, int K, int8_t* dst, int32_t* wsum) {
  const int KQ = (K + 3) / 4;
  for (int n = 0; n < N; n++) {
    int32_t s = 0;
    for (int k = 0; k < K; k++) s += w[static_cast<size_t>(n) * K + k];
    wsum[n] = s;
  }
  for (int kq = 0; kq < KQ; kq++)
    for (int n = 0; n < N; n++)
      for (int j = 0; j < 4; j++) {
        const int k = 4 * kq + j;
        dst[(static_cast<size_t>(kq) * N + n) * 4 + j] = k < K ? w[static_cast<size_t>(n) * K + k] : 0;
      }
}

void u8_bias(const int32_t* bias, const int32_t* wsum, int32_t zp, int N, int32_t* out) {
  const uint32_t z = static_cast<uint32_t>(zp + 128);
  for (int n = 0; n < N; n++)  // wrapping arithmetic: exact modulo 2^32 (see above)
    out[n] = static_cast<int32_t>((bias ? static_cast<uint32_t>(bias[n]) : 0u) - z * static_cast<uint32_t>(wsum[n]));
}

#if defined(ECG_NN_AVX2) && (defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 9 || defined(__clang__) && __clang_major__ >= 8)
#define ECG_U8S8 1
#define ECG_VNNI_TARGET __attribute__((target("avx2,avx512vl,avx512vnni")))

ECG_VNNI_TARGET static inline __m256i bcast4(const uint8_t* a) {
  int32_t v;
  std::memcpy(&v, a, 4);
  return _mm256_set1_epi32(v);
}

template <int MR, int NV>
ECG_VNNI_TARGET static inline void micro_u8s8(const uint8_t* A, int lda, const int8_t* Bq, int N, int K, int n0, const int32_t* bias, int32_t* C) {
  __m256i acc[MR][NV];
  for (int v = 0; v < NV; v++) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + n0 + 8 * v));
    for (int r = 0; r < MR; r++) acc[r][v] = b0;
  }
  const int KQ = (K + 3) / 4;
  const int8_t* b = Bq + static_cast<size_t>(n0) * 4;
  const size_t bstep = static_cast<size_t>(N) * 4;
  for (int kq = 0; kq < KQ; kq++, b += bstep) {
    __m256i bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32 * v));
    for (int r = 0; r < MR; r++) {
      const __m256i a = bcast4(A + static_cast<size_t>(r) * lda + 4 * kq);
      for (int v = 0; v < NV; v++) acc[r][v] = _mm256_dpbusd_epi32(acc[r][v], a, bv[v]);
    }
  }
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) _mm256_storeu_si256(reinterpret_cast<__m256i*>(C + static_cast<size_t>(r) * N + n0 + 8 * v), acc[r][v]);
}

template <int MR, int NV>
ECG_VNNI_TARGET static inline void rows_u8s8(const uint8_t* A, int lda, int M, const int8_t* Bq, int N, int K, int n0, const int32_t* bias, int32_t* C) {
  int m = 0;
  for (; m + MR <= M; m += MR) micro_u8s8<MR, NV>(A + static_cast<size_t>(m) * lda, lda, Bq, N, K, n0, bias, C + static_cast<size_t>(m) * N);
  for (; m < M; m++) micro_u8s8<1, NV>(A + static_cast<size_t>(m) * lda, lda, Bq, N, K, n0, bias, C + static_cast<size_t>(m) * N);
}

ECG_VNNI_TARGET static void gemm_u8s8_vnni(const uint8_t* A, int lda, int M, const int8_t* Bq, int N, int K, const int32_t* bias, int32_t* C) {
  int n = 0;
  for (; n + 32 <= N; n += 32) rows_u8s8<2, 4>(A, lda, M, Bq, N, K, n, bias, C);
  if (n + 16 <= N) { rows_u8s8<4, 2>(A, lda, M, Bq, N, K, n, bias, C); n += 16; }
  if (n + 8 <= N) { rows_u8s8<4, 1>(A, lda, M, Bq, N, K, n, bias, C); n += 8; }
  for (; n < N; n++) {  // column tail
    for (int m = 0; m < M; m++) {
      const uint8_t* a = A + static_cast<size_t>(m) * lda;
      uint32_t acc = static_cast<uint32_t>(bias[n]);
      for (int k = 0; k < K; k++) acc += static_cast<uint32_t>(a[k] * Bq[(static_cast<size_t>(k / 4) * N + n) * 4 + (k & 3)]);
      C[static_cast<size_t>(m) * N + n] = static_cast<int32_t>(acc);
    }
  }
}
#endif

bool gemm_u8s8_available() {
#ifdef ECG_U8S8
  return simd_level() >= 2;
#else
  return false;
#endif
}

void gemm_u8s8(const uint8_t* A, int lda, int M, const int8_t* Bq, int N, int K, const int32_t* bias, int32_t* C) {
#ifdef ECG_U8S8
  if (simd_level() >= 2) {
    gemm_u8s8_vnni(A, lda, M, Bq, N, K, bias, C);
    return;
  }
#endif
  // Portable fallback (callers normally use the int16 path instead); same modular arithmetic.
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) {
      const uint8_t* a = A + static_cast<size_t>(m) * lda;
      uint32_t acc = static_cast<uint32_t>(bias[n]);
      for (int k = 0; k < K; k++) acc += static_cast<uint32_t>(a[k] * Bq[(static_cast<size_t>(k / 4) * N + n) * 4 + (k & 3)]);
      C[static_cast<size_t>(m) * N + n] = static_cast<int32_t>(acc);
    }
}

}  // namespace nn
}  // namespace ecg
