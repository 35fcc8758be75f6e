// AVX2 scoring kernels: 8 floats a vector, two vectors an iteration, unaligned loads (vmovups), the tail
// done one element at a time with the same single-rounding operations. With Store::kStreaming the body
// stores with vmovntps from the first 32-byte boundary of the output. abs is an and-not of the sign bit
// (vandnps), products are vmulps, sums vaddps: never vfmadd. Non-finite lanes are found by comparing the
// exponent field with all ones and counted by subtracting the all-ones compare result (vpcmpeqd, vpsubd).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "../score.h"
#include "../target.h"

PRUNEKIT_TARGET_BEGIN("avx2")

namespace prunekit {
namespace {

inline __m256 abs8_(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

inline __m256i nonfinite8_(__m256 x) {
  const __m256i exponent = _mm256_set1_epi32(0x7f800000);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(x), exponent), exponent);
}

inline std::size_t sum8_(__m256i counts) {
  alignas(32) std::uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), counts);
  std::size_t total = 0;
  for (std::uint32_t lane : lanes) total += lane;
  return total;
}

inline bool nonfinite1_(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) == 0x7f800000u;
}

// s[i] = vec(i) 8 at a time and one(i) for the elements before a 32-byte boundary (streaming) and after
// the last full vector: both compute the same single-rounding formula.
template <typename Vec, typename One>
inline void map_(float* s, std::size_t n, Store store, Vec vec, One one) {
  std::size_t i = 0;
  if (store == Store::kStreaming) {
    for (; i < n && (reinterpret_cast<std::uintptr_t>(s + i) & 31u) != 0; ++i) s[i] = one(i);
    for (; i + 8 <= n; i += 8) _mm256_stream_ps(s + i, vec(i));
    _mm_sfence();  // order the non-temporal stores before anything that reads the scores
  } else {
    for (; i + 16 <= n; i += 16) {
      _mm256_storeu_ps(s + i, vec(i));
      _mm256_storeu_ps(s + i + 8, vec(i + 8));
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(s + i, vec(i));
  }
  for (; i < n; ++i) s[i] = one(i);
}

void abs_f32_avx2(const float* x, float* s, std::size_t n, Store store) {
  map_(
      s, n, store, [x](std::size_t i) { return abs8_(_mm256_loadu_ps(x + i)); },
      [x](std::size_t i) { return std::fabs(x[i]); });
}

void abs_mul_f32_avx2(const float* w, const float* g, float* s, std::size_t n, Store store) {
  map_(
      s, n, store,
      [w, g](std::size_t i) { return abs8_(_mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(g + i))); },
      [w, g](std::size_t i) { return std::fabs(w[i] * g[i]); });
}

void momentum_f32_avx2(const float* w, const float* g, float* s, std::size_t n, float alpha, float beta, Store store) {
  const __m256 a = _mm256_set1_ps(alpha), b = _mm256_set1_ps(beta);
  map_(
      s, n, store,
      [=](std::size_t i) {
        const __m256 term = abs8_(_mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(g + i)));
        return _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(s + i), a), _mm256_mul_ps(b, term));
      },
      [=](std::size_t i) {
        const float decayed = s[i] * alpha;
        const float term = beta * std::fabs(w[i] * g[i]);
        return decayed + term;
      });
}

// The terms whose finiteness "skip" checks, eight at a time (vec) and one (one): x[i] for |x|, w[i] * g[i]
// for |w * g|. The count and "into" kernels take one of these.
struct ValueTerm {
  const float* x;
  __m256 vec(std::size_t i) const { return _mm256_loadu_ps(x + i); }
  float one(std::size_t i) const { return x[i]; }
};
struct ProductTerm {
  const float* w;
  const float* g;
  __m256 vec(std::size_t i) const { return _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(g + i)); }
  float one(std::size_t i) const { return w[i] * g[i]; }
};

