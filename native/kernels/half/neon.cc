// NEON 16-bit kernels (AArch64 Advanced SIMD): 8 elements an iteration, scalar tails with the serial rules.
//  - bf16: widen with a shift (ushll #0 then shl #16, as one shll-like pair);
//  - f16: fcvtl (vcvt_f32_f16), which quiets signalling NaNs; lanes whose exponent is all ones are
//    rebuilt with the integer rule (sign | 0x7f800000 | mant << 13) by a bit select;
//  - zero: keep bytes widened to 16 bits, compared with zero (cmeq), bit-cleared from the data (bic).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "../half.h"

namespace prunekit {
namespace {

void bf16_to_f32_neon(const std::uint16_t* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16x8_t h = vld1q_u16(src + i);
    vst1q_u32(reinterpret_cast<std::uint32_t*>(dst + i), vshll_n_u16(vget_low_u16(h), 16));
    vst1q_u32(reinterpret_cast<std::uint32_t*>(dst + i + 4), vshll_high_n_u16(h, 16));
  }
  for (; i < n; ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(src[i]) << 16;
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

inline uint32x4_t f16x4_(uint16x4_t h) {
  const uint32x4_t converted = vreinterpretq_u32_f32(vcvt_f32_f16(vreinterpret_f16_u16(h)));
  const uint32x4_t w = vmovl_u16(h);
  const uint32x4_t exp_mask = vdupq_n_u32(0x7c00);
  const uint32x4_t special = vceqq_u32(vandq_u32(w, exp_mask), exp_mask);
  const uint32x4_t rebuilt =
      vorrq_u32(vorrq_u32(vshlq_n_u32(vandq_u32(w, vdupq_n_u32(0x8000)), 16), vdupq_n_u32(0x7f800000)),
                vshlq_n_u32(vandq_u32(w, vdupq_n_u32(0x3ff)), 13));
  return vbslq_u32(special, rebuilt, converted);
}

void f16_to_f32_neon(const std::uint16_t* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16x8_t h = vld1q_u16(src + i);
    vst1q_u32(reinterpret_cast<std::uint32_t*>(dst + i), f16x4_(vget_low_u16(h)));
    vst1q_u32(reinterpret_cast<std::uint32_t*>(dst + i + 4), f16x4_(vget_high_u16(h)));
  }
  for (; i < n; ++i) {
    const std::uint32_t bits = f16_bits_to_f32_bits(src[i]);
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

void zero_masked_u16_neon(std::uint16_t* data, const std::uint8_t* keep, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16x8_t drop = vceqzq_u16(vmovl_u8(vld1_u8(keep + i)));
    vst1q_u16(data + i, vbicq_u16(vld1q_u16(data + i), drop));
  }
  for (; i < n; ++i)
    if (keep[i] == 0) data[i] = 0;
}

}  // namespace

const HalfKernels half_kernels_neon = {bf16_to_f32_neon, f16_to_f32_neon, zero_masked_u16_neon};

}  // namespace prunekit
#endif
