// global_avgpool1d_s8: [T, C] → [C], mean over time.
//   same quantization in and out: round half away from zero of the mean of q;
//   requantized (the output has its own, usually much finer, scale: a mean spans a narrower range than its
//   inputs): out = clamp(zp_out + rq(Σ_t (q − zp_in), mult, shift)) with M = s_in / (T · s_out).
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

void global_avgpool1d_s8(int T, int C, const int8_t* in, int8_t* out) {
  for (int c = 0; c < C; c++) {
    int32_t s = 0;
    for (int t = 0; t < T; t++) s += in[static_cast<size_t>(t) * C + c];
    out[c] = static_cast<int8_t>(s >= 0 ? (s + T / 2) / T : -((-s + T / 2) / T));
  }
}

void global_avgpool1d_rq_s8(int T, int C, const int8_t* in, int32_t in_zp, int32_t mult, int32_t shift, int32_t out_zp, int8_t* out) {
  for (int c = 0; c < C; c++) {
    int32_t s = 0;
    for (int t = 0; t < T; t++) s += in[static_cast<size_t>(t) * C + c] - in_zp;
    out[c] = sat_i8(sat_i32(static_cast<int64_t>(requantize(s, mult, shift)) + out_zp));
  }
}

}  // namespace nn
}  // namespace ecg
