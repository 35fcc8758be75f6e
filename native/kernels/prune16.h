// Pruning kernels on 16-bit tensors (BF16 and F16 bit patterns) and the report counts of a keep mask, so a
// streamed checkpoint is pruned in its own 16 bits (docs/checkpoints.md).
//
// Magnitude on 16-bit data needs no decoding to compare: for finite values |x| orders as the bits with the
// sign cleared (b & 0x7fff) order, in BF16 and F16 alike, and -0 and +0 both become 0 (the float key of
// |x| in mask.h is equal for them too). So N:M magnitude masks compare 15-bit integers. Non-finite values
// (Inf, NaN) are the caller's to refuse first (count_nonfinite_u16): the kernels assume none.
//
// Kernels take unaligned pointers and any length; they allocate nothing and know nothing of N-API.
#pragma once
#include <cstddef>
#include <cstdint>

#include "mask.h"

namespace prunekit {

enum class Half16 : int { kBf16 = 0, kF16 = 1 };

// The number of i whose data[i] is Inf or NaN in `type`.
using count_nonfinite_u16_t = std::size_t (*)(const std::uint16_t* data, std::size_t n, Half16 type);
// N:M magnitude masks over consecutive groups of m elements (n_elems a multiple of m, 0 < n < m <=
// kMaxNm16Group), all finite: the same masks as nm_f32 of mask.h on |x| (exact: the n first of each group
// by (|x|, index); threshold: every x with |x| <= the n-th smallest |x|). keep[i] = 0 or 1; pruned data[i]
// become +0 in place, kept ones are untouched. Returns the number pruned.
constexpr unsigned kMaxNm16Group = 64;
using nm_magnitude_u16_t = std::size_t (*)(std::uint16_t* data, std::size_t n_elems, unsigned n, unsigned m,
                                           bool threshold, std::uint8_t* keep);
// The element mask of a block mask, applied: keep[(r, c)] = block_keep[(r/bn, c/bm)] (0 or 1) of the
// [rows, cols] row-major tensor, and data[(r, c)] = +0 where that is 0. Returns the number pruned.
using apply_blocks_u16_t = std::size_t (*)(std::uint16_t* data, const std::uint8_t* block_keep, std::size_t rows,
                                           std::size_t cols, std::size_t bn, std::size_t bm, std::uint8_t* keep);
// Report counts of a keep mask (bytes 0 or 1) viewed as [rows, cols]: returns the bn x bm blocks with no
// kept element, and sets *kept to the number of kept elements (bn | rows, bm | cols).
using count_zero_blocks_u8_t = std::size_t (*)(const std::uint8_t* keep, std::size_t rows, std::size_t cols,
                                               std::size_t bn, std::size_t bm, std::size_t* kept);
// Report counts of a keep mask in groups of m consecutive elements (m | n_elems): returns the groups with
// at least n zeros, and sets *kept to the number of kept elements.
using count_sparse_groups_u8_t = std::size_t (*)(const std::uint8_t* keep, std::size_t n_elems, unsigned n, unsigned m,
                                                 std::size_t* kept);

// Block scores of |x| for bn x 1 blocks (the 4x1 family), sum or mean, all finite: out[(i, c)] over rows
// i*bn .. i*bn+bn-1 of column c of the [rows, cols] tensor, equal to reduce_blocks_f32 (mask.h) on |decode(x)|
// bit for bit (float sums from +0 down the block's rows, then mean's division by bn), read straight off
// the 16 bits. bn | rows; out has (rows / bn) * cols entries.
using block_units_bm1_u16_t = void (*)(const std::uint16_t* data, Half16 type, std::size_t rows, std::size_t cols,
                                       std::size_t bn, BlockReduce op, float* out);

// A null entry in a set's table means: the scalar kernel (dispatch.cc fills it in).
struct Prune16Kernels {
  count_nonfinite_u16_t count_nonfinite_u16;
  nm_magnitude_u16_t nm_magnitude_u16;
  apply_blocks_u16_t apply_blocks_u16;
  count_zero_blocks_u8_t count_zero_blocks_u8;
  count_sparse_groups_u8_t count_sparse_groups_u8;
  block_units_bm1_u16_t block_units_bm1_u16;
};

// One table per instruction set, each defined in native/kernels/prune16/<isa>.cc where compiled. There is
// no AVX-512 table: dispatch.cc gives AVX-512 machines the AVX2 one.
extern const Prune16Kernels prune16_kernels_serial;
#if defined(__x86_64__) || defined(_M_X64)
extern const Prune16Kernels prune16_kernels_avx2;
#endif
#if defined(__aarch64__)
extern const Prune16Kernels prune16_kernels_neon;
#endif

}  // namespace prunekit
