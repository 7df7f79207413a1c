// SHA-256 (FIPS 180-4), used to verify model files. One-shot, no heap.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ecg {
namespace nn {

void sha256(const uint8_t* data, size_t n, uint8_t out[32]);

}  // namespace nn
}  // namespace ecg
