// Scalar mask kernels: the oracle every SIMD path is compared with, bit for bit (bytes for masks, counts
// for histograms; block scores bit for bit, any NaN equal to any NaN). Built with -fno-tree-vectorize
// (CMakeLists.txt) so the tests compare two different code paths.
#include <algorithm>
#include <cstring>

#include "../mask.h"
#include "scalar.h"

namespace prunekit {
namespace {

using mask_scalar::key_;

void reduce_blocks_f32_serial(const float* s, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm,
                              BlockReduce op, float* out) {
  const std::size_t block_cols = cols / bm;
  for (std::size_t i = 0; i < rows / bn; ++i)
    for (std::size_t j = 0; j < block_cols; ++j)
      out[i * block_cols + j] = mask_scalar::reduce_block_(s + i * bn * cols + j * bm, cols, bn, bm, op);
}

void keys_f32_serial(const float* s, std::uint32_t* keys, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) keys[i] = key_(s[i]);
}

std::size_t histogram_f32_serial(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits,
                                 unsigned digit_bits, std::uint32_t* hist) {
  std::size_t counted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t key = key_(s[i]);
    if (prefix_bits != 0 && (key >> (32 - prefix_bits)) != prefix) continue;
    const std::uint32_t rest = prefix_bits == 0 ? key : key << prefix_bits;
    ++hist[rest >> (32 - digit_bits)];
    ++counted;
  }
  return counted;
}

std::size_t emit_f32_serial(const float* s, std::size_t n, std::uint32_t key, std::size_t quota, std::uint8_t* keep) {
  std::size_t ties = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t k = key_(s[i]);
    bool pruned = k < key;
    if (k == key) pruned = ties++ < quota;
    keep[i] = pruned ? 0 : 1;
  }
  return ties;
}

std::size_t count_key_f32_serial(const float* s, std::size_t n, std::uint32_t key) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += key_(s[i]) == key;
  return count;
}

// Groups up to kNmCountUpTo are ranked by counting (O(m^2), no setup: the shape the SIMD kernels share);
// larger ones by sorting (key, index) pairs on the stack, O(m log m), so 1:1024 costs what a sort does.
constexpr unsigned kNmCountUpTo = 16;

std::size_t nm_sorted_(const float* s, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                       std::uint8_t* keep) {
  std::uint64_t order[kMaxNmGroup];  // key << 32 | position: ascending is (key, index) order, NaN last
  std::size_t pruned_total = 0;
  for (std::size_t g = 0; g < n_elems; g += m) {
    for (unsigned j = 0; j < m; ++j) order[j] = (std::uint64_t{key_(s[g + j])} << 32) | j;
    std::sort(order, order + m);
    const std::uint32_t nth = static_cast<std::uint32_t>(order[n - 1] >> 32);  // the n-th smallest key
    for (unsigned r = 0; r < m; ++r) {
      const std::uint32_t key = static_cast<std::uint32_t>(order[r] >> 32);
      // Exact: the first n by (key, index). Threshold: every key <= the n-th smallest, none if that is NaN.
      const bool pruned = key != kNanKey && (threshold ? nth != kNanKey && key <= nth : r < n);
      keep[g + static_cast<std::uint32_t>(order[r])] = pruned ? 0 : 1;
      pruned_total += pruned;
    }
  }
  return pruned_total;
}

std::size_t nm_f32_serial(const float* s, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                          std::uint8_t* keep) {
  if (m > kNmCountUpTo && m <= kMaxNmGroup) return nm_sorted_(s, n_elems, n, m, threshold, keep);
  std::size_t pruned_total = 0;
  for (std::size_t g = 0; g < n_elems; g += m) {
    const float* group = s + g;
    unsigned finite = 0;  // not NaN
    for (unsigned j = 0; j < m; ++j) finite += key_(group[j]) != kNanKey;
    for (unsigned i = 0; i < m; ++i) {
      const std::uint32_t ki = key_(group[i]);
      unsigned less = 0, earlier_equal = 0;
      for (unsigned j = 0; j < m; ++j) {
        const std::uint32_t kj = key_(group[j]);
        less += kj < ki;
        earlier_equal += kj == ki && j < i;
      }
      const bool pruned = ki != kNanKey && (threshold ? less < n && finite >= n : less + earlier_equal < n);
      keep[g + i] = pruned ? 0 : 1;
      pruned_total += pruned;
    }
  }
  return pruned_total;
}

void expand_blocks_u8_serial(const std::uint8_t* block_keep, std::size_t rows, std::size_t cols, std::size_t bn,
                             std::size_t bm, std::uint8_t* keep) {
  const std::size_t block_cols = cols / bm;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint8_t* blocks = block_keep + (r / bn) * block_cols;
    std::uint8_t* out = keep + r * cols;
    if (bm == 1) {
      if (cols != 0) std::memcpy(out, blocks, cols);  // memcpy of no bytes still wants non-null pointers
    } else {
      for (std::size_t j = 0; j < block_cols; ++j) std::memset(out + j * bm, blocks[j], bm);
    }
  }
}

void apply_mask_f32_serial(float* w, float* g, const std::uint8_t* keep, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (keep[i] == 0) {
      w[i] = 0.f;
      if (g) g[i] = 0.f;
    }
}

std::size_t collect_f32_serial(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits, float* out) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    // prefix_bits may be 32: shift in 64 bits
    if ((std::uint64_t{key_(s[i])} >> (32 - prefix_bits)) == prefix) out[count++] = s[i];
  }
  return count;
}

void group_scores_f32_serial(const float* s, const std::uint8_t* keep, std::size_t n_elems, unsigned m, BlockReduce op,
                             float* out) {
  const std::size_t groups = n_elems / m;
  for (std::size_t g = 0; g < groups; ++g) {
    const float* x = s + g * m;
    const std::uint8_t* k = keep + g * m;
    float acc = 0.0f;
    if (op == BlockReduce::kMax) {
      for (unsigned j = 0; j < m; ++j) {
        const float v = k[j] ? 0.0f : x[j];
        if (v > acc || v != v) acc = v;
      }
    } else {
      for (unsigned j = 0; j < m; ++j) acc = acc + (k[j] ? 0.0f : x[j]);
      if (op == BlockReduce::kMean) acc = acc / static_cast<float>(m);
    }
    out[g] = acc;
  }
}

}  // namespace

const MaskKernels mask_kernels_serial = {reduce_blocks_f32_serial, keys_f32_serial,       histogram_f32_serial,
                                         emit_f32_serial,          count_key_f32_serial,  nm_f32_serial,
                                         expand_blocks_u8_serial,  apply_mask_f32_serial, collect_f32_serial,
                                         group_scores_f32_serial};

}  // namespace prunekit
