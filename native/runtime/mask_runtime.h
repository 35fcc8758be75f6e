// The mask kernels run over whole layers: large calls split into pieces across the thread pool, with the
// same result as one kernel call over everything (histograms summed piece by piece; the ties of an exact
// emission counted per piece first, so each piece prunes the ties that fall to it in index order).
//
// Radix select: prunekit's passes use digits of 11, 11 and 10 bits (lib/pruning/selection.ts). Measured on one
// core of this Zen 4 machine over 16M magnitude scores: a full 11-bit pass costs about 0.7 ns a score, the
// second (about a tenth of the scores share the 11-bit prefix) 0.65, the third 0.2 (almost none match);
// 16+16 would take two passes, about 0.9 ns a score instead of 1.6, but a layer would keep 65536 bins
// (256 KiB) between rounds instead of 2048 (8 KiB), and a sharded round would exchange 512 KiB instead of
// 16 KiB. 11+11+10 keeps both small, and the whole selection well under 3 ns a score.
#pragma once
#include <cstddef>
#include <cstdint>

#include <functional>

#include "../kernels/mask.h"

namespace prunekit {

// task(begin, end) over the pieces [begin, end) of `units` units of `unit_elements` elements each, split as
// the kernels' calls are (across the pool when large); for the runtime's own passes over a layer.
void run_split(std::size_t units, std::size_t unit_elements, const std::function<void(std::size_t, std::size_t)>& task);
// histogram_f32 of mask.h over s[0, n), added into hist (2^digit_bits bins); returns the count added.
std::size_t run_select_histogram(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits,
                                 unsigned digit_bits, std::uint32_t* hist);
// emit_f32 of mask.h over s[0, n); quota SIZE_MAX prunes every tie. Returns the number of ties.
std::size_t run_select_emit(const float* s, std::size_t n, std::uint32_t key, std::size_t quota, std::uint8_t* keep);
// collect_f32 of mask.h over s[0, n), on the calling thread (its output order is the input order).
std::size_t run_select_collect(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits, float* out);
// keys_f32 of mask.h.
void run_select_keys(const float* s, std::size_t n, std::uint32_t* keys);
// count_key_f32 of mask.h.
std::size_t run_select_count(const float* s, std::size_t n, std::uint32_t key);
// The scores whose key starts with `prefix` (its top `prefix_bits` bits, 1 to 32), in index order, copied bit
// for bit into `out` while they fit its `capacity`; returns how many there are (past capacity, not copied).
// One thread: a streamed selection gathers a search's boundary bucket with it (lib/pruning/step-select.ts).
std::size_t run_select_gather(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits, float* out,
                              std::size_t capacity);
// reduce_blocks_f32, nm_f32, expand_blocks_u8 and apply_mask_f32 of mask.h.
void run_mask_reduce_blocks(const float* s, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm,
                            BlockReduce op, float* out);
// run_mask_reduce_blocks, with the histogram of the block scores' first digit_bits bits (prefix_bits 0) added
// into hist: each tile of block scores is counted right after it is written, while it is still in cache,
// instead of in a second pass over every block score.
void run_mask_reduce_blocks_histogram(const float* s, std::size_t rows, std::size_t cols, std::size_t bn,
                                      std::size_t bm, BlockReduce op, float* out, unsigned digit_bits,
                                      std::uint32_t* hist);
// group_scores_f32 of mask.h.
void run_mask_group_scores(const float* s, const std::uint8_t* keep, std::size_t n_elems, unsigned m, BlockReduce op,
                           float* out);
std::size_t run_mask_nm(const float* s, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                        std::uint8_t* keep);
void run_mask_expand_blocks(const std::uint8_t* block_keep, std::size_t rows, std::size_t cols, std::size_t bn,
                            std::size_t bm, std::uint8_t* keep);
void run_mask_apply(float* w, float* g, const std::uint8_t* keep, std::size_t n);

}  // namespace prunekit
