// AVX-512 mask kernels (AVX-512F only, plus popcnt): 16 lanes, tails by masked loads and stores.
//  - keys: x + 0 (vaddps) turns -0 into +0, then a sign-dependent xor (vpsrad, vpord, vpxord); NaN lanes,
//    found with vcmpps unord, forced to all ones;
//  - histogram: keys of 16 scores, prefix compare into a k-mask, bins compressed into a register
//    (vpcompressd, never to memory: that form is microcoded on some cores) and buffered, then counted
//    into two sub-histograms on the stack;
//  - emission and counting: unsigned compares (vpcmpud) into k-masks, bytes written with vpmovdb;
//  - N:M for M in {2, 4, 8, 16}: each lane's rank within its group from M-1 lane permutations (vpermd);
//    other M use the scalar kernel;
//  - block reduction: across 16 block columns at once, contiguous loads for M = 1, vgatherdps otherwise;
//    vaddps and vdivps, never vfmadd; max keeps the first of equal values (vcmpps gt, masked moves);
//  - apply: masked stores of +0 to the pruned lanes only.
// Results equal the scalar kernels bit for bit (block scores: any NaN equal to any NaN).
#if defined(__x86_64__) || defined(_M_X64)
// GCC 12 flags the _mm512_undefined_* placeholders inside its own intrinsics as maybe-uninitialized when
// they are inlined (GCC bug 105593, a false positive); the values are never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstring>

#include "../mask.h"
#include "../target.h"
#include "scalar.h"

PRUNEKIT_TARGET_BEGIN("avx512f,popcnt")

namespace prunekit {
namespace {

inline __mmask16 live_(std::size_t remaining) {
  return remaining >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << remaining) - 1u);
}

inline __m512i keys16_(__m512 x) {
  x = _mm512_add_ps(x, _mm512_setzero_ps());  // -0 -> +0
  const __m512i bits = _mm512_castps_si512(x);
  const __m512i flip = _mm512_or_si512(_mm512_srai_epi32(bits, 31), _mm512_set1_epi32(static_cast<int>(0x80000000u)));
  return _mm512_mask_mov_epi32(_mm512_xor_si512(bits, flip), _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q),
                               _mm512_set1_epi32(-1));
}

inline __m512i load_keys_(const float* s, __mmask16 live) {
  return keys16_(live == 0xffff ? _mm512_loadu_ps(s) : _mm512_maskz_loadu_ps(live, s));
}

// keep bytes: 1 where `kept`, for the live lanes.
inline void store_keep_(std::uint8_t* keep, __mmask16 kept, __mmask16 live) {
  const __m512i ones = _mm512_maskz_set1_epi32(kept, 1);
  if (live == 0xffff)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(keep), _mm512_cvtepi32_epi8(ones));
  else
    _mm512_mask_cvtepi32_storeu_epi8(keep, live, ones);
}

// ---- block reduction --------------------------------------------------------------------------------

inline __m512 max_step_(__m512 acc, __m512 x) {
  const __mmask16 take = _mm512_cmp_ps_mask(x, acc, _CMP_GT_OQ) | _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  return _mm512_mask_mov_ps(acc, take, x);
}

void reduce_blocks_f32_avx512(const float* s, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm,
                              BlockReduce op, float* out) {
  const std::size_t block_cols = cols / bm;
  // Few blocks a row: nothing to spread over lanes. Huge blocks: the float division of the mean would no
  // longer equal the reference's double one, and gather indices would overflow. The scalar kernel does those.
  if (block_cols < 4 || bm > (std::size_t{1} << 24) || bn > (std::size_t{1} << 24)) {
    mask_kernels_serial.reduce_blocks_f32(s, rows, cols, bn, bm, op, out);
    return;
  }
  const __m512 zero = _mm512_setzero_ps();
  const __m512 bm_f = _mm512_set1_ps(static_cast<float>(bm)), bn_f = _mm512_set1_ps(static_cast<float>(bn));
  const __m512i stride = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(static_cast<int>(bm)));
  for (std::size_t i = 0; i < rows / bn; ++i) {
    for (std::size_t j = 0; j < block_cols; j += 16) {
      const __mmask16 live = live_(block_cols - j);
      __m512 outer = zero;
      for (std::size_t r = 0; r < bn; ++r) {
        const float* row = s + (i * bn + r) * cols + j * bm;
        __m512 inner;
        if (bm == 1) {
          const __m512 x = _mm512_maskz_loadu_ps(live, row);
          inner = op == BlockReduce::kMax ? x : _mm512_add_ps(zero, x);
        } else if (op == BlockReduce::kMax) {
          inner = _mm512_mask_i32gather_ps(zero, live, stride, row, 4);
          for (std::size_t c = 1; c < bm; ++c)
            inner = max_step_(inner, _mm512_mask_i32gather_ps(zero, live, stride, row + c, 4));
        } else {
          inner = zero;
          for (std::size_t c = 0; c < bm; ++c)
            inner = _mm512_add_ps(inner, _mm512_mask_i32gather_ps(zero, live, stride, row + c, 4));
        }
        if (op == BlockReduce::kMean) inner = _mm512_div_ps(inner, bm_f);
        if (op != BlockReduce::kMax)
          outer = _mm512_add_ps(outer, inner);
        else
          outer = r == 0 ? inner : max_step_(outer, inner);
      }
      if (op == BlockReduce::kMean) outer = _mm512_div_ps(outer, bn_f);
      _mm512_mask_storeu_ps(out + i * block_cols + j, live, outer);
    }
  }
}

