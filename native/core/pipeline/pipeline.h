// Streaming signal path: per channel, the fixed-point cleaning filter (dsp/clean_q12.h), the R-peak detector
// (detect/qrs_i64.h) and a per-second signal-quality assessment. Push interleaved frames in blocks of any size
// (<= max_frames_per_push(), the caller loops): every sample goes through the same per-sample step, so the
// output is bit-exact whatever the blocking. Fixed-size object (no heap inside); configure() and reset() are
// explicit. The core never throws: every entry point returns ecg::Status.
#pragma once
#include <cstddef>
#include <cstdint>
#include "../detect/qrs_i64.h"
#include "../dsp/clean_q12.h"
#include "../dsp/design.h"
#include "../status.h"

namespace ecg::pipeline {

constexpr int kMaxChannels = 8;
constexpr size_t kPeakQueue = 2048;
constexpr size_t kQualityQueue = 256;

enum QualityFlag : uint8_t {
  kLeadOff = 1,      // > 50 % of the second at a rail (electrode off: the front end saturates)
  kFlat = 2,         // peak-to-peak < 0.02 mV over the second
  kSaturation = 4,   // >= 1 % of the second at a rail
  kNoise = 8,        // high-frequency (> 40 Hz) RMS > 0.05 mV, or >= 3 strong sub-threshold peaks
};

struct Config {
  int fs = 0;
  int channels = 1;
  int mains = 60;
  int32_t rail_lo = dsp::kInputMin;   // ADC codes counted as saturated (inclusive)
  int32_t rail_hi = dsp::kInputMax;
  int32_t adc_per_mv = 200;          // gain, for the quality thresholds
};

struct PeakEvent {
  int64_t sample;       // input-time index of the R peak
  int64_t emitted;      // input-time index of the sample whose push produced the event (latency = emitted - sample)
  int32_t channel;
  int32_t amplitude_q4; // signed, ADC units * 16, of the 4-40 Hz band signal at the peak
  uint8_t quality;      // QualityFlag bits of the last completed second (0 = good)
  uint8_t searchback;   // 1 if found by searchback
};

struct QualityEvent {
  int64_t second;       // second index (input time / fs)
  int32_t channel;
  uint8_t flags;
};

struct QualityAcc {
  int32_t mn, mx;
  int32_t n_rail;
  int64_t hf_sq;
};

struct ChannelState {
  dsp::CleanState clean;
  detect::DetectState det;
  QualityAcc q;
  uint8_t last_flags;
};

class Pipeline {
 public:
  Status configure(const Config& cfg);   // validates, designs the filters, resets
  void reset();                          // back to the start of a stream (configuration kept)
  bool configured() const { return configured_; }
  const Config& config() const { return cfg_; }
  int delay() const { return fd_.clean_delay; }             // filtered output delay, samples
  int detector_lag() const { return dp_.lag; }              // minimum peak -> event delay, samples
  size_t max_frames_per_push() const { return static_cast<size_t>(cfg_.fs); }
  size_t flush_frames() const;                              // padding frames fed by flush()
  int64_t frames_in() const { return n_in_; }

  // in: frames * channels interleaved samples (clamped to int16). out: room for frames * channels Q12 values;
  // *out_frames receives how many frames were written (input time frames_in() - delay() onwards).
  Status push(const int32_t* in, size_t frames, int32_t* out, size_t* out_frames);
  // Ends the stream: pads by holding the last frame, writes the remaining delay() frames of output (room for
  // delay() * channels) and the last events (peaks after the end are dropped), then resets.
  Status flush(int32_t* out, size_t out_cap_frames, size_t* out_frames);

  size_t peaks_pending() const { return n_peaks_; }
  size_t quality_pending() const { return n_qual_; }
  size_t take_peaks(PeakEvent* out, size_t cap);
  size_t take_quality(QualityEvent* out, size_t cap);
  size_t peaks_dropped() const { return dropped_; }

 private:
  void step_frame(const int32_t* frame, int32_t* out, size_t* n_out, bool padding);
  void end_second();

  Config cfg_{};
  dsp::FilterDesign fd_{};
  detect::DetectParams dp_{};
  ChannelState ch_[kMaxChannels];
  PeakEvent peaks_[kPeakQueue];
  size_t n_peaks_ = 0;
  QualityEvent qual_[kQualityQueue];
  size_t n_qual_ = 0;
  size_t dropped_ = 0;
  detect::DetectEvent scratch_[64];
  int64_t n_in_ = 0;
  int64_t end_ = -1;        // during flush: the real stream length
  int32_t sec_pos_ = 0;
  bool configured_ = false;
  bool primed_ = false;
};

}  // namespace ecg::pipeline
