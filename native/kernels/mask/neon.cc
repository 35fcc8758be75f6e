// NEON mask kernels (AArch64 Advanced SIMD): 4 lanes, two vectors an iteration where it pays, tails with
// the scalar building blocks of scalar.h.
//  - keys: x + 0 (fadd) turns -0 into +0, then a sign-dependent eor; NaN lanes (fcmeq x, x false) forced
//    to all ones; compares are unsigned (cmhi, cmeq);
//  - histogram: matching lanes' bins buffered (a full vector stored at once when all four match), counted
//    into two sub-histograms on the stack;
//  - emission, N:M: compare masks to bits (and with lane weights, addv), bits to keep bytes via a table;
//  - N:M for M in {2, 4}: a group is a pair of lanes (rev64) or one vector (ext rotations); other M scalar;
//  - block reduction: across 4 block columns, de-interleaving loads for M in {1, 2, 4} (ld1, ld2, ld4),
//    fadd and fdiv (never fmla), max keeps the first of equal values (fcmgt, bsl); other M scalar.
// Denormals are kept (FPCR.FZ stays 0). Results equal the scalar kernels bit for bit (block scores: any
// NaN equal to any NaN).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "../mask.h"
#include "scalar.h"

namespace prunekit {
namespace {

using mask_scalar::key_;

struct ByteTable {
  std::uint32_t bytes[16];
};
constexpr ByteTable make_byte_table_() {
  ByteTable table{};
  for (unsigned bits = 0; bits < 16; ++bits)
    for (unsigned lane = 0; lane < 4; ++lane)
      if (bits >> lane & 1u) table.bytes[bits] |= 1u << (8 * lane);
  return table;
}
constexpr ByteTable kBytes = make_byte_table_();

inline void store_bits_as_bytes_(std::uint8_t* out, unsigned bits) { std::memcpy(out, &kBytes.bytes[bits & 0xfu], 4); }

inline uint32x4_t keys4_(const float* s) {
  const float32x4_t x = vaddq_f32(vld1q_f32(s), vdupq_n_f32(0.f));  // -0 -> +0
  const uint32x4_t bits = vreinterpretq_u32_f32(x);
  const uint32x4_t flip =
      vorrq_u32(vreinterpretq_u32_s32(vshrq_n_s32(vreinterpretq_s32_u32(bits), 31)), vdupq_n_u32(0x80000000u));
  const uint32x4_t key = veorq_u32(bits, flip);
  return vorrq_u32(key, vmvnq_u32(vceqq_f32(x, x)));  // NaN: not equal to itself -> all ones
}

inline unsigned bits4_(uint32x4_t mask) {
  static const std::uint32_t kWeights[4] = {1, 2, 4, 8};
  return vaddvq_u32(vandq_u32(mask, vld1q_u32(kWeights)));
}

// ---- block reduction --------------------------------------------------------------------------------

inline float32x4_t max_step_(float32x4_t acc, float32x4_t x) {
  const uint32x4_t take = vorrq_u32(vcgtq_f32(x, acc), vmvnq_u32(vceqq_f32(x, x)));
  return vbslq_f32(take, x, acc);
}

// The first stage of four consecutive blocks of one row (block width bm in {1, 2, 4}).
inline float32x4_t inner4_(const float* row, std::size_t bm, BlockReduce op) {
  const float32x4_t zero = vdupq_n_f32(0.f);
  float32x4_t lanes[4];
  std::size_t count = bm;
  if (bm == 1) {
    lanes[0] = vld1q_f32(row);
  } else if (bm == 2) {
    const float32x4x2_t v = vld2q_f32(row);
    lanes[0] = v.val[0];
    lanes[1] = v.val[1];
  } else {
    const float32x4x4_t v = vld4q_f32(row);
    for (int c = 0; c < 4; ++c) lanes[c] = v.val[c];
  }
  if (op == BlockReduce::kMax) {
    float32x4_t inner = lanes[0];
    for (std::size_t c = 1; c < count; ++c) inner = max_step_(inner, lanes[c]);
    return inner;
  }
  float32x4_t inner = zero;
  for (std::size_t c = 0; c < count; ++c) inner = vaddq_f32(inner, lanes[c]);
  if (op == BlockReduce::kMean) inner = vdivq_f32(inner, vdupq_n_f32(static_cast<float>(bm)));
  return inner;
}

void reduce_blocks_f32_neon(const float* s, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm,
                            BlockReduce op, float* out) {
  const std::size_t block_cols = cols / bm;
  if ((bm != 1 && bm != 2 && bm != 4) || block_cols < 4 || bn > (std::size_t{1} << 24)) {
    mask_kernels_serial.reduce_blocks_f32(s, rows, cols, bn, bm, op, out);
    return;
  }
  const float32x4_t bn_f = vdupq_n_f32(static_cast<float>(bn));
  for (std::size_t i = 0; i < rows / bn; ++i) {
    const float* block_row = s + i * bn * cols;
    std::size_t j = 0;
    for (; j + 4 <= block_cols; j += 4) {
      float32x4_t outer = vdupq_n_f32(0.f);
      for (std::size_t r = 0; r < bn; ++r) {
        const float32x4_t inner = inner4_(block_row + r * cols + j * bm, bm, op);
        if (op != BlockReduce::kMax)
          outer = vaddq_f32(outer, inner);
        else
          outer = r == 0 ? inner : max_step_(outer, inner);
      }
      if (op == BlockReduce::kMean) outer = vdivq_f32(outer, bn_f);
      vst1q_f32(out + i * block_cols + j, outer);
    }
    for (; j < block_cols; ++j)
      out[i * block_cols + j] = mask_scalar::reduce_block_(block_row + j * bm, cols, bn, bm, op);
  }
}

// ---- keys, histogram, emission ------------------------------------------------------------------------

void keys_f32_neon(const float* s, std::uint32_t* keys, std::size_t n) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_u32(keys + i, keys4_(s + i));
  for (; i < n; ++i) keys[i] = key_(s[i]);
}

constexpr std::size_t kBuffered = 1024;

std::size_t histogram_f32_neon(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits,
                               unsigned digit_bits, std::uint32_t* hist) {
  const std::size_t bins = std::size_t{1} << digit_bits;
  std::uint32_t sub[2][std::size_t{1} << kMaxDigitBits];
  std::memset(sub[0], 0, bins * sizeof(std::uint32_t));
  std::memset(sub[1], 0, bins * sizeof(std::uint32_t));
  std::uint32_t buffer[kBuffered + 4];
  std::size_t buffered = 0, counted = 0;
  const uint32x4_t want = vdupq_n_u32(prefix);
  // vshlq with a negative count shifts right; a count of -32 gives 0, which only prefix_bits == 0 would use.
  const int32x4_t to_prefix = vdupq_n_s32(-static_cast<int>(32 - prefix_bits));
  const int32x4_t drop_prefix = vdupq_n_s32(static_cast<int>(prefix_bits));
  const int32x4_t to_digit = vdupq_n_s32(-static_cast<int>(32 - digit_bits));
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32x4_t key = keys4_(s + i);
    unsigned hit = 0xfu;
    if (prefix_bits != 0) hit = bits4_(vceqq_u32(vshlq_u32(key, to_prefix), want));
    if (hit == 0) continue;
    const uint32x4_t bin = vshlq_u32(vshlq_u32(key, drop_prefix), to_digit);
    if (hit == 0xfu) {
      vst1q_u32(buffer + buffered, bin);
      buffered += 4;
    } else {
      std::uint32_t lanes[4];
      vst1q_u32(lanes, bin);
      for (unsigned lane = 0; lane < 4; ++lane)
        if (hit >> lane & 1u) buffer[buffered++] = lanes[lane];
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
  if (i < n) counted += mask_kernels_serial.histogram_f32(s + i, n - i, prefix, prefix_bits, digit_bits, hist);
  return counted;
}

std::size_t emit_f32_neon(const float* s, std::size_t n, std::uint32_t key, std::size_t quota, std::uint8_t* keep) {
  const uint32x4_t threshold = vdupq_n_u32(key);
  std::size_t ties = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32x4_t k = keys4_(s + i);
    unsigned pruned = bits4_(vcltq_u32(k, threshold));
    const unsigned eq = bits4_(vceqq_u32(k, threshold));
    if (eq) pruned |= mask_scalar::take_ties_(eq, &ties, quota);
    store_bits_as_bytes_(keep + i, ~pruned);
  }
  // The tail, with what is left of the tie quota.
  if (i < n) ties += mask_kernels_serial.emit_f32(s + i, n - i, key, quota > ties ? quota - ties : 0, keep + i);
  return ties;
}

std::size_t count_key_f32_neon(const float* s, std::size_t n, std::uint32_t key) {
  const uint32x4_t want = vdupq_n_u32(key);
  uint32x4_t counts = vdupq_n_u32(0);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) counts = vsubq_u32(counts, vceqq_u32(keys4_(s + i), want));
  std::size_t count = vaddvq_u32(counts);
  for (; i < n; ++i) count += key_(s[i]) == key;
  return count;
}

