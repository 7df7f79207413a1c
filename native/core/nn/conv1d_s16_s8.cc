// conv1d_s16_s8: the 'same' 1-D convolution of conv1d_s8 on an int16 input with zero point 0 (the model's beat
// input when the exporter keeps it at 16 bits: the normalized beat loses no resolution to 8-bit input
// quantization). Output int8 as conv1d_s8. Reference: direct loops. Optimized: the input copied into a
// zero-padded int16 buffer that the int16 GEMM reads as its im2col matrix (overlapping rows), then the fused
// vector requantization. |x| ≤ 32768 and |w| ≤ 127, so with k·cin ≤ 257 (checked at load) the int32 sums are exact.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

static void conv1d_s16_s8_ref(const Conv1dParams& p, const int16_t* in, const int8_t* w, const int32_t* bias, ChannelQuant q, int8_t* out) {
  for (int t = 0; t < p.T; t++) {
    for (int co = 0; co < p.cout; co++) {
      int32_t acc = bias[co];
      for (int j = 0; j < p.k; j++) {
        const int ti = t + j - p.pad_left;
        if (ti < 0 || ti >= p.T) continue;  // padding holds the real value 0
        const int16_t* x = in + static_cast<size_t>(ti) * p.cin;
        const int8_t* wk = w + (static_cast<size_t>(co) * p.k + j) * p.cin;
        for (int c = 0; c < p.cin; c++) acc += static_cast<int32_t>(wk[c]) * static_cast<int32_t>(x[c]);
      }
      const int32_t y = sat_i32(static_cast<int64_t>(requantize(acc, q.mult[co], q.shift[co])) + p.out_zp);
      out[static_cast<size_t>(t) * p.cout + co] = static_cast<int8_t>(clamp_i32(y, p.act_min, p.act_max));
    }
  }
}

void conv1d_s16_s8(const Conv1dParams& p, const int16_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
                   ChannelQuant q, int8_t* out, void* scratch, KernelPath path) {
  if (path != KernelPath::kOptimized || !w16 || !scratch) {
    conv1d_s16_s8_ref(p, in, w, bias, q, out);
    return;
  }
  const size_t lead = static_cast<size_t>(p.pad_left) * p.cin, body = static_cast<size_t>(p.T) * p.cin;
  const size_t tail = static_cast<size_t>(p.k - 1 - p.pad_left) * p.cin;
  int16_t* xp = static_cast<int16_t*>(scratch);
  int32_t* acc = reinterpret_cast<int32_t*>(static_cast<uint8_t*>(scratch) + (((lead + body + tail) * sizeof(int16_t) + 15) & ~static_cast<size_t>(15)));  // fits conv1d_s8_scratch_bytes
  for (size_t i = 0; i < lead; i++) xp[i] = 0;
  for (size_t i = 0; i < body; i++) xp[lead + i] = in[i];
  for (size_t i = 0; i < tail; i++) xp[lead + body + i] = 0;
  gemm_packed_s16_lda(xp, p.cin, p.T, w16, p.cout, p.k * p.cin, bias, acc);
  requant_rows_s8(acc, p.T, p.cout, q.mult, q.shift, p.out_zp, p.act_min, p.act_max, out);
}

}  // namespace nn
}  // namespace ecg
