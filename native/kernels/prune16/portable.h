// The portable form of the prune16 kernels (prune16.h). serial.cc compiles it without vectorization (the
// oracle); avx2.cc and neon.cc compile it under their target, where the compiler vectorizes the loops that
// pay (integer and byte work only: every result is the same bit for bit), and replace the N:4 hot loop
// with intrinsics. Every function is `static inline`, so no copy compiled for one ISA is linked into another.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../half.h"
#include "../prune16.h"

namespace prunekit {
namespace prune16_portable {

// The smallest |bits| that is Inf or NaN: exponent all ones.
static inline std::uint16_t nonfinite_floor_(Half16 type) { return type == Half16::kBf16 ? 0x7f80u : 0x7c00u; }

static inline std::size_t count_nonfinite_u16(const std::uint16_t* data, std::size_t n, Half16 type) {
  const std::uint16_t floor = nonfinite_floor_(type);
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += (data[i] & 0x7fffu) >= floor ? 1 : 0;
  return count;
}

// One group of m: element i is pruned when fewer than n elements come before it in the order
// (|x|, index) (exact), or when fewer than n are strictly smaller (threshold: |x| <= the n-th smallest).
static inline std::size_t nm_group_(std::uint16_t* data, unsigned n, unsigned m, bool threshold, std::uint8_t* keep) {
  std::uint16_t a[kMaxNm16Group];
  for (unsigned i = 0; i < m; ++i) a[i] = data[i] & 0x7fffu;
  std::size_t pruned = 0;
  for (unsigned i = 0; i < m; ++i) {
    unsigned before = 0;
    for (unsigned j = 0; j < m; ++j) before += (a[j] < a[i]) || (!threshold && j < i && a[j] == a[i]);
    const std::uint8_t k = before >= n ? 1 : 0;
    keep[i] = k;
    data[i] = static_cast<std::uint16_t>(data[i] & (0u - k));
    pruned += k ^ 1u;
  }
  return pruned;
}

static inline std::size_t nm_magnitude_u16(std::uint16_t* data, std::size_t n_elems, unsigned n, unsigned m,
                                           bool threshold, std::uint8_t* keep) {
  std::size_t pruned = 0;
  for (std::size_t g = 0; g < n_elems; g += m) pruned += nm_group_(data + g, n, m, threshold, keep + g);
  return pruned;
}

static inline std::size_t apply_blocks_u16(std::uint16_t* data, const std::uint8_t* block_keep, std::size_t rows,
                                           std::size_t cols, std::size_t bn, std::size_t bm, std::uint8_t* keep) {
  const std::size_t block_cols = cols / bm;
  std::size_t kept = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint8_t* bk = block_keep + (r / bn) * block_cols;
    std::uint16_t* d = data + r * cols;
    std::uint8_t* k = keep + r * cols;
    if (bm == 1) {
      for (std::size_t c = 0; c < cols; ++c) {
        const std::uint8_t x = bk[c];
        k[c] = x;
        d[c] = static_cast<std::uint16_t>(d[c] & (0u - x));
        kept += x;
      }
    } else {
      for (std::size_t c = 0; c < cols; ++c) {
        const std::uint8_t x = bk[c / bm];
        k[c] = x;
        d[c] = static_cast<std::uint16_t>(d[c] & (0u - x));
        kept += x;
      }
    }
  }
  return rows * cols - kept;
}

// Columns of a block row ORed a chunk at a time (a stack buffer: kernels allocate nothing).
constexpr std::size_t kChunk = 1024;

static inline std::size_t count_zero_blocks_u8(const std::uint8_t* keep, std::size_t rows, std::size_t cols,
                                               std::size_t bn, std::size_t bm, std::size_t* kept) {
  std::size_t kept_total = 0, zero = 0;
  if (bm > kChunk) {  // blocks wider than a chunk: one block at a time
    for (std::size_t br = 0; br < rows; br += bn)
      for (std::size_t bc = 0; bc < cols; bc += bm) {
        std::size_t in_block = 0;
        for (std::size_t r = br; r < br + bn; ++r)
          for (std::size_t c = bc; c < bc + bm; ++c) in_block += keep[r * cols + c];
        kept_total += in_block;
        zero += in_block == 0 ? 1 : 0;
      }
    *kept = kept_total;
    return zero;
  }
  const std::size_t chunk = (kChunk / bm) * bm;
  std::uint8_t any[kChunk];
  for (std::size_t br = 0; br < rows; br += bn)
    for (std::size_t c0 = 0; c0 < cols; c0 += chunk) {
      const std::size_t width = cols - c0 < chunk ? cols - c0 : chunk;
      for (std::size_t c = 0; c < width; ++c) any[c] = 0;
      for (std::size_t r = br; r < br + bn; ++r) {
        const std::uint8_t* row = keep + r * cols + c0;
        std::uint32_t row_kept = 0;
        for (std::size_t c = 0; c < width; ++c) {
          any[c] |= row[c];
          row_kept += row[c];
        }
        kept_total += row_kept;
      }
      for (std::size_t c = 0; c < width; c += bm) {
        std::uint8_t a = 0;
        for (std::size_t j = c; j < c + bm; ++j) a |= any[j];
        zero += a == 0 ? 1 : 0;
      }
    }
  *kept = kept_total;
  return zero;
}

static inline std::size_t count_sparse_groups_u8(const std::uint8_t* keep, std::size_t n_elems, unsigned n, unsigned m,
                                                 std::size_t* kept) {
  std::size_t kept_total = 0, sparse = 0;
  for (std::size_t g = 0; g < n_elems; g += m) {
    unsigned in_group = 0;
    for (unsigned j = 0; j < m; ++j) in_group += keep[g + j];
    kept_total += in_group;
    sparse += m - in_group >= n ? 1 : 0;
  }
  *kept = kept_total;
  return sparse;
}

// |x| of a finite 16-bit value as a float32.
static inline float magnitude_(std::uint16_t h, Half16 type) {
  const std::uint16_t m = static_cast<std::uint16_t>(h & 0x7fffu);
  const std::uint32_t bits = type == Half16::kBf16 ? static_cast<std::uint32_t>(m) << 16 : f16_bits_to_f32_bits(m);
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// Each block row's sums kept in `out`, one input row added at a time (the order reduce_block_ adds them:
// 0 + |x| is |x| for bm = 1, so the per-row stage is the value itself); then mean's division, the double
// division rounded to float that mask/scalar.h div_ does.
static inline void block_units_bm1_u16(const std::uint16_t* data, Half16 type, std::size_t rows, std::size_t cols,
                                       std::size_t bn, BlockReduce op, float* out) {
  for (std::size_t br = 0; br < rows / bn; ++br) {
    float* o = out + br * cols;
    for (std::size_t c = 0; c < cols; ++c) o[c] = 0.f;
    for (std::size_t r = br * bn; r < br * bn + bn; ++r) {
      const std::uint16_t* row = data + r * cols;
      for (std::size_t c = 0; c < cols; ++c) o[c] = o[c] + magnitude_(row[c], type);
    }
    if (op == BlockReduce::kMean)
      for (std::size_t c = 0; c < cols; ++c)
        o[c] = static_cast<float>(static_cast<double>(o[c]) / static_cast<double>(bn));
  }
}

}  // namespace prune16_portable
}  // namespace prunekit
