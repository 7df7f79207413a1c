// dense_s8_s16: fully connected layer with int8 input and int16 output (the logits layer: 16-bit logits keep
// the argmax of the float model instead of creating ties at 8 bits).
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

void dense_accumulate(const DenseParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
                      void* scratch, KernelPath path, int32_t* acc_out);

void dense_s8_s16(const DenseParams& p, const int8_t* in, const int8_t* w, const int16_t* w16, const int32_t* bias,
                  ChannelQuant q, int16_t* out, void* scratch, KernelPath path) {
  const size_t x_bytes = (static_cast<size_t>(p.rows) * p.n * sizeof(int16_t) + 15) & ~static_cast<size_t>(15);
  int32_t* acc = reinterpret_cast<int32_t*>(static_cast<uint8_t*>(scratch) + x_bytes);
  dense_accumulate(p, in, w, w16, bias, scratch, path, acc);
  for (int r = 0; r < p.rows; r++) {
    const int32_t* a = acc + static_cast<size_t>(r) * p.cout;
    int16_t* o = out + static_cast<size_t>(r) * p.cout;
    for (int c = 0; c < p.cout; c++) o[c] = static_cast<int16_t>(clamp_i32(sat_i32(static_cast<int64_t>(requantize(a[c], q.mult[c], q.shift[c])) + p.out_zp), p.act_min, p.act_max));
  }
}

}  // namespace nn
}  // namespace ecg
