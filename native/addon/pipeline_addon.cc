// N-API glue for the signal path (native/core/dsp, detect, pipeline). Arguments are validated in TypeScript
// (src/pipeline/); this layer re-checks types and ranges and returns JS errors, never throws C++ exceptions.
#include <napi.h>
#include <chrono>
#include <cstring>
#include <memory>
#include <new>
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
  void InitPipelineClass(Napi::Env env, Napi::Object exports);
  InitPipelineClass(env, exports);
}

}  // namespace ecg_addon

// ---------------------------------------------------------------------------------------------------------
// NativePipeline: the streaming pipeline object. new NativePipeline(fs, channels, mains, railLo, railHi, adcPerMv)
//   push(Int16Array | Int32Array) -> { filtered: Int32Array (Q12, interleaved), start, peaks: [...], quality: [...] }
//   flush() -> same shape;  reset();  close();  delay, detectorLag, channels, fs
#include "pipeline/pipeline.h"

namespace ecg_addon {
namespace {

class NativePipeline : public Napi::ObjectWrap<NativePipeline> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativePipeline",
                       {InstanceMethod("push", &NativePipeline::Push), InstanceMethod("flush", &NativePipeline::Flush),
                        InstanceMethod("reset", &NativePipeline::Reset), InstanceMethod("close", &NativePipeline::Close),
                        InstanceMethod("info", &NativePipeline::Info),
                        InstanceMethod("configure", &NativePipeline::Configure)});
  }

  // Reads (fs, channels, mains, railLo, railHi, adcPerMv); false with a JS error pending when malformed.
  static bool ReadConfig(const Napi::CallbackInfo& info, ecg::pipeline::Config* cfg) {
    for (size_t i = 0; i < 6; ++i) {
      if (info.Length() <= i || !info[i].IsNumber()) {
        Napi::TypeError::New(info.Env(), "(fs, channels, mains, railLo, railHi, adcPerMv): numbers expected")
            .ThrowAsJavaScriptException();
        return false;
      }
    }
    cfg->fs = info[0].As<Napi::Number>().Int32Value();
    cfg->channels = info[1].As<Napi::Number>().Int32Value();
    cfg->mains = info[2].As<Napi::Number>().Int32Value();
    cfg->rail_lo = info[3].As<Napi::Number>().Int32Value();
    cfg->rail_hi = info[4].As<Napi::Number>().Int32Value();
    cfg->adc_per_mv = info[5].As<Napi::Number>().Int32Value();
    return true;
  }

  explicit NativePipeline(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativePipeline>(info) {
    Napi::Env env = info.Env();
    ecg::pipeline::Config cfg;
    if (!ReadConfig(info, &cfg)) return;
    p_ = new (std::nothrow) ecg::pipeline::Pipeline();
    if (!p_) {
      Napi::Error::New(env, "NativePipeline: out of memory").ThrowAsJavaScriptException();
      return;
    }
    if (p_->configure(cfg) != ecg::Status::kOk) {
      delete p_;
      p_ = nullptr;
      Napi::RangeError::New(env, "NativePipeline: invalid configuration (fs 125..1000, channels 1..8, mains 50|60)")
          .ThrowAsJavaScriptException();
    }
  }
  ~NativePipeline() override { delete p_; }

 private:
  bool Alive(Napi::Env env) {
    if (p_) return true;
    Napi::TypeError::New(env, "Pipeline is closed: create a new Pipeline").ThrowAsJavaScriptException();
    return false;
  }

  Napi::Object Collect(Napi::Env env, Napi::Int32Array filtered, int64_t start) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("filtered", filtered);
    r.Set("start", Napi::Number::New(env, static_cast<double>(start)));
    Napi::Array peaks = Napi::Array::New(env, peaks_.size());
    for (size_t i = 0; i < peaks_.size(); ++i) {
      const auto& e = peaks_[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("sample", Napi::Number::New(env, static_cast<double>(e.sample)));
      o.Set("channel", Napi::Number::New(env, e.channel));
      o.Set("amplitude", Napi::Number::New(env, e.amplitude_q4 / 16.0));
      o.Set("quality", Napi::Number::New(env, e.quality));
      o.Set("emitted", Napi::Number::New(env, static_cast<double>(e.emitted)));
      o.Set("searchback", Napi::Boolean::New(env, e.searchback != 0));
      peaks.Set(static_cast<uint32_t>(i), o);
    }
    r.Set("peaks", peaks);
    Napi::Array q = Napi::Array::New(env, quality_.size());
    for (size_t i = 0; i < quality_.size(); ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("second", Napi::Number::New(env, static_cast<double>(quality_[i].second)));
      o.Set("channel", Napi::Number::New(env, quality_[i].channel));
      o.Set("flags", Napi::Number::New(env, quality_[i].flags));
      q.Set(static_cast<uint32_t>(i), o);
    }
    r.Set("quality", q);
    r.Set("dropped", Napi::Number::New(env, static_cast<double>(p_ ? p_->peaks_dropped() : 0)));
    peaks_.clear();
    quality_.clear();
    return r;
  }

  void Drain() {
    ecg::pipeline::PeakEvent pe[256];
    size_t n;
    while ((n = p_->take_peaks(pe, 256)) > 0) peaks_.insert(peaks_.end(), pe, pe + n);
    ecg::pipeline::QualityEvent qe[256];
    while ((n = p_->take_quality(qe, 256)) > 0) quality_.insert(quality_.end(), qe, qe + n);
  }

  Napi::Value Push(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsTypedArray()) return ThrowType(env, "push: block must be an Int16Array or Int32Array");
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    const napi_typedarray_type type = ta.TypedArrayType();
    if (type != napi_int16_array && type != napi_int32_array)
      return ThrowType(env, "push: block must be an Int16Array or Int32Array");
    const size_t C = static_cast<size_t>(p_->config().channels);
    const size_t len = ta.ElementLength();
    if (len % C != 0) return ThrowRange(env, "push: block length must be a multiple of the channel count");
    const size_t frames = len / C;
    const int64_t start = p_->frames_in() - p_->delay() < 0 ? 0 : p_->frames_in() - p_->delay();
    // Output written straight into the result's buffer (at most one output frame per input frame).
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, len * sizeof(int32_t));
    int32_t* out = static_cast<int32_t*>(buf.Data());
    const int16_t* in16 = type == napi_int16_array ? ta.As<Napi::Int16Array>().Data() : nullptr;
    const int32_t* in32 = type == napi_int32_array ? ta.As<Napi::Int32Array>().Data() : nullptr;
    int32_t tmp[ecg::dsp::kMaxFs * ecg::pipeline::kMaxChannels];
    size_t done = 0, total_out = 0;
    const size_t chunk = p_->max_frames_per_push();
    while (done < frames) {
      const size_t n = frames - done < chunk ? frames - done : chunk;
      const int32_t* src = in32 ? in32 + done * C : tmp;
      if (in16) for (size_t i = 0; i < n * C; ++i) tmp[i] = in16[done * C + i];
      size_t nout = 0;
      if (p_->push(src, n, out + total_out * C, &nout) != ecg::Status::kOk)
        return ThrowRange(env, "push: rejected by the pipeline");
      total_out += nout;
      done += n;
      Drain();
    }
    return Collect(env, Napi::Int32Array::New(env, total_out * C, buf, 0), start);
  }

  Napi::Value Flush(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    const size_t C = static_cast<size_t>(p_->config().channels);
    const int64_t start = p_->frames_in() - p_->delay() < 0 ? 0 : p_->frames_in() - p_->delay();
    std::vector<int32_t> out(static_cast<size_t>(p_->delay()) * C + C);
    size_t nout = 0;
    if (p_->flush(out.data(), static_cast<size_t>(p_->delay()) + 1, &nout) != ecg::Status::kOk)
      return ThrowRange(env, "flush: rejected by the pipeline");
    Drain();
    Napi::Int32Array f = Napi::Int32Array::New(env, nout * C);
    if (nout) std::memcpy(f.Data(), out.data(), nout * C * sizeof(int32_t));
    return Collect(env, f, start);
  }

  // configure(fs, channels, mains, railLo, railHi, adcPerMv): new configuration, state reset. On a bad
  // configuration the previous one is kept.
  Napi::Value Configure(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    ecg::pipeline::Config cfg;
    if (!ReadConfig(info, &cfg)) return env.Undefined();
    const ecg::pipeline::Config old = p_->config();
    if (p_->configure(cfg) != ecg::Status::kOk) {
      p_->configure(old);
      return ThrowRange(env, "configure: invalid configuration (fs 125..1000, channels 1..8, mains 50|60)");
    }
    peaks_.clear();
    quality_.clear();
    return env.Undefined();
  }

  Napi::Value Reset(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    p_->reset();
    peaks_.clear();
    quality_.clear();
    return env.Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    delete p_;
    p_ = nullptr;
    return info.Env().Undefined();
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Alive(env)) return env.Undefined();
    Napi::Object o = Napi::Object::New(env);
    o.Set("delay", p_->delay());
    o.Set("detectorLag", p_->detector_lag());
    o.Set("flushFrames", Napi::Number::New(env, static_cast<double>(p_->flush_frames())));
    o.Set("framesIn", Napi::Number::New(env, static_cast<double>(p_->frames_in())));
    return o;
  }

  ecg::pipeline::Pipeline* p_ = nullptr;
  std::vector<ecg::pipeline::PeakEvent> peaks_;
  std::vector<ecg::pipeline::QualityEvent> quality_;
};

}  // namespace

