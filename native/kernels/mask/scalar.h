// Scalar building blocks of the mask kernels: the key of one float and the reduction of one block. The
// serial kernels are made of them, and the SIMD kernels use them for what does not fill a vector (tails,
// shapes a vector does not pay for). Every function is `static inline` (internal to each file that includes
// it), so the linker never swaps a copy compiled under one ISA's target pragma into another's code.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../mask.h"

namespace prunekit {
namespace mask_scalar {

// The order-preserving key of mask.h: NaN -> 0xffffffff, -0 and +0 -> 0x80000000, negative floats below
// (their bits inverted), positive floats above (their bits with the top bit set).
static inline std::uint32_t key_(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const std::uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return kNanKey;
  if (magnitude == 0) return 0x80000000u;
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

// x / d as lib/pruning/patterns.ts writes it: Math.fround(x / d), a division in double rounded to float.
// (For d <= 2^24 this equals the float division x / float(d): double rounding is innocuous for division
// when the wider format has at least 2p + 2 bits, 53 >= 50; the SIMD kernels rely on that, and the tests
// compare them with this form.)
static inline float div_(float x, std::size_t d) {
  return static_cast<float>(static_cast<double>(x) / static_cast<double>(d));
}

// The block score of the bn x bm block starting at `s` in a row-major matrix of `cols` columns, in the
// order of patterns.ts reduceBlocks: each row's bm scores first (sum from +0 left to right, or the max that
// keeps the first of equal values and the first NaN), then the bn row results the same way.
static inline float reduce_block_(const float* s, std::size_t cols, std::size_t bn, std::size_t bm, BlockReduce op) {
  float outer = 0.f;
  for (std::size_t r = 0; r < bn; ++r) {
    const float* row = s + r * cols;
    float inner;
    if (op == BlockReduce::kMax) {
      inner = row[0];
      for (std::size_t c = 1; c < bm; ++c) {
        const float x = row[c];
        if (x > inner || std::isnan(x)) inner = x;
        if (std::isnan(inner)) break;
      }
      if (r == 0 || inner > outer || std::isnan(inner)) outer = inner;
      if (std::isnan(outer)) break;
    } else {
      inner = 0.f;
      for (std::size_t c = 0; c < bm; ++c) inner = inner + row[c];
      if (op == BlockReduce::kMean) inner = div_(inner, bm);
      outer = outer + inner;
    }
  }
  if (op == BlockReduce::kMean) outer = div_(outer, bn);
  return outer;
}

// Emission of the ties of one vector: `eq` has a bit per lane whose key equals the threshold, in index
// order. The first `quota` ties of the whole pass are pruned; `ties` counts those seen so far. Returns the
// bits of the ties this vector prunes.
static inline std::uint32_t take_ties_(std::uint32_t eq, std::size_t* ties, std::size_t quota) {
  const std::size_t count = static_cast<std::size_t>(__builtin_popcount(eq));
  std::uint32_t taken = 0;
  if (*ties < quota) {
    if (quota - *ties >= count) {
      taken = eq;
    } else {
      for (std::size_t left = quota - *ties; left != 0; --left) {
        taken |= eq & (0u - eq);  // lowest set bit
        eq &= eq - 1;
      }
    }
  }
  *ties += count;
  return taken;
}

// Adds the histogram bins buffered in `bins` to two interleaved sub-histograms (two increments in flight
// when neighbouring elements fall in the same bin).
static inline void count_bins_(const std::uint32_t* bins, std::size_t count, std::uint32_t* sub0, std::uint32_t* sub1) {
  std::size_t c = 0;
  for (; c + 2 <= count; c += 2) {
    ++sub0[bins[c]];
    ++sub1[bins[c + 1]];
  }
  if (c < count) ++sub0[bins[c]];
}

}  // namespace mask_scalar
}  // namespace prunekit
