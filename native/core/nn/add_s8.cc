// add_s8: residual add of two int8 tensors with different scales, one rounding, fused activation clamp.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

void add_s8(const AddParams& p, const int8_t* a, const int8_t* b, int8_t* out) {
  for (int i = 0; i < p.n; i++) {
    const int64_t s = static_cast<int64_t>(a[i] - p.a_zp) * p.a_mult + static_cast<int64_t>(b[i] - p.b_zp) * p.b_mult;
    const int32_t y = sat_i32(rshift_round(s, p.shift)) ;
    out[i] = static_cast<int8_t>(clamp_i32(sat_i32(static_cast<int64_t>(y) + p.out_zp), p.act_min, p.act_max));
  }
}

}  // namespace nn
}  // namespace ecg
