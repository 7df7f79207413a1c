// conv1d_s8: 'same' 1-D convolution (stride 1) with folded batch norm, per-channel requantization and a fused
// activation clamp. Reference: direct loops over int8 data. Optimized: the input widened once into a zero-padded
// int16 buffer (x − zp) that the int16 GEMM reads as its im2col matrix (overlapping rows, no copy per tap), against
// the weights widened and packed at load. Both compute the same exact int32 sums.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

// Optimized-path scratch: the zero-padded input widened to int16, [pad_left + T + pad_right, cin] (or, on the
// 8-bit VNNI path, the same as uint8 plus 4 readable bytes), the effective bias [cout], then the int32
// accumulators [T, cout].
static size_t padded_elems(const Conv1dParams& p) { return static_cast<size_t>(p.T + p.k - 1) * p.cin; }
static size_t a16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }

size_t conv1d_s8_scratch_bytes(const Conv1dParams& p) {
  return a16(padded_elems(p) * sizeof(int16_t) + 4) + a16(static_cast<size_t>(p.cout) * 4) + static_cast<size_t>(p.T) * p.cout * sizeof(int32_t);
}

static void conv1d_s8_ref(const Conv1dParams& p, const int8_t* in, const int8_t* w, const int32_t* bias, ChannelQuant q,
                          int8_t* out, ConvResidual res) {
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
      if (res.r) acc += requantize(res.r[static_cast<size_t>(t) * p.cout + co] - res.zp, res.mult[co], res.shift[co]);  // bounded at load
      const int32_t y = sat_i32(static_cast<int64_t>(requantize(acc, q.mult[co], q.shift[co])) + p.out_zp);
      out[static_cast<size_t>(t) * p.cout + co] = static_cast<int8_t>(clamp_i32(y, p.act_min, p.act_max));
    }
  }
}

static void conv1d_s8_opt(const Conv1dParams& p, const int8_t* in, const int16_t* w16, const int32_t* bias, ChannelQuant q,
                          int8_t* out, void* scratch, PackedQ4 q4, ConvResidual res) {
  // No im2col: row t of the im2col matrix is the k·cin contiguous values of the padded input starting at row t,
  // so the GEMM reads the padded input with a row stride of cin.
  const int kc = p.k * p.cin;
  uint8_t* s = static_cast<uint8_t*>(scratch);
  const size_t xp_bytes = a16(padded_elems(p) * sizeof(int16_t) + 4);
  int32_t* beff = reinterpret_cast<int32_t*>(s + xp_bytes);
  int32_t* acc = reinterpret_cast<int32_t*>(s + xp_bytes + a16(static_cast<size_t>(p.cout) * 4));
  const size_t lead = static_cast<size_t>(p.pad_left) * p.cin, body = static_cast<size_t>(p.T) * p.cin;
  const size_t tail = static_cast<size_t>(p.k - 1 - p.pad_left) * p.cin;
  const int32_t zp = p.in_zp;
  if (q4.w && gemm_u8s8_available()) {
    // 8-bit path: u = x + 128 (sign bit flipped); the padding holds the real value 0, i.e. x = zp.
    uint8_t* xu = s;
    const uint8_t pad = static_cast<uint8_t>(zp + 128);
    for (size_t i = 0; i < lead; i++) xu[i] = pad;
    for (size_t i = 0; i < body; i++) xu[lead + i] = static_cast<uint8_t>(in[i]) ^ 0x80u;
    for (size_t i = 0; i < tail + 4; i++) xu[lead + body + i] = pad;  // + the 4 bytes a last partial quad may read
    u8_bias(bias, q4.wsum, zp, p.cout, beff);
    gemm_u8s8(xu, p.cin, p.T, q4.w, p.cout, kc, beff, acc);
  } else {
    int16_t* xp = reinterpret_cast<int16_t*>(s);
    for (size_t i = 0; i < lead; i++) xp[i] = 0;
    for (size_t i = 0; i < body; i++) xp[lead + i] = static_cast<int16_t>(in[i] - zp);
    for (size_t i = 0; i < tail; i++) xp[lead + body + i] = 0;
    gemm_packed_s16_lda(xp, p.cin, p.T, w16, p.cout, kc, bias, acc);
  }
  if (res.r) add_requant_rows_s8(acc, p.T, p.cout, res.r, res.zp, res.mult, res.shift);  // bounded at load
  requant_rows_s8(acc, p.T, p.cout, q.mult, q.shift, p.out_zp, p.act_min, p.act_max, out);
}

void conv1d_s8(const Conv1dParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
               ChannelQuant q, int8_t* out, void* scratch, KernelPath path, PackedQ4 q4, ConvResidual res) {
  if (path == KernelPath::kOptimized && w16 && scratch) {
    conv1d_s8_opt(p, in, w16, bias, q, out, scratch, q4, res);
  } else {
    conv1d_s8_ref(p, in, w, bias, q, out, res);
  }
}

}  // namespace nn
}  // namespace ecg
