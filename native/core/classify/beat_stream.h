// Streaming beat classification: the last stage of the device pipeline. It takes the pipeline's filtered
// samples (Q12, delay-compensated input time) and its R-peak events, and for each beat builds exactly the model
// inputs the training dataset builds (src/train/dataset/features.ts: window, per-beat z-score, the running beat
// template channel, RR features with causal averages and irregularity), then runs the int8 model. Fixed-size
// state, no heap after init.
//
// When is a beat classified? Its features need the post-RR interval (the next R peak) and the window's last
// sample. Post-RR is clamped to rr_clamp_max seconds, so if no next peak is reported by r + clamp_max·fs +
// detector_latency, the clamped value is already final: the beat is emitted then. Latency from the R peak to its
// label is therefore at most max(afterSamples, next-beat interval (≤ clamp_max·fs)) + the detector's latency.
#pragma once
#include <cstddef>
#include <cstdint>
#include "nn/model.h"
#include "status.h"

namespace ecg {
namespace classify {

struct LabelledBeat {
  int64_t sample;        // input-time index of the R peak
  int label;             // class index
  float probs[16];       // class probabilities
  int64_t emitted_at;    // input-time index of the newest filtered sample when the label was produced
  float rr[8];           // the RR features used (the model's n_rr first, in its order)
};

class BeatStream {
 public:
  static constexpr int kRing = 16384;     // filtered samples kept (≥ (clamp_max + 1) s + window at 1000 Hz)
  static constexpr int kPending = 64;     // peaks waiting for their post-RR / window
  static constexpr int kMaxLength = 4096; // model window length

  /** Binds a loaded model; `detector_latency` = the largest delay (samples) between an R peak and its event. */
  Status init(nn::Model* model, int detector_latency);
  /** Restarts the stream: the RR averages, the irregularity and the beat template start again (use after a gap). */
  void reset();
  /** Appends filtered samples (Q12 = ADC units × 4096) for input times start .. start + n − 1 (contiguous). */
  Status push_filtered(const int32_t* q12, int n, int64_t start);
  /** Adds an R-peak event (input-time index, increasing; a peak at or before the last queued one is ignored). */
  Status push_peak(int64_t sample);
  /** Classifies every beat that is ready; writes up to `cap` beats, returns how many. */
  int poll(LabelledBeat* out, int cap, nn::KernelPath path = nn::KernelPath::kOptimized);
  /** End of stream: classifies the remaining beats (the last uses its pre-RR as post-RR, as the dataset does). */
  int flush(LabelledBeat* out, int cap, nn::KernelPath path = nn::KernelPath::kOptimized);
  int64_t next_sample() const { return next_; }
  /** The float beat input [length, channels] (time-major) of the last classified beat (tests, diagnostics). */
  const float* beat_input() const { return beat_; }
  /** Peaks that arrived after a later beat was already labelled (ignored). */
  int64_t dropped() const { return dropped_; }

 private:
  bool ready(int i, bool at_end) const;
  Status classify_front(LabelledBeat* out, bool at_end, nn::KernelPath path);
  double rr_interval(int64_t a, int64_t b) const;

  nn::Model* model_ = nullptr;
  int fs_ = 0, D_ = 1, before_ = 0, after_ = 0, L_ = 0, latency_ = 0;
  int32_t ring_[kRing];
  int64_t first_ = -1;   // input time of the oldest sample ever pushed (stream start)
  int64_t next_ = 0;     // input time of the next sample expected
  int64_t pending_[kPending];
  int n_pending_ = 0;
  int64_t prev_peak_ = -1;   // R peak of the last emitted beat (for pre-RR)
  int64_t emitted_ = 0;      // beats emitted
  double rec_avg_ = 0, loc_avg_ = 0;
  double irr_ = 0, prev_p_ = 0;  // 'irregularity': running mean of |p_k − p_{k−1}|, p = pre / localAvg
  int64_t dropped_ = 0;
  int C_ = 1;                     // beat channels
  float z_[kMaxLength];           // the z-scored window of the current beat
  float tpl_[kMaxLength];         // running beat template ('beat-template' channel), float32 arithmetic
  float beat_[kMaxLength * nn::kMaxBeatChannels];  // the model's beat input [L, C], time-major
  float rr_[8];
};

}  // namespace classify
}  // namespace ecg
