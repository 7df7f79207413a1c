// ecg-edge core: version and status codes shared by every module. No Node, no exceptions, no heap.
#pragma once
#include <cstdint>

namespace ecg {

constexpr int kVersionMajor = 0;
constexpr int kVersionMinor = 1;
constexpr int kVersionPatch = 0;
const char* version_string();

}  // namespace ecg
