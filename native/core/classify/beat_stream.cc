// Streaming beat classification (see beat_stream.h). The arithmetic mirrors src/train/dataset/features.ts:
// windows read float32 samples, the z-score and the RR features are computed in double and stored as float32;
// the running beat template is float32 throughout (one rounding per subtraction, division and addition, as
// Math.fround does; no multiply-add exists in it for a compiler to fuse, and float is never widened here:
// x86-64 SSE and AArch64 evaluate float expressions in float).
#include "classify/beat_stream.h"

// Bit-exact with the TypeScript reference: no fused multiply-add in this file (AArch64 has FMA in its base ISA
// and C++ compilers contract a·b + c by default; the z-score's variance sum would then differ from JavaScript).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <cmath>
#include <cstring>

namespace ecg {
namespace classify {

Status BeatStream::init(nn::Model* model, int detector_latency) {
  if (!model || !model->loaded()) return Status::kInvalidState;
  const nn::InputSpec& s = model->spec();
  if (detector_latency < 0 || detector_latency > 4 * s.fs) return Status::kInvalidArgument;
  if (s.length > kMaxLength || s.n_rr < 1 || s.n_rr > 8 || s.n_channels < 1 || s.n_channels > nn::kMaxBeatChannels) return Status::kUnsupported;
  if (s.fs != std::floor(s.fs)) return Status::kUnsupported;
  const int needed = s.before * s.decimation + static_cast<int>(std::ceil(s.rr_clamp_max * s.fs)) + s.after * s.decimation + detector_latency + 8;
  if (needed > kRing) return Status::kUnsupported;
  model_ = model;
  fs_ = static_cast<int>(s.fs);
  D_ = s.decimation;
  before_ = s.before;
  after_ = s.after;
  L_ = s.length;
  C_ = s.n_channels;
  latency_ = detector_latency;
  reset();
  return Status::kOk;
}

void BeatStream::reset() {
  first_ = -1;
  next_ = 0;
  n_pending_ = 0;
  prev_peak_ = -1;
  emitted_ = 0;
  rec_avg_ = loc_avg_ = 0;
  irr_ = prev_p_ = 0;
  dropped_ = 0;
}

Status BeatStream::push_filtered(const int32_t* q12, int n, int64_t start) {
  if (!model_) return Status::kInvalidState;
  if (n < 0 || (n > 0 && !q12)) return Status::kInvalidArgument;
  if (first_ < 0) { first_ = start; next_ = start; }
  if (start != next_) return Status::kInvalidArgument;  // samples must be contiguous
  for (int i = 0; i < n; i++) ring_[(next_ + i) % kRing] = q12[i];
  next_ += n;
  return Status::kOk;
}

Status BeatStream::push_peak(int64_t sample) {
  if (!model_) return Status::kInvalidState;
  const int64_t last = n_pending_ ? pending_[n_pending_ - 1] : prev_peak_;
  if (sample <= last) {  // a peak found late (searchback) behind a beat already labelled: not re-labelled
    dropped_++;
    return Status::kOk;
  }
  if (n_pending_ == kPending) return Status::kOutOfMemory;
  pending_[n_pending_++] = sample;
  return Status::kOk;
}

double BeatStream::rr_interval(int64_t a, int64_t b) const {
  const nn::InputSpec& s = model_->spec();
  double v = static_cast<double>(b - a) / static_cast<double>(s.fs);
  const double lo = s.rr_clamp_min, hi = s.rr_clamp_max;
  return v < lo ? lo : (v > hi ? hi : v);
}

// Beat 0 of the pending queue is ready when its window is complete and its post-RR is known or final.
bool BeatStream::ready(int i, bool at_end) const {
  if (i >= n_pending_) return false;
  const int64_t r = pending_[i];
  if (at_end) return true;
  if (next_ - 1 < r + static_cast<int64_t>(after_ - 1) * D_) return false;                  // window incomplete
  if (i + 1 < n_pending_) return true;                                                        // post-RR known
  const int64_t horizon = r + static_cast<int64_t>(std::ceil(model_->spec().rr_clamp_max * fs_)) + latency_;
  return next_ - 1 >= horizon;  // no next peak can still come closer than clamp_max: post-RR is clamp_max
}

Status BeatStream::classify_front(LabelledBeat* out, bool at_end, nn::KernelPath path) {
  const nn::InputSpec& s = model_->spec();
  const int64_t r = pending_[0];
  // Window: model sample i = clean[r + D·(i − before)], indices clamped to the stream's [first, last].
  const int64_t last = next_ - 1;
  for (int i = 0; i < L_; i++) {
    int64_t idx = r + static_cast<int64_t>(D_) * (i - before_);
    if (idx < first_) idx = first_;
    if (idx > last) idx = last;
    if (idx <= last - kRing) idx = last - kRing + 1;  // cannot happen after init's size check; keeps reads in range
    z_[i] = static_cast<float>(static_cast<double>(ring_[idx % kRing]) / 4096.0);
  }
  if (s.normalization == nn::NormKind::kZscorePerBeat) {
    double sum = 0;
    for (int i = 0; i < L_; i++) sum += z_[i];
    const double mean = sum / L_;
    double v = 0;
    for (int i = 0; i < L_; i++) { const double d = z_[i] - mean; v += d * d; }
    double sd = std::sqrt(v / L_);
    if (sd < s.norm_eps) sd = s.norm_eps;
    for (int i = 0; i < L_; i++) z_[i] = static_cast<float>((z_[i] - mean) / sd);
  }
  // Beat channels [L, C], time-major. 'beat-template' = z − tpl, with tpl the running template before this beat
  // (the first beat of the stream is its own template); the template is then updated with this beat.
  bool has_template = false;
  if (emitted_ == 0) for (int i = 0; i < L_; i++) tpl_[i] = z_[i];
  for (int c = 0; c < C_; c++) {
    if (s.channels[c] == static_cast<uint8_t>(nn::BeatChannel::kBeatTemplate)) {
      has_template = true;
      for (int i = 0; i < L_; i++) { const float d = z_[i] - tpl_[i]; beat_[i * C_ + c] = d; }
    } else {
      for (int i = 0; i < L_; i++) beat_[i * C_ + c] = z_[i];
    }
  }
  // RR features exactly as rrFeatures(): the first beat uses its post-RR as pre-RR, the last its pre-RR as post.
  const bool has_next = n_pending_ > 1;
  double post_known = has_next ? rr_interval(r, pending_[1]) : s.rr_clamp_max;
  double pre;
  if (prev_peak_ >= 0) pre = rr_interval(prev_peak_, r);
  else if (has_next || !at_end) pre = post_known;  // first beat: its post-RR (clamped max when none came in time)
  else pre = 1;                                    // a stream with a single beat
  const double post = has_next ? post_known : (at_end ? pre : s.rr_clamp_max);
  emitted_++;
  if (emitted_ == 1) { rec_avg_ = pre; loc_avg_ = pre; }
  else {
    rec_avg_ += (pre - rec_avg_) / static_cast<double>(emitted_ < s.rr_record_window ? emitted_ : s.rr_record_window);
    loc_avg_ += (pre - loc_avg_) / static_cast<double>(emitted_ < s.rr_local_window ? emitted_ : s.rr_local_window);
  }
  const double p = pre / loc_avg_;
  const double d = emitted_ == 1 ? 0.0 : std::fabs(p - prev_p_);
  irr_ += (d - irr_) / static_cast<double>(emitted_ < s.rr_local_window ? emitted_ : s.rr_local_window);
  prev_p_ = p;
  // indexed by the file's RR codes (nn::RRFeature)
  const double feats[nn::kMaxRRCode + 1] = {0.0, pre / rec_avg_, post / rec_avg_, p, post / loc_avg_, irr_, post / pre};
  for (int k = 0; k < s.n_rr; k++) {
    const int code = s.rr_features[k];
    rr_[k] = static_cast<float>(code >= 1 && code <= nn::kMaxRRCode ? feats[code] : 0.0);
  }
  if (has_template) {
    const float div = static_cast<float>(emitted_ < s.template_window ? emitted_ : s.template_window);
    for (int i = 0; i < L_; i++) {
      const float t = tpl_[i];
      const float step = (z_[i] - t) / div;
      tpl_[i] = t + step;
    }
  }
  int label = 0;
  const Status st = model_->classify(beat_, rr_, out->probs, &label, path);
  if (st != Status::kOk) return st;
  out->sample = r;
  out->label = label;
  out->emitted_at = next_ - 1;
  for (int k = 0; k < 8; k++) out->rr[k] = k < s.n_rr ? rr_[k] : 0.f;
  prev_peak_ = r;
  for (int i = 1; i < n_pending_; i++) pending_[i - 1] = pending_[i];
  n_pending_--;
  return Status::kOk;
}

int BeatStream::poll(LabelledBeat* out, int cap, nn::KernelPath path) {
  int n = 0;
  while (n < cap && model_ && ready(0, false)) {
    if (classify_front(out + n, false, path) != Status::kOk) break;
    n++;
  }
  return n;
}

int BeatStream::flush(LabelledBeat* out, int cap, nn::KernelPath path) {
  int n = 0;
  while (n < cap && model_ && n_pending_ > 0) {
    if (classify_front(out + n, true, path) != Status::kOk) break;
    n++;
  }
  return n;
}

}  // namespace classify
}  // namespace ecg
