// 16-bit float kernels: exact widening of BF16 and F16 (IEEE binary16) to float32, and zeroing of the
// pruned elements of a 16-bit tensor in place.
//
// Every BF16 and every F16 value is exactly a float32, so both decoders are exact. NaN payloads are kept
// as lib/io/half.ts keeps them: the F16 mantissa moved to the top of the float32 one (mant << 13), a
// signalling NaN stays signalling (the hardware converters quiet it; the SIMD paths put the bits back).
// Kernels take unaligned pointers and any length; they allocate nothing and know nothing of N-API.
#pragma once
#include <cstddef>
#include <cstdint>

namespace prunekit {

// dst[i] = float32 with bits src[i] << 16
using bf16_to_f32_t = void (*)(const std::uint16_t* src, float* dst, std::size_t n);
// dst[i] = the float32 equal to the binary16 pattern src[i]
using f16_to_f32_t = void (*)(const std::uint16_t* src, float* dst, std::size_t n);
// data[i] = 0 (+0) where keep[i] == 0; other elements untouched
using zero_masked_u16_t = void (*)(std::uint16_t* data, const std::uint8_t* keep, std::size_t n);

struct HalfKernels {
  bf16_to_f32_t bf16_to_f32;
  f16_to_f32_t f16_to_f32;
  zero_masked_u16_t zero_masked_u16;
};

// One table per instruction set; each is defined in its own file and only exists where compiled.
extern const HalfKernels half_kernels_serial;
#if defined(__x86_64__) || defined(_M_X64)
extern const HalfKernels half_kernels_avx2;
extern const HalfKernels half_kernels_avx512;
#endif
#if defined(__aarch64__)
extern const HalfKernels half_kernels_neon;
#endif

// The binary32 bit pattern of the binary16 pattern h: the scalar rule every path uses for its tail.
inline std::uint32_t f16_bits_to_f32_bits(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return sign | 0x7f800000u | (mant << 13);  // Inf, NaN (payload kept, not quieted)
  if (exp != 0) return sign | ((exp + 112) << 23) | (mant << 13);
  if (mant == 0) return sign;
  std::uint32_t e = 113;  // a denormal (mant * 2^-24) becomes a normal float32
  while ((mant & 0x400u) == 0) {
    mant <<= 1;
    --e;
  }
  return sign | (e << 23) | ((mant & 0x3ffu) << 13);
}

}  // namespace prunekit
