// Test helper: writes .ecgm model files in C++ (the same layout src/nn/format.ts writes) so the reader, the
// interpreter and the fuzz tests can build valid models without Node, and holds what the nn tests share (random
// vectors, every SIMD level, path agreement, the fuzz loop). Not a test file itself.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>
#include "nn/kernels.h"
#include "nn/model.h"
#include "nn/sha256.h"

namespace nn_test {

// An int8 weight matrix [rows, cols] in the packed forms the optimized kernels take: int16 pairs (AVX2) and int8
// quads with their row sums (VNNI).
struct PackedWeights {
  std::vector<int16_t> s16;
  std::vector<int8_t> q4;
  std::vector<int32_t> sums;
  PackedWeights(const std::vector<int8_t>& w, int rows, int cols)
      : s16(ecg::nn::packed_s16_elems(rows, cols)), q4(ecg::nn::packed_q4_bytes(rows, cols)), sums(static_cast<size_t>(rows)) {
    ecg::nn::pack_s8_s16(w.data(), rows, cols, s16.data());
    ecg::nn::pack_s8_q4(w.data(), rows, cols, q4.data(), sums.data());
  }
  ecg::nn::PackedQ4 quads() const { return {q4.data(), sums.data()}; }
};

struct TTensor {
  uint8_t dtype;  // 1 int8, 2 int16, 3 int32
  uint8_t kind;   // 0 activation, 1 constant
  std::vector<uint32_t> shape;
  float scale;
  int32_t zp;
  std::vector<uint8_t> data;
};
struct TOp {
  uint16_t code;
  std::vector<uint16_t> t;
  std::vector<int32_t> p;
};

struct Builder {
  std::vector<TTensor> tensors;
  std::vector<TOp> ops;
  uint16_t beat = 0, rr = 0, logits = 0, probs = 0;
  int length = 32, n_rr = 4;
  std::vector<std::string> classes{"N", "S", "V", "F", "Q"};
  // Format 2.1 input spec: RR codes (empty: 1 + i % 4) and beat channel codes (empty: a 2.0 file, one 'beat').
  std::vector<uint8_t> rr_codes, channels;
  int template_window = 0;
  int minor = -1;  // format minor version to write (-1: 1 with an extended spec, else 0)

  uint16_t act(uint8_t dt, std::vector<uint32_t> shape, float scale, int32_t zp) {
    tensors.push_back({dt, 0, shape, scale, zp, {}});
    return static_cast<uint16_t>(tensors.size() - 1);
  }
  template <typename T>
  uint16_t constant(uint8_t dt, std::vector<uint32_t> shape, const std::vector<T>& v) {
    TTensor t{dt, 1, shape, 0.f, 0, {}};
    t.data.resize(v.size() * sizeof(T));
    std::memcpy(t.data.data(), v.data(), t.data.size());
    tensors.push_back(t);
    return static_cast<uint16_t>(tensors.size() - 1);
  }
  void op(uint16_t code, std::vector<uint16_t> t, std::vector<int32_t> p = {}) { ops.push_back({code, t, p}); }

  static void put16(std::vector<uint8_t>& b, size_t o, uint32_t v) { b[o] = v & 255; b[o + 1] = (v >> 8) & 255; }
  static void put32(std::vector<uint8_t>& b, size_t o, uint32_t v) { for (int k = 0; k < 4; k++) b[o + k] = (v >> (8 * k)) & 255; }
  static void putf(std::vector<uint8_t>& b, size_t o, float f) { uint32_t u; std::memcpy(&u, &f, 4); put32(b, o, u); }
  static size_t a16(size_t n) { return (n + 15) & ~size_t{15}; }

