// AVX-512 16-bit kernels: 16 elements a vector, unaligned loads, scalar tails with the serial rules.
//  - bf16: zero-extend to 32 bits (vpmovzxwd) and shift left by 16;
//  - f16: vcvtph2ps (AVX-512F), which quiets signalling NaNs; lanes whose exponent is all ones are rebuilt
//    with the integer rule (sign | 0x7f800000 | mant << 13) under a mask so payloads match the oracle;
//  - zero: AVX-512F only (the set's CPU check): keep bytes widened to 32 bits, compared with zero, the
//    all-ones lanes narrowed to 16 bits (vpmovdw) and and-not into the data.
#if defined(__x86_64__) || defined(_M_X64)
// GCC 12 flags the _mm512_undefined_* placeholders inside its own intrinsics as maybe-uninitialized when
// they are inlined (GCC bug 105593, a false positive); the values are never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstring>

#include "../half.h"
#include "../target.h"

PRUNEKIT_TARGET_BEGIN("avx512f")

namespace prunekit {
namespace {

void bf16_to_f32_avx512(const std::uint16_t* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm512_storeu_si512(dst + i, _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  for (; i < n; ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(src[i]) << 16;
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

void f16_to_f32_avx512(const std::uint16_t* src, float* dst, std::size_t n) {
  const __m512i exp_mask = _mm512_set1_epi32(0x7c00);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    const __m512i converted = _mm512_castps_si512(_mm512_cvtph_ps(h));
    const __m512i w = _mm512_cvtepu16_epi32(h);
    const __mmask16 special = _mm512_cmpeq_epi32_mask(_mm512_and_si512(w, exp_mask), exp_mask);
    const __m512i rebuilt =
        _mm512_or_si512(_mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(w, _mm512_set1_epi32(0x8000)), 16),
                                        _mm512_set1_epi32(0x7f800000)),
                        _mm512_slli_epi32(_mm512_and_si512(w, _mm512_set1_epi32(0x3ff)), 13));
    _mm512_storeu_si512(dst + i, _mm512_mask_blend_epi32(special, converted, rebuilt));
  }
  for (; i < n; ++i) {
    const std::uint32_t bits = f16_bits_to_f32_bits(src[i]);
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

void zero_masked_u16_avx512(std::uint16_t* data, const std::uint8_t* keep, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i k = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keep + i)));
    const __mmask16 drop = _mm512_cmpeq_epi32_mask(k, _mm512_setzero_si512());
    const __m256i drop16 = _mm512_cvtepi32_epi16(_mm512_maskz_set1_epi32(drop, -1));
    __m256i* at = reinterpret_cast<__m256i*>(data + i);
    _mm256_storeu_si256(at, _mm256_andnot_si256(drop16, _mm256_loadu_si256(at)));
  }
  for (; i < n; ++i)
    if (keep[i] == 0) data[i] = 0;
}

}  // namespace

const HalfKernels half_kernels_avx512 = {bf16_to_f32_avx512, f16_to_f32_avx512, zero_masked_u16_avx512};

}  // namespace prunekit

PRUNEKIT_TARGET_END
#endif
