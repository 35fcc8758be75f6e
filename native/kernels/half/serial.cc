// Scalar 16-bit kernels: the oracle every SIMD path is compared with, bit for bit. Built with
// -fno-tree-vectorize (CMakeLists.txt) so the tests compare two different code paths.
#include <cstring>

#include "../half.h"

namespace prunekit {
namespace {

void bf16_to_f32_serial(const std::uint16_t* src, float* dst, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(src[i]) << 16;
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

void f16_to_f32_serial(const std::uint16_t* src, float* dst, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t bits = f16_bits_to_f32_bits(src[i]);
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

void zero_masked_u16_serial(std::uint16_t* data, const std::uint8_t* keep, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (keep[i] == 0) data[i] = 0;
}

}  // namespace

const HalfKernels half_kernels_serial = {bf16_to_f32_serial, f16_to_f32_serial, zero_masked_u16_serial};

}  // namespace prunekit