// The number of i < n with term(i) not finite: four vectors an iteration into four counters, so the loop
// runs at the rate of its loads instead of one dependent add per vector (the count alone 1.5-1.9x faster
// from L2 and the last-level cache; a guarded |w| call 0-8%, its scoring pass being the larger part:
// docs/performance.md), then one vector at a time, then the tail one element at a time.
template <typename Term>
inline std::size_t count_map_(std::size_t n, Term term) {
  __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    c0 = _mm256_sub_epi32(c0, nonfinite8_(term.vec(i)));
    c1 = _mm256_sub_epi32(c1, nonfinite8_(term.vec(i + 8)));
    c2 = _mm256_sub_epi32(c2, nonfinite8_(term.vec(i + 16)));
    c3 = _mm256_sub_epi32(c3, nonfinite8_(term.vec(i + 24)));
  }
  for (; i + 8 <= n; i += 8) c0 = _mm256_sub_epi32(c0, nonfinite8_(term.vec(i)));
  std::size_t total = sum8_(c0) + sum8_(c1) + sum8_(c2) + sum8_(c3);
  for (; i < n; ++i) total += nonfinite1_(term.one(i));
  return total;
}

std::size_t count_nonfinite_f32_avx2(const float* x, std::size_t n) { return count_map_(n, ValueTerm{x}); }

std::size_t count_nonfinite_mul_f32_avx2(const float* w, const float* g, std::size_t n) {
  return count_map_(n, ProductTerm{w, g});
}

void stream_f32_avx2(const float* a, const float* b, float* s, std::size_t n, int inputs, Store store) {
  map_(
      s, n, store,
      [=](std::size_t i) {
        __m256 x = _mm256_loadu_ps(a + i);
        if (inputs > 1) x = _mm256_xor_ps(x, _mm256_loadu_ps(b + i));
        if (inputs > 2) x = _mm256_xor_ps(x, _mm256_loadu_ps(s + i));
        return x;
      },
      [=](std::size_t i) {
        std::uint32_t x, y = 0, z = 0;
        std::memcpy(&x, a + i, 4);
        if (inputs > 1) std::memcpy(&y, b + i, 4);
        if (inputs > 2) std::memcpy(&z, s + i, 4);
        x ^= y ^ z;
        float out;
        std::memcpy(&out, &x, 4);
        return out;
      });
}

// The one-pass guard: for each i, product(i) = w[i] * g[i] is counted if not finite, old[i] = s[i], and
// s[i] = score(s[i], product). One element at a time until old is 32-byte aligned, then 8 at a time with old
// streamed if asked (else stored through the cache), and s streamed too if both are streamed and s is
// aligned there.
template <typename Score8, typename Score1>
inline std::size_t keep_map_(const float* w, const float* g, float* s, float* old, std::size_t n, Store store,
                             Store old_store, Score8 score8, Score1 score1) {
  std::size_t total = 0, i = 0;
  const auto one = [&](std::size_t j) {
    const float product = w[j] * g[j];
    total += nonfinite1_(product);
    const float prev = s[j];
    old[j] = prev;
    s[j] = score1(prev, product);
  };
  for (; i < n && (reinterpret_cast<std::uintptr_t>(old + i) & 31u) != 0; ++i) one(i);
  const bool stream_old = old_store == Store::kStreaming;
  const bool stream_s =
      stream_old && store == Store::kStreaming && (reinterpret_cast<std::uintptr_t>(s + i) & 31u) == 0;
  __m256i counts = _mm256_setzero_si256();
  for (; i + 8 <= n; i += 8) {
    const __m256 product = _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(g + i));
    counts = _mm256_sub_epi32(counts, nonfinite8_(product));
    const __m256 prev = _mm256_loadu_ps(s + i);
    if (stream_old)
      _mm256_stream_ps(old + i, prev);
    else
      _mm256_store_ps(old + i, prev);
    const __m256 score = score8(prev, product);
    if (stream_s)
      _mm256_stream_ps(s + i, score);
    else
      _mm256_storeu_ps(s + i, score);
  }
  _mm_sfence();  // order the non-temporal stores before anything that reads the scores or the copy
  total += sum8_(counts);
  for (; i < n; ++i) one(i);
  return total;
}

