// Model file reader, validator, arena planner and interpreter. See docs/MODEL_FORMAT.md for the layout.
#include "model.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>

#include "quant.h"
#include "sha256.h"

namespace ecg {
namespace nn {
namespace {

inline uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t rd32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}
inline int32_t rdi32(const uint8_t* p) {
  const uint32_t u = rd32(p);
  int32_t v;
  std::memcpy(&v, &u, 4);
  return v;
}
inline float rdf32(const uint8_t* p) {
  const uint32_t u = rd32(p);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline size_t dtype_size(DType d) { return d == DType::kInt8 ? 1 : d == DType::kInt16 ? 2 : 4; }
inline const char* dtype_name(DType d) { return d == DType::kInt8 ? "int8" : d == DType::kInt16 ? "int16" : "int32"; }
inline size_t align16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }

const char* op_name(OpCode c) {
  switch (c) {
    case OpCode::kConv1d: return "conv1d";
    case OpCode::kDense: return "dense";
    case OpCode::kMaxPool1d: return "maxpool1d";
    case OpCode::kAvgPool1d: return "avgpool1d";
    case OpCode::kGlobalAvgPool1d: return "global_avgpool1d";
    case OpCode::kLstm: return "lstm";
    case OpCode::kAttention: return "attention";
    case OpCode::kAdd: return "add";
    case OpCode::kConcat: return "concat";
    case OpCode::kSoftmax: return "softmax";
    case OpCode::kClamp: return "clamp";
    case OpCode::kReshape: return "reshape";
    case OpCode::kDense2: return "dense2";
  }
  return "?";
}

bool valid_requant(int32_t mult, int32_t shift) { return mult >= 0 && shift >= kMinShift && shift <= kMaxShift; }

bool host_is_little_endian() {
  const uint16_t x = 1;
  uint8_t b;
  std::memcpy(&b, &x, 1);
  return b == 1;
}
}  // namespace

Status Model::fail(Status s, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(err_, sizeof err_, fmt, ap);
  va_end(ap);
  loaded_ = false;
  return s;
}

Status Model::parse_spec(const uint8_t* p, size_t n) {
  if (n != kSpecBytes && !(n == kSpecExtBytes && minor_ >= 1)) {
    return fail(Status::kBadFormat, "input spec section has %zu bytes, expected %zu (or %zu from format 2.1 on)", n, kSpecBytes, kSpecExtBytes);
  }
  InputSpec s;
  s.fs = rdf32(p);
  s.fs_model = rdf32(p + 4);
  s.decimation = rd16(p + 8);
  s.before = rd16(p + 10);
  s.after = rd16(p + 12);
  s.length = rd16(p + 14);
  s.filter = static_cast<FilterKind>(p[16]);
  s.mains = p[17];
  s.normalization = static_cast<NormKind>(p[18]);
  s.n_rr = p[19];
  s.norm_eps = rdf32(p + 20);
  std::memcpy(s.rr_features, p + 24, 8);
  s.rr_record_window = rd16(p + 32);
  s.rr_local_window = rd16(p + 34);
  s.rr_clamp_min = rdf32(p + 36);
  s.rr_clamp_max = rdf32(p + 40);
  std::memcpy(s.arch, p + 44, 20);
  s.arch[20] = 0;
  if (!(std::isfinite(s.fs) && s.fs >= 50 && s.fs <= 4000)) return fail(Status::kBadFormat, "input spec: sampling rate %g Hz is outside 50..4000", static_cast<double>(s.fs));
  if (s.decimation < 1 || s.decimation > 16) return fail(Status::kBadFormat, "input spec: decimation %d is outside 1..16", s.decimation);
  if (!(std::fabs(s.fs_model * s.decimation - s.fs) < 1e-3f * s.fs)) return fail(Status::kBadFormat, "input spec: model rate %g Hz is not fs / decimation", static_cast<double>(s.fs_model));
  if (s.length < 8 || s.length != s.before + s.after || s.after < 1) return fail(Status::kBadFormat, "input spec: window before %d + after %d must equal length %d (>= 8)", s.before, s.after, s.length);
  if (s.filter != FilterKind::kNone && s.filter != FilterKind::kEcgClean) return fail(Status::kBadFormat, "input spec: unknown filter kind %d", static_cast<int>(p[16]));
  if (s.filter == FilterKind::kEcgClean && s.mains != 50 && s.mains != 60) return fail(Status::kBadFormat, "input spec: mains must be 50 or 60 Hz, got %d", s.mains);
  if (s.normalization != NormKind::kNone && s.normalization != NormKind::kZscorePerBeat) return fail(Status::kBadFormat, "input spec: unknown normalization kind %d", static_cast<int>(p[18]));
  if (!(std::isfinite(s.norm_eps) && s.norm_eps >= 0)) return fail(Status::kBadFormat, "input spec: normalization eps must be finite and >= 0");
  if (s.n_rr < 1 || s.n_rr > 8) return fail(Status::kBadFormat, "input spec: %d RR features, expected 1..8", s.n_rr);
  for (int i = 0; i < s.n_rr; i++) {
    if (s.rr_features[i] < 1 || s.rr_features[i] > kMaxRRCode) {
      return fail(Status::kBadFormat, "input spec: RR feature %d has unknown code %d (this build knows 1..%d; update ecg-edge)", i, s.rr_features[i], kMaxRRCode);
    }
  }
  if (n == kSpecExtBytes) {  // 2.1 extension: beat channels and the running-template window
    s.n_channels = p[64];
    std::memcpy(s.channels, p + 65, kMaxBeatChannels);
    s.template_window = rd16(p + 72);
    if (s.n_channels < 1 || s.n_channels > kMaxBeatChannels) return fail(Status::kBadFormat, "input spec: %d beat channels, expected 1..%d", s.n_channels, kMaxBeatChannels);
    bool has_template = false;
    for (int i = 0; i < kMaxBeatChannels; i++) {
      const int c = s.channels[i];
      if (i >= s.n_channels) {
        if (c != 0) return fail(Status::kBadFormat, "input spec: unused beat channel slot %d must be 0", i);
        continue;
      }
      if (c != static_cast<int>(BeatChannel::kBeat) && c != static_cast<int>(BeatChannel::kBeatTemplate)) {
        return fail(Status::kBadFormat, "input spec: beat channel %d has unknown code %d (this build knows 1 beat, 2 beat-template; update ecg-edge)", i, c);
      }
      for (int j = 0; j < i; j++) if (s.channels[j] == c) return fail(Status::kBadFormat, "input spec: beat channel code %d appears twice", c);
      has_template = has_template || c == static_cast<int>(BeatChannel::kBeatTemplate);
    }
    if (has_template && s.template_window < 1) return fail(Status::kBadFormat, "input spec: a beat-template channel needs a template window >= 1 beat");
    if (!has_template && s.template_window != 0) return fail(Status::kBadFormat, "input spec: template window %d without a beat-template channel", s.template_window);
    for (size_t i = 69; i < kSpecExtBytes; i++) {
      if (i != 72 && i != 73 && p[i] != 0) return fail(Status::kBadFormat, "input spec: reserved byte %zu is not 0", i);
    }
  }
  if (s.rr_record_window < 1 || s.rr_local_window < 1) return fail(Status::kBadFormat, "input spec: RR averaging windows must be >= 1 beat");
  if (!(std::isfinite(s.rr_clamp_min) && std::isfinite(s.rr_clamp_max) && s.rr_clamp_min > 0 && s.rr_clamp_max > s.rr_clamp_min)) {
    return fail(Status::kBadFormat, "input spec: RR clamp range [%g, %g] s is invalid", static_cast<double>(s.rr_clamp_min), static_cast<double>(s.rr_clamp_max));
  }
  spec_ = s;
  return Status::kOk;
}

Status Model::parse_classes(const uint8_t* p, size_t n) {
  if (n < 1) return fail(Status::kBadFormat, "class map section is empty");
  const int k = p[0];
  if (k < 2 || k > 16) return fail(Status::kBadFormat, "class map has %d classes, expected 2..16", k);
  size_t off = 1;
  for (int i = 0; i < k; i++) {
    if (off >= n) return fail(Status::kBadFormat, "class map is truncated at class %d", i);
    const size_t len = p[off++];
    if (len < 1 || len > 15 || off + len > n) return fail(Status::kBadFormat, "class map: name %d has a bad length %zu", i, len);
    for (size_t j = 0; j < len; j++) {
      const uint8_t c = p[off + j];
      if (c < 0x21 || c > 0x7e) return fail(Status::kBadFormat, "class map: name %d is not printable ASCII", i);
      class_names_[i][j] = static_cast<char>(c);
    }
    class_names_[i][len] = 0;
    off += len;
  }
  if (off != n) return fail(Status::kBadFormat, "class map section has %zu trailing bytes", n - off);
  n_classes_ = k;
  return Status::kOk;
}

Status Model::parse_tensor(int i, const uint8_t* r, const uint8_t* data, size_t data_size) {
  Tensor t;
  const uint8_t dt = r[0], kind = r[1], rank = r[2];
  if (dt < 1 || dt > 3) return fail(Status::kBadFormat, "tensor %d: unknown dtype code %d (1 int8, 2 int16, 3 int32)", i, dt);
  if (kind > 1) return fail(Status::kBadFormat, "tensor %d: unknown kind %d (0 activation, 1 constant)", i, kind);
  if (rank < 1 || rank > 4) return fail(Status::kBadFormat, "tensor %d: rank %d is outside 1..4", i, rank);
  if (r[3] != 0 || rd32(r + 36) != 0) return fail(Status::kBadFormat, "tensor %d: reserved bytes are not zero", i);
  t.dtype = static_cast<DType>(dt);
  t.is_const = kind == 1;
  t.rank = rank;
  size_t count = 1;
  for (int d = 0; d < 4; d++) {
    const uint32_t v = rd32(r + 4 + 4 * d);
    if (d < rank) {
      if (v < 1 || v > (1u << 20)) return fail(Status::kBadFormat, "tensor %d: dimension %d is %u, expected 1..1048576", i, d, v);
      count *= v;
      if (count > (1u << 24)) return fail(Status::kBadFormat, "tensor %d: more than 16777216 elements", i);
    } else if (v != 0) {
      return fail(Status::kBadFormat, "tensor %d: dimension %d beyond rank %d must be 0", i, d, rank);
    }
    t.dims[d] = d < rank ? static_cast<int32_t>(v) : 0;
  }
  t.count = count;
  t.bytes = count * dtype_size(t.dtype);
  t.scale = rdf32(r + 20);
  t.zero_point = rdi32(r + 24);
  const uint32_t off = rd32(r + 28), size = rd32(r + 32);
  if (t.is_const) {
    if (off % 16 != 0) return fail(Status::kBadFormat, "tensor %d: data offset %u is not 16-byte aligned", i, off);
    if (size != t.bytes) return fail(Status::kBadFormat, "tensor %d: data has %u bytes but its shape needs %zu", i, size, t.bytes);
    if (off > data_size || size > data_size - off) return fail(Status::kBadFormat, "tensor %d: data [%u, +%u) lies outside the data section (%zu bytes)", i, off, size, data_size);
    t.data = data + off;
  } else {
    if (off != 0 || size != 0) return fail(Status::kBadFormat, "tensor %d: an activation must have no data (offset and size 0)", i);
    if (!(std::isfinite(t.scale) && t.scale > 0)) return fail(Status::kBadFormat, "tensor %d: activation scale %g must be finite and > 0", i, static_cast<double>(t.scale));
    const int32_t lo = t.dtype == DType::kInt8 ? -128 : t.dtype == DType::kInt16 ? -32768 : INT32_MIN;
    const int32_t hi = t.dtype == DType::kInt8 ? 127 : t.dtype == DType::kInt16 ? 32767 : INT32_MAX;
    if (t.zero_point < lo || t.zero_point > hi) return fail(Status::kBadFormat, "tensor %d: zero point %d is outside the %s range", i, t.zero_point, dtype_name(t.dtype));
    if (t.dtype == DType::kInt32) return fail(Status::kBadFormat, "tensor %d: int32 activations are not supported", i);
  }
  tensors_[i] = t;
  return Status::kOk;
}

Status Model::parse_op(int i, const uint8_t* r) {
  Op op;
  const uint16_t code = rd16(r);
  if (code < 1 || code > 13) return fail(Status::kBadFormat, "op %d: unknown op code %u", i, code);
  op.code = static_cast<OpCode>(code);
  op.n = rd16(r + 2);
  if (op.n < 2 || op.n > kMaxOpTensors) return fail(Status::kBadFormat, "op %d (%s): %d tensors, expected 2..%d", i, op_name(op.code), op.n, kMaxOpTensors);
  for (int k = 0; k < kMaxOpTensors; k++) {
    const uint16_t id = rd16(r + 4 + 2 * k);
    if (k < op.n) {
      if (id >= tensors_.size()) return fail(Status::kBadFormat, "op %d (%s): tensor slot %d refers to tensor %u, but the model has %zu", i, op_name(op.code), k, id, tensors_.size());
    } else if (id != kNoTensor) {
      return fail(Status::kBadFormat, "op %d (%s): unused tensor slot %d must be 0xFFFF", i, op_name(op.code), k);
    }
    op.t[k] = id;
  }
  for (int k = 0; k < kMaxOpParams; k++) op.p[k] = rdi32(r + 24 + 4 * k);
  ops_[i] = op;
  return Status::kOk;
}

// Checks that an op's tensors have the dtypes, kinds and shapes its kernel needs, and that its parameters are
// in range. Everything a kernel later trusts is checked here.
Status Model::check_op(int i) {
  Op& op = ops_[i];
  const char* nm = op_name(op.code);
  auto T = [&](int slot) -> Tensor& { return tensors_[op.t[slot]]; };
  auto need = [&](int slot, DType dt, bool is_const, int rank) -> bool {
    const Tensor& t = T(slot);
    if (t.dtype != dt || t.is_const != is_const || (rank > 0 && t.rank != rank)) {
      fail(Status::kBadFormat, "op %d (%s): tensor slot %d (tensor %u) must be a %s %s of rank %d, got a %s %s of rank %d", i, nm, slot, op.t[slot],
           dtype_name(dt), is_const ? "constant" : "activation", rank, dtype_name(t.dtype), t.is_const ? "constant" : "activation", t.rank);
      return false;
    }
    return true;
  };
  auto dim = [&](int slot, int d) { return T(slot).dims[d]; };
  auto bad = [&](const char* what) { return fail(Status::kBadFormat, "op %d (%s): %s", i, nm, what); };
  auto check_requant_vec = [&](int ms, int ss, int n) -> bool {
    if (!need(ms, DType::kInt32, true, 1) || !need(ss, DType::kInt32, true, 1)) return false;
    if (dim(ms, 0) != n || dim(ss, 0) != n) {
      fail(Status::kBadFormat, "op %d (%s): multiplier/shift tensors have %d/%d entries, expected %d", i, nm, dim(ms, 0), dim(ss, 0), n);
      return false;
    }
    const uint8_t* m = T(ms).data;
    const uint8_t* s = T(ss).data;
    for (int k = 0; k < n; k++) {
      if (!valid_requant(rdi32(m + 4 * k), rdi32(s + 4 * k))) {
        fail(Status::kBadFormat, "op %d (%s): requantization %d has multiplier %d, shift %d (need multiplier >= 0, shift 1..62)", i, nm, k, rdi32(m + 4 * k), rdi32(s + 4 * k));
        return false;
      }
    }
    return true;
  };
  auto same_quant = [&](int a, int b) { return T(a).scale == T(b).scale && T(a).zero_point == T(b).zero_point; };
  auto clamp_ok = [&](int32_t lo, int32_t hi, DType dt) {
    const int32_t mn = dt == DType::kInt8 ? -128 : -32768, mx = dt == DType::kInt8 ? 127 : 32767;
    return lo >= mn && hi <= mx && lo <= hi;
  };
  // Accumulator biases within ±2^30: with the checked bound |Σ w·x| < 2^30, bias + Σ never overflows int32.
  auto bias_ok = [&](int slot) -> bool {
    const uint8_t* d = T(slot).data;
    for (size_t k = 0; k < T(slot).count; k++) {
      const int32_t v = rdi32(d + 4 * k);
      if (v > (1 << 30) || v < -(1 << 30)) {
        fail(Status::kBadFormat, "op %d (%s): bias %zu is %d, outside the accumulator range +-2^30", i, nm, k, v);
        return false;
      }
    }
    return true;
  };
  auto nslots = [&](int n) -> bool {
    if (op.n != n) { fail(Status::kBadFormat, "op %d (%s): has %d tensors, expected %d", i, nm, op.n, n); return false; }
    return true;
  };

  switch (op.code) {
    case OpCode::kConv1d: {
      // 6 slots, or 9 with a residual fused in (2.1): in, w, bias, mult, shift, residual [T, cout], res_mult, res_shift, out.
      // Input, residual and output may each be int8 or int16 (zero point 0): an int16 input from 2.1 (the beat),
      // int16 residuals and outputs from 2.2 (16-bit activations inside the model).
      const bool resid = op.n == 9;
      if (!resid && !nslots(6)) return Status::kBadFormat;
      const int os = resid ? 8 : 5;
      const bool in16 = T(0).dtype == DType::kInt16, out16 = T(os).dtype == DType::kInt16, res16 = resid && T(5).dtype == DType::kInt16;
      if (!need(0, in16 ? DType::kInt16 : DType::kInt8, false, 2) || !need(1, DType::kInt8, true, 3) || !need(2, DType::kInt32, true, 1) || !need(os, out16 ? DType::kInt16 : DType::kInt8, false, 2)) return Status::kBadFormat;
      if ((out16 || res16) && minor_ < 2) return bad("16-bit outputs and residuals need format 2.2 (the file says 2.0/2.1)");
      const int Tn = dim(0, 0), cin = dim(0, 1), cout = dim(1, 0), k = dim(1, 1);
      if (in16 && T(0).zero_point != 0) return bad("an int16 input must have zero point 0");
      if (out16 && T(os).zero_point != 0) return bad("an int16 output must have zero point 0");
      if (in16 && static_cast<int64_t>(k) * cin > 257) return bad("k * cin must be at most 257 for an int16 input (exact int32 accumulation)");
      if (!bias_ok(2)) return Status::kBadFormat;
      if (dim(1, 2) != cin) return bad("weights [cout, k, cin] do not match the input channels");
      if (dim(2, 0) != cout) return bad("bias length does not match the output channels");
      if (dim(os, 0) != Tn || dim(os, 1) != cout) return bad("output shape must be [T, cout] of the input's T and the weights' cout");
      if (resid) {
        if (!need(5, res16 ? DType::kInt16 : DType::kInt8, false, 2) || dim(5, 0) != Tn || dim(5, 1) != cout) return bad("the residual must be an int8 or int16 activation [T, cout]");
        if (res16 && T(5).zero_point != 0) return bad("an int16 residual must have zero point 0");
        if (!check_requant_vec(6, 7, cout)) return Status::kBadFormat;
        // |bias| + |Σ w·(x − zp)| + |rq(r − zp_r)| must stay inside int32 for every channel.
        const uint8_t* b = T(2).data;
        const uint8_t* rm = T(6).data;
        const uint8_t* rs = T(7).data;
        const int64_t sum_max = static_cast<int64_t>(k) * cin * (in16 ? 32768 : 255) * 127;
        for (int o = 0; o < cout; o++) {
          const int64_t bb = rdi32(b + 4 * o);
          const int64_t r_max = requantize(res16 ? 32768 : 255, rdi32(rm + 4 * o), rdi32(rs + 4 * o));
          if ((bb < 0 ? -bb : bb) + sum_max + r_max >= (int64_t{1} << 31)) return bad("bias, inputs and residual too large for int32 accumulation");
        }
      }
      if (!check_requant_vec(3, 4, cout)) return Status::kBadFormat;
      if (op.p[0] < 0 || op.p[0] >= k) return bad("pad_left must be in 0..k-1");
      if (!clamp_ok(op.p[1], op.p[2], out16 ? DType::kInt16 : DType::kInt8)) return bad("activation clamp is outside the output type or min > max");
      if (static_cast<int64_t>(k) * cin * 255 * 127 >= (int64_t{1} << 31) - (int64_t{1} << 30)) return bad("k * cin too large for int32 accumulation");
      Conv1dParams p{Tn, cin, cout, k, op.p[0], T(0).zero_point, T(os).zero_point, op.p[1], op.p[2]};
      op.scratch = conv1d_s8_scratch_bytes(p);
      return Status::kOk;
    }
    case OpCode::kDense: {
      if (!nslots(6) || !need(0, DType::kInt8, false, 0) || !need(1, DType::kInt8, true, 2) || !need(2, DType::kInt32, true, 1)) return Status::kBadFormat;
      const Tensor& out = T(5);
      if (out.is_const || out.dtype == DType::kInt32) return bad("output must be an int8 or int16 activation");
      const Tensor& in = T(0);
      const int n = in.dims[in.rank - 1], cout = dim(1, 0);
      if (dim(1, 1) != n) return bad("weights [cout, n] do not match the input's last dimension");
      if (dim(2, 0) != cout) return bad("bias length does not match the output units");
      if (!bias_ok(2)) return Status::kBadFormat;
      if (out.rank != in.rank) return bad("output rank must equal the input rank");
      for (int d = 0; d + 1 < in.rank; d++) if (out.dims[d] != in.dims[d]) return bad("output leading dimensions must equal the input's");
      if (out.dims[out.rank - 1] != cout) return bad("output last dimension must equal the weights' cout");
      if (!check_requant_vec(3, 4, cout)) return Status::kBadFormat;
      if (!clamp_ok(op.p[0], op.p[1], out.dtype)) return bad("activation clamp is outside the output type or min > max");
      if (static_cast<int64_t>(n) * 255 * 127 >= (int64_t{1} << 31) - (int64_t{1} << 30)) return bad("input too long for int32 accumulation");
      DenseParams p{static_cast<int>(in.count / n), n, cout, in.zero_point, out.zero_point, op.p[0], op.p[1]};
      op.scratch = dense_s8_scratch_bytes(p);
      return Status::kOk;
    }
    case OpCode::kMaxPool1d:
    case OpCode::kAvgPool1d: {
      // int8, or (2.2, max pooling only) int16 with zero point 0 in and out
      const bool w16 = op.code == OpCode::kMaxPool1d && T(0).dtype == DType::kInt16;
      const DType dt = w16 ? DType::kInt16 : DType::kInt8;
      if (!nslots(2) || !need(0, dt, false, 2) || !need(1, dt, false, 2)) return Status::kBadFormat;
      if (w16 && minor_ < 2) return bad("16-bit max pooling needs format 2.2 (the file says 2.0/2.1)");
      if (w16 && T(0).zero_point != 0) return bad("an int16 input must have zero point 0");
      const int Tn = dim(0, 0), C = dim(0, 1), To = dim(1, 0), pool = op.p[0], stride = op.p[1], pl = op.p[2];
      if (dim(1, 1) != C) return bad("output channels must equal input channels");
      if (pool < 1 || pool > 4096 || stride < 1 || stride > 4096 || pl < 0 || pl >= pool) return bad("pool size and stride must be 1..4096 and pad_left in 0..pool-1");
      for (int o = 0; o < To; o++) {
        const int64_t t0 = static_cast<int64_t>(o) * stride - pl;
        if (t0 >= Tn || t0 + pool <= 0) return bad("an output window lies entirely outside the input");
      }
      if (!same_quant(0, 1)) return bad("input and output must share scale and zero point");
      return Status::kOk;
    }
    case OpCode::kGlobalAvgPool1d: {
      const bool in16 = T(0).dtype == DType::kInt16;  // 2.2: an int16 input (zero point 0), always requantized
      if (!nslots(2) || !need(0, in16 ? DType::kInt16 : DType::kInt8, false, 2) || !need(1, DType::kInt8, false, 1)) return Status::kBadFormat;
      if (dim(1, 0) != dim(0, 1)) return bad("output length must equal the input channels");
      if (in16) {
        if (minor_ < 2) return bad("a 16-bit input needs format 2.2 (the file says 2.0/2.1)");
        if (T(0).zero_point != 0) return bad("an int16 input must have zero point 0");
        if (!valid_requant(op.p[0], op.p[1]) || (op.p[0] == 0 && op.p[1] == 0)) return bad("an int16 input needs a requantization (multiplier/shift) to the int8 output");
        if (dim(0, 0) > 65535) return bad("too many time steps for int32 accumulation of an int16 input");
        return Status::kOk;
      }
      // params (0, 0): the output shares the input's quantization; else (mult, shift) requantize the sum over time.
      if (op.p[0] == 0 && op.p[1] == 0) {
        if (!same_quant(0, 1)) return bad("input and output must share scale and zero point (or give a requantization)");
      } else if (!valid_requant(op.p[0], op.p[1])) {
        return bad("requantization multiplier/shift out of range");
      }
      if (dim(0, 0) > (1 << 22)) return bad("too many time steps for int32 accumulation");
      return Status::kOk;
    }
    case OpCode::kLstm: {
      const bool in16 = T(0).dtype == DType::kInt16;  // 2.2: an int16 input with zero point 0
      if (!nslots(9) || !need(0, in16 ? DType::kInt16 : DType::kInt8, false, 2) || !need(1, DType::kInt8, true, 2) || !need(2, DType::kInt8, true, 2) || !need(3, DType::kInt32, true, 1) ||
          !need(8, DType::kInt8, false, 0))
        return Status::kBadFormat;
      const int Tn = dim(0, 0), cin = dim(0, 1), G = dim(1, 0);
      if (in16 && minor_ < 2) return bad("a 16-bit input needs format 2.2 (the file says 2.0/2.1)");
      if (in16 && T(0).zero_point != 0) return bad("an int16 input must have zero point 0");
      if (in16 && static_cast<int64_t>(cin) * 32768 * 127 >= (int64_t{1} << 30)) return bad("too many int16 inputs for int32 accumulation (cin * 32768 * 127 must be < 2^30)");
      if (G % 4 != 0) return bad("input weights must have 4·units rows");
      const int U = G / 4;
      if (dim(1, 1) != cin) return bad("input weights [4U, cin] do not match the input channels");
      if (dim(2, 0) != G || dim(2, 1) != U) return bad("recurrent weights must be [4U, U]");
      if (dim(3, 0) != G) return bad("bias must have 4·units entries");
      if (!check_requant_vec(4, 5, G) || !check_requant_vec(6, 7, G)) return Status::kBadFormat;
      const int rs = op.p[0];
      if (rs != 0 && rs != 1) return bad("return_sequences must be 0 or 1");
      const Tensor& out = T(8);
      if (rs ? (out.rank != 2 || out.dims[0] != Tn || out.dims[1] != U) : (out.rank != 1 || out.dims[0] != U)) return bad("output must be [T, U] with return_sequences, [U] without");
      if (out.zero_point != 0) return bad("output zero point must be 0");
      if (op.p[1] < 8 || op.p[1] > 14) return bad("cell_frac must be 8..14");
      if (!valid_requant(op.p[2], op.p[3])) return bad("output multiplier/shift out of range");
      if (op.p[4] != 0 && op.p[4] != 1) return bad("recurrent activation must be 0 (sigmoid) or 1 (hard sigmoid)");
      if (static_cast<int64_t>(cin) * 255 * 127 >= (int64_t{1} << 30) || static_cast<int64_t>(U) * 32768 * 127 >= (int64_t{1} << 31) - (int64_t{1} << 28))
        return bad("too many inputs or units for int32 accumulation");
      LstmParams p{Tn, cin, U, T(0).zero_point, rs, op.p[1], op.p[2], op.p[3], op.p[4]};
      op.scratch = lstm_s8_scratch_bytes(p);
      return Status::kOk;
    }
    case OpCode::kAttention: {
      if (!nslots(7) || !need(0, DType::kInt8, false, 2) || !need(1, DType::kInt8, true, 2) || !need(2, DType::kInt32, true, 1) || !need(5, DType::kInt8, true, 1) ||
          !need(6, DType::kInt8, false, 1))
        return Status::kBadFormat;
      const int Tn = dim(0, 0), H = dim(0, 1), A = dim(1, 0);
      if (dim(1, 1) != H) return bad("weights [A, H] do not match the input features");
      if (A > 128) return bad("at most 128 attention units");
      if (dim(2, 0) != A || dim(5, 0) != A) return bad("bias and v must have A entries");
      if (dim(6, 0) != H) return bad("output must be [H]");
      if (!check_requant_vec(3, 4, A)) return Status::kBadFormat;
      if (!valid_requant(op.p[0], op.p[1])) return bad("score multiplier/shift out of range");
      if (!same_quant(0, 6)) return bad("input and output must share scale and zero point");
      if (static_cast<int64_t>(H) * 255 * 127 >= (int64_t{1} << 30)) return bad("too many features for int32 accumulation");
      AttentionParams p{Tn, H, A, T(0).zero_point, op.p[0], op.p[1]};
      op.scratch = attention_s8_scratch_bytes(p);
      return Status::kOk;
    }
    case OpCode::kAdd: {
      if (!nslots(3) || !need(0, DType::kInt8, false, 0) || !need(1, DType::kInt8, false, 0) || !need(2, DType::kInt8, false, 0)) return Status::kBadFormat;
      for (int s = 1; s < 3; s++) {
        if (T(s).rank != T(0).rank) return bad("inputs and output must have the same shape");
        for (int d = 0; d < T(0).rank; d++) if (T(s).dims[d] != T(0).dims[d]) return bad("inputs and output must have the same shape");
      }
      if (op.p[0] < 0 || op.p[1] < 0 || op.p[2] < kMinShift || op.p[2] > kMaxShift) return bad("multipliers must be >= 0 and shift 1..62");
      if (!clamp_ok(op.p[3], op.p[4], DType::kInt8)) return bad("activation clamp is outside int8 or min > max");
      return Status::kOk;
    }
    case OpCode::kConcat: {
      const int k = op.n - 2;
      if (k < 1 || k > 8) return bad("needs 1..8 inputs, a requantization table and an output");
      if (!need(k, DType::kInt32, true, 2) || !need(k + 1, DType::kInt8, false, 0)) return Status::kBadFormat;
      if (dim(k, 0) != k || dim(k, 1) != 2) return bad("requantization table must be [inputs, 2]");
      const Tensor& out = T(k + 1);
      int total = 0;
      for (int s = 0; s < k; s++) {
        if (!need(s, DType::kInt8, false, 0)) return Status::kBadFormat;
        const Tensor& in = T(s);
        if (in.rank != out.rank) return bad("inputs and output must have the same rank");
        for (int d = 0; d + 1 < out.rank; d++) if (in.dims[d] != out.dims[d]) return bad("inputs must match the output except in the last dimension");
        total += in.dims[in.rank - 1];
        const int32_t m = rdi32(T(k).data + 8 * s), sh = rdi32(T(k).data + 8 * s + 4);
        if (m == 0 && sh == 0) {
          if (!same_quant(s, k + 1)) return bad("an input copied without requantization must share the output's scale and zero point");
        } else if (!valid_requant(m, sh)) {
          return bad("an input's multiplier/shift is out of range");
        }
      }
      if (total != out.dims[out.rank - 1]) return bad("output last dimension must be the sum of the inputs'");
      return Status::kOk;
    }
    case OpCode::kSoftmax: {
      if (!nslots(2) || !need(0, DType::kInt16, false, 1) || !need(1, DType::kInt16, false, 1)) return Status::kBadFormat;
      if (dim(0, 0) != dim(1, 0) || dim(0, 0) > 64) return bad("input and output must have the same length (at most 64)");
      if (!valid_requant(op.p[0], op.p[1])) return bad("multiplier/shift out of range");
      return Status::kOk;
    }
    case OpCode::kClamp: {
      if (!nslots(2) || !need(0, DType::kInt8, false, 0) || !need(1, DType::kInt8, false, 0)) return Status::kBadFormat;
      if (T(0).count != T(1).count || !same_quant(0, 1)) return bad("input and output must have the same size and quantization");
      if (!clamp_ok(op.p[0], op.p[1], DType::kInt8)) return bad("clamp range is outside int8 or min > max");
      return Status::kOk;
    }
    case OpCode::kDense2: {
      if (!nslots(8) || !need(0, DType::kInt8, false, 1) || !need(1, DType::kInt8, false, 1) || !need(2, DType::kInt8, true, 2) ||
          !need(3, DType::kInt8, true, 2) || !need(4, DType::kInt32, true, 1) || !need(7, DType::kInt8, false, 1))
        return Status::kBadFormat;
      const int na = dim(0, 0), nb = dim(1, 0), cout = dim(2, 0);
      if (dim(2, 1) != na || dim(3, 1) != nb || dim(3, 0) != cout) return bad("weights must be [cout, na] and [cout, nb] for inputs [na] and [nb]");
      if (dim(4, 0) != cout || dim(7, 0) != cout) return bad("bias and output must have cout entries");
      if (!bias_ok(4)) return Status::kBadFormat;
      if (!check_requant_vec(5, 6, cout)) return Status::kBadFormat;
      if (!valid_requant(op.p[0], op.p[1])) return bad("second-input multiplier/shift out of range");
      if (!clamp_ok(op.p[2], op.p[3], DType::kInt8)) return bad("activation clamp is outside int8 or min > max");
      if (static_cast<int64_t>(na > nb ? na : nb) * 255 * 127 >= (int64_t{1} << 30)) return bad("inputs too long for int32 accumulation");
      Dense2Params p{na, nb, cout, T(0).zero_point, T(1).zero_point, T(7).zero_point, op.p[0], op.p[1], op.p[2], op.p[3]};
      op.scratch = dense2_s8_scratch_bytes(p);
      return Status::kOk;
    }
    case OpCode::kReshape: {
      if (!nslots(2) || !need(0, DType::kInt8, false, 0) || !need(1, DType::kInt8, false, 0)) return Status::kBadFormat;
      if (T(0).count != T(1).count || !same_quant(0, 1)) return bad("input and output must have the same size and quantization");
      return Status::kOk;
    }
  }
  return bad("unknown op");
}

Status Model::load(const uint8_t* bytes, size_t n) {
  loaded_ = false;
  err_[0] = 0;
  tensors_.clear();
  ops_.clear();
  arena_mem_.reset();
  arena_ = scratch_ = nullptr;
  if (!host_is_little_endian()) return fail(Status::kUnsupported, "this reader needs a little-endian host");
  if (!bytes && n) return fail(Status::kInvalidArgument, "null model buffer");
  if (n < kHeaderBytes + kDigestBytes) return fail(Status::kBadFormat, "model file is truncated: %zu bytes, a model has at least %zu (64-byte header + 32-byte SHA-256)", n, kHeaderBytes + kDigestBytes);
  if (std::memcmp(bytes, kMagic, 4) != 0) return fail(Status::kBadFormat, "not an ecg-edge model file: wrong magic (expected 'ECGM')");
  const uint16_t major = rd16(bytes + 4), minor = rd16(bytes + 6);
  minor_ = minor;
  if (major != kFormatMajor) return fail(Status::kUnsupported, "unsupported model format version %u.%u: this build reads version %u.x; re-export the model with this ecg-edge", major, minor, kFormatMajor);
  const uint32_t file_size = rd32(bytes + 8);
  if (file_size > n) return fail(Status::kBadFormat, "model file is truncated: the header says %u bytes, got %zu", file_size, n);
  if (file_size < n) return fail(Status::kBadFormat, "model file has %zu trailing bytes after its declared size %u", n - file_size, file_size);
  uint8_t digest[32];
  sha256(bytes, n - kDigestBytes, digest);
  if (std::memcmp(digest, bytes + n - kDigestBytes, kDigestBytes) != 0) return fail(Status::kBadFormat, "model file is corrupt: SHA-256 of the contents does not match the stored checksum");
  std::memcpy(digest_, digest, 32);
  if (rd32(bytes + 12) != 0) return fail(Status::kUnsupported, "model file uses flags 0x%08x that this build does not know", rd32(bytes + 12));

  blob_.assign(bytes, bytes + n);
  const uint8_t* b = blob_.data();
  const size_t body_end = n - kDigestBytes;
  struct Sec { const char* name; uint32_t off; uint64_t size; };
  const uint32_t n_tensors = rd32(b + 36), n_ops = rd32(b + 44);
  if (n_tensors < 1 || n_tensors > 4096) return fail(Status::kBadFormat, "model has %u tensors, expected 1..4096", n_tensors);
  if (n_ops < 1 || n_ops > 1024) return fail(Status::kBadFormat, "model has %u ops, expected 1..1024", n_ops);
  const Sec secs[5] = {{"input spec", rd32(b + 16), rd32(b + 20)},
                       {"class map", rd32(b + 24), rd32(b + 28)},
                       {"tensor table", rd32(b + 32), static_cast<uint64_t>(n_tensors) * kTensorRecordBytes},
                       {"op table", rd32(b + 40), static_cast<uint64_t>(n_ops) * kOpRecordBytes},
                       {"data", rd32(b + 48), rd32(b + 52)}};
  for (int s = 0; s < 5; s++) {
    if (secs[s].off < kHeaderBytes || secs[s].off > body_end || secs[s].size > body_end - secs[s].off) {
      return fail(Status::kBadFormat, "%s section [%u, +%llu) lies outside the file body [64, %zu)", secs[s].name, secs[s].off, static_cast<unsigned long long>(secs[s].size), body_end);
    }
    for (int o = 0; o < s; o++) {
      if (secs[s].off < secs[o].off + secs[o].size && secs[o].off < secs[s].off + secs[s].size && secs[s].size && secs[o].size) {
        return fail(Status::kBadFormat, "%s and %s sections overlap", secs[o].name, secs[s].name);
      }
    }
  }
  if (secs[4].off % 16 != 0) return fail(Status::kBadFormat, "data section offset %u is not 16-byte aligned", secs[4].off);
  Status st = parse_spec(b + secs[0].off, secs[0].size);
  if (st != Status::kOk) return st;
  st = parse_classes(b + secs[1].off, secs[1].size);
  if (st != Status::kOk) return st;
  tensors_.resize(n_tensors);
  for (uint32_t i = 0; i < n_tensors; i++) {
    st = parse_tensor(static_cast<int>(i), b + secs[2].off + i * kTensorRecordBytes, b + secs[4].off, secs[4].size);
    if (st != Status::kOk) return st;
  }
  ops_.resize(n_ops);
  for (uint32_t i = 0; i < n_ops; i++) {
    st = parse_op(static_cast<int>(i), b + secs[3].off + i * kOpRecordBytes);
    if (st != Status::kOk) return st;
  }
  beat_ = rd16(b + 56);
  rr_ = rd16(b + 58);
  logits_ = rd16(b + 60);
  probs_ = rd16(b + 62);
  const uint16_t io[4] = {beat_, rr_, logits_, probs_};
  const char* io_name[4] = {"beat input", "RR input", "logits", "probabilities"};
  for (int k = 0; k < 4; k++) {
    if (io[k] >= n_tensors) return fail(Status::kBadFormat, "%s tensor id %u is out of range (model has %u tensors)", io_name[k], io[k], n_tensors);
    if (tensors_[io[k]].is_const) return fail(Status::kBadFormat, "%s tensor %u must be an activation", io_name[k], io[k]);
  }
  const Tensor& tb = tensors_[beat_];
  if ((tb.dtype != DType::kInt8 && tb.dtype != DType::kInt16) || tb.rank != 2 || tb.dims[0] != spec_.length || tb.dims[1] != spec_.n_channels) return fail(Status::kBadFormat, "beat input must be int8 or int16 [%d, %d] (the spec's window length and beat channels)", spec_.length, spec_.n_channels);
  if (tb.dtype == DType::kInt16 && tb.zero_point != 0) return fail(Status::kBadFormat, "an int16 beat input must have zero point 0");
  const Tensor& tr = tensors_[rr_];
  if (tr.dtype != DType::kInt8 || tr.rank != 1 || tr.dims[0] != spec_.n_rr) return fail(Status::kBadFormat, "RR input must be int8 [%d]", spec_.n_rr);
  for (uint16_t id : {logits_, probs_}) {
    const Tensor& t = tensors_[id];
    if (t.dtype != DType::kInt16 || t.rank != 1 || t.dims[0] != n_classes_) return fail(Status::kBadFormat, "logits and probabilities must be int16 [%d] (one per class)", n_classes_);
  }
  if (beat_ == rr_) return fail(Status::kBadFormat, "beat and RR inputs must be different tensors");
  tensors_[beat_].producer = -1;
  tensors_[rr_].producer = -1;
  // Data flow: ops run in file order; each activation is written once, read only after it is written.
  for (size_t i = 0; i < ops_.size(); i++) {
    Op& op = ops_[i];
    st = check_op(static_cast<int>(i));
    if (st != Status::kOk) return st;
    const int out_slot = op.n - 1;
    for (int s = 0; s < out_slot; s++) {
      Tensor& t = tensors_[op.t[s]];
      if (t.is_const) continue;
      if (t.producer == -2) return fail(Status::kBadFormat, "op %zu (%s) reads tensor %u before any op writes it", i, op_name(op.code), op.t[s]);
      t.last_use = static_cast<int>(i);
    }
    Tensor& o = tensors_[op.t[out_slot]];
    if (o.producer != -2) return fail(Status::kBadFormat, "op %zu (%s) writes tensor %u, which is already written (by %s)", i, op_name(op.code), op.t[out_slot], o.producer == -1 ? "the model input" : "an earlier op");
    o.producer = static_cast<int>(i);
  }
  if (tensors_[probs_].producer < 0 || ops_[tensors_[probs_].producer].code != OpCode::kSoftmax) return fail(Status::kBadFormat, "the probabilities tensor must be written by a softmax op");
  if (tensors_[logits_].producer < 0) return fail(Status::kBadFormat, "no op writes the logits tensor");
  const Op& sm = ops_[tensors_[probs_].producer];
  if (sm.t[0] != logits_) return fail(Status::kBadFormat, "the final softmax must read the logits tensor");
  tensors_[logits_].last_use = static_cast<int>(ops_.size());
  tensors_[probs_].last_use = static_cast<int>(ops_.size());
  st = plan();
  if (st != Status::kOk) return st;
  loaded_ = true;
  return Status::kOk;
}

// Arena: [persistent: int16-widened weights (+ int8 quads on VNNI CPUs)][activations: greedy first fit over lifetimes][scratch: max over ops].
Status Model::plan() {
  std::vector<uint8_t> widen(tensors_.size(), 0);
  for (const Op& op : ops_) {
    switch (op.code) {
      case OpCode::kConv1d: case OpCode::kDense: case OpCode::kAttention: widen[op.t[1]] = 1; break;
      case OpCode::kLstm: widen[op.t[1]] = 1; widen[op.t[2]] = 1; break;
      case OpCode::kDense2: widen[op.t[2]] = 1; widen[op.t[3]] = 1; break;
      default: break;
    }
  }
  // On CPUs with the 8-bit GEMM (AVX-512 VNNI), also int8 weights packed in quads for the convolutions on int8
  // inputs and the LSTM input projections (the largest GEMMs), with their row sums.
  std::vector<uint8_t> quad(tensors_.size(), 0);
  if (gemm_u8s8_available()) {
    for (const Op& op : ops_) {
      bool all8 = true;  // the 8-bit GEMM serves only the all-int8 convolutions and LSTMs (not the 16-bit region)
      for (int k = 0; k < op.n; k++) all8 = all8 && (tensors_[op.t[k]].is_const || tensors_[op.t[k]].dtype == DType::kInt8);
      if ((op.code == OpCode::kConv1d || op.code == OpCode::kLstm) && all8) quad[op.t[1]] = 1;
    }
  }
  // Packed weights: rows = dims[0] (output channels / gate units), K = the rest.
  auto rowsK = [&](size_t i, int* N, int* K) { *N = tensors_[i].dims[0]; *K = static_cast<int>(tensors_[i].count / tensors_[i].dims[0]); };
  size_t persistent = 0;
  for (size_t i = 0; i < tensors_.size(); i++) {
    if (!widen[i]) continue;
    int N, K;
    rowsK(i, &N, &K);
    persistent += align16(packed_s16_elems(N, K) * 2);
    if (quad[i]) persistent += align16(packed_q4_bytes(N, K)) + align16(static_cast<size_t>(N) * 4);
  }
  // Activations, largest first, each at the lowest offset that does not overlap a placed tensor alive at the same time.
  std::vector<int> order;
  for (size_t i = 0; i < tensors_.size(); i++) if (!tensors_[i].is_const && tensors_[i].producer != -2) order.push_back(static_cast<int>(i));
  for (size_t a = 1; a < order.size(); a++) {  // insertion sort by size, descending (stable)
    const int v = order[a];
    size_t b = a;
    while (b > 0 && tensors_[order[b - 1]].bytes < tensors_[v].bytes) { order[b] = order[b - 1]; b--; }
    order[b] = v;
  }
  std::vector<size_t> offset(tensors_.size(), 0);
  std::vector<int> placed;
  size_t act = 0;
  for (int id : order) {
    const Tensor& t = tensors_[id];
    const int s0 = t.producer, s1 = t.last_use < t.producer ? t.producer : t.last_use;
    size_t off = 0;
    for (bool moved = true; moved;) {
      moved = false;
      for (int q : placed) {
        const Tensor& u = tensors_[q];
        const int u0 = u.producer, u1 = u.last_use < u.producer ? u.producer : u.last_use;
        if (u1 < s0 || s1 < u0) continue;
        const size_t q0 = offset[q], q1 = q0 + align16(u.bytes);
        if (off < q1 && q0 < off + align16(t.bytes)) { off = q1; moved = true; }
      }
    }
    offset[id] = off;
    placed.push_back(id);
    if (off + align16(t.bytes) > act) act = off + align16(t.bytes);
  }
  size_t scratch = 0;
  for (const Op& op : ops_) if (op.scratch > scratch) scratch = op.scratch;
  scratch = align16(scratch);
  const size_t total = persistent + act + scratch;
  if (total > (size_t{256} << 20)) return fail(Status::kBadFormat, "model needs an arena of %zu bytes, more than the 256 MiB limit", total);
  arena_mem_.reset(new (std::nothrow) uint8_t[total + 16]);
  if (!arena_mem_) return fail(Status::kOutOfMemory, "could not allocate the %zu-byte arena", total);
  arena_ = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(arena_mem_.get()) + 15) & ~static_cast<uintptr_t>(15));
  std::memset(arena_, 0, total);
  size_t p = 0;
  for (size_t i = 0; i < tensors_.size(); i++) {
    if (!widen[i]) continue;
    int N, K;
    rowsK(i, &N, &K);
    tensors_[i].wide = reinterpret_cast<int16_t*>(arena_ + p);
    pack_s8_s16(reinterpret_cast<const int8_t*>(tensors_[i].data), N, K, tensors_[i].wide);
    p += align16(packed_s16_elems(N, K) * 2);
    if (quad[i]) {
      tensors_[i].quad = reinterpret_cast<int8_t*>(arena_ + p);
      p += align16(packed_q4_bytes(N, K));
      tensors_[i].wsum = reinterpret_cast<int32_t*>(arena_ + p);
      p += align16(static_cast<size_t>(N) * 4);
      pack_s8_q4(reinterpret_cast<const int8_t*>(tensors_[i].data), N, K, tensors_[i].quad, tensors_[i].wsum);
    }
  }
  for (int id : order) tensors_[id].data = arena_ + persistent + offset[id];
  scratch_ = arena_ + persistent + act;
  arena_bytes_ = total;
  persistent_bytes_ = persistent;
  activation_bytes_ = act;
  scratch_bytes_ = scratch;
  return Status::kOk;
}

