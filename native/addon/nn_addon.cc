// N-API glue for the int8 classifier (native/core/nn). Arguments are validated and errors worded in TypeScript
// (src/nn/); this layer re-checks types and sizes and reports failures as return values, never throwing.
#include <napi.h>
#include <cstdio>
#include <new>
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
  spec.Set("arch", s.arch);
  o.Set("spec", spec);
  return o;
}

// nnClassify(handle, beats: Float32Array [n·length], rr: Float32Array [n·nRR], n, optimized: boolean,
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
  const size_t L = static_cast<size_t>(m->spec().length), R = static_cast<size_t>(m->spec().n_rr), C = static_cast<size_t>(m->n_classes());
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
}  // namespace

void InitNn(Napi::Env env, Napi::Object exports) {
  exports.Set("nnLoad", Napi::Function::New(env, NnLoad));
  exports.Set("nnClassify", Napi::Function::New(env, NnClassify));
  exports.Set("nnLogits", Napi::Function::New(env, NnLogits));
}

}  // namespace ecg_addon