  std::vector<uint8_t> build() const {
    std::vector<uint8_t> cls{static_cast<uint8_t>(classes.size())};
    for (auto& c : classes) { cls.push_back(static_cast<uint8_t>(c.size())); for (char ch : c) cls.push_back(static_cast<uint8_t>(ch)); }
    std::vector<size_t> offs;
    size_t data = 0;
    for (auto& t : tensors) { offs.push_back(data); if (t.kind) data = a16(data + t.data.size()); }
    const bool ext = !channels.empty();
    const size_t spec = 64, clsoff = ext ? 144 : 128, toff = a16(clsoff + cls.size()), ooff = toff + tensors.size() * 40, doff = a16(ooff + ops.size() * 56);
    const size_t size = doff + data + 32;
    std::vector<uint8_t> b(size, 0);
    std::memcpy(b.data(), "ECGM", 4);
    put16(b, 4, 2); put16(b, 6, static_cast<uint32_t>(minor >= 0 ? minor : (ext ? 1 : 0))); put32(b, 8, static_cast<uint32_t>(size)); put32(b, 12, 0);
    put32(b, 16, static_cast<uint32_t>(spec)); put32(b, 20, ext ? 80 : 64); put32(b, 24, static_cast<uint32_t>(clsoff)); put32(b, 28, static_cast<uint32_t>(cls.size()));
    put32(b, 32, static_cast<uint32_t>(toff)); put32(b, 36, static_cast<uint32_t>(tensors.size()));
    put32(b, 40, static_cast<uint32_t>(ooff)); put32(b, 44, static_cast<uint32_t>(ops.size()));
    put32(b, 48, static_cast<uint32_t>(doff)); put32(b, 52, static_cast<uint32_t>(data));
    put16(b, 56, beat); put16(b, 58, rr); put16(b, 60, logits); put16(b, 62, probs);
    // spec: 360 Hz, decimation 2, window length split 12/20, ecgClean 60 Hz, z-score, 4 RR features
    putf(b, 64, 360.f); putf(b, 68, 180.f); put16(b, 72, 2); put16(b, 74, static_cast<uint32_t>(length / 2 - 4));
    put16(b, 76, static_cast<uint32_t>(length - (length / 2 - 4))); put16(b, 78, static_cast<uint32_t>(length));
    b[80] = 1; b[81] = 60; b[82] = 1; b[83] = static_cast<uint8_t>(n_rr); putf(b, 84, 1e-3f);
    for (int i = 0; i < n_rr; i++) b[88 + i] = i < static_cast<int>(rr_codes.size()) ? rr_codes[i] : static_cast<uint8_t>(1 + i % 4);
    if (ext) {
      b[128] = static_cast<uint8_t>(channels.size());
      for (size_t i = 0; i < channels.size() && i < 4; i++) b[129 + i] = channels[i];
      put16(b, 136, static_cast<uint32_t>(template_window));
    }
    put16(b, 96, 300); put16(b, 98, 10); putf(b, 100, 0.15f); putf(b, 104, 3.0f);
    std::memcpy(b.data() + 108, "test", 4);
    std::memcpy(b.data() + clsoff, cls.data(), cls.size());
    for (size_t i = 0; i < tensors.size(); i++) {
      const TTensor& t = tensors[i];
      const size_t r = toff + i * 40;
      b[r] = t.dtype; b[r + 1] = t.kind; b[r + 2] = static_cast<uint8_t>(t.shape.size());
      for (size_t k = 0; k < t.shape.size(); k++) put32(b, r + 4 + 4 * k, t.shape[k]);
      putf(b, r + 20, t.scale); put32(b, r + 24, static_cast<uint32_t>(t.zp));
      if (t.kind) { put32(b, r + 28, static_cast<uint32_t>(offs[i])); put32(b, r + 32, static_cast<uint32_t>(t.data.size())); std::memcpy(b.data() + doff + offs[i], t.data.data(), t.data.size()); }
    }
    for (size_t i = 0; i < ops.size(); i++) {
      const size_t r = ooff + i * 56;
      put16(b, r, ops[i].code); put16(b, r + 2, static_cast<uint32_t>(ops[i].t.size()));
      for (int k = 0; k < 10; k++) put16(b, r + 4 + 2 * k, k < static_cast<int>(ops[i].t.size()) ? ops[i].t[k] : 0xFFFF);
      for (size_t k = 0; k < ops[i].p.size(); k++) put32(b, r + 24 + 4 * k, static_cast<uint32_t>(ops[i].p[k]));
    }
    reseal(b);
    return b;
  }
  /** Recomputes the trailing SHA-256 (used by tests that corrupt a structure on purpose). */
  static void reseal(std::vector<uint8_t>& b) {
    if (b.size() < 32) return;
    ecg::nn::sha256(b.data(), b.size() - 32, b.data() + b.size() - 32);
  }
};

template <typename T>
std::vector<T> random_vec(std::mt19937& g, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(g));
  return v;
}

