// AVX2 mask kernels: 8 lanes, full vectors only, the tail (fewer than 8 elements or block columns) done
// with the scalar building blocks of scalar.h.
//  - keys: x + 0 (vaddps) turns -0 into +0; comparisons use the signed form of the key
//    (bits ^ ((bits >> 31) & 0x7fffffff), NaN lanes forced to INT32_MAX, vpcmpgtd), the histogram the
//    unsigned form (signed ^ 0x80000000);
//  - histogram: bins of the matching lanes packed to the front with one vpermd from a 256-entry table
//    (AVX2 has no compress), buffered, counted into two sub-histograms on the stack;
//  - emission, N:M: compare masks to bits (vmovmskps), bits to 8 keep bytes through a 256-entry table;
//  - N:M for M in {2, 4, 8}: ranks within a group from M-1 lane permutations (vpermd); other M scalar;
//  - block reduction: across 8 block columns, contiguous loads for M = 1, vgatherdps otherwise; vaddps,
//    vdivps (vmulps by the exact reciprocal for a power-of-two divisor), never vfmadd; max keeps the first of equal
//    values (vcmpps gt / unord, vblendvps).
// Results equal the scalar kernels bit for bit (block scores: any NaN equal to any NaN).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <cstring>

#include "../mask.h"
#include "../target.h"
#include "scalar.h"

PRUNEKIT_TARGET_BEGIN("avx2")

namespace prunekit {
namespace {

using mask_scalar::key_;

// kPack.lanes[bits]: the lanes whose bit is set in `bits`, in order, then zeros (vpermd indices).
// kBytes[bits]: 8 bytes, byte l = bit l of `bits`.
struct PackTable {
  std::uint8_t lanes[256][8];
};
constexpr PackTable make_pack_table_() {
  PackTable table{};
  for (unsigned bits = 0; bits < 256; ++bits) {
    unsigned out = 0;
    for (unsigned lane = 0; lane < 8; ++lane)
      if (bits >> lane & 1u) table.lanes[bits][out++] = static_cast<std::uint8_t>(lane);
  }
  return table;
}
constexpr PackTable kPack = make_pack_table_();

struct ByteTable {
  std::uint64_t bytes[256];
};
constexpr ByteTable make_byte_table_() {
  ByteTable table{};
  for (unsigned bits = 0; bits < 256; ++bits)
    for (unsigned lane = 0; lane < 8; ++lane)
      if (bits >> lane & 1u) table.bytes[bits] |= std::uint64_t{1} << (8 * lane);
  return table;
}
constexpr ByteTable kBytes = make_byte_table_();

inline void store_bits_as_bytes_(std::uint8_t* out, unsigned bits) { std::memcpy(out, &kBytes.bytes[bits & 0xffu], 8); }

// Signed keys: the same order as the unsigned keys of mask.h, shifted by 0x80000000.
inline __m256i signed_keys8_(const float* s) {
  const __m256 x = _mm256_add_ps(_mm256_loadu_ps(s), _mm256_setzero_ps());  // -0 -> +0
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i key =
      _mm256_xor_si256(bits, _mm256_and_si256(_mm256_srai_epi32(bits, 31), _mm256_set1_epi32(0x7fffffff)));
  const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  return _mm256_blendv_epi8(key, _mm256_set1_epi32(0x7fffffff), nan);
}

inline __m256i unsigned_keys8_(const float* s) {
  return _mm256_xor_si256(signed_keys8_(s), _mm256_set1_epi32(static_cast<int>(0x80000000u)));
}

inline unsigned bits8_(__m256i mask) { return static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(mask))); }

// ---- block reduction --------------------------------------------------------------------------------