// ---- N:M --------------------------------------------------------------------------------------------

inline uint32x4_t rotate_(uint32x4_t k, unsigned m, unsigned r) {
  if (m == 2) return vrev64q_u32(k);  // swap the two lanes of each pair
  switch (r) {
    case 1:
      return vextq_u32(k, k, 1);
    case 2:
      return vextq_u32(k, k, 2);
    default:
      return vextq_u32(k, k, 3);
  }
}

std::size_t nm_f32_neon(const float* s, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                        std::uint8_t* keep) {
  if (m != 2 && m != 4) return mask_kernels_serial.nm_f32(s, n_elems, n, m, threshold, keep);
  // before[r]: lanes whose rotated partner comes earlier in the group (p mod m >= m - r).
  uint32x4_t before[4];
  for (unsigned r = 1; r < m; ++r) {
    std::uint32_t lanes[4];
    for (unsigned p = 0; p < 4; ++p) lanes[p] = (p % m) >= m - r ? 0xffffffffu : 0u;
    before[r] = vld1q_u32(lanes);
  }
  const uint32x4_t nan = vdupq_n_u32(kNanKey), n_vec = vdupq_n_u32(n);
  std::size_t pruned_total = 0, i = 0;
  for (; i + 4 <= n_elems; i += 4) {
    const uint32x4_t k = keys4_(s + i);
    const uint32x4_t not_nan = vmvnq_u32(vceqq_u32(k, nan));
    // Counters count down: each compare mask is all ones (-1) where true.
    uint32x4_t less = vdupq_n_u32(0), earlier_equal = less, finite = not_nan;
    for (unsigned r = 1; r < m; ++r) {
      const uint32x4_t other = rotate_(k, m, r);
      less = vaddq_u32(less, vcltq_u32(other, k));
      if (threshold)
        finite = vaddq_u32(finite, vmvnq_u32(vceqq_u32(other, nan)));
      else
        earlier_equal = vaddq_u32(earlier_equal, vandq_u32(vceqq_u32(other, k), before[r]));
    }
    const uint32x4_t zero = vdupq_n_u32(0);
    uint32x4_t pruned;
    if (threshold) {
      pruned = vandq_u32(vcltq_u32(vsubq_u32(zero, less), n_vec), vcgeq_u32(vsubq_u32(zero, finite), n_vec));
    } else {
      pruned = vcltq_u32(vsubq_u32(zero, vaddq_u32(less, earlier_equal)), n_vec);
    }
    const unsigned bits = bits4_(vandq_u32(pruned, not_nan));
    store_bits_as_bytes_(keep + i, ~bits);
    pruned_total += static_cast<std::size_t>(__builtin_popcount(bits));
  }
  if (i < n_elems) pruned_total += mask_kernels_serial.nm_f32(s + i, n_elems - i, n, m, threshold, keep + i);
  return pruned_total;
}

