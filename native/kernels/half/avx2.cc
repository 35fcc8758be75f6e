// AVX2 16-bit kernels: 8 elements a vector, unaligned loads, scalar tails with the serial rules.
//  - bf16: zero-extend to 32 bits (vpmovzxwd) and shift left by 16;
//  - f16: F16C vcvtph2ps, which quiets signalling NaNs; lanes whose exponent is all ones are rebuilt with
//    the integer rule (sign | 0x7f800000 | mant << 13) so payloads match the scalar oracle;
//  - zero: keep bytes widened to 16 bits (vpmovzxbw), compared with zero, and-not into the data.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstring>

#include "../half.h"
#include "../target.h"

PRUNEKIT_TARGET_BEGIN("avx2,f16c")

namespace prunekit {
namespace {

void bf16_to_f32_avx2(const std::uint16_t* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    const __m256i w = _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), w);
  }
  for (; i < n; ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(src[i]) << 16;
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

void f16_to_f32_avx2(const std::uint16_t* src, float* dst, std::size_t n) {
  const __m256i exp_mask = _mm256_set1_epi32(0x7c00);
  const __m256i mant_mask = _mm256_set1_epi32(0x3ff);
  const __m256i sign_mask = _mm256_set1_epi32(0x8000);
  const __m256i inf32 = _mm256_set1_epi32(0x7f800000);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    const __m256i converted = _mm256_castps_si256(_mm256_cvtph_ps(h));
    const __m256i w = _mm256_cvtepu16_epi32(h);
    const __m256i special = _mm256_cmpeq_epi32(_mm256_and_si256(w, exp_mask), exp_mask);
    const __m256i rebuilt =
        _mm256_or_si256(_mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(w, sign_mask), 16), inf32),
                        _mm256_slli_epi32(_mm256_and_si256(w, mant_mask), 13));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_blendv_epi8(converted, rebuilt, special));
  }
  for (; i < n; ++i) {
    const std::uint32_t bits = f16_bits_to_f32_bits(src[i]);
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

void zero_masked_u16_avx2(std::uint16_t* data, const std::uint8_t* keep, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i k = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keep + i)));
    const __m256i drop = _mm256_cmpeq_epi16(k, _mm256_setzero_si256());
    __m256i* at = reinterpret_cast<__m256i*>(data + i);
    _mm256_storeu_si256(at, _mm256_andnot_si256(drop, _mm256_loadu_si256(at)));
  }
  for (; i < n; ++i)
    if (keep[i] == 0) data[i] = 0;
}

}  // namespace

const HalfKernels half_kernels_avx2 = {bf16_to_f32_avx2, f16_to_f32_avx2, zero_masked_u16_avx2};

}  // namespace prunekit

PRUNEKIT_TARGET_END
#endif
