// Fixed-point helpers shared by every int8 kernel: one rounding rule, one requantization, saturation and the
// look-up-table nonlinearities. Integer-only; no heap, no exceptions.
//
// Requantization: a real multiplier M > 0 is stored as (mult, shift) with M = mult · 2^-shift, mult in
// [2^30, 2^31) (or 0 for M = 0) and shift in [1, 62]. requantize(x) = round_half_up(x · mult / 2^shift),
// computed exactly in 64-bit, saturated to int32.
#pragma once
#include <cstdint>

namespace ecg {
namespace nn {

constexpr int32_t kMinShift = 1;
constexpr int32_t kMaxShift = 62;

inline int32_t sat_i32(int64_t v) {
  return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : static_cast<int32_t>(v));
}
inline int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }
inline int16_t sat_i16(int32_t v) { return static_cast<int16_t>(clamp_i32(v, INT16_MIN, INT16_MAX)); }
inline int8_t sat_i8(int32_t v) { return static_cast<int8_t>(clamp_i32(v, INT8_MIN, INT8_MAX)); }

/** round_half_up(v / 2^s) for s >= 1 (arithmetic shift of a 64-bit value). */
inline int64_t rshift_round(int64_t v, int s) { return (v + (int64_t{1} << (s - 1))) >> s; }

/** x · mult · 2^-shift, rounded half up, saturated to int32. mult in [0, 2^31), shift in [1, 62]. */
inline int32_t requantize(int32_t x, int32_t mult, int32_t shift) {
  return sat_i32(rshift_round(static_cast<int64_t>(x) * mult, shift));
}

// Nonlinearities on Q3.12 inputs (real = x / 4096, saturating at ±8), outputs in Q0.15 (real = y / 32768):
// 257-knot tables (lut_q15.cc) with linear interpolation, inline because the LSTM calls them per unit and step.
extern const int16_t kSigmoidQ15[257];
extern const int16_t kTanhQ15[257];
inline int16_t lut_q12_q15(const int16_t* t, int16_t x) {
  const int32_t u = static_cast<int32_t>(x) + 32768;
  const int32_t i = u >> 8, f = u & 255;
  const int32_t a = t[i], b = t[i + 1];
  return static_cast<int16_t>(a + static_cast<int32_t>(rshift_round(static_cast<int64_t>(b - a) * f, 8)));
}
inline int16_t sigmoid_q12_q15(int16_t x) { return lut_q12_q15(kSigmoidQ15, x); }
inline int16_t tanh_q12_q15(int16_t x) { return lut_q12_q15(kTanhQ15, x); }
/** hard sigmoid clip(0.2·x + 0.5, 0, 1) as tfjs defines it, Q3.12 → Q0.15. */
int16_t hard_sigmoid_q12_q15(int16_t x);
/** exp(x) for x ≤ 0 in Q19.12 (int32, real = x / 4096; inputs below −16 give 0), output Q1.30 (exp(0) = 2^30). */
int32_t exp_neg_q12_q30(int32_t x);

}  // namespace nn
}  // namespace ecg