/** A small model using every op kind of the shipped architectures: conv → maxpool → conv → avgpool → lstm(seq) →
 *  attention ⊕ (conv → gap) via add, concat with RR, dense relu, dense → int16 logits, softmax, and a side dense2.
 *  Random weights. */
inline Builder small_model(uint32_t seed, int length = 32, int n_rr = 4, int n_ch = 1) {
  std::mt19937 g(seed);
  Builder b;
  b.length = length;
  b.n_rr = n_rr;
  const uint32_t R = static_cast<uint32_t>(n_rr), CH = static_cast<uint32_t>(n_ch);
  const uint32_t T = static_cast<uint32_t>(length);
  auto mults = [&](size_t n) { return random_vec<int32_t>(g, n, 1 << 30, 0x7fffffff); };
  auto shifts = [&](size_t n, int lo, int hi) { return random_vec<int32_t>(g, n, lo, hi); };
  b.beat = b.act(1, {T, CH}, 0.05f, 0);
  b.rr = b.act(1, {R}, 0.02f, -100);
  // conv1 (k7, 1→8, relu) → maxpool 2
  uint16_t c1 = b.act(1, {T, 8}, 0.03f, -128);
  b.op(1, {b.beat, b.constant<int8_t>(1, {8, 7, CH}, random_vec<int8_t>(g, 56 * CH, -127, 127)), b.constant<int32_t>(3, {8}, random_vec<int32_t>(g, 8, -2000, 2000)),
           b.constant<int32_t>(3, {8}, mults(8)), b.constant<int32_t>(3, {8}, shifts(8, 38, 41))}, {3, -128, 127});
  b.ops.back().t.push_back(c1);
  uint16_t p1 = b.act(1, {T / 2, 8}, 0.03f, -128);
  b.op(3, {c1, p1}, {2, 2, 0});
  // conv2 (k5, 8→12, relu) → avgpool 2
  uint16_t c2 = b.act(1, {T / 2, 12}, 0.04f, -128);
  b.op(1, {p1, b.constant<int8_t>(1, {12, 5, 8}, random_vec<int8_t>(g, 480, -127, 127)), b.constant<int32_t>(3, {12}, random_vec<int32_t>(g, 12, -5000, 5000)),
           b.constant<int32_t>(3, {12}, mults(12)), b.constant<int32_t>(3, {12}, shifts(12, 40, 43)), c2}, {2, -128, 127});
  uint16_t p2 = b.act(1, {T / 4, 12}, 0.04f, -128);
  b.op(4, {c2, p2}, {2, 2, 0});
  // lstm (12 → 10 units, sequences)
  const uint32_t U = 10, G = 40;
  uint16_t hs = b.act(1, {T / 4, U}, 1.f / 128, 0);
  b.op(6, {p2, b.constant<int8_t>(1, {G, 12}, random_vec<int8_t>(g, G * 12, -127, 127)), b.constant<int8_t>(1, {G, U}, random_vec<int8_t>(g, G * U, -127, 127)),
           b.constant<int32_t>(3, {G}, random_vec<int32_t>(g, G, -4096, 4096)), b.constant<int32_t>(3, {G}, mults(G)), b.constant<int32_t>(3, {G}, shifts(G, 34, 37)),
           b.constant<int32_t>(3, {G}, mults(G)), b.constant<int32_t>(3, {G}, shifts(G, 31, 33)), hs},
       {1, 11, 1 << 30, 38, 0});
  // attention (A = 6) → [U]
  uint16_t att = b.act(1, {U}, 1.f / 128, 0);
  b.op(7, {hs, b.constant<int8_t>(1, {6, U}, random_vec<int8_t>(g, 6 * U, -127, 127)), b.constant<int32_t>(3, {6}, random_vec<int32_t>(g, 6, -2000, 2000)),
           b.constant<int32_t>(3, {6}, mults(6)), b.constant<int32_t>(3, {6}, shifts(6, 30, 32)), b.constant<int8_t>(1, {6}, random_vec<int8_t>(g, 6, -127, 127)), att},
       {1 << 30, 35});
  // last-state branch: lstm without sequences on p2, then add with the attention output (relu)
  uint16_t hl = b.act(1, {U}, 1.f / 100, 0);
  b.op(6, {p2, b.constant<int8_t>(1, {G, 12}, random_vec<int8_t>(g, G * 12, -127, 127)), b.constant<int8_t>(1, {G, U}, random_vec<int8_t>(g, G * U, -127, 127)),
           b.constant<int32_t>(3, {G}, random_vec<int32_t>(g, G, -4096, 4096)), b.constant<int32_t>(3, {G}, mults(G)), b.constant<int32_t>(3, {G}, shifts(G, 34, 37)),
           b.constant<int32_t>(3, {G}, mults(G)), b.constant<int32_t>(3, {G}, shifts(G, 31, 33)), hl},
       {0, 12, 1 << 30, 37, 1});
  uint16_t sum = b.act(1, {U}, 1.f / 60, -128);
  b.op(8, {att, hl, sum}, {1 << 29, 1 << 28, 30, -128, 127});
  // global average pool of conv2 → [12]
  uint16_t gap = b.act(1, {12}, 0.04f, -128);
  b.op(5, {c2, gap});
  // concat [sum(10), gap(12), rr(4)] → [26]
  uint16_t cat = b.act(1, {22 + R}, 0.05f, -20);
  b.op(9, {sum, gap, b.rr, b.constant<int32_t>(3, {3, 2}, std::vector<int32_t>{1 << 30, 31, 0x60000000, 30, 1 << 30, 32}), cat});
  uint16_t flat = b.act(1, {22 + R}, 0.05f, -20);
  b.op(12, {cat, flat});
  uint16_t d1 = b.act(1, {16}, 0.1f, -128);
  b.op(2, {flat, b.constant<int8_t>(1, {16, 22 + R}, random_vec<int8_t>(g, 16 * (22 + R), -127, 127)), b.constant<int32_t>(3, {16}, random_vec<int32_t>(g, 16, -3000, 3000)),
           b.constant<int32_t>(3, {16}, mults(16)), b.constant<int32_t>(3, {16}, shifts(16, 38, 40)), d1},
       {-128, 127});
  uint16_t d1r = b.act(1, {16}, 0.1f, -128);
  b.op(11, {d1, d1r}, {-100, 127});
  b.logits = b.act(2, {5}, 0.01f, 0);
  b.op(2, {d1r, b.constant<int8_t>(1, {5, 16}, random_vec<int8_t>(g, 80, -127, 127)), b.constant<int32_t>(3, {5}, random_vec<int32_t>(g, 5, -3000, 3000)),
           b.constant<int32_t>(3, {5}, mults(5)), b.constant<int32_t>(3, {5}, shifts(5, 38, 40)), b.logits},
       {-32768, 32767});
  b.probs = b.act(2, {5}, 1.f / 32768, 0);
  b.op(10, {b.logits, b.probs}, {1 << 30, 28});
  // a side branch using dense2 (fused concat + dense) on [sum, rr]; its output is not read (allowed)
  uint16_t side = b.act(1, {7}, 0.1f, -128);
  b.op(13, {sum, b.rr, b.constant<int8_t>(1, {7, 10}, random_vec<int8_t>(g, 70, -127, 127)), b.constant<int8_t>(1, {7, R}, random_vec<int8_t>(g, 7 * R, -127, 127)),
            b.constant<int32_t>(3, {7}, random_vec<int32_t>(g, 7, -3000, 3000)), b.constant<int32_t>(3, {7}, mults(7)), b.constant<int32_t>(3, {7}, shifts(7, 36, 38)), side},
       {0x60000000, 30, -128, 127});
  return b;
}

