// R-peak detector (kernel "qrs", dtype i64): Pan-Tompkins family, all integer.
// Feature chain on the low-passed signal l (Q12, from dsp/clean_q12.h):
//   q  = l >> 8                                   (Q4)
//   hp = Lh*q[n-Dh] - sum_{Lh}(q)                 linear-phase high-pass (boxcar of 0.15 s), scaled by Lh
//   d  = (hp[n] - hp[n-2m]) >> sd                 central difference over 2m = 32 ms (peak gain ~16 Hz,
//                                                 null at ~31 Hz: with hp and the 40 Hz low-pass, a QRS band)
//   e  = d^2 ;  mwi = sum_{Lw}(e)                 moving-window integration (0.2 s), int64
// Peaks of mwi are clustered (the largest local maximum within a quarter RR, 150-250 ms), then classified
// with adaptive thresholds (signal/noise peak levels, threshold = noise + (signal - noise)/6), a 200 ms
// refractory period, T-wave rejection by slope (within 360 ms), a noise gate for early candidates (before 0.8 RR: must exceed 8x the noise level), and
// searchback at half threshold after 1.66 mean RR. The fiducial mark is the largest |hp| near the
// mwi peak, so the R (or the dominant deflection of an inverted/QS complex) is marked. Polarity-independent.
// Fixed-size state, no heap. Times are in "l-index" (sample counter of the low-passed stream).
#pragma once
#include <cstddef>
#include <cstdint>
#include "../status.h"

namespace ecg::detect {

constexpr int kQRing = 256;      // q history, >= Lh (<= 151)
constexpr int kHRing = 1024;     // hp history (derivative, fiducial search)
constexpr int kERing = 512;      // e history (mwi window + slope search)
constexpr int kPeakStore = 32;   // sub-threshold peaks kept for searchback
constexpr int kLearnMax = 32;    // peaks kept during the learning period
constexpr int kRR = 8;           // RR intervals averaged

struct DetectParams {
  int fs = 0;
  int lh = 0, dh = 0;        // high-pass boxcar length (odd) and delay
  int m = 0;                 // half-span of the derivative
  int sd = 0;                // right shift of the derivative
  int lw = 0, dw = 0;        // mwi length (odd) and delay
  int merge = 0;             // a peak must be the largest local max within this many samples after it (min)
  int merge_max = 0;         // ... at most (the window is a quarter of the mean RR within [merge, merge_max])
  int refractory = 0;        // 200 ms
  int twave = 0;             // 360 ms
  int learn = 0;             // 2 s
  int fid_half = 0;          // fiducial search half-window (100 ms)
  int lag = 0;               // l-index delay from an mwi peak's l-time to its confirmation
  int rr_min = 0, rr_max = 0, rr_init = 0;
  int slow_reset = 0;        // after this long without a QRS, thresholds are lowered
  int sb_max_age = 0;        // searchback never emits a peak older than this (6 s): bounds the latency
};

Status detect_design(int fs, DetectParams* p);

struct Peak {
  int64_t t;          // fiducial, l-index
  int64_t v;          // mwi peak value
  int64_t slope;      // max e (squared slope) around the peak
  int32_t amp;        // hp at the fiducial / Lh, Q4 ADC units (signed)
  uint8_t twave;      // 1 if rejected as a T wave
};

struct DetectEvent {
  int64_t t;          // fiducial, l-index
  int32_t amp;        // Q4 ADC units, signed
  int64_t emitted;    // l-index at which the decision was made
  uint8_t searchback; // found by searchback
};

// Fixed-capacity output queue the detector appends to (owned by the caller).
struct EventSink {
  DetectEvent* buf;
  size_t cap;
  size_t n;
  size_t dropped;
};

struct DetectState {
  int64_t k;                      // l-index of the next sample
  int32_t qring[kQRing];
  int64_t qsum;
  int64_t hring[kHRing];
  int64_t ering[kERing];
  int64_t wsum;
  int64_t prev_mwi;
  bool rising;
  bool has_cand;
  int64_t cand_k, cand_v;
  // thresholds
  bool learning;
  int64_t spk, npk;
  int64_t last_qrs_t;
  int64_t last_decay_t;
  int64_t last_slope;
  int32_t rr[kRR];
  int rr_n, rr_i;
  int64_t rr_sum;
  int32_t rr_med;                 // mean of the last kRR intervals (accepted beats, 0.2-3 s)
  int32_t merge;                  // current clustering window (grows with the RR interval)
  int64_t sb_limit;
  Peak store[kPeakStore];
  int store_n;
  bool sb_pending;
  Peak learn_buf[kLearnMax];
  int learn_n;
  int noisy_peaks;                // sub-threshold peaks above half threshold since last read (quality)
  int64_t next_slow;              // first k at which detect_slow() has work
  bool primed;
};

void detect_reset(DetectState* s);
// Primes the filters as if l had been constant at l0 (Q12) forever.
void detect_prime(const DetectParams& p, DetectState* s, int32_t l0);
// The rare, time-driven part of a step (candidate confirmation, classification, searchback, learning end).
void detect_slow(const DetectParams& p, DetectState& s, int64_t k, EventSink& sink);

// One low-passed sample (Q12). Appends zero or more events to sink. The feature chain runs inline; the
// decision logic only when a timer is due (s.next_slow) — exactly as if it were checked every sample.
inline void detect_step(const DetectParams& p, DetectState& s, int32_t l, EventSink& sink) {
  const int64_t k = s.k++;
  const int32_t q = (l + 128) >> 8;
  s.qsum += q - s.qring[(k - p.lh) & (kQRing - 1)];
  s.qring[k & (kQRing - 1)] = q;
  const int64_t hp = int64_t{p.lh} * s.qring[(k - p.dh) & (kQRing - 1)] - s.qsum;
  s.hring[k & (kHRing - 1)] = hp;
  const int64_t d = (hp - s.hring[(k - 2 * p.m) & (kHRing - 1)]) >> p.sd;
  const int64_t e = d * d;
  s.wsum += e - s.ering[(k - p.lw) & (kERing - 1)];
  s.ering[k & (kERing - 1)] = e;
  const int64_t mwi = s.wsum;
  if (mwi > s.prev_mwi) {
    s.rising = true;
  } else if (mwi < s.prev_mwi && s.rising) {
    s.rising = false;
    if (!s.has_cand || s.prev_mwi > s.cand_v) {
      s.has_cand = true;
      s.cand_k = k - 1;
      s.cand_v = s.prev_mwi;
      if (s.cand_k + s.merge + 1 < s.next_slow) s.next_slow = s.cand_k + s.merge + 1;
    }
  }
  s.prev_mwi = mwi;
  if (k >= s.next_slow) detect_slow(p, s, k, sink);
}

}  // namespace ecg::detect