inline __m256 max_step_(__m256 acc, __m256 x) {
  const __m256 take = _mm256_or_ps(_mm256_cmp_ps(x, acc, _CMP_GT_OQ), _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  return _mm256_blendv_ps(acc, x, take);
}

inline __m256 gather8_(const float* row, __m256i stride) { return _mm256_i32gather_ps(row, stride, 4); }

// x / d for the block mean. A power-of-two d divides as a multiplication by 1/d (exact): both round the same
// real number x * 2^-k once, so the bits are the division's, and vmulps costs a fraction of vdivps.
struct Divisor {
  __m256 value, reciprocal;
  bool power_of_two;
};
inline Divisor divisor_(std::size_t d) {
  const float f = static_cast<float>(d);
  return {_mm256_set1_ps(f), _mm256_set1_ps(1.f / f), (d & (d - 1)) == 0};
}
inline __m256 divide_(__m256 x, const Divisor& d) {
  return d.power_of_two ? _mm256_mul_ps(x, d.reciprocal) : _mm256_div_ps(x, d.value);
}

void reduce_blocks_f32_avx2(const float* s, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm,
                            BlockReduce op, float* out) {
  const std::size_t block_cols = cols / bm;
  if (block_cols < 8 || bm > (std::size_t{1} << 24) || bn > (std::size_t{1} << 24)) {
    mask_kernels_serial.reduce_blocks_f32(s, rows, cols, bn, bm, op, out);
    return;
  }
  const __m256 zero = _mm256_setzero_ps();
  const Divisor bm_d = divisor_(bm), bn_d = divisor_(bn);
  const __m256i stride =
      _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(bm)));
  for (std::size_t i = 0; i < rows / bn; ++i) {
    const float* block_row = s + i * bn * cols;
    std::size_t j = 0;
    for (; j + 8 <= block_cols; j += 8) {
      __m256 outer = zero;
      for (std::size_t r = 0; r < bn; ++r) {
        const float* row = block_row + r * cols + j * bm;
        __m256 inner;
        if (bm == 1) {
          const __m256 x = _mm256_loadu_ps(row);
          inner = op == BlockReduce::kMax ? x : _mm256_add_ps(zero, x);
        } else if (op == BlockReduce::kMax) {
          inner = gather8_(row, stride);
          for (std::size_t c = 1; c < bm; ++c) inner = max_step_(inner, gather8_(row + c, stride));
        } else {
          inner = zero;
          for (std::size_t c = 0; c < bm; ++c) inner = _mm256_add_ps(inner, gather8_(row + c, stride));
        }
        if (op == BlockReduce::kMean) inner = divide_(inner, bm_d);
        if (op != BlockReduce::kMax)
          outer = _mm256_add_ps(outer, inner);
        else
          outer = r == 0 ? inner : max_step_(outer, inner);
      }
      if (op == BlockReduce::kMean) outer = divide_(outer, bn_d);
      _mm256_storeu_ps(out + i * block_cols + j, outer);
    }
    for (; j < block_cols; ++j)
      out[i * block_cols + j] = mask_scalar::reduce_block_(block_row + j * bm, cols, bn, bm, op);
  }
}

// ---- keys, histogram, emission ------------------------------------------------------------------------

void keys_f32_avx2(const float* s, std::uint32_t* keys, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys + i), unsigned_keys8_(s + i));
  for (; i < n; ++i) keys[i] = key_(s[i]);
}

constexpr std::size_t kBuffered = 1024;

