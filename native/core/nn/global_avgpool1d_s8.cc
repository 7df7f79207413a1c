// global_avgpool1d_s8: [T, C] → [C], mean over time, rounded half away from zero; quantization unchanged.
#include "kernels.h"

namespace ecg {
namespace nn {

void global_avgpool1d_s8(int T, int C, const int8_t* in, int8_t* out) {
  for (int c = 0; c < C; c++) {
    int32_t s = 0;
    for (int t = 0; t < T; t++) s += in[static_cast<size_t>(t) * C + c];
    out[c] = static_cast<int8_t>(s >= 0 ? (s + T / 2) / T : -((-s + T / 2) / T));
  }
}

}  // namespace nn
}  // namespace ecg
