// lstm_s16_s8: the LSTM of lstm_s8 on a 16-bit input (zero point 0; format 2.2, where the activations before the
// LSTM stay at 16 bits). Only the input projection differs: Σ wx·x over the int16 values (exact in int32, the
// loader checks cin·32768·127 < 2^30); the gates, the cell and the int8 output are lstm_s8's. Reference and
// optimized paths as lstm_s8 (the optimized one reads the int16 input directly as the GEMM's left matrix).
#include "kernels.h"

namespace ecg {
namespace nn {

void lstm_s16_s8(const LstmParams& p, const int16_t* in, const int8_t* wx, const int8_t* wh, const int16_t* wx16,
                 const int16_t* wh16, const int32_t* bias_q12, ChannelQuant qx, ChannelQuant qh, int8_t* out, void* scratch,
                 KernelPath path) {
  detail::lstm_run(p, nullptr, in, wx, wh, wx16, wh16, bias_q12, qx, qh, out, scratch, path, PackedQ4{});
}

}  // namespace nn
}  // namespace ecg
