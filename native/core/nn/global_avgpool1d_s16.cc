// global_avgpool1d_rq_s16: [T, C] int16 (zero point 0, format 2.2) → [C] int8 with its own quantization:
// out = sat8(zp_out + rq(Σ_t q, mult, shift)), M = s_in / (T · s_out). |Σ| ≤ T·32768 < 2^31 for T ≤ 65535 (checked at load).
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

void global_avgpool1d_rq_s16(int T, int C, const int16_t* in, int32_t mult, int32_t shift, int32_t out_zp, int8_t* out) {
  for (int c = 0; c < C; c++) {
    int32_t s = 0;
    for (int t = 0; t < T; t++) s += in[static_cast<size_t>(t) * C + c];
    out[c] = sat_i8(sat_i32(static_cast<int64_t>(requantize(s, mult, shift)) + out_zp));
  }
}

}  // namespace nn
}  // namespace ecg