// ---- keys, histogram, emission ------------------------------------------------------------------------

void keys_f32_avx512(const float* s, std::uint32_t* keys, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 16) {
    const __mmask16 live = live_(n - i);
    _mm512_mask_storeu_epi32(keys + i, live, load_keys_(s + i, live));
  }
}

constexpr std::size_t kBuffered = 1024;

std::size_t histogram_f32_avx512(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits,
                                 unsigned digit_bits, std::uint32_t* hist) {
  const std::size_t bins = std::size_t{1} << digit_bits;
  std::uint32_t sub[2][std::size_t{1} << kMaxDigitBits];
  std::memset(sub[0], 0, bins * sizeof(std::uint32_t));
  std::memset(sub[1], 0, bins * sizeof(std::uint32_t));
  alignas(64) std::uint32_t buffer[kBuffered + 16];
  std::size_t buffered = 0, counted = 0;
  const __m512i want = _mm512_set1_epi32(static_cast<int>(prefix));
  const __m128i to_prefix = _mm_cvtsi32_si128(static_cast<int>(32 - prefix_bits));
  const __m128i drop_prefix = _mm_cvtsi32_si128(static_cast<int>(prefix_bits));
  const __m128i to_digit = _mm_cvtsi32_si128(static_cast<int>(32 - digit_bits));
  for (std::size_t i = 0; i < n; i += 16) {
    const __mmask16 live = live_(n - i);
    const __m512i key = load_keys_(s + i, live);
    __mmask16 hit = live;
    if (prefix_bits != 0) hit &= _mm512_cmpeq_epi32_mask(_mm512_srl_epi32(key, to_prefix), want);
    if (hit == 0) continue;
    const __m512i bin = _mm512_srl_epi32(_mm512_sll_epi32(key, drop_prefix), to_digit);
    if (hit == 0xffff) {
      _mm512_storeu_si512(buffer + buffered, bin);
      buffered += 16;
    } else {
      _mm512_storeu_si512(buffer + buffered, _mm512_maskz_compress_epi32(hit, bin));
      buffered += static_cast<std::size_t>(_mm_popcnt_u32(hit));
    }
    if (buffered >= kBuffered) {
      mask_scalar::count_bins_(buffer, buffered, sub[0], sub[1]);
      counted += buffered;
      buffered = 0;
    }
  }
  mask_scalar::count_bins_(buffer, buffered, sub[0], sub[1]);
  counted += buffered;
  for (std::size_t b = 0; b < bins; ++b) hist[b] += sub[0][b] + sub[1][b];
  return counted;
}

std::size_t emit_f32_avx512(const float* s, std::size_t n, std::uint32_t key, std::size_t quota, std::uint8_t* keep) {
  const __m512i threshold = _mm512_set1_epi32(static_cast<int>(key));
  std::size_t ties = 0;
  for (std::size_t i = 0; i < n; i += 16) {
    const __mmask16 live = live_(n - i);
    const __m512i k = load_keys_(s + i, live);
    __mmask16 pruned = _mm512_cmplt_epu32_mask(k, threshold);
    const __mmask16 eq = _mm512_cmpeq_epi32_mask(k, threshold) & live;
    if (eq) pruned |= static_cast<__mmask16>(mask_scalar::take_ties_(eq, &ties, quota));
    store_keep_(keep + i, static_cast<__mmask16>(~pruned), live);
  }
  return ties;
}

