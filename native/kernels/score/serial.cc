// Scalar scoring kernels: the oracle every SIMD path is compared with, bit for bit.
// Built with -fno-tree-vectorize (CMakeLists.txt) so the tests compare two different code paths. Stores
// are plain: the Store hint only matters to the SIMD paths.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "../score.h"

namespace prunekit {
namespace {

inline float abs_(float x) { return std::fabs(x); }

inline bool nonfinite_(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) == 0x7f800000u;
}

void abs_f32_serial(const float* x, float* s, std::size_t n, Store) {
  for (std::size_t i = 0; i < n; ++i) s[i] = abs_(x[i]);
}

void abs_mul_f32_serial(const float* w, const float* g, float* s, std::size_t n, Store) {
  for (std::size_t i = 0; i < n; ++i) s[i] = abs_(w[i] * g[i]);
}

void momentum_f32_serial(const float* w, const float* g, float* s, std::size_t n, float alpha, float beta, Store) {
  for (std::size_t i = 0; i < n; ++i) {
    const float decayed = s[i] * alpha;
    const float term = beta * abs_(w[i] * g[i]);
    s[i] = decayed + term;
  }
}

std::size_t count_nonfinite_f32_serial(const float* x, std::size_t n) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += nonfinite_(x[i]);
  return count;
}

std::size_t count_nonfinite_mul_f32_serial(const float* w, const float* g, std::size_t n) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += nonfinite_(w[i] * g[i]);
  return count;
}

void stream_f32_serial(const float* a, const float* b, float* s, std::size_t n, int inputs, Store) {
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t x, y = 0, z = 0;
    std::memcpy(&x, a + i, 4);
    if (inputs > 1) std::memcpy(&y, b + i, 4);
    if (inputs > 2) std::memcpy(&z, s + i, 4);
    x ^= y ^ z;
    std::memcpy(s + i, &x, 4);
  }
}

std::size_t abs_mul_keep_f32_serial(const float* w, const float* g, float* s, float* old, std::size_t n, Store, Store) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float term = w[i] * g[i];
    count += nonfinite_(term);
    old[i] = s[i];
    s[i] = abs_(term);
  }
  return count;
}

std::size_t momentum_keep_f32_serial(const float* w, const float* g, float* s, float* old, std::size_t n, float alpha,
                                     float beta, Store, Store) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float product = w[i] * g[i];
    count += nonfinite_(product);
    const float prev = s[i];
    old[i] = prev;
    const float decayed = prev * alpha;
    const float term = beta * abs_(product);
    s[i] = decayed + term;
  }
  return count;
}

std::size_t abs_into_f32_serial(const float* x, float* out, std::size_t n, Store) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    count += nonfinite_(x[i]);
    out[i] = abs_(x[i]);
  }
  return count;
}

std::size_t abs_mul_into_f32_serial(const float* w, const float* g, float* out, std::size_t n, Store) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float product = w[i] * g[i];
    count += nonfinite_(product);
    out[i] = abs_(product);
  }
  return count;
}

}  // namespace

const ScoreKernels score_kernels_serial = {abs_f32_serial,
                                           abs_mul_f32_serial,
                                           momentum_f32_serial,
                                           count_nonfinite_f32_serial,
                                           count_nonfinite_mul_f32_serial,
                                           stream_f32_serial,
                                           abs_mul_keep_f32_serial,
                                           momentum_keep_f32_serial,
                                           abs_into_f32_serial,
                                           abs_mul_into_f32_serial};

}  // namespace prunekit
