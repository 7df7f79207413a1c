// attention_s8: additive temporal attention pooling with a fixed-point softmax over time.
//   e_t,a = tanh(rq(Σ W_a·(h_t − zp), q_a) + b_a)   Q3.12 → Q0.15
//   s_t   = Σ_a v_a · e_t,a                          int32, real = s_t · s_v / 2^15
//   d_t   = rq(s_t − max_t s, score_mult, score_shift)  Q12 (≤ 0);  w_t = exp(d_t) in Q1.30
//   out_c = zp + round(Σ_t w_t (h_t,c − zp) / Σ_t w_t)  (a convex combination: same quantization as the input)
// Reference: direct loops. Optimized: the projection W h_t for every t in one int16 GEMM. Same exact integers.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {
namespace {
inline size_t align16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }
}  // namespace

size_t attention_s8_scratch_bytes(const AttentionParams& p) {
  return align16(static_cast<size_t>(p.T) * p.A * 4) + align16(static_cast<size_t>(p.T) * p.H * 2) +
         align16(static_cast<size_t>(p.T) * 4) * 2;
}

void attention_s8(const AttentionParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias_q12,
                  ChannelQuant q, const int8_t* v, int8_t* out, void* scratch, KernelPath path) {
  uint8_t* s = static_cast<uint8_t*>(scratch);
  int32_t* acc = reinterpret_cast<int32_t*>(s); s += align16(static_cast<size_t>(p.T) * p.A * 4);
  int16_t* x16 = reinterpret_cast<int16_t*>(s); s += align16(static_cast<size_t>(p.T) * p.H * 2);
  int32_t* score = reinterpret_cast<int32_t*>(s); s += align16(static_cast<size_t>(p.T) * 4);
  int32_t* wt = reinterpret_cast<int32_t*>(s);

  if (path == KernelPath::kOptimized && w16) {
    const size_t n = static_cast<size_t>(p.T) * p.H;
    for (size_t i = 0; i < n; i++) x16[i] = static_cast<int16_t>(in[i] - p.in_zp);
    gemm_packed_s16(x16, p.T, w16, p.A, p.H, nullptr, acc);
  } else {
    for (int t = 0; t < p.T; t++) {
      const int8_t* h = in + static_cast<size_t>(t) * p.H;
      for (int a = 0; a < p.A; a++) {
        const int8_t* wa = w + static_cast<size_t>(a) * p.H;
        int32_t sum = 0;
        for (int i = 0; i < p.H; i++) sum += static_cast<int32_t>(wa[i]) * (static_cast<int32_t>(h[i]) - p.in_zp);
        acc[static_cast<size_t>(t) * p.A + a] = sum;
      }
    }
  }
  int32_t smax = INT32_MIN;
  for (int t = 0; t < p.T; t++) {
    int32_t sc = 0;
    for (int a = 0; a < p.A; a++) {
      const int64_t pre = static_cast<int64_t>(requantize(acc[static_cast<size_t>(t) * p.A + a], q.mult[a], q.shift[a])) + bias_q12[a];
      sc += static_cast<int32_t>(v[a]) * tanh_q12_q15(sat_i16(sat_i32(pre)));
    }
    score[t] = sc;
    if (sc > smax) smax = sc;
  }
  int64_t total = 0;
  for (int t = 0; t < p.T; t++) {
    const int32_t d = requantize(sat_i32(static_cast<int64_t>(score[t]) - smax), p.score_mult, p.score_shift);
    wt[t] = exp_neg_q12_q30(d < -65536 ? -65536 : d);
    total += wt[t];
  }
  for (int c = 0; c < p.H; c++) {
    int64_t num = 0;
    for (int t = 0; t < p.T; t++) num += static_cast<int64_t>(wt[t]) * (in[static_cast<size_t>(t) * p.H + c] - p.in_zp);
    const int64_t r = num >= 0 ? (num + total / 2) / total : -((-num + total / 2) / total);
    out[c] = sat_i8(sat_i32(r + p.in_zp));
  }
}

}  // namespace nn
}  // namespace ecg
