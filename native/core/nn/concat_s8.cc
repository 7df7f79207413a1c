// concat_s8: concatenation along the last axis; each input is requantized to the output's scale.
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

void concat_s8(int rows, const ConcatInput* inputs, int n_inputs, int32_t out_zp, int out_channels, int8_t* out) {
  for (int r = 0; r < rows; r++) {
    int8_t* o = out + static_cast<size_t>(r) * out_channels;
    for (int k = 0; k < n_inputs; k++) {
      const ConcatInput& in = inputs[k];
      const int8_t* x = in.data + static_cast<size_t>(r) * in.channels;
      if (in.mult == 0 && in.shift == 0) {
        for (int c = 0; c < in.channels; c++) o[c] = x[c];
      } else {
        for (int c = 0; c < in.channels; c++) o[c] = sat_i8(sat_i32(static_cast<int64_t>(requantize(x[c] - in.zp, in.mult, in.shift)) + out_zp));
      }
      o += in.channels;
    }
  }
}

}  // namespace nn
}  // namespace ecg
