// Magnitude pruning of one 16-bit tensor (BF16 or F16) in its own bits: the kernels of prune16.h, half.h
// and mask.h of the active instruction set, composed. One call per tensor from the streaming pruner
// (lib/cli/stream-prune.ts); no F32 copy of the tensor, at most one of a block row.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../kernels/mask.h"
#include "../kernels/prune16.h"

namespace prunekit {

// The value run_* return when the tensor holds Inf or NaN: nothing was written (the caller takes the
// general path, which reports the non-finite scores).
constexpr std::size_t kNonFinite = static_cast<std::size_t>(-1);

// nm_magnitude_u16 (prune16.h) after checking every element is finite; returns the number pruned.
std::size_t run_nm_magnitude_u16(std::uint16_t* data, std::size_t n_elems, Half16 type, unsigned n, unsigned m,
                                 bool threshold, std::uint8_t* keep);

// out = reduce_blocks_f32 (mask.h) of |decode(data)| viewed as [rows, cols], decoded a block row at a time;
// returns 0, or kNonFinite (out untouched).
std::size_t run_block_units_magnitude_u16(const std::uint16_t* data, Half16 type, std::size_t rows, std::size_t cols,
                                          std::size_t bn, std::size_t bm, BlockReduce op, float* out);

}  // namespace prunekit