/** A model using every 16-bit op: beat int16 → conv (int16 out, relu) → maxpool16 → [conv k1 → r int16] →
 *  conv (int16 in, int16 residual r, int16 out, relu) → maxpool16 → lstm (int16 in) ⊕ gap (int16 in) ⊕ rr →
 *  dense → int16 logits → softmax; a side conv (int16 in, int8 out). */
inline Builder w16_model(uint32_t seed) {
  std::mt19937 g(seed);
  Builder b;
  b.minor = 2;
  auto mults = [&](size_t n) { return random_vec<int32_t>(g, n, 1 << 30, 0x7fffffff); };
  auto shifts = [&](size_t n, int lo, int hi) { return random_vec<int32_t>(g, n, lo, hi); };
  auto w8 = [&](size_t n) { return random_vec<int8_t>(g, n, -127, 127); };
  auto bias = [&](size_t n, int m) { return random_vec<int32_t>(g, n, -m, m); };
  b.beat = b.act(2, {32, 1}, 1.f / 4096, 0);
  b.rr = b.act(1, {4}, 0.02f, -100);
  const uint16_t c1 = b.act(2, {32, 8}, 1e-3f, 0);
  b.op(1, {b.beat, b.constant<int8_t>(1, {8, 7, 1}, w8(56)), b.constant<int32_t>(3, {8}, bias(8, 200000)), b.constant<int32_t>(3, {8}, mults(8)),
           b.constant<int32_t>(3, {8}, shifts(8, 34, 37)), c1},
       {3, 0, 32767});
  const uint16_t p1 = b.act(2, {16, 8}, 1e-3f, 0);
  b.op(3, {c1, p1}, {2, 2, 0});
  const uint16_t r = b.act(2, {16, 8}, 2e-3f, 0);
  b.op(1, {p1, b.constant<int8_t>(1, {8, 1, 8}, w8(64)), b.constant<int32_t>(3, {8}, bias(8, 100000)), b.constant<int32_t>(3, {8}, mults(8)),
           b.constant<int32_t>(3, {8}, shifts(8, 38, 41)), r},
       {0, -32768, 32767});
  const uint16_t c2 = b.act(2, {16, 8}, 2e-3f, 0);
  b.op(1, {p1, b.constant<int8_t>(1, {8, 5, 8}, w8(320)), b.constant<int32_t>(3, {8}, bias(8, 1000000)), b.constant<int32_t>(3, {8}, mults(8)),
           b.constant<int32_t>(3, {8}, shifts(8, 40, 43)), r, b.constant<int32_t>(3, {8}, mults(8)), b.constant<int32_t>(3, {8}, shifts(8, 21, 24)), c2},
       {2, 0, 32767});
  const uint16_t p2 = b.act(2, {8, 8}, 2e-3f, 0);
  b.op(3, {c2, p2}, {3, 2, 1});
  const uint32_t U = 8, G = 32;
  const uint16_t h = b.act(1, {U}, 1.f / 128, 0);
  b.op(6, {p2, b.constant<int8_t>(1, {G, 8}, w8(G * 8)), b.constant<int8_t>(1, {G, U}, w8(G * U)), b.constant<int32_t>(3, {G}, bias(G, 4096)),
           b.constant<int32_t>(3, {G}, mults(G)), b.constant<int32_t>(3, {G}, shifts(G, 38, 41)), b.constant<int32_t>(3, {G}, mults(G)),
           b.constant<int32_t>(3, {G}, shifts(G, 31, 33)), h},
       {0, 11, 1 << 30, 38, 0});
  const uint16_t gp = b.act(1, {8}, 0.05f, -30);
  b.op(5, {c2, gp}, {1 << 30, 40});
  const uint16_t side = b.act(1, {8, 4}, 0.1f, 3);
  b.op(1, {p2, b.constant<int8_t>(1, {4, 3, 8}, w8(96)), b.constant<int32_t>(3, {4}, bias(4, 100000)), b.constant<int32_t>(3, {4}, mults(4)),
           b.constant<int32_t>(3, {4}, shifts(4, 44, 46)), side},
       {1, -128, 127});
  const uint16_t cat = b.act(1, {20}, 0.05f, -20);
  b.op(9, {h, gp, b.rr, b.constant<int32_t>(3, {3, 2}, std::vector<int32_t>{1 << 30, 31, 0x60000000, 31, 1 << 30, 32}), cat});
  b.logits = b.act(2, {5}, 0.01f, 0);
  b.op(2, {cat, b.constant<int8_t>(1, {5, 20}, w8(100)), b.constant<int32_t>(3, {5}, bias(5, 3000)), b.constant<int32_t>(3, {5}, mults(5)),
           b.constant<int32_t>(3, {5}, shifts(5, 36, 38)), b.logits},
       {-32768, 32767});
  b.probs = b.act(2, {5}, 1.f / 32768, 0);
  b.op(10, {b.logits, b.probs}, {1 << 30, 28});
  return b;
}

