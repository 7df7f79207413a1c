// lstm_s8: LSTM with int8 weights and activations, gates in Q3.12, an int16 cell state, LUT sigmoid/tanh.
//   gate_j = sat16(rq(Σ wx_j·(x − zp), qx_j) + rq(Σ wh_j·h, qh_j) + bias_j)      (Q3.12, i, f, c, o order)
//   c ← sat16(round(f·c / 2^15) + round(i·g / 2^(30 − cell_frac)))              (Q.cell_frac)
//   h = round(o · tanh(c) / 2^15) (Q0.15) → int8 through (out_mult, out_shift), zero point 0
// Reference: direct loops. Optimized: the input projection for every step in one int16 GEMM, then one int16
// mat-vec per step. Both produce the same exact accumulators, so the outputs are bit-identical.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {
namespace {
inline size_t align16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }

struct LstmScratch {
  int8_t* h;
  int16_t* c;
  int16_t* gates;
  int16_t* x16;
  int32_t* accx;
  int16_t* h16;
  int32_t* acch;
};

LstmScratch carve(const LstmParams& p, void* scratch) {
  const size_t U = p.units, G = 4 * U;
  uint8_t* s = static_cast<uint8_t*>(scratch);
  LstmScratch r;
  r.h = reinterpret_cast<int8_t*>(s); s += align16(U);
  r.c = reinterpret_cast<int16_t*>(s); s += align16(U * 2);
  r.gates = reinterpret_cast<int16_t*>(s); s += align16(G * 2);
  r.x16 = reinterpret_cast<int16_t*>(s); s += align16(static_cast<size_t>(p.T) * p.cin * 2);
  r.accx = reinterpret_cast<int32_t*>(s); s += align16(static_cast<size_t>(p.T) * G * 4);
  r.h16 = reinterpret_cast<int16_t*>(s); s += align16(U * 2);
  r.acch = reinterpret_cast<int32_t*>(s);
  return r;
}

inline int16_t recurrent_act(const LstmParams& p, int16_t x) { return p.hard_sigmoid ? hard_sigmoid_q12_q15(x) : sigmoid_q12_q15(x); }

void cell_update(const LstmParams& p, const int16_t* g, int16_t* c, int8_t* h) {
  const int U = p.units;
  for (int u = 0; u < U; u++) {
    const int32_t i = recurrent_act(p, g[u]);
    const int32_t f = recurrent_act(p, g[U + u]);
    const int32_t gg = tanh_q12_q15(g[2 * U + u]);
    const int32_t o = recurrent_act(p, g[3 * U + u]);
    const int64_t cn = rshift_round(static_cast<int64_t>(f) * c[u], 15) + rshift_round(static_cast<int64_t>(i) * gg, 30 - p.cell_frac);
    c[u] = sat_i16(sat_i32(cn));
    int32_t c12;
    if (p.cell_frac > 12) c12 = static_cast<int32_t>(rshift_round(c[u], p.cell_frac - 12));
    else c12 = static_cast<int32_t>(c[u]) * (1 << (12 - p.cell_frac));
    const int32_t tc = tanh_q12_q15(sat_i16(c12));
    const int32_t hq15 = static_cast<int32_t>(rshift_round(static_cast<int64_t>(o) * tc, 15));
    h[u] = sat_i8(requantize(hq15, p.out_mult, p.out_shift));
  }
}
}  // namespace

size_t lstm_s8_scratch_bytes(const LstmParams& p) {
  const size_t U = p.units, G = 4 * U;
  return align16(U) + align16(U * 2) + align16(G * 2) + align16(static_cast<size_t>(p.T) * p.cin * 2) +
         align16(static_cast<size_t>(p.T) * G * 4) + align16(U * 2) + align16(G * 4);
}

void lstm_s8(const LstmParams& p, const int8_t* in, const int8_t* wx, const int8_t* wh, const int16_t* wx16,
             const int16_t* wh16, const int32_t* bias_q12, ChannelQuant qx, ChannelQuant qh, int8_t* out, void* scratch,
             KernelPath path) {
  const int U = p.units, G = 4 * U;
  LstmScratch s = carve(p, scratch);
  for (int u = 0; u < U; u++) { s.h[u] = 0; s.c[u] = 0; }
  const bool opt = path == KernelPath::kOptimized && wx16 && wh16;
  if (opt) {
    const size_t n = static_cast<size_t>(p.T) * p.cin;
    for (size_t i = 0; i < n; i++) s.x16[i] = static_cast<int16_t>(in[i] - p.in_zp);
    gemm_packed_s16(s.x16, p.T, wx16, G, p.cin, nullptr, s.accx);
  }
  for (int t = 0; t < p.T; t++) {
    if (opt) {
      for (int u = 0; u < U; u++) s.h16[u] = s.h[u];
      gemm_packed_s16(s.h16, 1, wh16, G, U, nullptr, s.acch);
      int32_t* ax = s.accx + static_cast<size_t>(t) * G;
      requant_s32(ax, qx.mult, qx.shift, G, ax);
      requant_s32(s.acch, qh.mult, qh.shift, G, s.acch);
      for (int j = 0; j < G; j++) s.gates[j] = sat_i16(sat_i32(static_cast<int64_t>(ax[j]) + s.acch[j] + bias_q12[j]));
    } else {
      const int8_t* x = in + static_cast<size_t>(t) * p.cin;
      for (int j = 0; j < G; j++) {
        int32_t ax = 0, ah = 0;
        const int8_t* wxj = wx + static_cast<size_t>(j) * p.cin;
        for (int c = 0; c < p.cin; c++) ax += static_cast<int32_t>(wxj[c]) * (static_cast<int32_t>(x[c]) - p.in_zp);
        const int8_t* whj = wh + static_cast<size_t>(j) * U;
        for (int u = 0; u < U; u++) ah += static_cast<int32_t>(whj[u]) * s.h[u];
        const int64_t g = static_cast<int64_t>(requantize(ax, qx.mult[j], qx.shift[j])) + requantize(ah, qh.mult[j], qh.shift[j]) +
                          bias_q12[j];
        s.gates[j] = sat_i16(sat_i32(g));
      }
    }
    cell_update(p, s.gates, s.c, s.h);
    if (p.return_sequences) {
      for (int u = 0; u < U; u++) out[static_cast<size_t>(t) * U + u] = s.h[u];
    }
  }
  if (!p.return_sequences) {
    for (int u = 0; u < U; u++) out[u] = s.h[u];
  }
}

}  // namespace nn
}  // namespace ecg