// |w * g| as keep_map_ calls it (a functor, not a lambda without captures: GCC warns about the ABI of the
// function-pointer conversion such a lambda gets, which nothing here uses).
struct AbsMulScore {
  __m256 operator()(__m256, __m256 product) const { return abs8_(product); }
  float operator()(float, float product) const { return std::fabs(product); }
};

// The "into" kernels: out[i] = |term(i)| while the non-finite terms are counted. Streaming stores from the
// first 32-byte boundary of out when asked (out is never read here), else two vectors an iteration through
// the cache.
template <typename Term>
inline std::size_t into_map_(float* out, std::size_t n, Store store, Term term) {
  std::size_t total = 0, i = 0;
  __m256i counts = _mm256_setzero_si256();
  const auto vec = [&](std::size_t j) {  // eight scores; their non-finite lanes added to counts
    const __m256 v = term.vec(j);
    counts = _mm256_sub_epi32(counts, nonfinite8_(v));
    return abs8_(v);
  };
  const auto one = [&](std::size_t j) {  // one score; counted in total if not finite
    const float v = term.one(j);
    total += nonfinite1_(v);
    return std::fabs(v);
  };
  if (store == Store::kStreaming) {
    for (; i < n && (reinterpret_cast<std::uintptr_t>(out + i) & 31u) != 0; ++i) out[i] = one(i);
    for (; i + 8 <= n; i += 8) _mm256_stream_ps(out + i, vec(i));
    _mm_sfence();  // order the non-temporal stores before anything that reads or moves the scores
  } else {
    for (; i + 16 <= n; i += 16) {
      _mm256_storeu_ps(out + i, vec(i));
      _mm256_storeu_ps(out + i + 8, vec(i + 8));
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, vec(i));
  }
  for (; i < n; ++i) out[i] = one(i);
  return total + sum8_(counts);
}

std::size_t abs_into_f32_avx2(const float* x, float* out, std::size_t n, Store store) {
  return into_map_(out, n, store, ValueTerm{x});
}

std::size_t abs_mul_into_f32_avx2(const float* w, const float* g, float* out, std::size_t n, Store store) {
  return into_map_(out, n, store, ProductTerm{w, g});
}

}  // namespace

std::size_t abs_mul_keep_f32_avx2(const float* w, const float* g, float* s, float* old, std::size_t n, Store store,
                                  Store old_store) {
  return keep_map_(w, g, s, old, n, store, old_store, AbsMulScore{}, AbsMulScore{});
}

std::size_t momentum_keep_f32_avx2(const float* w, const float* g, float* s, float* old, std::size_t n, float alpha,
                                   float beta, Store store, Store old_store) {
  const __m256 a = _mm256_set1_ps(alpha), b = _mm256_set1_ps(beta);
  return keep_map_(
      w, g, s, old, n, store, old_store,
      [=](__m256 prev, __m256 product) {
        return _mm256_add_ps(_mm256_mul_ps(prev, a), _mm256_mul_ps(b, abs8_(product)));
      },
      [=](float prev, float product) {
        const float decayed = prev * alpha;
        const float term = beta * std::fabs(product);
        return decayed + term;
      });
}

const ScoreKernels score_kernels_avx2 = {abs_f32_avx2,
                                         abs_mul_f32_avx2,
                                         momentum_f32_avx2,
                                         count_nonfinite_f32_avx2,
                                         count_nonfinite_mul_f32_avx2,
                                         stream_f32_avx2,
                                         abs_mul_keep_f32_avx2,
                                         momentum_keep_f32_avx2,
                                         abs_into_f32_avx2,
                                         abs_mul_into_f32_avx2};

}  // namespace prunekit

PRUNEKIT_TARGET_END

#endif
