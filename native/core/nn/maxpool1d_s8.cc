// maxpool1d_s8: max over each time window (only the valid samples of a padded window); quantization unchanged.
// The implementation, shared with maxpool1d_s16, is the template in maxpool1d.h (16 channels per packed max).
#include "maxpool1d.h"

namespace ecg {
namespace nn {

void maxpool1d_s8(const Pool1dParams& p, const int8_t* in, int8_t* out) { maxpool_impl::maxpool1d(p, in, out); }

}  // namespace nn
}  // namespace ecg
