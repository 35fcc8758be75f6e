#include "prune16_runtime.h"

#include <cstring>
#include <vector>

#include "../kernels/dispatch.h"

namespace prunekit {

std::size_t run_nm_magnitude_u16(std::uint16_t* data, std::size_t n_elems, Half16 type, unsigned n, unsigned m,
                                 bool threshold, std::uint8_t* keep) {
  const Prune16Kernels& k = prune16_kernels();
  if (k.count_nonfinite_u16(data, n_elems, type) != 0) return kNonFinite;
  return k.nm_magnitude_u16(data, n_elems, n, m, threshold, keep);
}

std::size_t run_block_units_magnitude_u16(const std::uint16_t* data, Half16 type, std::size_t rows, std::size_t cols,
                                          std::size_t bn, std::size_t bm, BlockReduce op, float* out) {
  const Prune16Kernels& k = prune16_kernels();
  if (k.count_nonfinite_u16(data, rows * cols, type) != 0) return kNonFinite;
  if (bm == 1 && op != BlockReduce::kMax) {  // the 4x1 family: straight off the 16 bits
    k.block_units_bm1_u16(data, type, rows, cols, bn, op, out);
    return 0;
  }
  const HalfKernels& half = half_kernels();
  const auto decode = type == Half16::kBf16 ? half.bf16_to_f32 : half.f16_to_f32;
  const auto reduce = mask_kernels().reduce_blocks_f32;
  const std::size_t span = bn * cols;
  std::vector<float> block_row(span);
  for (std::size_t br = 0; br < rows / bn; ++br) {
    decode(data + br * span, block_row.data(), span);
    // |x|: the sign bit cleared, as fabs (the magnitude criterion's score) does.
    for (float& x : block_row) {
      std::uint32_t b;
      std::memcpy(&b, &x, sizeof b);
      b &= 0x7fffffffu;
      std::memcpy(&x, &b, sizeof b);
    }
    reduce(block_row.data(), bn, cols, bn, bm, op, out + br * (cols / bm));
  }
  return 0;
}

}  // namespace prunekit