std::size_t count_key_f32_avx512(const float* s, std::size_t n, std::uint32_t key) {
  const __m512i want = _mm512_set1_epi32(static_cast<int>(key));
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; i += 16) {
    const __mmask16 live = live_(n - i);
    count += static_cast<std::size_t>(_mm_popcnt_u32(_mm512_cmpeq_epi32_mask(load_keys_(s + i, live), want) & live));
  }
  return count;
}

// ---- N:M --------------------------------------------------------------------------------------------

std::size_t nm_f32_avx512(const float* s, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                          std::uint8_t* keep) {
  if (m > 16 || (m & (m - 1)) != 0) return mask_kernels_serial.nm_f32(s, n_elems, n, m, threshold, keep);
  // rotation[r]: lane p reads lane (p + r) mod m of its own group; before[r]: lanes whose rotated partner
  // comes earlier in the group (p mod m >= m - r), which wins a tie in exact mode.
  __m512i rotation[16];
  __mmask16 before[16];
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i low = _mm512_set1_epi32(static_cast<int>(m - 1));
  for (unsigned r = 1; r < m; ++r) {
    rotation[r] =
        _mm512_or_si512(_mm512_andnot_si512(low, lane),
                        _mm512_and_si512(_mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(r))), low));
    before[r] = _mm512_cmpge_epu32_mask(_mm512_and_si512(lane, low), _mm512_set1_epi32(static_cast<int>(m - r)));
  }
  const __m512i one = _mm512_set1_epi32(1), n_vec = _mm512_set1_epi32(static_cast<int>(n));
  const __m512i nan = _mm512_set1_epi32(-1);
  std::size_t pruned_total = 0;
  for (std::size_t i = 0; i < n_elems; i += 16) {
    const __mmask16 live = live_(n_elems - i);  // whole groups: m divides 16 and n_elems
    const __m512i k = load_keys_(s + i, live);
    const __mmask16 not_nan = _mm512_cmpneq_epi32_mask(k, nan);
    __m512i less = _mm512_setzero_si512(), earlier_equal = less, finite = _mm512_maskz_mov_epi32(not_nan, one);
    for (unsigned r = 1; r < m; ++r) {
      const __m512i other = _mm512_permutexvar_epi32(rotation[r], k);
      less = _mm512_mask_add_epi32(less, _mm512_cmplt_epu32_mask(other, k), less, one);
      if (threshold)
        finite = _mm512_mask_add_epi32(finite, _mm512_cmpneq_epi32_mask(other, nan), finite, one);
      else
        earlier_equal =
            _mm512_mask_add_epi32(earlier_equal, _mm512_cmpeq_epi32_mask(other, k) & before[r], earlier_equal, one);
    }
    __mmask16 pruned = not_nan & live;
    if (threshold)
      pruned &= _mm512_cmplt_epi32_mask(less, n_vec) & _mm512_cmpge_epi32_mask(finite, n_vec);
    else
      pruned &= _mm512_cmplt_epi32_mask(_mm512_add_epi32(less, earlier_equal), n_vec);
    store_keep_(keep + i, static_cast<__mmask16>(~pruned), live);
    pruned_total += static_cast<std::size_t>(_mm_popcnt_u32(pruned));
  }
  return pruned_total;
}

// ---- masks ------------------------------------------------------------------------------------------

void apply_mask_f32_avx512(float* w, float* g, const std::uint8_t* keep, std::size_t n) {
  const __m512 zero = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i k = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keep + i)));
    const __mmask16 pruned = _mm512_cmpeq_epi32_mask(k, _mm512_setzero_si512());
    if (pruned == 0) continue;
    _mm512_mask_storeu_ps(w + i, pruned, zero);
    if (g) _mm512_mask_storeu_ps(g + i, pruned, zero);
  }
  if (i < n) mask_kernels_serial.apply_mask_f32(w + i, g ? g + i : nullptr, keep + i, n - i);
}

}  // namespace

const MaskKernels mask_kernels_avx512 = {reduce_blocks_f32_avx512,
                                         keys_f32_avx512,
                                         histogram_f32_avx512,
                                         emit_f32_avx512,
                                         count_key_f32_avx512,
                                         nm_f32_avx512,
                                         nullptr /* expand_blocks_u8: the scalar one (memcpy, memset) */,
                                         apply_mask_f32_avx512,
                                         nullptr /* collect_f32: the AVX2 one */,
                                         nullptr /* group_scores_f32: the AVX2 one */};

}  // namespace prunekit

PRUNEKIT_TARGET_END

#endif