// ---- masks ------------------------------------------------------------------------------------------

void apply_mask_f32_neon(float* w, float* g, const std::uint8_t* keep, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16x8_t k16 = vmovl_u8(vld1_u8(keep + i));
    const uint32x4_t pruned_lo = vceqq_u32(vmovl_u16(vget_low_u16(k16)), vdupq_n_u32(0));
    const uint32x4_t pruned_hi = vceqq_u32(vmovl_u16(vget_high_u16(k16)), vdupq_n_u32(0));
    vst1q_f32(w + i, vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(vld1q_f32(w + i)), pruned_lo)));
    vst1q_f32(w + i + 4, vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(vld1q_f32(w + i + 4)), pruned_hi)));
    if (g) {
      vst1q_f32(g + i, vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(vld1q_f32(g + i)), pruned_lo)));
      vst1q_f32(g + i + 4, vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(vld1q_f32(g + i + 4)), pruned_hi)));
    }
  }
  if (i < n) mask_kernels_serial.apply_mask_f32(w + i, g ? g + i : nullptr, keep + i, n - i);
}

}  // namespace

const MaskKernels mask_kernels_neon = {reduce_blocks_f32_neon,
                                       keys_f32_neon,
                                       histogram_f32_neon,
                                       emit_f32_neon,
                                       count_key_f32_neon,
                                       nm_f32_neon,
                                       nullptr /* expand_blocks_u8: the scalar one (memcpy, memset) */,
                                       apply_mask_f32_neon,
                                       nullptr /* collect_f32: the scalar one */,
                                       nullptr /* group_scores_f32: the scalar one */};

}  // namespace prunekit

#endif
