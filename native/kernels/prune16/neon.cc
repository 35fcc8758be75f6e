// NEON prune16 kernels: N:4 magnitude masks 8 elements (2 groups) a vector, as avx2.cc does with 16 (see
// there); the other kernels are the portable loops, vectorized by the compiler (AArch64 always has NEON).
#if defined(__aarch64__)
#include <arm_neon.h>

#include "portable.h"

namespace prunekit {
namespace {

uint8x16_t rotate_(int r) {
  std::uint8_t bytes[16];
  for (int b = 0; b < 16; ++b) {
    const int group = b / 8 * 8, p = b % 8 / 2, q = (p + r) % 4;
    bytes[b] = static_cast<std::uint8_t>(group + 2 * q + b % 2);
  }
  return vld1q_u8(bytes);
}

uint16x8_t earlier_(int r) {
  std::uint16_t lanes[8];
  for (int l = 0; l < 8; ++l) lanes[l] = (l % 4 + r) % 4 < l % 4 ? 0xffffu : 0u;
  return vld1q_u16(lanes);
}

std::size_t nm_magnitude_u16_neon(std::uint16_t* data, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                                  std::uint8_t* keep) {
  if (m != 4) return prune16_portable::nm_magnitude_u16(data, n_elems, n, m, threshold, keep);
  const uint8x16_t rot[3] = {rotate_(1), rotate_(2), rotate_(3)};
  const uint16x8_t zero = vdupq_n_u16(0);
  const uint16x8_t ties[3] = {threshold ? zero : earlier_(1), threshold ? zero : earlier_(2),
                              threshold ? zero : earlier_(3)};
  const uint16x8_t magnitude = vdupq_n_u16(0x7fff);
  const uint16x8_t min_kept_rank = vdupq_n_u16(static_cast<std::uint16_t>(n));
  std::size_t i = 0, kept = 0;
  for (; i + 8 <= n_elems; i += 8) {
    const uint16x8_t v = vld1q_u16(data + i);
    const uint16x8_t a = vandq_u16(v, magnitude);
    uint16x8_t rank = zero;
    for (int r = 0; r < 3; ++r) {
      const uint16x8_t b = vreinterpretq_u16_u8(vqtbl1q_u8(vreinterpretq_u8_u16(a), rot[r]));
      const uint16x8_t before = vorrq_u16(vcltq_u16(b, a), vandq_u16(vceqq_u16(a, b), ties[r]));
      rank = vsubq_u16(rank, before);  // before is 0xffff where true
    }
    const uint16x8_t k = vcgeq_u16(rank, min_kept_rank);
    vst1q_u16(data + i, vandq_u16(v, k));
    const uint8x8_t k01 = vmovn_u16(vshrq_n_u16(k, 15));
    vst1_u8(keep + i, k01);
    kept += vaddv_u8(k01);
  }
  // n_elems and 8 are multiples of 4: the tail is whole groups.
  return (i - kept) + prune16_portable::nm_magnitude_u16(data + i, n_elems - i, n, m, threshold, keep + i);
}

// bn x 1 block scores, 4 columns a vector (avx2.cc does 8; F16 through vcvt_f32_f16, exact for finite values).
void block_units_bm1_u16_neon(const std::uint16_t* data, Half16 type, std::size_t rows, std::size_t cols,
                              std::size_t bn, BlockReduce op, float* out) {
  const uint16x4_t magnitude = vdup_n_u16(0x7fff);
  const float32x4_t divisor = vdupq_n_f32(static_cast<float>(bn));
  const bool mean = op == BlockReduce::kMean;
  for (std::size_t br = 0; br < rows / bn; ++br) {
    const std::uint16_t* block = data + br * bn * cols;
    float* o = out + br * cols;
    std::size_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      float32x4_t acc = vdupq_n_f32(0.f);
      for (std::size_t r = 0; r < bn; ++r) {
        const uint16x4_t h = vand_u16(vld1_u16(block + r * cols + c), magnitude);
        const float32x4_t x =
            type == Half16::kBf16 ? vreinterpretq_f32_u32(vshll_n_u16(h, 16)) : vcvt_f32_f16(vreinterpret_f16_u16(h));
        acc = vaddq_f32(acc, x);
      }
      vst1q_f32(o + c, mean ? vdivq_f32(acc, divisor) : acc);
    }
    for (; c < cols; ++c) {
      float acc = 0.f;
      for (std::size_t r = 0; r < bn; ++r) acc = acc + prune16_portable::magnitude_(block[r * cols + c], type);
      o[c] = mean ? static_cast<float>(static_cast<double>(acc) / static_cast<double>(bn)) : acc;
    }
  }
}

}  // namespace

const Prune16Kernels prune16_kernels_neon = {
    prune16_portable::count_nonfinite_u16,    nm_magnitude_u16_neon,
    prune16_portable::apply_blocks_u16,       prune16_portable::count_zero_blocks_u8,
    prune16_portable::count_sparse_groups_u8, block_units_bm1_u16_neon,
};

}  // namespace prunekit
#endif
