// N-API glue for the int8 classifier (native/core/nn). Arguments are validated and errors worded in TypeScript
// (src/nn/); this layer re-checks types and sizes and reports failures as return values, never throwing.
#include <napi.h>
#include <cstdio>
#include <new>
#include <vector>
#include "classify/beat_stream.h"
#include "nn/model.h"

namespace ecg_addon {

namespace {
using ecg::nn::Model;

Napi::Object Fail(Napi::Env env, int status, const char* msg) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ok", false);
  o.Set("status", status);
  o.Set("message", msg);
  return o;
}

Model* GetModel(const Napi::Value& v) {
  if (!v.IsExternal()) return nullptr;
  Model* m = v.As<Napi::External<Model>>().Data();
  return (m && m->loaded()) ? m : nullptr;
}

// nnLoad(bytes: Uint8Array) -> { ok: true, handle, info... } | { ok: false, status, message }
Napi::Value NnLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    return Fail(env, static_cast<int>(ecg::Status::kInvalidArgument), "expected a Uint8Array");
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  Model* m = new (std::nothrow) Model();
  if (!m) return Fail(env, static_cast<int>(ecg::Status::kOutOfMemory), "out of memory");
  const ecg::Status st = m->load(bytes.Data(), bytes.ElementLength());
  if (st != ecg::Status::kOk) {
    Napi::Object o = Fail(env, static_cast<int>(st), m->error());
    delete m;
    return o;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("ok", true);
  o.Set("handle", Napi::External<Model>::New(env, m, [](Napi::Env, Model* p) { delete p; }));
  o.Set("arenaBytes", static_cast<double>(m->arena_bytes()));
  o.Set("persistentBytes", static_cast<double>(m->persistent_bytes()));
  o.Set("activationBytes", static_cast<double>(m->activation_bytes()));
  o.Set("scratchBytes", static_cast<double>(m->scratch_bytes()));
  o.Set("ops", static_cast<double>(m->ops().size()));
  o.Set("tensors", static_cast<double>(m->tensors().size()));
  Napi::Array classes = Napi::Array::New(env, m->n_classes());
  for (int i = 0; i < m->n_classes(); i++) classes.Set(i, m->class_name(i));
  o.Set("classes", classes);
  char hex[65];
  for (int i = 0; i < 32; i++) std::snprintf(hex + 2 * i, 3, "%02x", m->digest()[i]);
  o.Set("sha256", hex);
  const ecg::nn::InputSpec& s = m->spec();
  Napi::Object spec = Napi::Object::New(env);
  spec.Set("fs", s.fs);
  spec.Set("fsModel", s.fs_model);
  spec.Set("decimation", s.decimation);
  spec.Set("before", s.before);
  spec.Set("after", s.after);
  spec.Set("length", s.length);
  spec.Set("filter", static_cast<int>(s.filter));
  spec.Set("mains", s.mains);
  spec.Set("normalization", static_cast<int>(s.normalization));
  spec.Set("normEps", s.norm_eps);
  Napi::Array rr = Napi::Array::New(env, s.n_rr);
  for (int i = 0; i < s.n_rr; i++) rr.Set(i, static_cast<int>(s.rr_features[i]));
  spec.Set("rrFeatures", rr);
  spec.Set("rrRecordWindow", s.rr_record_window);
  spec.Set("rrLocalWindow", s.rr_local_window);
  spec.Set("rrClampMin", s.rr_clamp_min);
  spec.Set("rrClampMax", s.rr_clamp_max);
  Napi::Array ch = Napi::Array::New(env, s.n_channels);
  for (int i = 0; i < s.n_channels; i++) ch.Set(i, static_cast<int>(s.channels[i]));
  spec.Set("channels", ch);
  spec.Set("templateWindow", s.template_window);
  spec.Set("arch", s.arch);
  o.Set("spec", spec);
  return o;
}

// nnClassify(handle, beats: Float32Array [n·length·channels], rr: Float32Array [n·nRR], n, optimized: boolean,
//            labels: Int32Array [n], probs: Float32Array [n·classes]) -> status (0 ok)
Napi::Value NnClassify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int bad = static_cast<int>(ecg::Status::kInvalidArgument);
  if (info.Length() < 7) return Napi::Number::New(env, bad);
  Model* m = GetModel(info[0]);
  if (!m) return Napi::Number::New(env, static_cast<int>(ecg::Status::kInvalidState));
  auto is = [&](int i, napi_typedarray_type t) { return info[i].IsTypedArray() && info[i].As<Napi::TypedArray>().TypedArrayType() == t; };
  if (!is(1, napi_float32_array) || !is(2, napi_float32_array) || !info[3].IsNumber() || !info[4].IsBoolean() || !is(5, napi_int32_array) ||
      !is(6, napi_float32_array))
    return Napi::Number::New(env, bad);
  const double nd = info[3].As<Napi::Number>().DoubleValue();
  if (!(nd >= 0 && nd <= 1e9)) return Napi::Number::New(env, bad);
  const size_t n = static_cast<size_t>(nd);
  const size_t L = static_cast<size_t>(m->spec().length) * static_cast<size_t>(m->spec().n_channels), R = static_cast<size_t>(m->spec().n_rr), C = static_cast<size_t>(m->n_classes());
  Napi::Float32Array beats = info[1].As<Napi::Float32Array>(), rr = info[2].As<Napi::Float32Array>(), probs = info[6].As<Napi::Float32Array>();
  Napi::Int32Array labels = info[5].As<Napi::Int32Array>();
  if (beats.ElementLength() < n * L || rr.ElementLength() < n * R || labels.ElementLength() < n || probs.ElementLength() < n * C)
    return Napi::Number::New(env, bad);
  const ecg::nn::KernelPath path = info[4].As<Napi::Boolean>().Value() ? ecg::nn::KernelPath::kOptimized : ecg::nn::KernelPath::kReference;
  for (size_t i = 0; i < n; i++) {
    int label = 0;
    const ecg::Status st = m->classify(beats.Data() + i * L, rr.Data() + i * R, probs.Data() + i * C, &label, path);
    if (st != ecg::Status::kOk) return Napi::Number::New(env, static_cast<int>(st));
    labels[i] = label;
  }
  return Napi::Number::New(env, 0);
}

