#include "pipeline.h"
#include <cstring>

namespace ecg::pipeline {

Status Pipeline::configure(const Config& cfg) {
  if (cfg.fs < dsp::kMinFs || cfg.fs > dsp::kMaxFs) return Status::kInvalidArgument;
  if (cfg.channels < 1 || cfg.channels > kMaxChannels) return Status::kInvalidArgument;
  if (cfg.mains != 50 && cfg.mains != 60) return Status::kInvalidArgument;
  if (cfg.rail_lo >= cfg.rail_hi || cfg.adc_per_mv < 1 || cfg.adc_per_mv > 1000000) return Status::kInvalidArgument;
  dsp::FilterDesign fd;
  Status st = dsp::design_filters(cfg.fs, cfg.mains, &fd);
  if (st != Status::kOk) return st;
  detect::DetectParams dp;
  st = detect::detect_design(cfg.fs, &dp);
  if (st != Status::kOk) return st;
  cfg_ = cfg;
  fd_ = fd;
  dp_ = dp;
  configured_ = true;
  reset();
  return Status::kOk;
}

void Pipeline::reset() {
  for (int c = 0; c < kMaxChannels; ++c) {
    dsp::clean_reset(&ch_[c].clean);
    detect::detect_reset(&ch_[c].det);
    ch_[c].q = QualityAcc{INT32_MAX, INT32_MIN, 0, 0};
    ch_[c].last_flags = 0;
  }
  n_peaks_ = n_qual_ = dropped_ = 0;
  n_in_ = 0;
  end_ = -1;
  sec_pos_ = 0;
  primed_ = false;
}

size_t Pipeline::flush_frames() const {
  // Enough to drain the filter delay, and for the detector to confirm the last peak and run searchback
  // (1.66 * the longest mean RR).
  const size_t det = static_cast<size_t>(dp_.lag) + static_cast<size_t>(dp_.rr_max) * 166 / 100 + 2;
  const size_t clean = static_cast<size_t>(fd_.clean_delay);
  return det > clean ? det : clean;
}

void Pipeline::end_second() {
  const int C = cfg_.channels;
  const int64_t second = (n_in_ - 1) / cfg_.fs;  // n_in_ already counts the last frame of the second
  for (int c = 0; c < C; ++c) {
    ChannelState& ch = ch_[c];
    uint8_t f = 0;
    if (ch.q.n_rail * 2 > cfg_.fs) f |= kLeadOff;
    if (ch.q.n_rail * 100 >= cfg_.fs) f |= kSaturation;
    if (int64_t{ch.q.mx - ch.q.mn} * 50 < cfg_.adc_per_mv) f |= kFlat;
    // HF RMS (Q4) > 0.05 mV  <=>  hf_sq > fs * (0.8 * adc_per_mv)^2 ; compare in int64 with 0.8 = 4/5.
    const int64_t thr = int64_t{cfg_.adc_per_mv} * 4 / 5;
    if (ch.q.hf_sq > int64_t{cfg_.fs} * thr * thr || ch.det.noisy_peaks >= 3) f |= kNoise;
    ch.det.noisy_peaks = 0;
    ch.last_flags = f;
    ch.q = QualityAcc{INT32_MAX, INT32_MIN, 0, 0};
    if (n_qual_ < kQualityQueue) qual_[n_qual_++] = QualityEvent{second, c, f};
  }
}

void Pipeline::step_frame(const int32_t* frame, int32_t* out, size_t* n_out, bool padding) {
  const int C = cfg_.channels;
  const bool emit_out = n_in_ >= fd_.clean_delay && (end_ < 0 || n_in_ - fd_.clean_delay < end_);
  for (int c = 0; c < C; ++c) {
    ChannelState& ch = ch_[c];
    const int32_t x = dsp::clamp_input(frame[c]);
    const dsp::CleanOut o = dsp::clean_step_q12(fd_, ch.clean, x);
    if (emit_out) out[*n_out * C + c] = o.clean;
    if (!padding) {
      if (x < ch.q.mn) ch.q.mn = x;
      if (x > ch.q.mx) ch.q.mx = x;
      if (x <= cfg_.rail_lo || x >= cfg_.rail_hi) ++ch.q.n_rail;
      const int64_t hf = (o.centre - o.lowpassed) / 256;  // Q4
      ch.q.hf_sq += hf * hf;
    }
    detect::EventSink sink{scratch_, sizeof(scratch_) / sizeof(scratch_[0]), 0, 0};
    detect::detect_step(dp_, ch.det, o.lowpassed, sink);
    if (sink.n == 0) continue;
    dropped_ += sink.dropped;
    for (size_t i = 0; i < sink.n; ++i) {
      const int64_t sample = scratch_[i].t - fd_.fir_delay;
      if (sample < 0 || (end_ >= 0 && sample >= end_)) continue;
      if (n_peaks_ == kPeakQueue) { ++dropped_; continue; }
      peaks_[n_peaks_++] = PeakEvent{sample, n_in_, c,
                                     scratch_[i].amp, ch.last_flags, scratch_[i].searchback};
    }
  }
  if (emit_out) ++*n_out;
  ++n_in_;
  if (!padding && ++sec_pos_ == cfg_.fs) {
    sec_pos_ = 0;
    end_second();
  }
}

Status Pipeline::push(const int32_t* in, size_t frames, int32_t* out, size_t* out_frames) {
  if (!configured_) return Status::kInvalidState;
  if (out_frames) *out_frames = 0;
  if (!in || !out || !out_frames) return frames == 0 ? Status::kOk : Status::kInvalidArgument;
  if (frames > max_frames_per_push()) return Status::kInvalidArgument;
  if (end_ >= 0) return Status::kInvalidState;
  const int C = cfg_.channels;
  if (frames > 0 && !primed_) {
    for (int c = 0; c < C; ++c) {
      const int32_t x = dsp::clamp_input(in[c]);
      dsp::clean_prime(fd_, &ch_[c].clean, x);
      detect::detect_prime(dp_, &ch_[c].det, x * (1 << dsp::kSampleShift));
    }
    primed_ = true;
  }
  size_t n_out = 0;
  for (size_t f = 0; f < frames; ++f) step_frame(in + f * C, out, &n_out, false);
  *out_frames = n_out;
  return Status::kOk;
}

Status Pipeline::flush(int32_t* out, size_t out_cap_frames, size_t* out_frames) {
  if (!configured_) return Status::kInvalidState;
  if (!out_frames) return Status::kInvalidArgument;
  *out_frames = 0;
  if (!primed_) { reset(); return Status::kOk; }
  const size_t remaining = static_cast<size_t>(n_in_ < fd_.clean_delay ? n_in_ : fd_.clean_delay);
  if (!out || out_cap_frames < remaining) return Status::kInvalidArgument;
  const int C = cfg_.channels;
  int32_t last[kMaxChannels];
  // The last frame as the filters saw it: the newest sample in each channel's notch history (Q12 -> ADC).
  for (int c = 0; c < C; ++c) last[c] = ch_[c].clean.x1 / (1 << dsp::kSampleShift);
  end_ = n_in_;
  // Outputs for input times < clean_delay were never produced when the stream was shorter than the delay:
  // they come out first here, in order, because emit_out starts at n_in_ >= clean_delay.
  size_t n_out = 0;
  const size_t pad = flush_frames();
  for (size_t i = 0; i < pad; ++i) step_frame(last, out, &n_out, true);
  *out_frames = n_out;
  // Keep the pending events for take_*(), reset the rest.
  const size_t np = n_peaks_, nq = n_qual_, dr = dropped_;
  for (int c = 0; c < kMaxChannels; ++c) {
    dsp::clean_reset(&ch_[c].clean);
    detect::detect_reset(&ch_[c].det);
    ch_[c].q = QualityAcc{INT32_MAX, INT32_MIN, 0, 0};
    ch_[c].last_flags = 0;
  }
  n_in_ = 0;
  end_ = -1;
  sec_pos_ = 0;
  primed_ = false;
  n_peaks_ = np; n_qual_ = nq; dropped_ = dr;
  return Status::kOk;
}

size_t Pipeline::take_peaks(PeakEvent* out, size_t cap) {
  const size_t n = n_peaks_ < cap ? n_peaks_ : cap;
  std::memcpy(out, peaks_, n * sizeof(PeakEvent));
  std::memmove(peaks_, peaks_ + n, (n_peaks_ - n) * sizeof(PeakEvent));
  n_peaks_ -= n;
  return n;
}

size_t Pipeline::take_quality(QualityEvent* out, size_t cap) {
  const size_t n = n_qual_ < cap ? n_qual_ : cap;
  std::memcpy(out, qual_, n * sizeof(QualityEvent));
  std::memmove(qual_, qual_ + n, (n_qual_ - n) * sizeof(QualityEvent));
  n_qual_ -= n;
  return n;
}

}  // namespace ecg::pipeline
