// conv1d_s8: 'same' 1-D convolution (stride 1) with folded batch norm, per-channel requantization and a fused
// activation clamp. Reference: direct loops over int8 data. Optimized: im2col into int16 (x − zp, zeros in the
// padding) and one int16 GEMM against the weights widened at load. Both compute the same exact int32 sums.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

size_t conv1d_s8_scratch_bytes(const Conv1dParams& p) {
  const size_t kc = static_cast<size_t>(p.k) * p.cin;
  return static_cast<size_t>(p.T) * kc * sizeof(int16_t) + 16 + static_cast<size_t>(p.T) * p.cout * sizeof(int32_t);
}

static void conv1d_s8_ref(const Conv1dParams& p, const int8_t* in, const int8_t* w, const int32_t* bias, ChannelQuant q,
                          int8_t* out) {
  for (int t = 0; t < p.T; t++) {
    for (int co = 0; co < p.cout; co++) {
      int32_t acc = bias[co];
      for (int j = 0; j < p.k; j++) {
        const int ti = t + j - p.pad_left;
        if (ti < 0 || ti >= p.T) continue;  // padding holds the real value 0, i.e. x − zp = 0
        const int8_t* x = in + static_cast<size_t>(ti) * p.cin;
        const int8_t* wk = w + (static_cast<size_t>(co) * p.k + j) * p.cin;
        for (int c = 0; c < p.cin; c++) acc += static_cast<int32_t>(wk[c]) * (static_cast<int32_t>(x[c]) - p.in_zp);
      }
      const int32_t y = sat_i32(static_cast<int64_t>(requantize(acc, q.mult[co], q.shift[co])) + p.out_zp);
      out[static_cast<size_t>(t) * p.cout + co] = static_cast<int8_t>(clamp_i32(y, p.act_min, p.act_max));
    }
  }
}

static void conv1d_s8_opt(const Conv1dParams& p, const int8_t* in, const int16_t* w16, const int32_t* bias, ChannelQuant q,
                          int8_t* out, void* scratch) {
  const int kc = p.k * p.cin;
  int16_t* col = static_cast<int16_t*>(scratch);
  const size_t col_bytes = (static_cast<size_t>(p.T) * kc * sizeof(int16_t) + 15) & ~static_cast<size_t>(15);
  int32_t* acc = reinterpret_cast<int32_t*>(static_cast<uint8_t*>(scratch) + col_bytes);
  for (int t = 0; t < p.T; t++) {
    int16_t* row = col + static_cast<size_t>(t) * kc;
    for (int j = 0; j < p.k; j++) {
      const int ti = t + j - p.pad_left;
      int16_t* r = row + j * p.cin;
      if (ti < 0 || ti >= p.T) {
        for (int c = 0; c < p.cin; c++) r[c] = 0;
      } else {
        const int8_t* x = in + static_cast<size_t>(ti) * p.cin;
        for (int c = 0; c < p.cin; c++) r[c] = static_cast<int16_t>(x[c] - p.in_zp);
      }
    }
  }
  gemm_packed_s16(col, p.T, w16, p.cout, kc, bias, acc);
  for (int t = 0; t < p.T; t++) {
    int32_t* a = acc + static_cast<size_t>(t) * p.cout;
    int8_t* o = out + static_cast<size_t>(t) * p.cout;
    requant_s32(a, q.mult, q.shift, p.cout, a);
    // |zp| ≤ 2^15 and the clamp range lies inside int16, so clamping to ±2^30 first gives the same result as the
    // saturating 64-bit add, in 32-bit lanes the compiler vectorizes.
    for (int co = 0; co < p.cout; co++) o[co] = static_cast<int8_t>(clamp_i32(clamp_i32(a[co], -(1 << 30), 1 << 30) + p.out_zp, p.act_min, p.act_max));
  }
}

void conv1d_s8(const Conv1dParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
               ChannelQuant q, int8_t* out, void* scratch, KernelPath path) {
  if (path == KernelPath::kOptimized && w16 && scratch) {
    conv1d_s8_opt(p, in, w16, bias, q, out, scratch);
  } else {
    conv1d_s8_ref(p, in, w, bias, q, out);
  }
}

}  // namespace nn
}  // namespace ecg
