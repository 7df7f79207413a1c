// N-API glue for the signal path (native/core/dsp, detect, pipeline). Arguments are validated in TypeScript
// (src/pipeline/); this layer re-checks types and ranges and returns JS errors, never throws C++ exceptions.
#include <napi.h>
#include <cstring>
#include <vector>
#include "dsp/clean_f64.h"
#include "dsp/clean_q12.h"
#include "dsp/design.h"

namespace ecg_addon {

namespace {

Napi::Value ThrowType(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}
Napi::Value ThrowRange(Napi::Env env, const char* msg) {
  Napi::RangeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Copies an Int16Array or Int32Array into int32 samples. Returns false (and a JS error pending) otherwise.
bool ReadSamples(Napi::Env env, const Napi::Value& v, std::vector<int32_t>* out) {
  if (!v.IsTypedArray()) { ThrowType(env, "signal must be an Int16Array or Int32Array"); return false; }
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  const size_t n = ta.ElementLength();
  out->resize(n);
  if (ta.TypedArrayType() == napi_int16_array) {
    const int16_t* p = ta.As<Napi::Int16Array>().Data();
    for (size_t i = 0; i < n; ++i) (*out)[i] = p[i];
  } else if (ta.TypedArrayType() == napi_int32_array) {
    const int32_t* p = ta.As<Napi::Int32Array>().Data();
    std::memcpy(out->data(), p, n * sizeof(int32_t));
  } else {
    ThrowType(env, "signal must be an Int16Array or Int32Array");
    return false;
  }
  return true;
}

bool ReadRate(Napi::Env env, const Napi::CallbackInfo& info, int* fs, int* mains) {
  if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsNumber()) {
    ThrowType(env, "expected (signal, fs: number, mains: number)");
    return false;
  }
  const double f = info[1].As<Napi::Number>().DoubleValue();
  const double m = info[2].As<Napi::Number>().DoubleValue();
  if (!(f >= ecg::dsp::kMinFs && f <= ecg::dsp::kMaxFs) || f != static_cast<int>(f)) {
    ThrowRange(env, "fs must be an integer from 125 to 1000");
    return false;
  }
  if (m != 50 && m != 60) { ThrowRange(env, "mains must be 50 or 60"); return false; }
  *fs = static_cast<int>(f);
  *mains = static_cast<int>(m);
  return true;
}

// cleanSignal(signal, fs, mains) -> Float32Array: the fixed-point cleaning filter, delay-compensated, ADC units.
Napi::Value CleanSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int32_t> in;
  if (info.Length() < 1 || !ReadSamples(env, info[0], &in)) return env.Undefined();
  int fs = 0, mains = 0;
  if (!ReadRate(env, info, &fs, &mains)) return env.Undefined();
  std::vector<int32_t> q(in.size());
  if (ecg::dsp::clean_signal_q12(in.data(), in.size(), fs, mains, q.data()) != ecg::Status::kOk)
    return ThrowRange(env, "cleanSignal: invalid fs or mains");
  Napi::Float32Array out = Napi::Float32Array::New(env, in.size());
  const float scale = 1.0f / static_cast<float>(1 << ecg::dsp::kSampleShift);
  for (size_t i = 0; i < in.size(); ++i) out[i] = static_cast<float>(q[i]) * scale;
  return out;
}

// cleanSignalQ12(signal, fs, mains) -> Int32Array: raw Q12 output (for bit-exactness tests).
Napi::Value CleanSignalQ12(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int32_t> in;
  if (info.Length() < 1 || !ReadSamples(env, info[0], &in)) return env.Undefined();
  int fs = 0, mains = 0;
  if (!ReadRate(env, info, &fs, &mains)) return env.Undefined();
  Napi::Int32Array out = Napi::Int32Array::New(env, in.size());
  if (ecg::dsp::clean_signal_q12(in.data(), in.size(), fs, mains, out.Data()) != ecg::Status::kOk)
    return ThrowRange(env, "cleanSignalQ12: invalid fs or mains");
  return out;
}

// referenceClean(signal: Int16Array, fs, mains) -> Float64Array: the float64 reference of the same filter.
Napi::Value ReferenceClean(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array)
    return ThrowType(env, "referenceClean: signal must be an Int16Array");
  int fs = 0, mains = 0;
  if (!ReadRate(env, info, &fs, &mains)) return env.Undefined();
  Napi::Int16Array in = info[0].As<Napi::Int16Array>();
  Napi::Float64Array out = Napi::Float64Array::New(env, in.ElementLength());
  if (ecg::dsp::clean_signal_f64(in.Data(), in.ElementLength(), fs, mains, out.Data()) != ecg::Status::kOk)
    return ThrowRange(env, "referenceClean: invalid fs or mains");
  return out;
}

// filterDesign(fs, mains) -> { fs, mains, firTaps, base1, base2, firDelay, baseDelay, cleanDelay }
Napi::Value FilterDesignInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return ThrowType(env, "expected (fs, mains)");
  ecg::dsp::FilterDesign d;
  if (ecg::dsp::design_filters(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(), &d) !=
      ecg::Status::kOk)
    return ThrowRange(env, "fs must be an integer from 125 to 1000 and mains 50 or 60");
  Napi::Object o = Napi::Object::New(env);
  o.Set("fs", d.fs);
  o.Set("mains", d.mains);
  o.Set("firTaps", d.fir_taps);
  o.Set("base1", d.base1);
  o.Set("base2", d.base2);
  o.Set("firDelay", d.fir_delay);
  o.Set("baseDelay", d.base_delay);
  o.Set("cleanDelay", d.clean_delay);
  return o;
}

}  // namespace

void InitPipeline(Napi::Env env, Napi::Object exports) {
  exports.Set("cleanSignal", Napi::Function::New(env, CleanSignal, "cleanSignal"));
  exports.Set("cleanSignalQ12", Napi::Function::New(env, CleanSignalQ12, "cleanSignalQ12"));
  exports.Set("referenceClean", Napi::Function::New(env, ReferenceClean, "referenceClean"));
  exports.Set("filterDesign", Napi::Function::New(env, FilterDesignInfo, "filterDesign"));
}

}  // namespace ecg_addon