// nnLogits(handle) -> Int16Array copy of the last beat's int16 logits (for tests and diagnostics).
Napi::Value NnLogits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Model* m = info.Length() > 0 ? GetModel(info[0]) : nullptr;
  if (!m) return env.Null();
  Napi::Int16Array out = Napi::Int16Array::New(env, static_cast<size_t>(m->n_classes()));
  for (int i = 0; i < m->n_classes(); i++) out[i] = m->logits()[i];
  return out;
}
struct StreamBox {
  ecg::classify::BeatStream stream;
  Napi::Reference<Napi::External<Model>> model;  // keeps the model alive while the stream exists
  ecg::classify::LabelledBeat out[256];
};

// nnStreamCreate(modelHandle, detectorLatency) -> handle | { ok: false, status }
Napi::Value NnStreamCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Model* m = info.Length() > 0 ? GetModel(info[0]) : nullptr;
  if (!m) return Fail(env, static_cast<int>(ecg::Status::kInvalidState), "model is not loaded");
  if (info.Length() < 2 || !info[1].IsNumber()) return Fail(env, static_cast<int>(ecg::Status::kInvalidArgument), "expected (model, detectorLatency)");
  StreamBox* box = new (std::nothrow) StreamBox();
  if (!box) return Fail(env, static_cast<int>(ecg::Status::kOutOfMemory), "out of memory");
  const ecg::Status st = box->stream.init(m, info[1].As<Napi::Number>().Int32Value());
  if (st != ecg::Status::kOk) {
    delete box;
    return Fail(env, static_cast<int>(st), "the model's input spec does not fit the streaming beat extractor");
  }
  box->model = Napi::Persistent(info[0].As<Napi::External<Model>>());
  return Napi::External<StreamBox>::New(env, box, [](Napi::Env, StreamBox* b) { delete b; });
}

