// maxpool1d_s8: max over each time window (only the valid samples of a padded window); quantization unchanged.
#include "kernels.h"

namespace ecg {
namespace nn {

void maxpool1d_s8(const Pool1dParams& p, const int8_t* in, int8_t* out) {
  for (int o = 0; o < p.To; o++) {
    int t0 = o * p.stride - p.pad_left, t1 = t0 + p.pool;
    if (t0 < 0) t0 = 0;
    if (t1 > p.T) t1 = p.T;
    int8_t* dst = out + static_cast<size_t>(o) * p.C;
    for (int c = 0; c < p.C; c++) dst[c] = INT8_MIN;
    for (int t = t0; t < t1; t++) {  // channel-contiguous inner loop (vectorizes)
      const int8_t* src = in + static_cast<size_t>(t) * p.C;
      for (int c = 0; c < p.C; c++) dst[c] = src[c] > dst[c] ? src[c] : dst[c];
    }
  }
}

}  // namespace nn
}  // namespace ecg
