// dense_s8: fully connected layer, int8 in and out, per-channel requantization, fused activation clamp.
// Reference: direct loops. Optimized: input widened to int16 (x − zp) and the int16 GEMM.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

size_t dense_s8_scratch_bytes(const DenseParams& p) {
  return ((static_cast<size_t>(p.rows) * p.n * sizeof(int16_t) + 15) & ~static_cast<size_t>(15)) +
         static_cast<size_t>(p.rows) * p.cout * sizeof(int32_t);
}

/** Exact int32 accumulators acc[r][c] = bias[c] + Σ w[c][i]·(x[r][i] − zp) by either path (shared by both dense kernels). */
void dense_accumulate(const DenseParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
                      void* scratch, KernelPath path, int32_t* acc_out);

void dense_accumulate(const DenseParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
                      void* scratch, KernelPath path, int32_t* acc_out) {
  if (path == KernelPath::kOptimized && w16 && scratch) {
    int16_t* x16 = static_cast<int16_t*>(scratch);
    const size_t n = static_cast<size_t>(p.rows) * p.n;
    for (size_t i = 0; i < n; i++) x16[i] = static_cast<int16_t>(in[i] - p.in_zp);
    gemm_packed_s16(x16, p.rows, w16, p.cout, p.n, bias, acc_out);
    return;
  }
  for (int r = 0; r < p.rows; r++) {
    const int8_t* x = in + static_cast<size_t>(r) * p.n;
    for (int c = 0; c < p.cout; c++) {
      const int8_t* wc = w + static_cast<size_t>(c) * p.n;
      int32_t acc = bias ? bias[c] : 0;
      for (int i = 0; i < p.n; i++) acc += static_cast<int32_t>(wc[i]) * (static_cast<int32_t>(x[i]) - p.in_zp);
      acc_out[static_cast<size_t>(r) * p.cout + c] = acc;
    }
  }
}

void dense_s8(const DenseParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
              ChannelQuant q, int8_t* out, void* scratch, KernelPath path) {
  const size_t x_bytes = (static_cast<size_t>(p.rows) * p.n * sizeof(int16_t) + 15) & ~static_cast<size_t>(15);
  int32_t* acc = reinterpret_cast<int32_t*>(static_cast<uint8_t*>(scratch) + x_bytes);
  dense_accumulate(p, in, w, w16, bias, scratch, path, acc);
  if (path == KernelPath::kOptimized) {
    requant_rows_s8(acc, p.rows, p.cout, q.mult, q.shift, p.out_zp, p.act_min, p.act_max, out);
    return;
  }
  for (int r = 0; r < p.rows; r++) {
    const int32_t* a = acc + static_cast<size_t>(r) * p.cout;
    int8_t* o = out + static_cast<size_t>(r) * p.cout;
    for (int c = 0; c < p.cout; c++) o[c] = static_cast<int8_t>(clamp_i32(sat_i32(static_cast<int64_t>(requantize(a[c], q.mult[c], q.shift[c])) + p.out_zp), p.act_min, p.act_max));
  }
}

}  // namespace nn
}  // namespace ecg
