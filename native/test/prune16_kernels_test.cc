// prune16 kernel tests. The scalar table against independent oracles built from the F32 mask kernels
// (nm_f32 and expand_blocks_u8 of mask.h on the decoded |x|) and plain loops; every SIMD table bit for bit
// against the scalar one (data, keep, counts) over many shapes, at odd offsets, with many ties; and the
// runtime's block units (decode, |x|, reduce a block row at a time) against reduce_blocks_f32 on the whole
// decoded tensor, on every instruction set.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "../kernels/dispatch.h"
#include "../kernels/prune16.h"
#include "../runtime/prune16_runtime.h"
#include "test_util.h"

using namespace prunekit;
using namespace prunekit::test;

namespace {

struct Path {
  Isa isa;
  const Prune16Kernels* table;
};

std::vector<Path> simd_paths_() {
  std::vector<Path> out;
#if defined(__x86_64__) || defined(_M_X64)
  if (isa_supported() & kIsaAvx2) out.push_back({kIsaAvx2, &prune16_kernels_avx2});
#endif
#if defined(__aarch64__)
  out.push_back({kIsaNeon, &prune16_kernels_neon});
#endif
  return out;
}

void check_(bool ok, const char* what, const char* isa, std::size_t detail) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    if (g_failed < 20) std::printf("FAIL %s [%s] at %zu\n", what, isa, detail);
  }
}

std::mt19937 rng(11);

// Finite 16-bit values of `type`, drawn from `distinct` magnitudes (few: many ties), both signs, +-0 included.
std::vector<std::uint16_t> finite_(std::size_t n, Half16 type, unsigned distinct) {
  const std::uint16_t floor = type == Half16::kBf16 ? 0x7f80 : 0x7c00;
  std::vector<std::uint16_t> mags(distinct);
  for (auto& m : mags) m = static_cast<std::uint16_t>(rng() % floor);
  mags[0] = 0;
  std::vector<std::uint16_t> out(n);
  for (auto& x : out) x = static_cast<std::uint16_t>(mags[rng() % distinct] | (rng() % 2 ? 0x8000u : 0u));
  return out;
}

float decode_(std::uint16_t h, Half16 type) {
  std::uint32_t bits = type == Half16::kBf16 ? static_cast<std::uint32_t>(h) << 16 : f16_bits_to_f32_bits(h);
  return from_bits_(bits);
}

std::vector<float> magnitudes_(const std::vector<std::uint16_t>& data, std::size_t offset, std::size_t n, Half16 type) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = std::fabs(decode_(data[offset + i], type));
  return out;
}

void test_nonfinite_() {
  for (Half16 type : {Half16::kBf16, Half16::kF16}) {
    std::vector<std::uint16_t> all(65536);
    std::size_t want = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      all[i] = static_cast<std::uint16_t>(i);
      want += std::isfinite(decode_(all[i], type)) ? 0 : 1;
    }
    check_(prune16_kernels_serial.count_nonfinite_u16(all.data(), all.size(), type) == want, "nonfinite oracle",
           "scalar", want);
    for (const Path& p : simd_paths_())
      for (std::size_t n = 0; n < 300; n += 7)
        check_(p.table->count_nonfinite_u16(all.data() + 0x7f70 + n % 5, n, type) ==
                   prune16_kernels_serial.count_nonfinite_u16(all.data() + 0x7f70 + n % 5, n, type),
               "nonfinite", isa_name(p.isa), n);
  }
}

void test_nm_() {
  const unsigned ms[] = {2, 3, 4, 5, 8, 16, 64};
  for (Half16 type : {Half16::kBf16, Half16::kF16})
    for (unsigned m : ms)
      for (unsigned n = 1; n < m; n += (m > 8 ? 5 : 1))
        for (bool threshold : {false, true})
          for (std::size_t groups : {0, 1, 3, 4, 5, 17, 64, 75}) {
            const std::size_t len = groups * m, offset = groups % 3;
            const std::vector<std::uint16_t> input = finite_(len + offset, type, groups % 2 ? 3 : 200);
            // Oracle: nm_f32 on |decode(x)|, then zeroing by hand.
            const std::vector<float> mags = magnitudes_(input, offset, len, type);
            std::vector<std::uint8_t> want_keep(len + 1, 7);
            const std::size_t want_pruned =
                len == 0 ? 0 : mask_kernels_serial.nm_f32(mags.data(), len, n, m, threshold, want_keep.data());
            std::vector<std::uint16_t> want = input;
            for (std::size_t i = 0; i < len; ++i)
              if (!want_keep[i]) want[offset + i] = 0;
            std::vector<std::uint16_t> got = input;
            std::vector<std::uint8_t> keep(len + 1, 7);
            const std::size_t pruned =
                prune16_kernels_serial.nm_magnitude_u16(got.data() + offset, len, n, m, threshold, keep.data());
            check_(pruned == want_pruned && got == want && keep == want_keep, "nm oracle", "scalar", len);
            for (const Path& p : simd_paths_()) {
              std::vector<std::uint16_t> simd = input;
              std::vector<std::uint8_t> simd_keep(len + 1, 7);
              const std::size_t simd_pruned =
                  p.table->nm_magnitude_u16(simd.data() + offset, len, n, m, threshold, simd_keep.data());
              check_(simd_pruned == pruned && simd == got && simd_keep == keep, "nm", isa_name(p.isa), m * 1000 + n);
            }
          }
}

