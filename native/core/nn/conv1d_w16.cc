// conv1d_w16: the 'same' 1-D convolution (stride 1) for every combination of int8 and int16 input, residual and
// output; int16 activations have zero point 0 (format 2.2, TFLite's "16x8" scheme: int16 activations, int8
// per-channel weights). It is the op at both ends of a 16-bit region (int8 → int16 where it starts, int16 → int16
// inside, int16 → int8 where it ends: the output requantization does the conversion), the format 2.1 convolution
// of a 16-bit beat input (int16 → int8), and, through conv1d_s8, every int8 → int8 convolution (conv1d_s8 adds
// only the 8-bit VNNI GEMM path).
//   acc = bias[o] + Σ_j Σ_c w[o,j,c]·x[t+j−pad_left, c]   (x = q − zp for int8, q for int16; padding is real 0)
//   acc += rq(r[t,o] − zp_r, res_mult[o], res_shift[o])  (optional residual, int8 or int16)
//   out = clamp(zp_out + rq(acc, mult[o], shift[o]), act_min, act_max)   (int8 or int16, zp_out 0 for int16)
// The loader bounds every term so that acc is an exact int32 (k·cin ≤ 257 for an int16 input).
// Reference: direct loops. Optimized: the input widened once into a zero-padded int16 buffer that the int16 GEMM
// reads as its im2col matrix (overlapping rows, no copy per tap; AVX2 vpmaddwd / AVX-512 VNNI vpdpwssd /
// portable), the residual added in 8-lane vectors, the fused vector epilogue (requant_s32.cc). Both compute the
// same exact integers, so the outputs are bit-identical.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

namespace {
inline void store(const Conv1dParams& p, ActOut out, size_t i, int32_t acc, int32_t mult, int32_t shift) {
  const int32_t y = clamp_i32(sat_i32(static_cast<int64_t>(requantize(acc, mult, shift)) + p.out_zp), p.act_min, p.act_max);
  if (out.s16) out.s16[i] = static_cast<int16_t>(y);
  else out.s8[i] = static_cast<int8_t>(y);
}

// The definition, with x − zp computed per input element (zp 0 for an int16 input): a template over the input
// type, so the innermost loop has no branch.
template <typename TI>
void conv_ref(const Conv1dParams& p, const TI* in, int32_t in_zp, const int8_t* w, const int32_t* bias, ChannelQuant q, ActOut out,
              const ConvResidualW& res) {
  for (int t = 0; t < p.T; t++) {
    for (int co = 0; co < p.cout; co++) {
      int32_t acc = bias[co];
      for (int j = 0; j < p.k; j++) {
        const int ti = t + j - p.pad_left;
        if (ti < 0 || ti >= p.T) continue;  // padding holds the real value 0, i.e. x − zp = 0
        const TI* x = in + static_cast<size_t>(ti) * p.cin;
        const int8_t* wk = w + (static_cast<size_t>(co) * p.k + j) * p.cin;
        for (int c = 0; c < p.cin; c++) acc += static_cast<int32_t>(wk[c]) * (static_cast<int32_t>(x[c]) - in_zp);
      }
      const size_t o = static_cast<size_t>(t) * p.cout + co;
      // the residual, bounded at load
      if (res.r.s16) acc += requantize(res.r.s16[o], res.mult[co], res.shift[co]);
      else if (res.r.s8) acc += requantize(static_cast<int32_t>(res.r.s8[o]) - res.r.zp, res.mult[co], res.shift[co]);
      store(p, out, o, acc, q.mult[co], q.shift[co]);
    }
  }
}

void conv_opt(const Conv1dParams& p, ActIn in, const int16_t* w16, const int32_t* bias, ChannelQuant q, ActOut out, void* scratch, ConvResidualW res) {
  const ConvScratch sc = conv1d_scratch(p, scratch);
  int16_t* xp = static_cast<int16_t*>(sc.x);
  int32_t* acc = sc.acc;
  const size_t lead = sc.lead, body = sc.body, tail = sc.tail;
  for (size_t i = 0; i < lead; i++) xp[i] = 0;
  if (in.s16) {
    for (size_t i = 0; i < body; i++) xp[lead + i] = in.s16[i];
  } else {
    for (size_t i = 0; i < body; i++) xp[lead + i] = static_cast<int16_t>(in.s8[i] - in.zp);
  }
  for (size_t i = 0; i < tail; i++) xp[lead + body + i] = 0;
  gemm_packed_s16_lda(xp, p.cin, p.T, w16, p.cout, p.k * p.cin, bias, acc);
  if (res.r.s16) add_requant_rows_s16(acc, p.T, p.cout, res.r.s16, res.mult, res.shift);  // bounded at load
  else if (res.r.s8) add_requant_rows_s8(acc, p.T, p.cout, res.r.s8, res.r.zp, res.mult, res.shift);
  if (out.s16) requant_rows_s16(acc, p.T, p.cout, q.mult, q.shift, p.out_zp, p.act_min, p.act_max, out.s16);
  else requant_rows_s8(acc, p.T, p.cout, q.mult, q.shift, p.out_zp, p.act_min, p.act_max, out.s8);
}
}  // namespace

void conv1d_w16(const Conv1dParams& p, ActIn in, const int8_t* w, const int16_t* w16, const int32_t* bias, ChannelQuant q,
                ActOut out, void* scratch, KernelPath path, ConvResidualW res) {
  if (path == KernelPath::kOptimized && w16 && scratch) conv_opt(p, in, w16, bias, q, out, scratch, res);
  else if (in.s16) conv_ref(p, in.s16, 0, w, bias, q, out, res);
  else conv_ref(p, in.s8, in.zp, w, bias, q, out, res);
}

}  // namespace nn
}  // namespace ecg