// benchCore(signal: Int16Array, fs) -> { seconds, peaks }: runs the core pipeline (filter + detector + quality)
// over one signal in 1-second pushes, timed inside C++ (no JS work inside the timed loop). For src/bench.
Napi::Value BenchCore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array ||
      !info[1].IsNumber())
    return ThrowType(env, "benchCore(signal: Int16Array, fs: number)");
  Napi::Int16Array sig = info[0].As<Napi::Int16Array>();
  ecg::pipeline::Config cfg;
  cfg.fs = info[1].As<Napi::Number>().Int32Value();
  std::unique_ptr<ecg::pipeline::Pipeline> p(new (std::nothrow) ecg::pipeline::Pipeline());
  if (!p) return ThrowRange(env, "benchCore: out of memory");
  if (p->configure(cfg) != ecg::Status::kOk) return ThrowRange(env, "benchCore: fs must be an integer from 125 to 1000");
  const size_t n = sig.ElementLength();
  std::vector<int32_t> in(n), out(n + 1000);
  for (size_t i = 0; i < n; ++i) in[i] = sig[i];
  ecg::pipeline::PeakEvent ev[256];
  size_t peaks = 0;
  const auto t0 = std::chrono::steady_clock::now();
  size_t off = 0;
  for (size_t i = 0; i < n; i += static_cast<size_t>(cfg.fs)) {
    const size_t m = n - i < static_cast<size_t>(cfg.fs) ? n - i : static_cast<size_t>(cfg.fs);
    size_t nout = 0;
    p->push(in.data() + i, m, out.data() + off, &nout);
    off += nout;
    size_t k;
    while ((k = p->take_peaks(ev, 256)) > 0) peaks += k;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Napi::Object r = Napi::Object::New(env);
  r.Set("seconds", secs);
  r.Set("peaks", static_cast<double>(peaks));
  return r;
}

void InitPipelineClass(Napi::Env env, Napi::Object exports) {
  exports.Set("NativePipeline", NativePipeline::Define(env));
  exports.Set("benchCore", Napi::Function::New(env, BenchCore, "benchCore"));
}

}  // namespace ecg_addon
