// avgpool1d_s8: mean of the valid samples of each time window (TensorFlow excludes padding from the count),
// rounded half away from zero; quantization unchanged (the mean of q − zp plus zp is the mean of q).
#include "kernels.h"

namespace ecg {
namespace nn {

static inline int32_t div_round(int32_t num, int32_t den) {
  return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
}

void avgpool1d_s8(const Pool1dParams& p, const int8_t* in, int8_t* out) {
  for (int o = 0; o < p.To; o++) {
    int t0, t1;
    pool_window(p, o, &t0, &t1);
    const int32_t count = t1 > t0 ? t1 - t0 : 1;
    for (int c = 0; c < p.C; c++) {
      int32_t s = 0;
      for (int t = t0; t < t1; t++) s += in[static_cast<size_t>(t) * p.C + c];
      out[static_cast<size_t>(o) * p.C + c] = static_cast<int8_t>(div_round(s, count));
    }
  }
}

}  // namespace nn
}  // namespace ecg