void test_blocks_() {
  const std::size_t shapes[][4] = {{4, 4, 4, 1},    {8, 12, 4, 1}, {12, 40, 4, 1}, {6, 9, 2, 3},       {16, 16, 1, 1},
                                   {4, 2048, 4, 1}, {8, 40, 2, 8}, {3, 7, 1, 7},   {2, 2200, 2, 1100}, {64, 33, 4, 3}};
  for (const auto& s : shapes) {
    const std::size_t rows = s[0], cols = s[1], bn = s[2], bm = s[3], n = rows * cols, units = n / (bn * bm);
    const std::vector<std::uint16_t> input = finite_(n + 1, Half16::kBf16, 50);
    std::vector<std::uint8_t> block_keep(units);
    for (auto& k : block_keep) k = rng() % 3 ? 0 : 1;
    // Oracle: expand_blocks_u8, zero by hand.
    std::vector<std::uint8_t> want_keep(n);
    mask_kernels_serial.expand_blocks_u8(block_keep.data(), rows, cols, bn, bm, want_keep.data());
    std::vector<std::uint16_t> want = input;
    std::size_t want_pruned = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (!want_keep[i]) want[1 + i] = 0, ++want_pruned;
    std::vector<std::uint16_t> got = input;
    std::vector<std::uint8_t> keep(n);
    const std::size_t pruned =
        prune16_kernels_serial.apply_blocks_u16(got.data() + 1, block_keep.data(), rows, cols, bn, bm, keep.data());
    check_(pruned == want_pruned && got == want && keep == want_keep, "apply blocks oracle", "scalar", n);
    // Report counts: zero blocks and kept elements by plain loops (a mask with partly kept blocks too).
    for (std::size_t i = 0; i < n; i += 5) keep[i] ^= (rng() % 4 == 0);
    std::size_t want_zero = 0, want_kept = 0;
    for (std::size_t br = 0; br < rows; br += bn)
      for (std::size_t bc = 0; bc < cols; bc += bm) {
        std::size_t in = 0;
        for (std::size_t r = br; r < br + bn; ++r)
          for (std::size_t c = bc; c < bc + bm; ++c) in += keep[r * cols + c];
        want_zero += in == 0;
        want_kept += in;
      }
    std::size_t kept = 0;
    const std::size_t zero = prune16_kernels_serial.count_zero_blocks_u8(keep.data(), rows, cols, bn, bm, &kept);
    check_(zero == want_zero && kept == want_kept, "count blocks oracle", "scalar", n);
    std::size_t want_sparse = 0;
    for (std::size_t g = 0; g + bm <= n && n % bm == 0; g += bm) {
      std::size_t zeros = 0;
      for (std::size_t j = g; j < g + bm; ++j) zeros += keep[j] ^ 1;
      want_sparse += zeros >= 1;
    }
    std::size_t group_kept = 0;
    const std::size_t sparse = bm < 2 ? 0
                                      : prune16_kernels_serial.count_sparse_groups_u8(
                                            keep.data(), n, 1, static_cast<unsigned>(bm), &group_kept);
    check_(bm < 2 || (sparse == want_sparse && group_kept == want_kept), "count groups oracle", "scalar", n);
    for (const Path& p : simd_paths_()) {
      std::vector<std::uint16_t> simd = input;
      std::vector<std::uint8_t> simd_keep(n);
      const std::size_t simd_pruned =
          p.table->apply_blocks_u16(simd.data() + 1, block_keep.data(), rows, cols, bn, bm, simd_keep.data());
      check_(simd_pruned == pruned && simd == got, "apply blocks", isa_name(p.isa), n);
      std::size_t simd_kept = 0;
      check_(p.table->count_zero_blocks_u8(keep.data(), rows, cols, bn, bm, &simd_kept) == zero && simd_kept == kept,
             "count blocks", isa_name(p.isa), n);
      if (bm >= 2) {
        std::size_t simd_group_kept = 0;
        check_(
            p.table->count_sparse_groups_u8(keep.data(), n, 1, static_cast<unsigned>(bm), &simd_group_kept) == sparse &&
                simd_group_kept == group_kept,
            "count groups", isa_name(p.isa), n);
      }
    }
  }
}

