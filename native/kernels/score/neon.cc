// NEON scoring kernels (AArch64 Advanced SIMD, always present there): 4 floats a vector, two vectors an
// iteration, unaligned loads (ld1), the tail one element at a time with the same single-rounding ops.
// abs is fabs (vabsq_f32, sign bit cleared), products fmul, sums fadd: never fmla, and the tree is built
// with -ffp-contract=off so the compiler does not fuse them either. Denormals are kept (FPCR.FZ stays 0).
// Stores are plain st1: the Store hint is ignored here.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "../score.h"

namespace prunekit {
namespace {

inline uint32x4_t nonfinite4_(float32x4_t x) {
  const uint32x4_t exponent = vdupq_n_u32(0x7f800000u);
  return vceqq_u32(vandq_u32(vreinterpretq_u32_f32(x), exponent), exponent);
}

inline bool nonfinite1_(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) == 0x7f800000u;
}

void abs_f32_neon(const float* x, float* s, std::size_t n, Store) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    vst1q_f32(s + i, vabsq_f32(vld1q_f32(x + i)));
    vst1q_f32(s + i + 4, vabsq_f32(vld1q_f32(x + i + 4)));
  }
  for (; i + 4 <= n; i += 4) vst1q_f32(s + i, vabsq_f32(vld1q_f32(x + i)));
  for (; i < n; ++i) s[i] = std::fabs(x[i]);
}

inline float32x4_t abs_mul4_(float32x4_t w, float32x4_t g) { return vabsq_f32(vmulq_f32(w, g)); }

void abs_mul_f32_neon(const float* w, const float* g, float* s, std::size_t n, Store) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    vst1q_f32(s + i, abs_mul4_(vld1q_f32(w + i), vld1q_f32(g + i)));
    vst1q_f32(s + i + 4, abs_mul4_(vld1q_f32(w + i + 4), vld1q_f32(g + i + 4)));
  }
  for (; i + 4 <= n; i += 4) vst1q_f32(s + i, abs_mul4_(vld1q_f32(w + i), vld1q_f32(g + i)));
  for (; i < n; ++i) s[i] = std::fabs(w[i] * g[i]);
}

inline float32x4_t momentum4_(float32x4_t s, float32x4_t w, float32x4_t g, float32x4_t alpha, float32x4_t beta) {
  return vaddq_f32(vmulq_f32(s, alpha), vmulq_f32(beta, abs_mul4_(w, g)));
}

void momentum_f32_neon(const float* w, const float* g, float* s, std::size_t n, float alpha, float beta, Store) {
  const float32x4_t a = vdupq_n_f32(alpha), b = vdupq_n_f32(beta);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    vst1q_f32(s + i, momentum4_(vld1q_f32(s + i), vld1q_f32(w + i), vld1q_f32(g + i), a, b));
    vst1q_f32(s + i + 4, momentum4_(vld1q_f32(s + i + 4), vld1q_f32(w + i + 4), vld1q_f32(g + i + 4), a, b));
  }
  for (; i + 4 <= n; i += 4) vst1q_f32(s + i, momentum4_(vld1q_f32(s + i), vld1q_f32(w + i), vld1q_f32(g + i), a, b));
  for (; i < n; ++i) {
    const float decayed = s[i] * alpha;
    const float term = beta * std::fabs(w[i] * g[i]);
    s[i] = decayed + term;
  }
}

// The terms whose finiteness "skip" checks, four at a time (vec) and one (one): x[i] for |x|, w[i] * g[i]
// for |w * g|. The count and "into" kernels take one of these.
struct ValueTerm {
  const float* x;
  float32x4_t vec(std::size_t i) const { return vld1q_f32(x + i); }
  float one(std::size_t i) const { return x[i]; }
};
struct ProductTerm {
  const float* w;
  const float* g;
  float32x4_t vec(std::size_t i) const { return vmulq_f32(vld1q_f32(w + i), vld1q_f32(g + i)); }
  float one(std::size_t i) const { return w[i] * g[i]; }
};

// The number of i < n with term(i) not finite: four vectors an iteration into four counters (no chain of
// dependent adds, as on AVX2; not timed on Arm hardware), then one vector at a time, then the tail one
// element at a time.
template <typename Term>
inline std::size_t count_map_(std::size_t n, Term term) {
  uint32x4_t c0 = vdupq_n_u32(0), c1 = c0, c2 = c0, c3 = c0;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    c0 = vsubq_u32(c0, nonfinite4_(term.vec(i)));
    c1 = vsubq_u32(c1, nonfinite4_(term.vec(i + 4)));
    c2 = vsubq_u32(c2, nonfinite4_(term.vec(i + 8)));
    c3 = vsubq_u32(c3, nonfinite4_(term.vec(i + 12)));
  }
  for (; i + 4 <= n; i += 4) c0 = vsubq_u32(c0, nonfinite4_(term.vec(i)));
  std::size_t total = std::size_t{vaddvq_u32(c0)} + vaddvq_u32(c1) + vaddvq_u32(c2) + vaddvq_u32(c3);
  for (; i < n; ++i) total += nonfinite1_(term.one(i));
  return total;
}