std::size_t histogram_f32_avx2(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits,
                               unsigned digit_bits, std::uint32_t* hist) {
  const std::size_t bins = std::size_t{1} << digit_bits;
  std::uint32_t sub[2][std::size_t{1} << kMaxDigitBits];
  std::memset(sub[0], 0, bins * sizeof(std::uint32_t));
  std::memset(sub[1], 0, bins * sizeof(std::uint32_t));
  alignas(32) std::uint32_t buffer[kBuffered + 8];
  std::size_t buffered = 0, counted = 0;
  const __m256i want = _mm256_set1_epi32(static_cast<int>(prefix));
  const __m128i to_prefix = _mm_cvtsi32_si128(static_cast<int>(32 - prefix_bits));
  const __m128i drop_prefix = _mm_cvtsi32_si128(static_cast<int>(prefix_bits));
  const __m128i to_digit = _mm_cvtsi32_si128(static_cast<int>(32 - digit_bits));
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i key = unsigned_keys8_(s + i);
    unsigned hit = 0xffu;
    if (prefix_bits != 0) hit = bits8_(_mm256_cmpeq_epi32(_mm256_srl_epi32(key, to_prefix), want));
    if (hit == 0) continue;
    __m256i bin = _mm256_srl_epi32(_mm256_sll_epi32(key, drop_prefix), to_digit);
    if (hit != 0xffu) {
      std::uint64_t lanes;
      std::memcpy(&lanes, kPack.lanes[hit], 8);
      bin = _mm256_permutevar8x32_epi32(bin, _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(lanes))));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(buffer + buffered), bin);
    buffered += static_cast<std::size_t>(__builtin_popcount(hit));
    if (buffered >= kBuffered) {
      mask_scalar::count_bins_(buffer, buffered, sub[0], sub[1]);
      counted += buffered;
      buffered = 0;
    }
  }
  mask_scalar::count_bins_(buffer, buffered, sub[0], sub[1]);
  counted += buffered;
  for (std::size_t b = 0; b < bins; ++b) hist[b] += sub[0][b] + sub[1][b];
  if (i < n) counted += mask_kernels_serial.histogram_f32(s + i, n - i, prefix, prefix_bits, digit_bits, hist);
  return counted;
}

std::size_t emit_f32_avx2(const float* s, std::size_t n, std::uint32_t key, std::size_t quota, std::uint8_t* keep) {
  const __m256i threshold = _mm256_set1_epi32(static_cast<int>(key ^ 0x80000000u));
  std::size_t ties = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i k = signed_keys8_(s + i);
    unsigned pruned = bits8_(_mm256_cmpgt_epi32(threshold, k));
    const unsigned eq = bits8_(_mm256_cmpeq_epi32(k, threshold));
    if (eq) pruned |= mask_scalar::take_ties_(eq, &ties, quota);
    store_bits_as_bytes_(keep + i, ~pruned);
  }
  // The tail, with what is left of the tie quota.
  if (i < n) ties += mask_kernels_serial.emit_f32(s + i, n - i, key, quota > ties ? quota - ties : 0, keep + i);
  return ties;
}

std::size_t count_key_f32_avx2(const float* s, std::size_t n, std::uint32_t key) {
  const __m256i want = _mm256_set1_epi32(static_cast<int>(key ^ 0x80000000u));
  __m256i counts = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) counts = _mm256_sub_epi32(counts, _mm256_cmpeq_epi32(signed_keys8_(s + i), want));
  alignas(32) std::uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), counts);
  std::size_t count = 0;
  for (std::uint32_t lane : lanes) count += lane;  // n < 2^32: no lane overflows
  for (; i < n; ++i) count += key_(s[i]) == key;
  return count;
}

// Bucket collection: the same prefix compare as the histogram, the matching floats packed to the front with
// one vpermd and stored whole (the slack of mask.h), the output advanced by the match count (0: the next
// store overwrites the vector).
std::size_t collect_f32_avx2(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits, float* out) {
  if (prefix_bits >= 32) return mask_kernels_serial.collect_f32(s, n, prefix, prefix_bits, out);
  const __m256i want = _mm256_set1_epi32(static_cast<int>(prefix));
  const __m128i to_prefix = _mm_cvtsi32_si128(static_cast<int>(32 - prefix_bits));
  std::size_t count = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    // No branch on `hit`: with a few percent of matches, whether a vector has one is a coin toss.
    const unsigned hit = bits8_(_mm256_cmpeq_epi32(_mm256_srl_epi32(unsigned_keys8_(s + i), to_prefix), want));
    std::uint64_t lanes;
    std::memcpy(&lanes, kPack.lanes[hit], 8);
    const __m256i order = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(lanes)));
    _mm256_storeu_ps(out + count, _mm256_permutevar8x32_ps(_mm256_loadu_ps(s + i), order));
    count += static_cast<std::size_t>(__builtin_popcount(hit));
  }
  if (i < n) count += mask_kernels_serial.collect_f32(s + i, n - i, prefix, prefix_bits, out + count);
  return count;
}