// The runtime's block units on every instruction set equal reduce_blocks_f32 (scalar) on the whole |decode|.
void test_block_units_() {
  const std::size_t shapes[][4] = {{8, 12, 4, 1}, {12, 40, 4, 1}, {6, 9, 2, 3}, {16, 16, 1, 1}, {8, 40, 2, 8}};
  const Isa isas[] = {kIsaSerial, kIsaAvx2, kIsaNeon};
  for (Half16 type : {Half16::kBf16, Half16::kF16})
    for (BlockReduce op : {BlockReduce::kMean, BlockReduce::kSum, BlockReduce::kMax})
      for (const auto& s : shapes) {
        const std::size_t rows = s[0], cols = s[1], bn = s[2], bm = s[3], n = rows * cols, units = n / (bn * bm);
        const std::vector<std::uint16_t> input = finite_(n, type, 300);
        const std::vector<float> mags = magnitudes_(input, 0, n, type);
        std::vector<float> want(units);
        mask_kernels_serial.reduce_blocks_f32(mags.data(), rows, cols, bn, bm, op, want.data());
        for (Isa isa : isas) {
          if (!isa_select(isa)) continue;
          std::vector<float> got(units, -1.f);
          const std::size_t status =
              run_block_units_magnitude_u16(input.data(), type, rows, cols, bn, bm, op, got.data());
          bool same = status == 0;
          for (std::size_t u = 0; u < units; ++u) same = same && same_(got[u], want[u]);
          check_(same, "block units", isa_name(isa), n);
        }
        std::vector<std::uint16_t> with_inf = input;
        with_inf[n / 2] = type == Half16::kBf16 ? 0x7f80 : 0xfc00;
        std::vector<float> untouched(units, -1.f);
        check_(run_block_units_magnitude_u16(with_inf.data(), type, rows, cols, bn, bm, op, untouched.data()) ==
                       kNonFinite &&
                   untouched[0] == -1.f,
               "block units refuse Inf", "active", n);
      }
  isa_select(kIsaSerial);
  std::vector<std::uint16_t> nan_data = {1, 2, 0x7fc1, 4};
  std::vector<std::uint8_t> keep(4, 9);
  check_(run_nm_magnitude_u16(nan_data.data(), 4, Half16::kBf16, 2, 4, false, keep.data()) == kNonFinite &&
             nan_data[0] == 1 && keep[0] == 9,
         "nm refuses NaN", "scalar", 0);
}

// The fused bn x 1 block scores: scalar against reduce_blocks_f32 on |decode(x)|, SIMD against scalar, over
// every width 1..40 (vector bodies and tails) and heights that are and are not a vector multiple.
void test_block_units_bm1_() {
  for (Half16 type : {Half16::kBf16, Half16::kF16})
    for (BlockReduce op : {BlockReduce::kMean, BlockReduce::kSum})
      for (std::size_t bn : {1, 2, 3, 4, 8})
        for (std::size_t cols = 1; cols <= 40; ++cols) {
          const std::size_t rows = bn * (1 + cols % 3), n = rows * cols, units = n / bn;
          const std::vector<std::uint16_t> input = finite_(n, type, cols % 2 ? 4 : 1000);
          const std::vector<float> mags = magnitudes_(input, 0, n, type);
          std::vector<float> want(units), got(units, -1.f);
          mask_kernels_serial.reduce_blocks_f32(mags.data(), rows, cols, bn, 1, op, want.data());
          prune16_kernels_serial.block_units_bm1_u16(input.data(), type, rows, cols, bn, op, got.data());
          bool same = true;
          for (std::size_t u = 0; u < units; ++u) same = same && same_(got[u], want[u]);
          check_(same, "block units bm1 oracle", "scalar", cols);
          for (const Path& p : simd_paths_()) {
            std::vector<float> simd(units, -1.f);
            p.table->block_units_bm1_u16(input.data(), type, rows, cols, bn, op, simd.data());
            bool simd_same = true;
            for (std::size_t u = 0; u < units; ++u) simd_same = simd_same && bits_(simd[u]) == bits_(got[u]);
            check_(simd_same, "block units bm1", isa_name(p.isa), cols);
          }
        }
}

}  // namespace

int main() {
  test_nonfinite_();
  test_nm_();
  test_blocks_();
  test_block_units_();
  test_block_units_bm1_();
  return finish_();
}