/** Loads `file` into `m`; when the loader refuses it, prints the loader's message (a failing test says why). */
inline bool loads(ecg::nn::Model& m, const std::vector<uint8_t>& file) {
  const ecg::Status st = m.load(file.data(), file.size());
  if (st != ecg::Status::kOk) std::fprintf(stderr, "  load: %s\n", m.error());
  return st == ecg::Status::kOk;
}

/**
 * Classifies `beats` random beats (32 samples, 4 RR features, 5 classes) on both kernel paths. Returns false if a
 * call fails or the paths differ in label, logits or probabilities; `distinct` counts changes of the logits from
 * one beat to the next (a model whose output never moves proves nothing).
 */
inline bool paths_agree_on_random_beats(ecg::nn::Model& m, uint32_t seed, int beats, int* distinct) {
  std::mt19937 g(seed);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::vector<int16_t> last;
  *distinct = 0;
  for (int beat = 0; beat < beats; beat++) {
    float x[32], rr[4], p1[5], p2[5];
    for (float& v : x) v = nd(g) * 2;
    for (float& v : rr) v = 1 + nd(g) * 0.3f;
    int l1 = -1, l2 = -2;
    if (m.classify(x, rr, p1, &l1, ecg::nn::KernelPath::kReference) != ecg::Status::kOk) return false;
    std::vector<int16_t> lg1(m.logits(), m.logits() + 5);
    if (m.classify(x, rr, p2, &l2, ecg::nn::KernelPath::kOptimized) != ecg::Status::kOk) return false;
    std::vector<int16_t> lg2(m.logits(), m.logits() + 5);
    if (l1 != l2 || lg1 != lg2 || std::memcmp(p1, p2, sizeof p1) != 0) return false;
    *distinct += lg1 != last;
    last = lg1;
  }
  return true;
}

