// Mask kernels: block scores, order-preserving keys, the passes of an exact radix select, and the masks
// they produce (SPEC 2, "Patterns, masks").
//
// Keys. key(x) is a uint32 whose unsigned order is the float order: key(-0) == key(+0) == 0x80000000,
// negative floats below it, positive above, and every NaN (any sign, any payload) is 0xffffffff, the
// largest key and the only float mapped there (+Inf is 0xff800000). So "NaN last" and "NaN never pruned"
// become plain key comparisons. Keys are computed on the fly from the float scores; no key array exists.
//
// Radix select. A histogram pass counts the elements whose key starts with `prefix` (its top `prefix_bits`
// bits) into 2^digit_bits bins by the next `digit_bits` bits. Passes add into the caller's bins, so the
// histogram of several layers is the sum of theirs (global scope), whatever the model size. prunekit uses
// digits of 11, 11 and 10 bits (native/runtime/mask_runtime.h); digit_bits is at most kMaxDigitBits.
//
// Numeric policy: the block reduction is one IEEE-754 single-precision operation at a time, in the order of
// lib/pruning/patterns.ts `reduceBlocks` (float32 sums left to right from +0 over the M input-axis scores of a
// block row, then over the N row results; `mean` divides each stage by its length; `max` keeps the first of
// equal values and the first NaN), no fused multiply-add (-ffp-contract=off), denormals kept. Everything
// else compares keys, bit patterns or bytes: no arithmetic on floats.
//
// Kernels take unaligned pointers and any length (n < 2^32 for the counting ones); they allocate nothing
// (the histogram keeps two 2^kMaxDigitBits sub-histograms on the stack) and know nothing of N-API.
#pragma once
#include <cstddef>
#include <cstdint>

namespace prunekit {

// The widest radix digit a histogram pass takes.
constexpr unsigned kMaxDigitBits = 11;
// The key every NaN maps to: the largest.
constexpr std::uint32_t kNanKey = 0xffffffffu;

enum class BlockReduce : int { kMean = 0, kSum = 1, kMax = 2 };

// out[(i, j)] = reduce over the bn x bm block (i, j) of s viewed as [rows, cols] row-major:
// stage 1 over the bm input-axis scores of each of the block's rows, stage 2 over those bn results.
// Needs bn | rows, bm | cols, bn >= 1, bm >= 1; out has (rows/bn) * (cols/bm) entries.
using reduce_blocks_f32_t = void (*)(const float* s, std::size_t rows, std::size_t cols, std::size_t bn, std::size_t bm,
                                     BlockReduce op, float* out);
// keys[i] = key(s[i]).
using keys_f32_t = void (*)(const float* s, std::uint32_t* keys, std::size_t n);
// For every i whose key's top prefix_bits bits equal prefix (every i if prefix_bits is 0):
// ++hist[next digit_bits bits of key]. Needs 1 <= digit_bits <= kMaxDigitBits,
// prefix_bits + digit_bits <= 32, prefix < 2^prefix_bits. Returns the number of elements counted.
using histogram_f32_t = std::size_t (*)(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits,
                                        unsigned digit_bits, std::uint32_t* hist);
// keep[i] = 0 where key(s[i]) < key, and where key(s[i]) == key for the first `quota` such i in index order;
// 1 elsewhere. quota >= the number of ties prunes every tie (the reference's `<= threshold` rule).
// Returns the number of i with key(s[i]) == key.
using emit_f32_t = std::size_t (*)(const float* s, std::size_t n, std::uint32_t key, std::size_t quota,
                                   std::uint8_t* keep);
// The number of i with key(s[i]) == key.
using count_key_f32_t = std::size_t (*)(const float* s, std::size_t n, std::uint32_t key);
// N:M masks over consecutive groups of m scores (n_elems a multiple of m, 0 < n < m). Exact: keep = 0 for
// the n first of each group by (key, index), NaN never. Threshold: keep = 0 for x <= (n-th smallest of the
// group, NaN last), so nothing when that is NaN. Returns the number of zeros written.
// The largest M the binding accepts (lib/pruning/patterns.ts MAX_NM_GROUP says the same to users).
constexpr unsigned kMaxNmGroup = 1024;
using nm_f32_t = std::size_t (*)(const float* s, std::size_t n_elems, unsigned n, unsigned m, bool threshold,
                                 std::uint8_t* keep);
// keep[(r, c)] = block_keep[(r/bn, c/bm)] for the [rows, cols] element mask, row-major.
using expand_blocks_u8_t = void (*)(const std::uint8_t* block_keep, std::size_t rows, std::size_t cols, std::size_t bn,
                                    std::size_t bm, std::uint8_t* keep);
// w[i] = +0 where keep[i] == 0 (and g[i] too, if g is not null); everything else untouched.
using apply_mask_f32_t = void (*)(float* w, float* g, const std::uint8_t* keep, std::size_t n);
// N:M group scores (INC 2.x patterns/ninm.py): out[g] = reduce over j in [g*m, (g+1)*m) of
// (keep[j] ? +0 : s[j]), for g < n_elems / m: the reduction over all m of the scores with the weights the
// group keeps zeroed (INC's `score * ~least_N_mask`), i.e. over the scores of the weights it would prune.
// Numeric policy (lib/pruning/pattern-masks.ts did it so): a float32 sum left to right from +0 over the m
// entries, a kept entry adding +0 (which leaves the sum as it is: it starts at +0, so it is never -0);
// `mean` divides the sum by m once; `max` starts at +0 and takes an entry that is greater, or NaN.
using group_scores_f32_t = void (*)(const float* s, const std::uint8_t* keep, std::size_t n_elems, unsigned m,
                                    BlockReduce op, float* out);
// Copies to out, in index order, the s[i] whose key's top prefix_bits bits equal prefix (the units of one
// radix bucket, so the later passes read only them). Needs 1 <= prefix_bits <= 32, prefix < 2^prefix_bits;
// out has room for the matches plus kCollectSlack floats (vector kernels store whole vectors past the last
// match). Returns the number of matches.
constexpr std::size_t kCollectSlack = 16;
using collect_f32_t = std::size_t (*)(const float* s, std::size_t n, std::uint32_t prefix, unsigned prefix_bits,
                                      float* out);

// A null entry in a set's table means: the next set's kernel (AVX-512 -> AVX2 -> scalar; dispatch.cc).
struct MaskKernels {
  reduce_blocks_f32_t reduce_blocks_f32;
  keys_f32_t keys_f32;
  histogram_f32_t histogram_f32;
  emit_f32_t emit_f32;
  count_key_f32_t count_key_f32;
  nm_f32_t nm_f32;
  expand_blocks_u8_t expand_blocks_u8;
  apply_mask_f32_t apply_mask_f32;
  collect_f32_t collect_f32;
  group_scores_f32_t group_scores_f32;
};

// One table per instruction set, each defined in native/kernels/mask/<isa>.cc where compiled.
extern const MaskKernels mask_kernels_serial;
#if defined(__x86_64__) || defined(_M_X64)
extern const MaskKernels mask_kernels_avx2;
extern const MaskKernels mask_kernels_avx512;
#endif
#if defined(__aarch64__)
extern const MaskKernels mask_kernels_neon;
#endif

}  // namespace prunekit
