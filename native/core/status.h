// Status codes returned by every core entry point. The core never throws; callers map these to errors.
#pragma once

namespace ecg {

enum class Status : int {
  kOk = 0,
  kInvalidArgument = 1,   // a parameter is out of range or inconsistent
  kOutOfMemory = 2,       // a caller-provided buffer or arena is too small
  kBadFormat = 3,         // a model or data blob is malformed
  kUnsupported = 4,       // valid but not implemented (e.g. an op this build lacks)
  kInvalidState = 5,      // called in the wrong state (e.g. after close)
};

const char* status_message(Status s);

}  // namespace ecg
