// conv1d_s8: 'same' 1-D convolution (stride 1) of int8 activations with folded batch norm, per-channel
// requantization, a fused activation clamp and an optional fused residual. On AVX-512 VNNI CPUs with quad-packed
// weights, the optimized path is the 8-bit GEMM below; every other path (the reference, the int16 GEMM) is
// conv1d_w16's int8 case, the one implementation of the convolution. All compute the same exact int32 sums.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

// Optimized-path scratch (ConvScratch, the layout of every optimized convolution): the zero-padded input widened to
// int16, [pad_left + T + pad_right, cin] (or, on the 8-bit VNNI path, the same as uint8 plus 4 readable bytes), the
// effective bias [cout], then the int32 accumulators [T, cout].
static size_t padded_elems(const Conv1dParams& p) { return static_cast<size_t>(p.T + p.k - 1) * p.cin; }
static size_t a16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }

size_t conv1d_s8_scratch_bytes(const Conv1dParams& p) {
  return a16(padded_elems(p) * sizeof(int16_t) + 4) + a16(static_cast<size_t>(p.cout) * 4) + static_cast<size_t>(p.T) * p.cout * sizeof(int32_t);
}

ConvScratch conv1d_scratch(const Conv1dParams& p, void* scratch) {
  uint8_t* s = static_cast<uint8_t*>(scratch);
  const size_t xp_bytes = a16(padded_elems(p) * sizeof(int16_t) + 4);
  return ConvScratch{s, reinterpret_cast<int32_t*>(s + xp_bytes), reinterpret_cast<int32_t*>(s + xp_bytes + a16(static_cast<size_t>(p.cout) * 4)),
                     static_cast<size_t>(p.pad_left) * p.cin, static_cast<size_t>(p.T) * p.cin, static_cast<size_t>(p.k - 1 - p.pad_left) * p.cin};
}

// The 8-bit VNNI path: u = x + 128 (sign bit flipped) against the quad-packed weights, (zp + 128)·Σw folded into the
// bias; the padding holds the real value 0, i.e. x = zp. No im2col: row t of the im2col matrix is the k·cin
// contiguous values of the padded input starting at row t, so the GEMM reads the padded input with a row stride of cin.
static void conv1d_s8_vnni(const Conv1dParams& p, const int8_t* in, const int32_t* bias, ChannelQuant q, int8_t* out, void* scratch,
                           PackedQ4 q4, ConvResidual res) {
  const ConvScratch sc = conv1d_scratch(p, scratch);
  uint8_t* xu = static_cast<uint8_t*>(sc.x);
  const uint8_t pad = static_cast<uint8_t>(p.in_zp + 128);
  for (size_t i = 0; i < sc.lead; i++) xu[i] = pad;
  for (size_t i = 0; i < sc.body; i++) xu[sc.lead + i] = static_cast<uint8_t>(in[i]) ^ 0x80u;
  for (size_t i = 0; i < sc.tail + 4; i++) xu[sc.lead + sc.body + i] = pad;  // + the 4 bytes a last partial quad may read
  u8_bias(bias, q4.wsum, p.in_zp, p.cout, sc.beff);
  gemm_u8s8(xu, p.cin, p.T, q4.w, p.cout, p.k * p.cin, sc.beff, sc.acc);
  if (res.r) add_requant_rows_s8(sc.acc, p.T, p.cout, res.r, res.zp, res.mult, res.shift);  // bounded at load
  requant_rows_s8(sc.acc, p.T, p.cout, q.mult, q.shift, p.out_zp, p.act_min, p.act_max, out);
}

void conv1d_s8(const Conv1dParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
               ChannelQuant q, int8_t* out, void* scratch, KernelPath path, PackedQ4 q4, ConvResidual res) {
  if (path == KernelPath::kOptimized && w16 && scratch && q4.w && gemm_u8s8_available()) {
    conv1d_s8_vnni(p, in, bias, q, out, scratch, q4, res);
    return;
  }
  // every other path is conv1d_w16's int8 case
  conv1d_w16(p, ActIn{in, nullptr, p.in_zp}, w, w16, bias, q, ActOut{out, nullptr}, scratch, path, ConvResidualW{ActIn{res.r, nullptr, res.zp}, res.mult, res.shift});
}

}  // namespace nn
}  // namespace ecg
