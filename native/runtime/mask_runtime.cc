#include "mask_runtime.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "../kernels/dispatch.h"
#include "split_policy.h"
#include "thread_pool.h"

namespace prunekit {
namespace {

// split_pays (split_policy.h) says which calls split; a split call takes pieces of at least
// kGrain elements, about four a thread (the pool is shared and the machine noisy: smaller pieces balance better).
// Counting kernels take fewer than 2^32 elements a call.
constexpr std::size_t kMaxPiece = std::size_t{1} << 30;

struct Split {
  std::size_t pieces, size;  // `pieces` ranges of `size` units (the last one shorter)
  std::size_t begin(std::size_t p) const { return p * size; }
  std::size_t end(std::size_t p, std::size_t n) const { return std::min(n, (p + 1) * size); }
};

// How to split `units` units of `unit_elements` elements each.
Split split_(std::size_t units, std::size_t unit_elements = 1) {
  const std::size_t elements = units * unit_elements;
  ThreadPool& pool = ThreadPool::shared();
  const unsigned threads = pool.size();
  std::size_t pieces = 1;
  if (threads > 1 && split_pays(pool, elements, split_policy().min_parallel_mask))
    pieces = std::min<std::size_t>(std::size_t{4} * threads, std::max<std::size_t>(1, elements / kGrain));
  pieces = std::max(pieces, (elements + kMaxPiece - 1) / kMaxPiece);
  pieces = std::max<std::size_t>(1, std::min(pieces, units));
  const std::size_t size = units == 0 ? 1 : (units + pieces - 1) / pieces;
  return {units == 0 ? 1 : (units + size - 1) / size, size};
}

void for_pieces_(const Split& split, const std::function<void(std::size_t)>& task) {
  if (split.pieces == 1)
    task(0);
  else
    ThreadPool::shared().parallel_for(split.pieces, task);
}

}  // namespace

void run_split(std::size_t units, std::size_t unit_elements,
               const std::function<void(std::size_t, std::size_t)>& task) {
  const Split split = split_(units, unit_elements);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p), end = split.end(p, units);
    if (begin < end) task(begin, end);
  });
}

std::size_t run_select_histogram(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits,
                                 unsigned digit_bits, std::uint32_t* hist) {
  const MaskKernels& k = mask_kernels();
  const Split split = split_(n);
  if (split.pieces == 1) return k.histogram_f32(s, n, prefix, prefix_bits, digit_bits, hist);
  const std::size_t bins = std::size_t{1} << digit_bits;
  std::vector<std::uint32_t> partial(split.pieces * bins, 0);
  std::vector<std::size_t> counted(split.pieces, 0);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p);
    counted[p] =
        k.histogram_f32(s + begin, split.end(p, n) - begin, prefix, prefix_bits, digit_bits, &partial[p * bins]);
  });
  std::size_t total = 0;
  for (std::size_t p = 0; p < split.pieces; ++p) {
    for (std::size_t b = 0; b < bins; ++b) hist[b] += partial[p * bins + b];
    total += counted[p];
  }
  return total;
}

std::size_t run_select_collect(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits, float* out) {
  const MaskKernels& k = mask_kernels();
  std::size_t count = 0;
  for (std::size_t begin = 0; begin < n; begin += kMaxPiece)
    count += k.collect_f32(s + begin, std::min(kMaxPiece, n - begin), prefix, prefix_bits, out + count);
  return count;
}

void run_select_keys(const float* s, std::size_t n, std::uint32_t* keys) {
  const MaskKernels& k = mask_kernels();
  const Split split = split_(n);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p);
    k.keys_f32(s + begin, keys + begin, split.end(p, n) - begin);
  });
}

std::size_t run_select_gather(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits, float* out,
                              std::size_t capacity) {
  const MaskKernels& k = mask_kernels();
  // Keys a slice at a time (the kernel of the active ISA), kept in L1.
  constexpr std::size_t kSlice = 4096;
  std::uint32_t keys[kSlice];
  const unsigned shift = 32 - prefix_bits;
  std::size_t found = 0;
  for (std::size_t begin = 0; begin < n; begin += kSlice) {
    const std::size_t len = std::min(kSlice, n - begin);
    k.keys_f32(s + begin, keys, len);
    for (std::size_t i = 0; i < len; ++i) {
      // shift 32 would be undefined: a 32-bit prefix is the whole key.
      if ((shift == 32 ? 0u : keys[i] >> shift) != prefix) continue;
      if (found < capacity) out[found] = s[begin + i];
      ++found;
    }
  }
  return found;
}

std::size_t run_select_count(const float* s, std::size_t n, std::uint32_t key) {
  const MaskKernels& k = mask_kernels();
  const Split split = split_(n);
  std::vector<std::size_t> counts(split.pieces, 0);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p);
    counts[p] = k.count_key_f32(s + begin, split.end(p, n) - begin, key);
  });
  std::size_t total = 0;
  for (std::size_t c : counts) total += c;
  return total;
}

