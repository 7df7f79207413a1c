#include "status.h"
#include "version.h"

namespace ecg {

const char* status_message(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kInvalidArgument: return "invalid argument";
    case Status::kOutOfMemory: return "buffer or arena too small";
    case Status::kBadFormat: return "malformed data";
    case Status::kUnsupported: return "unsupported";
    case Status::kInvalidState: return "invalid state";
  }
  return "unknown status";
}

const char* version_string() { return "0.1.0"; }

}  // namespace ecg