int8_t* Model::input_beat() {
  return loaded_ && tensors_[beat_].dtype == DType::kInt8 ? reinterpret_cast<int8_t*>(const_cast<uint8_t*>(tensors_[beat_].data)) : nullptr;
}
int16_t* Model::input_beat16() {
  return loaded_ && tensors_[beat_].dtype == DType::kInt16 ? reinterpret_cast<int16_t*>(const_cast<uint8_t*>(tensors_[beat_].data)) : nullptr;
}
int8_t* Model::input_rr() { return loaded_ ? reinterpret_cast<int8_t*>(const_cast<uint8_t*>(tensors_[rr_].data)) : nullptr; }
const int16_t* Model::logits() const { return loaded_ ? reinterpret_cast<const int16_t*>(tensors_[logits_].data) : nullptr; }
const int16_t* Model::probs_q15() const { return loaded_ ? reinterpret_cast<const int16_t*>(tensors_[probs_].data) : nullptr; }

Status Model::invoke(KernelPath path) {
  if (!loaded_) return Status::kInvalidState;
  for (const Op& op : ops_) {
    auto i8 = [&](int s) { return reinterpret_cast<const int8_t*>(tensors_[op.t[s]].data); };
    auto o8 = [&](int s) { return reinterpret_cast<int8_t*>(const_cast<uint8_t*>(tensors_[op.t[s]].data)); };
    auto i32 = [&](int s) { return reinterpret_cast<const int32_t*>(tensors_[op.t[s]].data); };
    auto i16 = [&](int s) { return reinterpret_cast<const int16_t*>(tensors_[op.t[s]].data); };
    auto o16 = [&](int s) { return reinterpret_cast<int16_t*>(const_cast<uint8_t*>(tensors_[op.t[s]].data)); };
    auto T = [&](int s) -> const Tensor& { return tensors_[op.t[s]]; };
    switch (op.code) {
      case OpCode::kConv1d: {
        const int os = op.n == 9 ? 8 : 5;
        Conv1dParams p{T(0).dims[0], T(0).dims[1], T(1).dims[0], T(1).dims[1], op.p[0], T(0).zero_point, T(os).zero_point, op.p[1], op.p[2]};
        const bool in16 = T(0).dtype == DType::kInt16, out16 = T(os).dtype == DType::kInt16, res16 = op.n == 9 && T(5).dtype == DType::kInt16;
        if (in16 || out16 || res16) {  // a 16-bit input (2.1's beat, 2.2's region), output or residual
          auto act_in = [&](int s) {
            ActIn a;
            if (T(s).dtype == DType::kInt16) a.s16 = i16(s);
            else { a.s8 = i8(s); a.zp = T(s).zero_point; }
            return a;
          };
          ActOut ao;
          if (out16) ao.s16 = o16(os);
          else ao.s8 = o8(os);
          ConvResidualW rw;
          if (op.n == 9) rw = ConvResidualW{act_in(5), i32(6), i32(7)};
          conv1d_w16(p, act_in(0), i8(1), T(1).wide, i32(2), ChannelQuant{i32(3), i32(4)}, ao, scratch_, path, rw);
        } else {
          ConvResidual res;
          if (op.n == 9) res = ConvResidual{i8(5), T(5).zero_point, i32(6), i32(7)};
          conv1d_s8(p, i8(0), i8(1), T(1).wide, i32(2), ChannelQuant{i32(3), i32(4)}, o8(os), scratch_, path, PackedQ4{T(1).quad, T(1).wsum}, res);
        }
        break;
      }
      case OpCode::kDense: {
        const Tensor& in = T(0);
        const int n = in.dims[in.rank - 1];
        DenseParams p{static_cast<int>(in.count / n), n, T(1).dims[0], in.zero_point, T(5).zero_point, op.p[0], op.p[1]};
        if (T(5).dtype == DType::kInt8) {
          dense_s8(p, i8(0), i8(1), T(1).wide, i32(2), ChannelQuant{i32(3), i32(4)}, o8(5), scratch_, path);
        } else {
          dense_s8_s16(p, i8(0), i8(1), T(1).wide, i32(2), ChannelQuant{i32(3), i32(4)},
                       reinterpret_cast<int16_t*>(const_cast<uint8_t*>(T(5).data)), scratch_, path);
        }
        break;
      }
      case OpCode::kMaxPool1d:
      case OpCode::kAvgPool1d: {
        Pool1dParams p{T(0).dims[0], T(0).dims[1], T(1).dims[0], op.p[0], op.p[1], op.p[2]};
        if (op.code == OpCode::kMaxPool1d && T(0).dtype == DType::kInt16) maxpool1d_s16(p, i16(0), o16(1));
        else if (op.code == OpCode::kMaxPool1d) maxpool1d_s8(p, i8(0), o8(1));
        else avgpool1d_s8(p, i8(0), o8(1));
        break;
      }
      case OpCode::kGlobalAvgPool1d:
        if (T(0).dtype == DType::kInt16) global_avgpool1d_rq_s16(T(0).dims[0], T(0).dims[1], i16(0), op.p[0], op.p[1], T(1).zero_point, o8(1));
        else if (op.p[0] == 0 && op.p[1] == 0) global_avgpool1d_s8(T(0).dims[0], T(0).dims[1], i8(0), o8(1));
        else global_avgpool1d_rq_s8(T(0).dims[0], T(0).dims[1], i8(0), T(0).zero_point, op.p[0], op.p[1], T(1).zero_point, o8(1));
        break;
      case OpCode::kLstm: {
        LstmParams p{T(0).dims[0], T(0).dims[1], T(1).dims[0] / 4, T(0).zero_point, op.p[0], op.p[1], op.p[2], op.p[3], op.p[4]};
        if (T(0).dtype == DType::kInt16) {
          lstm_s16_s8(p, i16(0), i8(1), i8(2), T(1).wide, T(2).wide, i32(3), ChannelQuant{i32(4), i32(5)}, ChannelQuant{i32(6), i32(7)}, o8(8), scratch_, path);
        } else {
          lstm_s8(p, i8(0), i8(1), i8(2), T(1).wide, T(2).wide, i32(3), ChannelQuant{i32(4), i32(5)}, ChannelQuant{i32(6), i32(7)}, o8(8), scratch_, path,
                  PackedQ4{T(1).quad, T(1).wsum});
        }
        break;
      }
      case OpCode::kAttention: {
        AttentionParams p{T(0).dims[0], T(0).dims[1], T(1).dims[0], T(0).zero_point, op.p[0], op.p[1]};
        attention_s8(p, i8(0), i8(1), T(1).wide, i32(2), ChannelQuant{i32(3), i32(4)}, i8(5), o8(6), scratch_, path);
        break;
      }
      case OpCode::kAdd: {
        AddParams p{static_cast<int>(T(0).count), T(0).zero_point, T(1).zero_point, T(2).zero_point, op.p[0], op.p[1], op.p[2], op.p[3], op.p[4]};
        add_s8(p, i8(0), i8(1), o8(2));
        break;
      }
      case OpCode::kConcat: {
        const int k = op.n - 2;
        ConcatInput ins[8];
        const int32_t* rq = i32(k);
        const Tensor& out = T(k + 1);
        for (int s = 0; s < k; s++) ins[s] = ConcatInput{i8(s), T(s).dims[T(s).rank - 1], T(s).zero_point, rq[2 * s], rq[2 * s + 1]};
        const int oc = out.dims[out.rank - 1];
        concat_s8(static_cast<int>(out.count / oc), ins, k, out.zero_point, oc, o8(k + 1));
        break;
      }
      case OpCode::kSoftmax:
        softmax_s16(T(0).dims[0], reinterpret_cast<const int16_t*>(T(0).data), op.p[0], op.p[1],
                    reinterpret_cast<int16_t*>(const_cast<uint8_t*>(T(1).data)));
        break;
      case OpCode::kClamp:
        clamp_s8(static_cast<int>(T(0).count), i8(0), op.p[0], op.p[1], o8(1));
        break;
      case OpCode::kDense2: {
        Dense2Params p{T(0).dims[0], T(1).dims[0], T(2).dims[0], T(0).zero_point, T(1).zero_point, T(7).zero_point, op.p[0], op.p[1], op.p[2], op.p[3]};
        dense2_s8(p, i8(0), i8(1), i8(2), i8(3), T(2).wide, T(3).wide, i32(4), ChannelQuant{i32(5), i32(6)}, o8(7), scratch_, path);
        break;
      }
      case OpCode::kReshape:
        if (T(0).data != T(1).data) std::memmove(o8(1), i8(0), T(0).count);
        break;
    }
  }
  return Status::kOk;
}

