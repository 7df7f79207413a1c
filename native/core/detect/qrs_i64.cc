#include "qrs_i64.h"
#include <cstring>

namespace ecg::detect {

namespace {
int odd_round(double v) {
  int n = static_cast<int>(v + 0.5);
  return (n % 2 == 0) ? n + 1 : n;
}
int ms(int fs, int milliseconds) { return (fs * milliseconds + 500) / 1000; }

void emit(DetectState& s, EventSink& sink, const Peak& p, int64_t now, bool sb) {
  (void)s;
  if (sink.n < sink.cap) {
    sink.buf[sink.n++] = DetectEvent{p.t, p.amp, now, static_cast<uint8_t>(sb ? 1 : 0)};
  } else {
    ++sink.dropped;
  }
}

int64_t threshold1(const DetectState& s) { return s.npk + (s.spk - s.npk) / 6; }

void accept(const DetectParams& p, DetectState& s, const Peak& pk, int64_t now, bool sb, EventSink& sink) {
  const int64_t cap = s.spk > 0 ? 4 * s.spk : pk.v;
  const int64_t vc = pk.v < cap ? pk.v : cap;
  s.spk += sb ? (vc - s.spk) / 4 : (vc - s.spk) / 8;
  if (s.last_qrs_t > INT64_MIN / 2) {
    const int64_t rr = pk.t - s.last_qrs_t;
    if (rr >= p.rr_min && rr <= p.rr_max) {
      if (s.rr_n < kRR) {
        s.rr[s.rr_n++] = static_cast<int32_t>(rr);
        s.rr_sum += rr;
      } else {
        s.rr_sum += rr - s.rr[s.rr_i];
        s.rr[s.rr_i] = static_cast<int32_t>(rr);
        s.rr_i = (s.rr_i + 1) % kRR;
      }
      s.rr_med = static_cast<int32_t>(s.rr_sum / s.rr_n);
      s.sb_limit = int64_t{s.rr_med} * 166 / 100;
      // Clustering window: a quarter of the mean RR, within [150, 250] ms (wider at slow rates merges
      // noise bumps around a beat; narrow at fast rates keeps consecutive beats apart).
      int64_t mg = int64_t{s.rr_med} / 4;
      if (mg > p.merge_max) mg = p.merge_max;
      if (mg < p.merge) mg = p.merge;
      s.merge = static_cast<int32_t>(mg);
    }
  }
  s.last_qrs_t = pk.t;
  s.last_slope = pk.slope;
  // Keep only stored peaks after this beat.
  int j = 0;
  for (int i = 0; i < s.store_n; ++i)
    if (s.store[i].t > pk.t) s.store[j++] = s.store[i];
  s.store_n = j;
  s.sb_pending = j > 0;
  emit(s, sink, pk, now, sb);
}

void store_peak(DetectState& s, const Peak& pk) {
  if (s.store_n == kPeakStore) {
    std::memmove(s.store, s.store + 1, sizeof(Peak) * (kPeakStore - 1));
    --s.store_n;
  }
  s.store[s.store_n++] = pk;
  s.sb_pending = true;
}

void searchback(const DetectParams& p, DetectState& s, int64_t now, EventSink& sink) {
  for (;;) {
    const int64_t thr2 = threshold1(s) / 2;
    int best = -1;
    for (int i = 0; i < s.store_n; ++i) {
      const Peak& c = s.store[i];
      const int64_t since = c.t - s.last_qrs_t;
      if (c.twave || since < p.refractory || c.v <= thr2) continue;
      if (since < p.twave && c.slope * 4 < s.last_slope) continue;
      if (now - c.t > p.sb_max_age) continue;  // bounds the latency: older peaks are never emitted
      if (best < 0 || c.v > s.store[best].v) best = i;
    }
    if (best < 0) {
      s.sb_pending = false;
      return;
    }
    const Peak pk = s.store[best];
    accept(p, s, pk, now, true, sink);
  }
}

void decide(const DetectParams& p, DetectState& s, Peak pk, int64_t now, EventSink& sink) {
  if (s.sb_pending && pk.t - s.last_qrs_t > s.sb_limit) searchback(p, s, now, sink);
  const int64_t since = pk.t - s.last_qrs_t;
  const int64_t thr1 = threshold1(s);
  if (since < p.refractory) return;
  // Noise gate: a candidate earlier than 80 % of the mean RR must also stand 8x above the noise level.
  // Rejections by this gate alone do not feed the noise level (no runaway when beats are rejected); the
  // peak stays available to searchback.
  const bool early = s.rr_n >= 4 && since * 100 < int64_t{s.rr_med} * 80;
  if (early && pk.v > thr1 && pk.v <= 8 * s.npk) {
    store_peak(s, pk);
    return;
  }
  if (pk.v > thr1) {
    if (since < p.twave && pk.slope * 4 < s.last_slope) {
      pk.twave = 1;
      s.npk += (pk.v - s.npk) / 8;
      store_peak(s, pk);
      return;
    }
    accept(p, s, pk, now, false, sink);
  } else {
    s.npk += (pk.v - s.npk) / 8;
    if (pk.v > thr1 / 2) ++s.noisy_peaks;
    store_peak(s, pk);
  }
}

void end_learning(const DetectParams& p, DetectState& s, int64_t now, EventSink& sink) {
  s.learning = false;
  int64_t vmax = 0;
  for (int i = 0; i < s.learn_n; ++i)
    if (s.learn_buf[i].v > vmax) vmax = s.learn_buf[i].v;
  s.spk = vmax / 2;
  s.npk = 0;
  for (int i = 0; i < s.learn_n; ++i) decide(p, s, s.learn_buf[i], now, sink);
  s.learn_n = 0;
}

void confirm(const DetectParams& p, DetectState& s, int64_t now, EventSink& sink) {
  const int64_t kc = s.cand_k;
  Peak pk{};
  pk.v = s.cand_v;
  int64_t slope = 0;
  for (int64_t i = kc - p.lw + 1; i <= kc; ++i) {
    const int64_t e = s.ering[i & (kERing - 1)];
    if (e > slope) slope = e;
  }
  pk.slope = slope;
  const int64_t c = kc - p.dw - p.m - p.dh;
  int64_t best_t = c, best_a = -1, best_h = 0;
  for (int64_t t = c - p.fid_half; t <= c + p.fid_half; ++t) {
    const int64_t h = s.hring[(t + p.dh) & (kHRing - 1)];
    const int64_t a = h < 0 ? -h : h;
    if (a > best_a) { best_a = a; best_t = t; best_h = h; }
  }
  pk.t = best_t;
  pk.amp = static_cast<int32_t>(best_h / p.lh);
  if (s.learning) {
    if (s.learn_n < kLearnMax) s.learn_buf[s.learn_n++] = pk;
    return;
  }
  decide(p, s, pk, now, sink);
}

}  // namespace

Status detect_design(int fs, DetectParams* p) {
  if (!p || fs < 125 || fs > 1000) return Status::kInvalidArgument;
  *p = DetectParams{};
  p->fs = fs;
  p->lh = odd_round(0.15 * fs);
  p->dh = (p->lh - 1) / 2;
  p->m = ms(fs, 16);
  int sd = 0;
  while ((1 << sd) < p->lh) ++sd;
  p->sd = sd;
  p->lw = odd_round(0.2 * fs);
  p->dw = (p->lw - 1) / 2;
  p->merge = ms(fs, 150);
  p->merge_max = ms(fs, 250);
  p->refractory = ms(fs, 200);
  p->twave = ms(fs, 360);
  p->learn = 2 * fs;
  p->fid_half = ms(fs, 100);
  p->lag = p->dh + p->m + p->dw + p->merge_max + 1;
  p->rr_min = ms(fs, 200);
  p->rr_max = 3 * fs;
  p->rr_init = ms(fs, 800);
  p->slow_reset = 4 * fs;
  p->sb_max_age = 6 * fs;
  return Status::kOk;
}

void detect_reset(DetectState* s) {
  std::memset(s, 0, sizeof(*s));
}

void detect_prime(const DetectParams& p, DetectState* s, int32_t l0) {
  std::memset(s, 0, sizeof(*s));
  const int32_t q = (l0 + 128) >> 8;
  for (int i = 0; i < kQRing; ++i) s->qring[i] = q;
  s->qsum = int64_t{q} * p.lh;
  s->learning = true;
  s->last_qrs_t = INT64_MIN / 2;
  s->last_decay_t = INT64_MIN / 2;
  s->sb_limit = int64_t{p.rr_init} * 166 / 100;
  s->merge = p.merge;
  s->primed = true;
}

void detect_slow(const DetectParams& p, DetectState& s, int64_t k, EventSink& sink) {
  if (s.has_cand && k - s.cand_k > s.merge) {
    s.has_cand = false;
    confirm(p, s, k, sink);
  }
  if (s.learning) {
    if (k >= p.learn + p.lag) end_learning(p, s, k, sink);
  } else {
    const int64_t now_t = k - p.lag;
    if (s.sb_pending && now_t - s.last_qrs_t > s.sb_limit) searchback(p, s, k, sink);
    const int64_t quiet_from = s.last_qrs_t > s.last_decay_t ? s.last_qrs_t : s.last_decay_t;
    if (now_t - quiet_from > p.slow_reset && now_t - s.last_qrs_t > 2 * s.sb_limit) {
      // Long silence: the signal may have shrunk (lead change, or an artifact raised the levels). Halve the
      // levels, at most once per slow_reset period, and search the stored peaks again.
      s.spk /= 2;
      s.npk /= 2;
      s.last_decay_t = now_t;
      s.sb_pending = s.store_n > 0;
    }
  }
  // The first sample index at which any of the checks above can fire again (the per-sample path calls
  // detect_slow only from then on; a new candidate lowers it).
  int64_t next = INT64_MAX;
  if (s.has_cand) next = s.cand_k + s.merge + 1;
  if (s.learning) {
    const int64_t t = int64_t{p.learn} + p.lag;
    if (t < next) next = t;
  } else {
    if (s.sb_pending) {
      const int64_t t = s.last_qrs_t + s.sb_limit + p.lag + 1;
      if (t < next) next = t;
    }
    const int64_t quiet_from = s.last_qrs_t > s.last_decay_t ? s.last_qrs_t : s.last_decay_t;
    const int64_t a = quiet_from + p.slow_reset, b = s.last_qrs_t + 2 * s.sb_limit;
    const int64_t t = (a > b ? a : b) + p.lag + 1;
    if (t < next) next = t;
  }
  s.next_slow = next > k + 1 ? next : k + 1;
}

}  // namespace ecg::detect