// ---- N:M --------------------------------------------------------------------------------------------

std::size_t nm_f32_avx2(const float* s, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                        std::uint8_t* keep) {
  if (m > 8 || (m & (m - 1)) != 0) return mask_kernels_serial.nm_f32(s, n_elems, n, m, threshold, keep);
  __m256i rotation[8], before[8];
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i low = _mm256_set1_epi32(static_cast<int>(m - 1));
  for (unsigned r = 1; r < m; ++r) {
    rotation[r] =
        _mm256_or_si256(_mm256_andnot_si256(low, lane),
                        _mm256_and_si256(_mm256_add_epi32(lane, _mm256_set1_epi32(static_cast<int>(r))), low));
    // p mod m >= m - r  <=>  p mod m > m - r - 1
    before[r] = _mm256_cmpgt_epi32(_mm256_and_si256(lane, low), _mm256_set1_epi32(static_cast<int>(m - r - 1)));
  }
  const __m256i n_vec = _mm256_set1_epi32(static_cast<int>(n)), nan = _mm256_set1_epi32(0x7fffffff);
  std::size_t pruned_total = 0, i = 0;
  for (; i + 8 <= n_elems; i += 8) {
    const __m256i k = signed_keys8_(s + i);
    const __m256i is_nan = _mm256_cmpeq_epi32(k, nan);
    // Counters count down: each compare mask is -1 where true.
    __m256i less = _mm256_setzero_si256(), earlier_equal = less, nans = is_nan;
    for (unsigned r = 1; r < m; ++r) {
      const __m256i other = _mm256_permutevar8x32_epi32(k, rotation[r]);
      less = _mm256_add_epi32(less, _mm256_cmpgt_epi32(k, other));
      if (threshold)
        nans = _mm256_add_epi32(nans, _mm256_cmpeq_epi32(other, nan));
      else
        earlier_equal = _mm256_add_epi32(earlier_equal, _mm256_and_si256(_mm256_cmpeq_epi32(other, k), before[r]));
    }
    // less and earlier_equal hold minus their counts, nans minus the group's NaN count.
    __m256i pruned;
    if (threshold) {
      const __m256i finite = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(m)), nans);
      pruned = _mm256_and_si256(_mm256_cmpgt_epi32(n_vec, _mm256_sub_epi32(_mm256_setzero_si256(), less)),
                                _mm256_cmpgt_epi32(finite, _mm256_set1_epi32(static_cast<int>(n) - 1)));
    } else {
      pruned =
          _mm256_cmpgt_epi32(n_vec, _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_add_epi32(less, earlier_equal)));
    }
    const unsigned bits = bits8_(_mm256_andnot_si256(is_nan, pruned));
    store_bits_as_bytes_(keep + i, ~bits);
    pruned_total += static_cast<std::size_t>(__builtin_popcount(bits));
  }
  if (i < n_elems) pruned_total += mask_kernels_serial.nm_f32(s + i, n_elems - i, n, m, threshold, keep + i);
  return pruned_total;
}

// N:M group scores for M = 4: 8 groups (32 scores) a step, kept entries zeroed with the candidates' mask
// (vpmovzxbd, vpcmpeqd, vandps), transposed so lane g holds group g (unpck/shufps within 128-bit lanes, one
// vpermps to restore the group order), then summed in index order (vaddps) or maxed (vcmpps gt / unord,
// vblendvps) as the scalar kernel does; the mean divides by 4 as a multiplication by 0.25 (exact). Other M,
// and the tail, scalar.
inline __m256 pruned_scores8_(const float* s, const std::uint8_t* keep) {
  std::uint64_t bytes;
  std::memcpy(&bytes, keep, 8);
  const __m256i k = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(bytes)));
  return _mm256_and_ps(_mm256_loadu_ps(s), _mm256_castsi256_ps(_mm256_cmpeq_epi32(k, _mm256_setzero_si256())));
}

