// dense2_s8: dense layer over a two-part input [a, b] with separate quantization (fused concat + dense).
// Both parts use dense_accumulate (reference loops or the packed int16 GEMM), so both paths are bit-identical.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

void dense_accumulate(const DenseParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
                      void* scratch, KernelPath path, int32_t* acc_out);

namespace {
inline size_t align16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }
}  // namespace

size_t dense2_s8_scratch_bytes(const Dense2Params& p) {
  return align16(static_cast<size_t>(p.na) * 2) + align16(static_cast<size_t>(p.cout) * 4) + align16(static_cast<size_t>(p.nb) * 2) +
         align16(static_cast<size_t>(p.cout) * 4);
}

void dense2_s8(const Dense2Params& p, const int8_t* a, const int8_t* b, const int8_t* wa, const int8_t* wb, const int16_t* wa16,
               const int16_t* wb16, const int32_t* bias, ChannelQuant q, int8_t* out, void* scratch, KernelPath path) {
  uint8_t* s = static_cast<uint8_t*>(scratch);
  void* xa = s;
  int32_t* acc_a = reinterpret_cast<int32_t*>(s + align16(static_cast<size_t>(p.na) * 2));
  uint8_t* s2 = s + align16(static_cast<size_t>(p.na) * 2) + align16(static_cast<size_t>(p.cout) * 4);
  void* xb = s2;
  int32_t* acc_b = reinterpret_cast<int32_t*>(s2 + align16(static_cast<size_t>(p.nb) * 2));
  const DenseParams pa{1, p.na, p.cout, p.a_zp, 0, -128, 127};
  const DenseParams pb{1, p.nb, p.cout, p.b_zp, 0, -128, 127};
  dense_accumulate(pa, a, wa, wa16, bias, xa, path, acc_a);
  dense_accumulate(pb, b, wb, wb16, nullptr, xb, path, acc_b);
  for (int c = 0; c < p.cout; c++) {
    const int32_t acc = sat_i32(static_cast<int64_t>(acc_a[c]) + requantize(acc_b[c], p.b_mult, p.b_shift));
    out[c] = static_cast<int8_t>(clamp_i32(sat_i32(static_cast<int64_t>(requantize(acc, q.mult[c], q.shift[c])) + p.out_zp), p.act_min, p.act_max));
  }
}

}  // namespace nn
}  // namespace ecg