std::size_t run_select_emit(const float* s, std::size_t n, std::uint32_t key, std::size_t quota, std::uint8_t* keep) {
  const MaskKernels& k = mask_kernels();
  const Split split = split_(n);
  if (split.pieces == 1) return k.emit_f32(s, n, key, quota, keep);
  // A quota of 0 or "all" means the same rule in every piece; otherwise each piece's share of the quota
  // depends on the ties before it, counted first.
  std::vector<std::size_t> quotas(split.pieces, quota);
  if (quota != 0 && quota != SIZE_MAX) {
    std::vector<std::size_t> ties(split.pieces, 0);
    for_pieces_(split, [&](std::size_t p) {
      const std::size_t begin = split.begin(p);
      ties[p] = k.count_key_f32(s + begin, split.end(p, n) - begin, key);
    });
    std::size_t before = 0;
    for (std::size_t p = 0; p < split.pieces; ++p) {
      quotas[p] = quota > before ? quota - before : 0;
      before += ties[p];
    }
  }
  std::vector<std::size_t> ties(split.pieces, 0);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p);
    ties[p] = k.emit_f32(s + begin, split.end(p, n) - begin, key, quotas[p], keep + begin);
  });
  std::size_t total = 0;
  for (std::size_t t : ties) total += t;
  return total;
}

void run_mask_reduce_blocks(const float* s, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm,
                            BlockReduce op, float* out) {
  const MaskKernels& k = mask_kernels();
  const std::size_t block_rows = rows / bn, block_cols = cols / bm;
  const Split split = split_(block_rows, bn * cols);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p), end = split.end(p, block_rows);
    if (begin < end)
      k.reduce_blocks_f32(s + begin * bn * cols, (end - begin) * bn, cols, bn, bm, op, out + begin * block_cols);
  });
}

// Block scores per tile of run_mask_reduce_blocks_histogram: 64 KiB, well inside a core's L2.
constexpr std::size_t kTileUnits = std::size_t{1} << 14;

void run_mask_reduce_blocks_histogram(const float* s, std::size_t rows, std::size_t cols, std::size_t bn,
                                      std::size_t bm, BlockReduce op, float* out, unsigned digit_bits,
                                      std::uint32_t* hist) {
  const MaskKernels& k = mask_kernels();
  const std::size_t block_rows = rows / bn, block_cols = cols / bm, bins = std::size_t{1} << digit_bits;
  const Split split = split_(block_rows, bn * cols);
  const std::size_t tile_rows = std::max<std::size_t>(1, kTileUnits / std::max<std::size_t>(1, block_cols));
  std::vector<std::uint32_t> partial(split.pieces > 1 ? split.pieces * bins : 0, 0);
  for_pieces_(split, [&](std::size_t p) {
    std::uint32_t* h = split.pieces > 1 ? &partial[p * bins] : hist;
    for (std::size_t begin = split.begin(p), end = split.end(p, block_rows); begin < end; begin += tile_rows) {
      const std::size_t stop = std::min(end, begin + tile_rows);
      k.reduce_blocks_f32(s + begin * bn * cols, (stop - begin) * bn, cols, bn, bm, op, out + begin * block_cols);
      k.histogram_f32(out + begin * block_cols, (stop - begin) * block_cols, 0, 0, digit_bits, h);
    }
  });
  for (std::size_t p = 0; p < partial.size(); ++p) hist[p % bins] += partial[p];
}

void run_mask_group_scores(const float* s, const std::uint8_t* keep, std::size_t n_elems, unsigned m, BlockReduce op,
                           float* out) {
  const MaskKernels& k = mask_kernels();
  const std::size_t groups = n_elems / m;
  const Split split = split_(groups, m);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p), end = split.end(p, groups);
    if (begin < end) k.group_scores_f32(s + begin * m, keep + begin * m, (end - begin) * m, m, op, out + begin);
  });
}

std::size_t run_mask_nm(const float* s, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                        std::uint8_t* keep) {
  const MaskKernels& k = mask_kernels();
  const std::size_t groups = n_elems / m;
  const Split split = split_(groups, m);
  std::vector<std::size_t> pruned(split.pieces, 0);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p) * m, end = split.end(p, groups) * m;
    if (begin < end) pruned[p] = k.nm_f32(s + begin, end - begin, n, m, threshold, keep + begin);
  });
  std::size_t total = 0;
  for (std::size_t c : pruned) total += c;
  return total;
}

void run_mask_expand_blocks(const std::uint8_t* block_keep, std::size_t rows, std::size_t cols, std::size_t bn,
                            std::size_t bm, std::uint8_t* keep) {
  const MaskKernels& k = mask_kernels();
  const std::size_t block_rows = rows / bn, block_cols = cols / bm;
  const Split split = split_(block_rows, bn * cols);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p), end = split.end(p, block_rows);
    if (begin < end)
      k.expand_blocks_u8(block_keep + begin * block_cols, (end - begin) * bn, cols, bn, bm, keep + begin * bn * cols);
  });
}

void run_mask_apply(float* w, float* g, const std::uint8_t* keep, std::size_t n) {
  const MaskKernels& k = mask_kernels();
  const Split split = split_(n);
  for_pieces_(split, [&](std::size_t p) {
    const std::size_t begin = split.begin(p), end = split.end(p, n);
    if (begin < end) k.apply_mask_f32(w + begin, g ? g + begin : nullptr, keep + begin, end - begin);
  });
}

}  // namespace prunekit