std::size_t count_nonfinite_f32_neon(const float* x, std::size_t n) { return count_map_(n, ValueTerm{x}); }

std::size_t count_nonfinite_mul_f32_neon(const float* w, const float* g, std::size_t n) {
  return count_map_(n, ProductTerm{w, g});
}

void stream_f32_neon(const float* a, const float* b, float* s, std::size_t n, int inputs, Store) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32x4_t x = vreinterpretq_u32_f32(vld1q_f32(a + i));
    if (inputs > 1) x = veorq_u32(x, vreinterpretq_u32_f32(vld1q_f32(b + i)));
    if (inputs > 2) x = veorq_u32(x, vreinterpretq_u32_f32(vld1q_f32(s + i)));
    vst1q_f32(s + i, vreinterpretq_f32_u32(x));
  }
  if (i < n) score_kernels_serial.stream_f32(a + i, inputs > 1 ? b + i : b, s + i, n - i, inputs, Store::kCached);
}

// The one-pass guard: for each i, product(i) = w[i] * g[i] is counted if not finite, old[i] = s[i], and
// s[i] = score(s[i], product). Plain stores for both outputs.
template <typename Score4, typename Score1>
inline std::size_t keep_map_(const float* w, const float* g, float* s, float* old, std::size_t n, Score4 score4,
                             Score1 score1) {
  uint32x4_t counts = vdupq_n_u32(0);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t product = vmulq_f32(vld1q_f32(w + i), vld1q_f32(g + i));
    counts = vsubq_u32(counts, nonfinite4_(product));
    const float32x4_t prev = vld1q_f32(s + i);
    vst1q_f32(old + i, prev);
    vst1q_f32(s + i, score4(prev, product));
  }
  std::size_t total = vaddvq_u32(counts);
  for (; i < n; ++i) {
    const float product = w[i] * g[i];
    total += nonfinite1_(product);
    const float prev = s[i];
    old[i] = prev;
    s[i] = score1(prev, product);
  }
  return total;
}

std::size_t abs_mul_keep_f32_neon(const float* w, const float* g, float* s, float* old, std::size_t n, Store, Store) {
  return keep_map_(
      w, g, s, old, n, [](float32x4_t, float32x4_t product) { return vabsq_f32(product); },
      [](float, float product) { return std::fabs(product); });
}

std::size_t momentum_keep_f32_neon(const float* w, const float* g, float* s, float* old, std::size_t n, float alpha,
                                   float beta, Store, Store) {
  const float32x4_t a = vdupq_n_f32(alpha), b = vdupq_n_f32(beta);
  return keep_map_(
      w, g, s, old, n,
      [=](float32x4_t prev, float32x4_t product) {
        return vaddq_f32(vmulq_f32(prev, a), vmulq_f32(b, vabsq_f32(product)));
      },
      [=](float prev, float product) {
        const float decayed = prev * alpha;
        const float term = beta * std::fabs(product);
        return decayed + term;
      });
}

// The "into" kernels: out[i] = |term(i)| while the non-finite terms are counted. Plain stores.
template <typename Term>
inline std::size_t into_map_(float* out, std::size_t n, Term term) {
  uint32x4_t counts = vdupq_n_u32(0);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t v = term.vec(i);
    counts = vsubq_u32(counts, nonfinite4_(v));
    vst1q_f32(out + i, vabsq_f32(v));
  }
  std::size_t total = vaddvq_u32(counts);
  for (; i < n; ++i) {
    const float v = term.one(i);
    total += nonfinite1_(v);
    out[i] = std::fabs(v);
  }
  return total;
}

std::size_t abs_into_f32_neon(const float* x, float* out, std::size_t n, Store) {
  return into_map_(out, n, ValueTerm{x});
}

std::size_t abs_mul_into_f32_neon(const float* w, const float* g, float* out, std::size_t n, Store) {
  return into_map_(out, n, ProductTerm{w, g});
}

}  // namespace

const ScoreKernels score_kernels_neon = {abs_f32_neon,
                                         abs_mul_f32_neon,
                                         momentum_f32_neon,
                                         count_nonfinite_f32_neon,
                                         count_nonfinite_mul_f32_neon,
                                         stream_f32_neon,
                                         abs_mul_keep_f32_neon,
                                         momentum_keep_f32_neon,
                                         abs_into_f32_neon,
                                         abs_mul_into_f32_neon};

}  // namespace prunekit

#endif