// q = clamp(floor(x / scale + 0.5) + zp) in double (non-finite x counts as 0); floor without a libm call.
static inline int8_t quantize_input(float x, float scale, int32_t zp) {
  double v = std::isfinite(x) ? static_cast<double>(x) / scale + 0.5 : 0.5;
  v = v < -1e6 ? -1e6 : (v > 1e6 ? 1e6 : v);
  int64_t t = static_cast<int64_t>(v);  // truncation toward zero
  t -= static_cast<double>(t) > v;      // floor
  const int64_t q = t + zp;
  return static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q));
}

// The same for an int16 input (zero point 0), saturating to [-32768, 32767].
static inline int16_t quantize_input16(float x, float scale) {
  double v = std::isfinite(x) ? static_cast<double>(x) / scale + 0.5 : 0.5;
  v = v < -1e6 ? -1e6 : (v > 1e6 ? 1e6 : v);
  int64_t t = static_cast<int64_t>(v);
  t -= static_cast<double>(t) > v;
  return static_cast<int16_t>(t < -32768 ? -32768 : (t > 32767 ? 32767 : t));
}

Status Model::classify(const float* beat, const float* rr, float* probs, int* label, KernelPath path) {
  if (!loaded_) return Status::kInvalidState;
  const Tensor& tb = tensors_[beat_];
  const Tensor& tr = tensors_[rr_];
  int8_t* qb = input_beat();
  int8_t* qr = input_rr();
  if (tb.dtype == DType::kInt16) {
    int16_t* qb16 = input_beat16();
    for (size_t i = 0; i < tb.count; i++) qb16[i] = quantize_input16(beat[i], tb.scale);
  } else {
    for (size_t i = 0; i < tb.count; i++) qb[i] = quantize_input(beat[i], tb.scale, tb.zero_point);
  }
  for (size_t i = 0; i < tr.count; i++) qr[i] = quantize_input(rr[i], tr.scale, tr.zero_point);
  const Status st = invoke(path);
  if (st != Status::kOk) return st;
  const int16_t* lg = logits();
  const int16_t* pq = probs_q15();
  int best = 0;
  for (int c = 1; c < n_classes_; c++) if (lg[c] > lg[best]) best = c;
  if (label) *label = best;
  if (probs) for (int c = 0; c < n_classes_; c++) probs[c] = static_cast<float>(pq[c]) / 32768.0f;
  return Status::kOk;
}

}  // namespace nn
}  // namespace ecg
