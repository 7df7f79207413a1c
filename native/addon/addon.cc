// N-API entry point: registers each module's functions. Glue only; the work lives in native/core.
#include <napi.h>
#include "version.h"

namespace ecg_addon {
// Each module of the addon provides an Init* that adds its exports. Declare new ones here.
void InitPipeline(Napi::Env env, Napi::Object exports);  // pipeline_addon.cc (signal path)
void InitNn(Napi::Env env, Napi::Object exports);        // nn_addon.cc (int8 classifier)
}  // namespace ecg_addon

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, ecg::version_string()));
  ecg_addon::InitPipeline(env, exports);
  ecg_addon::InitNn(env, exports);
  return exports;
}

NODE_API_MODULE(ecg_edge, Init)
