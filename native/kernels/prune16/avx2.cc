// AVX2 prune16 kernels: N:4 magnitude masks 16 elements (4 groups) a vector; the other kernels are the
// portable loops, vectorized by the compiler under this target (integer and byte work: exact).
//  N:4: each lane's rank in its group is counted against the 3 others, brought to it by in-lane byte
//  shuffles (a group of 4 halves is 8 bytes, so never crosses a 128-bit lane); a tie counts as "before"
//  when the other lane's index is lower (exact mode) or never (threshold mode). Rank >= n: kept.
//  bn x 1 block scores: 8 columns a vector, |x| widened (BF16: shift; F16: vcvtph2ps, exact for finite
//  values, which are all the kernel sees), added down the block's rows, divided by bn for the mean.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "../target.h"

PRUNEKIT_TARGET_BEGIN("avx2,f16c")

#include "portable.h"

namespace prunekit {
namespace {

// Byte shuffle bringing element (p + r) % 4 of each group of 4 halves to position p.
__m256i rotate_(int r) {
  alignas(32) std::int8_t bytes[32];
  for (int b = 0; b < 32; ++b) {
    const int group = b / 8 * 8 % 16, p = b % 8 / 2, q = (p + r) % 4;
    bytes[b] = static_cast<std::int8_t>(group + 2 * q + b % 2);
  }
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(bytes));
}

// All ones in the halves whose rotated partner (p + r) % 4 comes before them (p).
__m256i earlier_(int r) {
  alignas(32) std::int16_t lanes[16];
  for (int l = 0; l < 16; ++l) lanes[l] = static_cast<std::int16_t>((l % 4 + r) % 4 < l % 4 ? -1 : 0);
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes));
}

std::size_t nm_magnitude_u16_avx2(std::uint16_t* data, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                                  std::uint8_t* keep) {
  if (m != 4) return prune16_portable::nm_magnitude_u16(data, n_elems, n, m, threshold, keep);
  const __m256i rot[3] = {rotate_(1), rotate_(2), rotate_(3)};
  const __m256i zero = _mm256_setzero_si256();
  const __m256i ties[3] = {threshold ? zero : earlier_(1), threshold ? zero : earlier_(2),
                           threshold ? zero : earlier_(3)};
  const __m256i magnitude = _mm256_set1_epi16(0x7fff);
  const __m256i last_pruned_rank = _mm256_set1_epi16(static_cast<std::int16_t>(n - 1));
  std::size_t i = 0, kept = 0;
  for (; i + 16 <= n_elems; i += 16) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i));
    const __m256i a = _mm256_and_si256(v, magnitude);  // 0..0x7fff: signed compares are right
    __m256i rank = zero;
    for (int r = 0; r < 3; ++r) {
      const __m256i b = _mm256_shuffle_epi8(a, rot[r]);
      const __m256i before =
          _mm256_or_si256(_mm256_cmpgt_epi16(a, b), _mm256_and_si256(_mm256_cmpeq_epi16(a, b), ties[r]));
      rank = _mm256_sub_epi16(rank, before);  // before is -1 where true
    }
    const __m256i k = _mm256_cmpgt_epi16(rank, last_pruned_rank);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(data + i), _mm256_and_si256(v, k));
    const __m256i k01 = _mm256_srli_epi16(k, 15);
    const __m128i bytes = _mm_packus_epi16(_mm256_castsi256_si128(k01), _mm256_extracti128_si256(k01, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(keep + i), bytes);
    kept += static_cast<std::size_t>(__builtin_popcount(static_cast<unsigned>(_mm256_movemask_epi8(k)))) / 2;
  }
  // n_elems and 16 are multiples of 4: the tail is whole groups.
  return (i - kept) + prune16_portable::nm_magnitude_u16(data + i, n_elems - i, n, m, threshold, keep + i);
}

void block_units_bm1_u16_avx2(const std::uint16_t* data, Half16 type, std::size_t rows, std::size_t cols,
                              std::size_t bn, BlockReduce op, float* out) {
  const __m128i magnitude = _mm_set1_epi16(0x7fff);
  // x / float(bn) equals div_'s double division rounded to float for bn <= 2^24 (mask/scalar.h).
  const __m256 divisor = _mm256_set1_ps(static_cast<float>(bn));
  const bool mean = op == BlockReduce::kMean;
  for (std::size_t br = 0; br < rows / bn; ++br) {
    const std::uint16_t* block = data + br * bn * cols;
    float* o = out + br * cols;
    std::size_t c = 0;
    for (; c + 8 <= cols; c += 8) {
      __m256 acc = _mm256_setzero_ps();
      for (std::size_t r = 0; r < bn; ++r) {
        const __m128i h =
            _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + r * cols + c)), magnitude);
        const __m256 x = type == Half16::kBf16 ? _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16))
                                               : _mm256_cvtph_ps(h);
        acc = _mm256_add_ps(acc, x);
      }
      _mm256_storeu_ps(o + c, mean ? _mm256_div_ps(acc, divisor) : acc);
    }
    for (; c < cols; ++c) {  // the last columns, one at a time
      float acc = 0.f;
      for (std::size_t r = 0; r < bn; ++r) acc = acc + prune16_portable::magnitude_(block[r * cols + c], type);
      o[c] = mean ? static_cast<float>(static_cast<double>(acc) / static_cast<double>(bn)) : acc;
    }
  }
}

}  // namespace

const Prune16Kernels prune16_kernels_avx2 = {
    prune16_portable::count_nonfinite_u16,    nm_magnitude_u16_avx2,
    prune16_portable::apply_blocks_u16,       prune16_portable::count_zero_blocks_u8,
    prune16_portable::count_sparse_groups_u8, block_units_bm1_u16_avx2,
};

}  // namespace prunekit

PRUNEKIT_TARGET_END
#endif
