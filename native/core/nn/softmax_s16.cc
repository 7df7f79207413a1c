// softmax_s16: class probabilities from int16 logits in fixed point. d = (q − q_max)·scale in Q12 (≤ 0),
// e = exp(d) in Q1.30 from the table, p = e / Σe in Q0.15 (rounded, at most 32767).
#include "kernels.h"
#include "quant.h"

namespace ecg {
namespace nn {

void softmax_s16(int C, const int16_t* logits, int32_t mult, int32_t shift, int16_t* out) {
  int32_t qmax = INT16_MIN;
  for (int c = 0; c < C; c++) if (logits[c] > qmax) qmax = logits[c];
  int64_t sum = 0;
  int32_t e[64];
  for (int c = 0; c < C; c++) {
    const int32_t d = requantize(static_cast<int32_t>(logits[c]) - qmax, mult, shift);
    e[c] = exp_neg_q12_q30(d < -65536 ? -65536 : d);
    sum += e[c];
  }
  for (int c = 0; c < C; c++) {
    const int64_t p = (static_cast<int64_t>(e[c]) * 32768 + sum / 2) / sum;
    out[c] = static_cast<int16_t>(p > 32767 ? 32767 : p);
  }
}

}  // namespace nn
}  // namespace ecg
