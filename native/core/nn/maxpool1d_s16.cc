// maxpool1d_s16: maxpool1d_s8 on int16 activations (format 2.2: the 16-bit region of a model, e.g. the first
// convolutions' outputs); quantization unchanged. The implementation, shared with maxpool1d_s8, is the template
// in maxpool1d.h (8 channels per packed max).
#include "maxpool1d.h"

namespace ecg {
namespace nn {

void maxpool1d_s16(const Pool1dParams& p, const int16_t* in, int16_t* out) { maxpool_impl::maxpool1d(p, in, out); }

}  // namespace nn
}  // namespace ecg