void group_scores_f32_avx2(const float* s, const std::uint8_t* keep, std::size_t n_elems, unsigned m, BlockReduce op,
                           float* out) {
  if (m != 4) {
    mask_kernels_serial.group_scores_f32(s, keep, n_elems, m, op, out);
    return;
  }
  const std::size_t groups = n_elems / 4;
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  std::size_t g = 0;
  for (; g + 8 <= groups; g += 8) {
    const float* x = s + g * 4;
    const std::uint8_t* k = keep + g * 4;
    // a: groups 0 and 1 (entries 0-3 | 0-3), b: 2 and 3, c: 4 and 5, d: 6 and 7.
    const __m256 a = pruned_scores8_(x, k), b = pruned_scores8_(x + 8, k + 8);
    const __m256 c = pruned_scores8_(x + 16, k + 16), d = pruned_scores8_(x + 24, k + 24);
    const __m256 ab_lo = _mm256_unpacklo_ps(a, b), ab_hi = _mm256_unpackhi_ps(a, b);
    const __m256 cd_lo = _mm256_unpacklo_ps(c, d), cd_hi = _mm256_unpackhi_ps(c, d);
    // entry[j]: entry j of groups 0, 2, 4, 6 | 1, 3, 5, 7.
    const __m256 entry[4] = {_mm256_shuffle_ps(ab_lo, cd_lo, 0x44), _mm256_shuffle_ps(ab_lo, cd_lo, 0xee),
                             _mm256_shuffle_ps(ab_hi, cd_hi, 0x44), _mm256_shuffle_ps(ab_hi, cd_hi, 0xee)};
    __m256 acc = _mm256_setzero_ps();
    for (const __m256& v : entry) acc = op == BlockReduce::kMax ? max_step_(acc, v) : _mm256_add_ps(acc, v);
    if (op == BlockReduce::kMean) acc = _mm256_mul_ps(acc, _mm256_set1_ps(0.25f));
    _mm256_storeu_ps(out + g, _mm256_permutevar8x32_ps(acc, order));
  }
  if (g < groups) mask_kernels_serial.group_scores_f32(s + g * 4, keep + g * 4, (groups - g) * 4, 4, op, out + g);
}

// ---- masks ------------------------------------------------------------------------------------------

void apply_mask_f32_avx2(float* w, float* g, const std::uint8_t* keep, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t bytes;
    std::memcpy(&bytes, keep + i, 8);
    if (bytes == 0x0101010101010101ull) continue;  // the common all-kept run: nothing to write
    const __m256i k = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(bytes)));
    const __m256 pruned = _mm256_castsi256_ps(_mm256_cmpeq_epi32(k, _mm256_setzero_si256()));
    _mm256_storeu_ps(w + i, _mm256_andnot_ps(pruned, _mm256_loadu_ps(w + i)));
    if (g) _mm256_storeu_ps(g + i, _mm256_andnot_ps(pruned, _mm256_loadu_ps(g + i)));
  }
  if (i < n) mask_kernels_serial.apply_mask_f32(w + i, g ? g + i : nullptr, keep + i, n - i);
}

}  // namespace

const MaskKernels mask_kernels_avx2 = {reduce_blocks_f32_avx2,
                                       keys_f32_avx2,
                                       histogram_f32_avx2,
                                       emit_f32_avx2,
                                       count_key_f32_avx2,
                                       nm_f32_avx2,
                                       nullptr /* expand_blocks_u8: the scalar one (memcpy, memset) */,
                                       apply_mask_f32_avx2,
                                       collect_f32_avx2,
                                       group_scores_f32_avx2};

}  // namespace prunekit

PRUNEKIT_TARGET_END

#endif