// nnStreamPush(stream, q12: Int32Array, start: number, peaks: Float64Array, optimized: boolean, flush: boolean)
//   -> { status, sample, emitted, label, probs, rr [nb·nRR] }
Napi::Value NnStreamPush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsExternal() || !info[1].IsTypedArray() || !info[2].IsNumber() || !info[3].IsTypedArray() ||
      !info[4].IsBoolean() || !info[5].IsBoolean())
    return Fail(env, static_cast<int>(ecg::Status::kInvalidArgument), "bad arguments");
  StreamBox* box = info[0].As<Napi::External<StreamBox>>().Data();
  Model* m = box ? GetModel(box->model.Value()) : nullptr;
  if (!m || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    return Fail(env, static_cast<int>(ecg::Status::kInvalidArgument), "bad arguments");
  Napi::Int32Array q = info[1].As<Napi::Int32Array>();
  Napi::Float64Array peaks = info[3].As<Napi::Float64Array>();
  const ecg::nn::KernelPath path = info[4].As<Napi::Boolean>().Value() ? ecg::nn::KernelPath::kOptimized : ecg::nn::KernelPath::kReference;
  const int C = m->n_classes();
  const int R = m->spec().n_rr;
  // Peaks first (they refer to samples already pushed or about to be), then samples, classifying as we go so
  // that the pending queue and the ring never overflow on large blocks.
  ecg::Status st = ecg::Status::kOk;
  size_t pk = 0;
  const size_t np = peaks.ElementLength();
  std::vector<ecg::classify::LabelledBeat> all;
  const size_t n = q.ElementLength();
  const int64_t start = static_cast<int64_t>(info[2].As<Napi::Number>().DoubleValue());
  const size_t chunk = 1024;
  for (size_t off = 0; off < n && st == ecg::Status::kOk; off += chunk) {
    const int len = static_cast<int>(n - off < chunk ? n - off : chunk);
    const int64_t end = start + static_cast<int64_t>(off) + len;
    for (; pk < np && st == ecg::Status::kOk && static_cast<int64_t>(peaks[pk]) < end; pk++) st = box->stream.push_peak(static_cast<int64_t>(peaks[pk]));
    if (st == ecg::Status::kOk) st = box->stream.push_filtered(q.Data() + off, len, start + static_cast<int64_t>(off));
    for (int k; (k = box->stream.poll(box->out, 256, path)) > 0;) all.insert(all.end(), box->out, box->out + k);
  }
  for (; pk < np && st == ecg::Status::kOk; pk++) st = box->stream.push_peak(static_cast<int64_t>(peaks[pk]));
  if (st == ecg::Status::kOk) for (int k; (k = box->stream.poll(box->out, 256, path)) > 0;) all.insert(all.end(), box->out, box->out + k);
  if (info[5].As<Napi::Boolean>().Value()) for (int k; (k = box->stream.flush(box->out, 256, path)) > 0;) all.insert(all.end(), box->out, box->out + k);
  // Return every labelled beat of this call.
  Napi::Object o = Napi::Object::New(env);
  const size_t nb = all.size();
  Napi::Float64Array sample = Napi::Float64Array::New(env, nb), emitted = Napi::Float64Array::New(env, nb);
  Napi::Int32Array label = Napi::Int32Array::New(env, nb);
  Napi::Float32Array probs = Napi::Float32Array::New(env, nb * C), rr = Napi::Float32Array::New(env, nb * R);
  for (size_t i = 0; i < nb; i++) {
    sample[i] = static_cast<double>(all[i].sample);
    emitted[i] = static_cast<double>(all[i].emitted_at);
    label[i] = all[i].label;
    for (int c = 0; c < C; c++) probs[i * C + c] = all[i].probs[c];
    for (int k = 0; k < R; k++) rr[i * R + k] = all[i].rr[k];
  }
  o.Set("status", static_cast<int>(st));
  o.Set("sample", sample);
  o.Set("emitted", emitted);
  o.Set("label", label);
  o.Set("probs", probs);
  o.Set("rr", rr);
  return o;
}

// nnStreamReset(stream) -> status: the beat stream starts again (RR averages, irregularity, beat template).
Napi::Value NnStreamReset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsExternal()) return Napi::Number::New(env, static_cast<int>(ecg::Status::kInvalidArgument));
  StreamBox* box = info[0].As<Napi::External<StreamBox>>().Data();
  if (!box) return Napi::Number::New(env, static_cast<int>(ecg::Status::kInvalidState));
  box->stream.reset();
  return Napi::Number::New(env, 0);
}
}  // namespace

void InitNn(Napi::Env env, Napi::Object exports) {
  exports.Set("nnLoad", Napi::Function::New(env, NnLoad));
  exports.Set("nnClassify", Napi::Function::New(env, NnClassify));
  exports.Set("nnLogits", Napi::Function::New(env, NnLogits));
  exports.Set("nnStreamCreate", Napi::Function::New(env, NnStreamCreate));
  exports.Set("nnStreamPush", Napi::Function::New(env, NnStreamPush));
  exports.Set("nnStreamReset", Napi::Function::New(env, NnStreamReset));
}

}  // namespace ecg_addon