/** Runs fn(level) at every SIMD level this CPU offers (0 portable loops, 1 AVX2, 2 AVX-512 VNNI; see
 *  simd_level()), then restores the default. */
template <typename F>
void at_every_simd_level(F fn) {
  const int best = ecg::nn::simd_level();
  for (int l = 0; l <= best; l++) {
    ecg::nn::set_simd_level(l);
    fn(l);
  }
  ecg::nn::set_simd_level(best);
}

/** `trials` random max poolings (T ≤ 60, C ≤ 40, pool ≤ 5, stride ≤ 4, pad_left < pool) of random values through
 *  `kernel` (maxpool1d_s8 or maxpool1d_s16) at every SIMD level, against the naive max of each window's valid
 *  samples. Returns how many runs differed. */
template <typename T>
int maxpool_mismatches(std::mt19937& rng, int trials, void (*kernel)(const ecg::nn::Pool1dParams&, const T*, T*)) {
  int bad = 0;
  for (int trial = 0; trial < trials; trial++) {
    const int len = 1 + static_cast<int>(rng() % 60), C = 1 + static_cast<int>(rng() % 40);
    const int pool = 1 + static_cast<int>(rng() % 5), stride = 1 + static_cast<int>(rng() % 4), pl = static_cast<int>(rng() % pool);
    const int To = (len + pl - 1) / stride + 1;  // the last window starts inside the input
    const ecg::nn::Pool1dParams p{len, C, To, pool, stride, pl};
    auto in = random_vec<T>(rng, static_cast<size_t>(len) * C, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> want(static_cast<size_t>(To) * C);
    for (int o = 0; o < To; o++)
      for (int c = 0; c < C; c++) {
        int m = INT32_MIN;
        for (int t = o * stride - pl; t < o * stride - pl + pool; t++)
          if (t >= 0 && t < len) m = std::max(m, static_cast<int>(in[static_cast<size_t>(t) * C + c]));
        want[static_cast<size_t>(o) * C + c] = static_cast<T>(m);
      }
    at_every_simd_level([&](int) {
      std::vector<T> out(want.size(), 1);
      kernel(p, in.data(), out.data());
      bad += out != want;
    });
  }
  return bad;
}

/** The fixed input of the fuzz tests: a 32-sample beat x[i] = i % period − period / 2 and four RR features of 1. */
struct FixedBeat {
  float x[32], rr[4];
  explicit FixedBeat(int period) {
    for (int i = 0; i < 32; i++) x[i] = static_cast<float>(i % period - period / 2);
    for (float& v : rr) v = 1.f;
  }
};

/**
 * One (possibly mutated) model file: if it loads, it must classify `beat` with a label in range on each of `paths`
 * (counted in *loaded); if not, it must say why in a message longer than 10 characters (counted in *rejected).
 * False on a violation.
 */
inline bool runs_or_is_rejected(const std::vector<uint8_t>& f, const FixedBeat& beat, std::initializer_list<ecg::nn::KernelPath> paths,
                                int* loaded, int* rejected) {
  ecg::nn::Model m;
  if (m.load(f.data(), f.size()) != ecg::Status::kOk) {
    ++*rejected;
    return std::strlen(m.error()) > 10;
  }
  ++*loaded;
  float p[5];
  for (ecg::nn::KernelPath path : paths) {
    int label = -1;
    if (m.classify(beat.x, beat.rr, p, &label, path) != ecg::Status::kOk || label < 0 || label >= m.n_classes()) return false;
  }
  return true;
}

/** `iters` copies of the valid file `base`, each with 1–4 random bits flipped (random stream `seed`) and its checksum
 *  resealed, through runs_or_is_rejected() on both kernel paths. Returns how many violated it. */
inline int fuzz_bit_flips(const std::vector<uint8_t>& base, uint32_t seed, int iters, const FixedBeat& beat, int* loaded, int* rejected) {
  std::mt19937 g(seed);
  int bad = 0;
  for (int iter = 0; iter < iters; iter++) {
    auto f = base;
    const int n = 1 + static_cast<int>(g() % 4);
    for (int k = 0; k < n; k++) f[g() % f.size()] ^= static_cast<uint8_t>(1u << (g() % 8));
    Builder::reseal(f);
    bad += !runs_or_is_rejected(f, beat, {ecg::nn::KernelPath::kReference, ecg::nn::KernelPath::kOptimized}, loaded, rejected);
  }
  return bad;
}

}  // namespace nn_test
