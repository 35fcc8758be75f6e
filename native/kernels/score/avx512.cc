// AVX-512 scoring kernels (AVX-512F only): 16 floats a vector, unaligned loads, and the tail handled by
// masked loads and stores (vmovups with a k-mask), so there is no scalar tail and no read past the end.
// abs is an and of the magnitude bits (vpandd), products vmulps, sums vaddps: never vfmadd. Non-finite
// lanes: exponent field compared with all ones into a mask register, counted with popcnt. With
// Store::kStreaming, a masked head brings the output to a 64-byte boundary and the body uses vmovntps.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstdint>

#include "../score.h"
#include "../target.h"

PRUNEKIT_TARGET_BEGIN("avx512f,popcnt")

namespace prunekit {
namespace {

inline __m512 abs16_(__m512 x) {
  return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)));
}

inline __mmask16 nonfinite16_(__m512 x) {
  const __m512i exponent = _mm512_set1_epi32(0x7f800000);
  return _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_castps_si512(x), exponent), exponent);
}

inline __mmask16 tail_mask_(std::size_t remaining) {
  return static_cast<__mmask16>(remaining >= 16 ? 0xffffu : (1u << remaining) - 1u);
}

// s[i..i+16) = op(i, mask) for i over [0, n): op loads its inputs with the mask it is given (all ones in
// the body) and returns the 16 results.
template <typename Op>
inline void map_(float* s, std::size_t n, Store store, Op op) {
  std::size_t i = 0;
  if (store == Store::kStreaming) {
    const std::size_t misaligned = (reinterpret_cast<std::uintptr_t>(s) & 63u) / sizeof(float);
    const std::size_t head = misaligned == 0 ? 0 : 16 - misaligned;
    if (head != 0) {
      const __mmask16 m = tail_mask_(head < n ? head : n);
      _mm512_mask_storeu_ps(s, m, op(0, m));
      i = head;
    }
    for (; i + 16 <= n; i += 16) _mm512_stream_ps(s + i, op(i, __mmask16(0xffff)));
    _mm_sfence();  // order the non-temporal stores before anything that reads the scores
  } else {
    for (; i + 32 <= n; i += 32) {
      _mm512_storeu_ps(s + i, op(i, __mmask16(0xffff)));
      _mm512_storeu_ps(s + i + 16, op(i + 16, __mmask16(0xffff)));
    }
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(s + i, op(i, __mmask16(0xffff)));
  }
  if (i < n) {
    const __mmask16 m = tail_mask_(n - i);
    _mm512_mask_storeu_ps(s + i, m, op(i, m));
  }
}

void abs_f32_avx512(const float* x, float* s, std::size_t n, Store store) {
  map_(s, n, store, [x](std::size_t i, __mmask16 m) { return abs16_(_mm512_maskz_loadu_ps(m, x + i)); });
}

void abs_mul_f32_avx512(const float* w, const float* g, float* s, std::size_t n, Store store) {
  map_(s, n, store, [w, g](std::size_t i, __mmask16 m) {
    return abs16_(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, g + i)));
  });
}

void momentum_f32_avx512(const float* w, const float* g, float* s, std::size_t n, float alpha, float beta,
                         Store store) {
  const __m512 a = _mm512_set1_ps(alpha), b = _mm512_set1_ps(beta);
  map_(s, n, store, [=](std::size_t i, __mmask16 m) {
    const __m512 term = abs16_(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, g + i)));
    return _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + i), a), _mm512_mul_ps(b, term));
  });
}

std::size_t count_nonfinite_f32_avx512(const float* x, std::size_t n) {
  std::size_t total = 0, i = 0;
  for (; i + 16 <= n; i += 16) total += _mm_popcnt_u32(nonfinite16_(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = tail_mask_(n - i);
    total += _mm_popcnt_u32(nonfinite16_(_mm512_maskz_loadu_ps(m, x + i)) & m);
  }
  return total;
}

std::size_t count_nonfinite_mul_f32_avx512(const float* w, const float* g, std::size_t n) {
  std::size_t total = 0, i = 0;
  for (; i + 16 <= n; i += 16)
    total += _mm_popcnt_u32(nonfinite16_(_mm512_mul_ps(_mm512_loadu_ps(w + i), _mm512_loadu_ps(g + i))));
  if (i < n) {
    const __mmask16 m = tail_mask_(n - i);
    total += _mm_popcnt_u32(
        nonfinite16_(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, g + i))) & m);
  }
  return total;
}

void stream_f32_avx512(const float* a, const float* b, float* s, std::size_t n, int inputs, Store store) {
  map_(s, n, store, [=](std::size_t i, __mmask16 m) {
    __m512i x = _mm512_maskz_loadu_epi32(m, a + i);
    if (inputs > 1) x = _mm512_xor_si512(x, _mm512_maskz_loadu_epi32(m, b + i));
    if (inputs > 2) x = _mm512_xor_si512(x, _mm512_maskz_loadu_epi32(m, s + i));
    return _mm512_castsi512_ps(x);
  });
}

}  // namespace

const ScoreKernels score_kernels_avx512 = {abs_f32_avx512,
                                           abs_mul_f32_avx512,
                                           momentum_f32_avx512,
                                           count_nonfinite_f32_avx512,
                                           count_nonfinite_mul_f32_avx512,
                                           stream_f32_avx512,
                                           abs_mul_keep_f32_avx2,  // no AVX-512 variant: see score.h
                                           momentum_keep_f32_avx2,
                                           nullptr,  // the "into" kernels: AVX2's (dispatch.cc fills them)
                                           nullptr};

}  // namespace prunekit

PRUNEKIT_TARGET_END

#endif
