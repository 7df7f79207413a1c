// clamp_s8: standalone activation (ReLU / ReLU6 as a clamp in the quantized domain); quantization unchanged.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

void clamp_s8(int n, const int8_t* in, int32_t lo, int32_t hi, int8_t* out) {
  for (int i = 0; i < n; i++) out[i] = static_cast<int8_t>(clamp_i32(in[i], lo, hi));
}

}  // namespace nn
}  // namespace ecg
