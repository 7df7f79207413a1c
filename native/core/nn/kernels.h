// The int8 kernels of the beat classifier, one public function per file (`<op>_<dtype>.cc`). Every kernel has
// the same shape: a small params struct (dims, zero points, activation clamp), the quantization (per-channel
// multipliers/shifts computed at export, so Run is integer-only), data in, data out, caller-owned scratch.
// Each compute-heavy kernel has a portable reference path and an optimized path (int16-widened weights
// prepared at load, dot products written for auto-vectorization, AVX2 clones on x86-64 Linux); both produce
// bit-identical outputs (test_nn_kernels.cc proves it).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ecg {
namespace nn {

enum class KernelPath : int { kReference = 0, kOptimized = 1 };

/** Highest instruction set the optimized path may use: 0 portable loops only, 1 AVX2, 2 AVX2 + AVX-512 VNNI
 *  (vpdpwssd on 256-bit vectors). Default: the best the CPU supports (the environment variable ECG_NN_SIMD=0/1/2
 *  caps it). set_simd_level() lets tests and benchmarks compare the levels (all give bit-identical outputs);
 *  it is clamped to what the CPU supports and must not race with running kernels. */
int simd_level();
void set_simd_level(int level);

/** Per-output-channel requantization (M_c = mult[c] · 2^-shift[c]); see quant.h. */
struct ChannelQuant {
  const int32_t* mult;
  const int32_t* shift;
};

/** Σ a[i]·b[i] over int16, exact int32 (callers keep |a|·|b|·n < 2^31). Optimized path helper. */
int32_t dot_s16(const int16_t* a, const int16_t* b, int n);
/** Optimized-path weight layout: int8 B [N, K] widened to int16 and packed in pairs over k,
 *  Bp[kp][n][j] = B[n][2kp + j] (zero beyond K). Prepared once at load. */
size_t packed_s16_elems(int N, int K);
void pack_s8_s16(const int8_t* w, int N, int K, int16_t* dst);
/** C[m][n] = bias[n] + Σ_k A[m][k]·B[n][k] (A [M,K], Bp packed B, C [M,N], bias may be null). Optimized path. */
void gemm_packed_s16(const int16_t* A, int M, const int16_t* Bp, int N, int K, const int32_t* bias, int32_t* C);
/** The same with A's rows lda elements apart (rows may overlap: lda < K reads a padded conv input as im2col). */
void gemm_packed_s16_lda(const int16_t* A, int lda, int M, const int16_t* Bp, int N, int K, const int32_t* bias, int32_t* C);
/** out[i] = requantize(acc[i], mult[i], shift[i]) (quant.h), vectorized where possible; out may alias acc. */
void requant_s32(const int32_t* acc, const int32_t* mult, const int32_t* shift, int n, int32_t* out);
/** out[r][c] = clamp(zp + requantize(acc[r][c], mult[c], shift[c]), lo, hi) over rows × n (the same per-channel
 *  multipliers for every row), [lo, hi] ⊂ [-128, 127], |zp| ≤ 2^15. Optimized-path epilogue of conv1d/dense. */
void requant_rows_s8(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift, int32_t zp, int32_t lo, int32_t hi, int8_t* out);
/** The same epilogue to int16 (format 2.2's 16-bit activations): [lo, hi] ⊂ int16, |zp| ≤ 2^15. */
void requant_rows_s16(const int32_t* acc, int rows, int n, const int32_t* mult, const int32_t* shift, int32_t zp, int32_t lo, int32_t hi, int16_t* out);
/** acc[r][c] += requantize(x[r][c] − zp, mult[c], shift[c]) over rows × n: a residual added in the accumulator of a
 *  fused convolution (the caller bounds the terms so the sum stays inside int32). int16 activations have zp 0. */
void add_requant_rows_s8(int32_t* acc, int rows, int n, const int8_t* x, int32_t zp, const int32_t* mult, const int32_t* shift);
void add_requant_rows_s16(int32_t* acc, int rows, int n, const int16_t* x, const int32_t* mult, const int32_t* shift);
/** 8-bit GEMM for AVX-512 VNNI CPUs (gemm_u8s8.cc): weights packed in quads over k, Bq[kq][n][j] = B[n][4kq + j]
 *  (zero beyond K), with per-row sums wsum[n] = Σ_k B[n][k]; activations as u = x + 128 (uint8).
 *  C[m][n] = bias[n] + Σ_k u[m·lda + k]·B[n][k]; A's rows must be readable up to ((K + 3) / 4)·4 bytes.
 *  u8_bias() gives the bias that makes this Σ w·(x − zp): bias − (zp + 128)·wsum. */
struct PackedQ4 {
  const int8_t* w = nullptr;
  const int32_t* wsum = nullptr;
};
size_t packed_q4_bytes(int N, int K);
void pack_s8_q4(const int8_t* w, int N, int K, int8_t* dst, int32_t* wsum);
bool gemm_u8s8_available();
void u8_bias(const int32_t* bias, const int32_t* wsum, int32_t zp, int N, int32_t* out);
void gemm_u8s8(const uint8_t* A, int lda, int M, const int8_t* Bq, int N, int K, const int32_t* bias, int32_t* C);
/** Widens int8 weights to int16 (Prepare step of the optimized path). */
void widen_s8_s16(const int8_t* src, int16_t* dst, size_t n);

// ---- conv1d_s8: 'same' 1-D convolution, stride 1. in [T, cin], w [cout, k, cin], bias [cout], out [T, cout].
struct Conv1dParams {
  int T, cin, cout, k, pad_left;
  int32_t in_zp, out_zp, act_min, act_max;
};
size_t conv1d_s8_scratch_bytes(const Conv1dParams& p);
/** The optimized convolutions' scratch (conv1d_s8_scratch_bytes of it): the zero-padded input x, [pad_left + T +
 *  pad_right, cin] as int16 (or, on the 8-bit VNNI path, uint8 plus 4 readable bytes), of which lead, body and tail
 *  are the element counts of the three parts; the effective bias [cout]; the int32 accumulators [T, cout]. */
struct ConvScratch {
  void* x;
  int32_t* beff;
  int32_t* acc;
  size_t lead, body, tail;
};
ConvScratch conv1d_scratch(const Conv1dParams& p, void* scratch);
/** Optional residual added in the accumulator (a convolution fused with the residual Add after it, one rounding):
 *  acc[t][o] += rq(r[t][o] − zp, mult[o], shift[o]) before the output requantization; r is [T, cout] int8. */
struct ConvResidual {
  const int8_t* r = nullptr;
  int32_t zp = 0;
  const int32_t* mult = nullptr;
  const int32_t* shift = nullptr;
};
void conv1d_s8(const Conv1dParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
               ChannelQuant q, int8_t* out, void* scratch, KernelPath path, PackedQ4 q4 = {}, ConvResidual res = {});

// ---- conv1d_w16: the same convolution for any int8/int16 input, residual and output (int16 activations have zero
// point 0: format 2.2, TFLite's "16x8", and format 2.1's 16-bit beat input). An int16 input needs k·cin ≤ 257
// (exact int32 sums), an int16 output takes act_min/act_max in the int16 range, an int16 residual has zero point 0.
// The int8 ↔ int16 requantization where a 16-bit region starts or ends is this op's output requantization.
// Scratch as conv1d_s8. Reference: direct loops. Optimized: the padded int16 input read as im2col by the int16
// GEMM, the residual added in 8-lane vectors, the fused vector epilogue (int8 or int16). Bit-identical.
// conv1d_s8 is its int8 → int8 case plus the 8-bit VNNI path.
struct ActIn {
  const int8_t* s8 = nullptr;    // exactly one of s8 / s16 is set
  const int16_t* s16 = nullptr;
  int32_t zp = 0;                // int8 only (an int16 activation has zero point 0)
};
struct ActOut {
  int8_t* s8 = nullptr;
  int16_t* s16 = nullptr;
};
struct ConvResidualW {
  ActIn r;                       // r.s8 == r.s16 == nullptr: no residual
  const int32_t* mult = nullptr;
  const int32_t* shift = nullptr;
};
void conv1d_w16(const Conv1dParams& p, ActIn in, const int8_t* w, const int16_t* w16, const int32_t* bias, ChannelQuant q,
                ActOut out, void* scratch, KernelPath path, ConvResidualW res = {});

// ---- dense_s8 / dense_s8_s16: rows × [n] → rows × [cout]; w [cout, n]. Output int8 or int16.
struct DenseParams {
  int rows, n, cout;
  int32_t in_zp, out_zp, act_min, act_max;
};
size_t dense_s8_scratch_bytes(const DenseParams& p);
void dense_s8(const DenseParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
              ChannelQuant q, int8_t* out, void* scratch, KernelPath path);
void dense_s8_s16(const DenseParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
                  ChannelQuant q, int16_t* out, void* scratch, KernelPath path);

// ---- dense2_s8: a dense layer over the concatenation [a, b] of two int8 vectors with their own scales (the
// concat is not materialized, so neither input loses resolution to the other's range):
//   acc = bias + Σ wa·(a − za) + rq(Σ wb·(b − zb), b_mult, b_shift)   (b_mult/b_shift: s_b / s_a)
//   out = clamp(zo + rq(acc, q_c))
struct Dense2Params {
  int na, nb, cout;
  int32_t a_zp, b_zp, out_zp, b_mult, b_shift, act_min, act_max;
};
size_t dense2_s8_scratch_bytes(const Dense2Params& p);
void dense2_s8(const Dense2Params& p, const int8_t* a, const int8_t* b, const int8_t* wa, const int8_t* wb, const int16_t* wa16,
               const int16_t* wb16, const int32_t* bias, ChannelQuant q, int8_t* out, void* scratch, KernelPath path);

// ---- pooling over time: in [T, C] → out [To, C]; window o covers [o·stride − pad_left, … + pool) ∩ [0, T).
struct Pool1dParams {
  int T, C, To, pool, stride, pad_left;
};
/** The valid input rows [t0, t1) of output row o (padding excluded). */
inline void pool_window(const Pool1dParams& p, int o, int* t0, int* t1) {
  *t0 = o * p.stride - p.pad_left;
  *t1 = *t0 + p.pool;
  if (*t0 < 0) *t0 = 0;
  if (*t1 > p.T) *t1 = p.T;
}
void maxpool1d_s8(const Pool1dParams& p, const int8_t* in, int8_t* out);
/** maxpool1d on int16 activations (format 2.2; same quantization in and out). */
void maxpool1d_s16(const Pool1dParams& p, const int16_t* in, int16_t* out);
/** Average of the valid samples of each window, rounded half away from zero (same quantization in and out). */
void avgpool1d_s8(const Pool1dParams& p, const int8_t* in, int8_t* out);
/** [T, C] → [C], mean over time, rounded half away from zero. */
void global_avgpool1d_s8(int T, int C, const int8_t* in, int8_t* out);
/** [T, C] → [C] with its own output quantization: out = sat8(zp_out + rq(Σ_t (q − zp_in), mult, shift)). */
void global_avgpool1d_rq_s8(int T, int C, const int8_t* in, int32_t in_zp, int32_t mult, int32_t shift, int32_t out_zp, int8_t* out);
/** The same on an int16 input (zero point 0, format 2.2): out = sat8(zp_out + rq(Σ_t q, mult, shift)), T ≤ 65535. */
void global_avgpool1d_rq_s16(int T, int C, const int16_t* in, int32_t mult, int32_t shift, int32_t out_zp, int8_t* out);

// ---- lstm_s8: int8 weights, gates in Q3.12, int16 cell state in Q(15−cell_frac).cell_frac, output h int8 (zp 0);
// the recurrence multiplies wh by the previous h in Q0.15 (int16), so qh converts wh·h_q15 to Q3.12.
// Gate order i, f, c, o (Keras). wx [4U, cin], wh [4U, U], bias [4U] in Q3.12 units.
struct LstmParams {
  int T, cin, units;
  int32_t in_zp;
  int return_sequences;
  int cell_frac;            // fractional bits of the int16 cell state (8..14)
  int32_t out_mult, out_shift;  // Q0.15 h → int8 output (zero point 0)
  int hard_sigmoid;         // recurrent activation: 0 sigmoid, 1 hard sigmoid
};
size_t lstm_s8_scratch_bytes(const LstmParams& p);
void lstm_s8(const LstmParams& p, const int8_t* in, const int8_t* wx, const int8_t* wh, const int16_t* wx16,
             const int16_t* wh16, const int32_t* bias_q12, ChannelQuant qx, ChannelQuant qh, int8_t* out, void* scratch,
             KernelPath path, PackedQ4 wx4 = {});

/** lstm_s8 on an int16 input with zero point 0 (format 2.2; p.in_zp ignored, cin·32768·127 < 2^30). */
void lstm_s16_s8(const LstmParams& p, const int16_t* in, const int8_t* wx, const int8_t* wh, const int16_t* wx16,
                 const int16_t* wh16, const int32_t* bias_q12, ChannelQuant qx, ChannelQuant qh, int8_t* out, void* scratch,
                 KernelPath path);
namespace detail {
/** The one LSTM implementation behind lstm_s8 (in8) and lstm_s16_s8 (in16): exactly one input pointer is set. */
void lstm_run(const LstmParams& p, const int8_t* in8, const int16_t* in16, const int8_t* wx, const int8_t* wh, const int16_t* wx16,
              const int16_t* wh16, const int32_t* bias_q12, ChannelQuant qx, ChannelQuant qh, int8_t* out, void* scratch,
              KernelPath path, PackedQ4 wx4);
}  // namespace detail

// ---- attention_s8: score_t = v·tanh(W h_t + b), α = softmax_t(score), out = Σ α_t h_t (same quantization as in).
// in [T, H], w [A, H] → Q3.12 via q, bias [A] Q3.12, v [A] int8 (per-tensor), score → Q12 via (score_mult, score_shift).
struct AttentionParams {
  int T, H, A;
  int32_t in_zp;
  int32_t score_mult, score_shift;
};
size_t attention_s8_scratch_bytes(const AttentionParams& p);
void attention_s8(const AttentionParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias_q12,
                  ChannelQuant q, const int8_t* v, int8_t* out, void* scratch, KernelPath path);

// ---- add_s8: out = clamp(zo + round(((a−za)·ma + (b−zb)·mb) / 2^shift), act_min, act_max).
struct AddParams {
  int n;
  int32_t a_zp, b_zp, out_zp, a_mult, b_mult, shift, act_min, act_max;
};
void add_s8(const AddParams& p, const int8_t* a, const int8_t* b, int8_t* out);

// ---- concat_s8 along the last axis: each input [rows, c_i] requantized to the output's scale.
struct ConcatInput {
  const int8_t* data;
  int channels;
  int32_t zp, mult, shift;  // mult == 0 and shift == 0 means "same quantization: copy"
};
void concat_s8(int rows, const ConcatInput* inputs, int n_inputs, int32_t out_zp, int out_channels, int8_t* out);

// ---- softmax_s16: int16 logits [C] → probabilities Q0.15 [C]; (q − q_max) → Q12 via (mult, shift).
void softmax_s16(int C, const int16_t* logits, int32_t mult, int32_t shift, int16_t* out);

// ---- clamp_s8: standalone ReLU (same quantization): out = clamp(in, lo, hi).
void clamp_s8(int n, const int8_t* in, int32_t lo, int32_t hi, int8_t* out);

}  // namespace nn
}  // namespace ecg
