// Mask kernels: the scalar oracle against the definitions of mask.h (sorting, naive counting, hand-computed
// block scores), then every runnable SIMD table against the scalar one, bit for bit: lengths 0..300 and
// some longer ones, random start offsets (unaligned pointers), normal, wide-exponent, special (NaN, +-0,
// +-Inf, denormals), all-equal and few-distinct-value inputs, and guard cells around every output to catch
// writes past either end.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../kernels/dispatch.h"
#include "test_util.h"

using namespace prunekit;
using namespace prunekit::test;

namespace {

// ---- inputs -----------------------------------------------------------------------------------------

enum Kind { kNormal, kWide, kSpecial, kAllEqual, kFewValues, kZeros, kKinds };
const char* const kKindNames[] = {"normal", "wide", "special", "all-equal", "few-values", "zeros"};

std::vector<float> make_input_(std::mt19937& rng, std::size_t n, int kind) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int> exponent(-150, 127);
  const std::vector<float>& special = special_floats_();
  std::uniform_int_distribution<std::size_t> pick(0, special.size() - 1);
  const float constant = normal(rng);
  std::vector<float> v(n);
  for (float& x : v) {
    switch (kind) {
      case kNormal:
        x = normal(rng);
        break;
      case kWide:
        x = std::ldexp(normal(rng), exponent(rng));
        break;
      case kSpecial:
        x = (rng() % 3 == 0) ? special[pick(rng)] : std::ldexp(normal(rng), exponent(rng) / 4);
        break;
      case kAllEqual:
        x = constant;
        break;
      case kFewValues:
        x = static_cast<float>(static_cast<int>(rng() % 4)) * 0.25f;
        break;
      default:
        x = (rng() % 5 == 0) ? std::fabs(normal(rng)) : ((rng() & 1) ? 0.f : -0.f);
        break;
    }
  }
  return v;
}

// A copy of `v` at `offset` floats into a buffer with a canary after the end.
struct Placed {
  std::vector<float> buffer;
  std::size_t offset;
  float* data() { return buffer.data() + offset; }
};
Placed place_(const std::vector<float>& v, std::size_t offset) {
  Placed p{std::vector<float>(v.size() + offset + 8, from_bits_(0x7f7abcdeu)), offset};
  std::copy(v.begin(), v.end(), p.buffer.begin() + static_cast<std::ptrdiff_t>(offset));
  return p;
}

// ---- the scalar oracle against the definitions ---------------------------------------------------------

// Float order with -0 == +0 and every NaN last and equal to every other NaN.
bool float_less_(float a, float b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}
bool float_equal_(float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void check_oracle_(std::mt19937& rng) {
  const MaskKernels& k = mask_kernels_serial;
  // Keys: order and equality are the float order, NaN is all ones.
  for (int kind = 0; kind < kKinds; ++kind) {
    const std::vector<float> v = make_input_(rng, 200, kind);
    std::vector<std::uint32_t> keys(v.size());
    k.keys_f32(v.data(), keys.data(), v.size());
    bool ok = true;
    for (std::size_t i = 0; i < v.size(); ++i) {
      ok &= std::isnan(v[i]) == (keys[i] == kNanKey);
      for (std::size_t j = 0; j < v.size(); ++j)
        ok &= (keys[i] < keys[j]) == float_less_(v[i], v[j]) && (keys[i] == keys[j]) == float_equal_(v[i], v[j]);
    }
    expect_(ok, std::string("scalar keys follow the float order: ") + kKindNames[kind]);
  }
  {
    const float zeros[] = {0.f, -0.f};
    std::uint32_t keys[2];
    k.keys_f32(zeros, keys, 2);
    expect_(keys[0] == 0x80000000u && keys[1] == 0x80000000u, "scalar keys: -0 and +0 are 0x80000000");
    const float inf = std::numeric_limits<float>::infinity();
    k.keys_f32(&inf, keys, 1);
    expect_(keys[0] == 0xff800000u, "scalar keys: +Inf is 0xff800000");
  }
  // Histogram, emission, counting and N:M against naive counting and sorting.
  for (int kind = 0; kind < kKinds; ++kind) {
    const std::vector<float> v = make_input_(rng, 301, kind);
    std::vector<std::uint32_t> keys(v.size());
    k.keys_f32(v.data(), keys.data(), v.size());
    const std::uint32_t pivot = keys[rng() % keys.size()];
    for (unsigned prefix_bits : {0u, 5u, 11u, 22u, 31u}) {
      const unsigned digit_bits = prefix_bits == 31 ? 1 : (prefix_bits == 22 ? 10 : 11);
      const std::uint32_t prefix = prefix_bits == 0 ? 0 : pivot >> (32 - prefix_bits);
      std::vector<std::uint32_t> hist(std::size_t{1} << digit_bits, 7), want(hist);
      std::size_t want_count = 0;
      for (std::uint32_t key : keys)
        if (prefix_bits == 0 || key >> (32 - prefix_bits) == prefix) {
          ++want[static_cast<std::uint32_t>(static_cast<std::uint64_t>(key) << prefix_bits) >> (32 - digit_bits)];
          ++want_count;
        }
      const std::size_t count = k.histogram_f32(v.data(), v.size(), prefix, prefix_bits, digit_bits, hist.data());
      expect_(hist == want && count == want_count, std::string("scalar histogram adds naive counts: ") +
                                                       kKindNames[kind] + " prefix bits " +
                                                       std::to_string(prefix_bits));
    }
    // Collection: the values of one bucket, in index order (bits kept: -0 stays -0, NaN payloads stay).
    for (unsigned prefix_bits : {1u, 11u, 22u, 32u}) {
      const std::uint32_t prefix = static_cast<std::uint32_t>(std::uint64_t{pivot} >> (32 - prefix_bits));
      std::vector<std::uint32_t> want;
      for (std::size_t i = 0; i < v.size(); ++i)
        if (std::uint64_t{keys[i]} >> (32 - prefix_bits) == prefix) want.push_back(bits_(v[i]));
      std::vector<float> out(v.size() + kCollectSlack);
      const std::size_t count = k.collect_f32(v.data(), v.size(), prefix, prefix_bits, out.data());
      std::vector<std::uint32_t> got;
      for (std::size_t i = 0; i < count; ++i) got.push_back(bits_(out[i]));
      expect_(got == want, std::string("scalar collection keeps one bucket in order: ") + kKindNames[kind] +
                               " prefix bits " + std::to_string(prefix_bits));
    }
    // Emission: exactly the first `quota` ties (index order) and everything below.
    const std::size_t ties = static_cast<std::size_t>(std::count(keys.begin(), keys.end(), pivot));
    for (std::size_t quota : {std::size_t{0}, std::size_t{1}, ties / 2, ties, SIZE_MAX}) {
      std::vector<std::uint8_t> keep(v.size());
      const std::size_t got_ties = k.emit_f32(v.data(), v.size(), pivot, quota, keep.data());
      bool ok = got_ties == ties && k.count_key_f32(v.data(), v.size(), pivot) == ties;
      std::size_t seen = 0;
      for (std::size_t i = 0; i < v.size(); ++i) {
        const bool pruned = keys[i] < pivot || (keys[i] == pivot && seen++ < quota);
        ok &= keep[i] == (pruned ? 0 : 1);
      }
      expect_(ok, std::string("scalar emission: ") + kKindNames[kind] + " quota " + std::to_string(quota));
    }
    // N:M against sorting each group: counted groups (m <= 8) on v, sorted ones (m > 16) on 4K values.
    const std::vector<float> wide = make_input_(rng, 4096, kind);
    std::vector<std::uint32_t> wide_keys(wide.size());
    k.keys_f32(wide.data(), wide_keys.data(), wide.size());
    for (unsigned m : {2u, 4u, 5u, 8u, 17u, 64u, 255u, 1024u}) {
      const std::vector<float>& in = m <= 8 ? v : wide;
      const std::vector<std::uint32_t>& in_keys = m <= 8 ? keys : wide_keys;
      for (unsigned n = 1; n < m; n += (m > 8 ? m / 3 : 2)) {
        const std::size_t len = in.size() / m * m;
        for (bool threshold : {false, true}) {
          std::vector<std::uint8_t> keep(len);
          const std::size_t pruned = k.nm_f32(in.data(), len, n, m, threshold, keep.data());
          bool ok = true;
          std::size_t want_pruned = 0;
          for (std::size_t g = 0; g < len; g += m) {
            std::vector<std::size_t> order(m);
            std::iota(order.begin(), order.end(), g);
            std::stable_sort(order.begin(), order.end(),
                             [&](std::size_t a, std::size_t b) { return in_keys[a] < in_keys[b]; });
            const std::uint32_t nth = in_keys[order[n - 1]];  // n-th smallest, NaN last
            for (unsigned r = 0; r < m; ++r) {
              const std::size_t i = order[r];
              const bool want = threshold ? (nth != kNanKey && in_keys[i] <= nth) : (r < n && in_keys[i] != kNanKey);
              ok &= keep[i] == (want ? 0 : 1);
              want_pruned += want;
            }
          }
          expect_(ok && pruned == want_pruned, std::string("scalar N:M against sorting: ") + kKindNames[kind] + " " +
                                                   std::to_string(n) + ":" + std::to_string(m) +
                                                   (threshold ? " threshold" : " exact"));
        }
      }
    }
  }
  // Block scores: float32 left to right in two stages.
  {
    const float tiny = std::ldexp(1.f, -24);
    const float s[] = {1.f, tiny, tiny, tiny, 1.f, 0.f, 0.f, 0.f};
    float out[2];
    k.reduce_blocks_f32(s, 1, 8, 1, 4, BlockReduce::kSum, out);
    expect_(out[0] == 1.f && out[1] == 1.f, "scalar block sum rounds each addition in float32");
    const float m[] = {-0.f, 0.f, std::nanf(""), 5.f, 1.f, 2.f, 7.f, 6.f};  // 2 x 4, blocks 2x2 by max
    float mx[2];
    k.reduce_blocks_f32(m, 2, 4, 2, 2, BlockReduce::kMax, mx);
    expect_(mx[0] == 2.f && std::isnan(mx[1]), "scalar block max over two stages propagates NaN");
    k.reduce_blocks_f32(m, 1, 2, 1, 2, BlockReduce::kMax, mx);
    expect_(bits_(mx[0]) == 0x80000000u, "scalar block max keeps the first of equal values (-0 before +0)");
    const float mean_in[] = {1.f, 2.f, 3.f, 4.f, 5.f, 6.f};  // 2 x 3, one 2x3 block: ((6/3) + (15/3)) / 2
    float mean;
    k.reduce_blocks_f32(mean_in, 2, 3, 2, 3, BlockReduce::kMean, &mean);
    expect_(mean == 3.5f, "scalar block mean: two stages");
  }
  // N:M group scores: the kept entries count as +0, the pruned ones in order.
  {
    const float s[] = {1.f, 2.f, 30.f, 40.f, -3.f, std::nanf(""), 5.f, 7.f};
    const std::uint8_t keep[] = {0, 0, 1, 1, 1, 1, 0, 0};
    float out[2];
    k.group_scores_f32(s, keep, 8, 4, BlockReduce::kSum, out);
    expect_(out[0] == 3.f && out[1] == 12.f, "scalar group sum skips the kept entries");
    k.group_scores_f32(s, keep, 8, 4, BlockReduce::kMean, out);
    expect_(out[0] == 0.75f && out[1] == 3.f, "scalar group mean divides by m");
    k.group_scores_f32(s, keep, 8, 4, BlockReduce::kMax, out);
    expect_(out[0] == 2.f && out[1] == 7.f, "scalar group max ignores a kept NaN");
    const float negative[] = {-1.f, -2.f, 3.f, 4.f};
    k.group_scores_f32(negative, keep, 4, 4, BlockReduce::kMax, out);
    expect_(bits_(out[0]) == 0u, "scalar group max starts at +0");
    const float nan_pruned[] = {1.f, std::nanf(""), 3.f, 4.f};
    k.group_scores_f32(nan_pruned, keep, 4, 4, BlockReduce::kMax, out);
    expect_(std::isnan(out[0]), "scalar group max takes a pruned NaN");
  }
}

// ---- SIMD against scalar ------------------------------------------------------------------------------

struct Input {
  std::size_t n, offset;
  int kind;
  std::vector<float> v;
};

template <typename T>
bool same_bytes_(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

std::string label_(const std::string& isa, const char* kernel, const Input& in) {
  return isa + " " + kernel + " n=" + std::to_string(in.n) + " offset=" + std::to_string(in.offset) +
         " kind=" + kKindNames[in.kind];
}

void compare_keys_(const std::string& isa, const MaskKernels& simd, const Input& in, int& failed) {
  Placed p = place_(in.v, in.offset);
  std::vector<std::uint32_t> want(in.n + 4, 0xdeadbeefu), got(want);
  mask_kernels_serial.keys_f32(p.data(), want.data(), in.n);
  simd.keys_f32(p.data(), got.data(), in.n);
  if (got != want) ++failed, std::printf("FAIL %s\n", label_(isa, "keys_f32", in).c_str());
}

void compare_histogram_(const std::string& isa, const MaskKernels& simd, const Input& in, std::mt19937& rng,
                        int& failed) {
  Placed p = place_(in.v, in.offset);
  std::vector<std::uint32_t> keys(in.n);
  mask_kernels_serial.keys_f32(p.data(), keys.data(), in.n);
  const std::uint32_t pivot = in.n ? keys[rng() % in.n] : static_cast<std::uint32_t>(rng());
  static const unsigned kPasses[][2] = {{0, 11}, {11, 11}, {22, 10}, {0, 1}, {0, 8},
                                        {5, 11}, {21, 11}, {31, 1},  {16, 3}};
  for (const auto& pass : kPasses) {
    const unsigned prefix_bits = pass[0], digit_bits = pass[1];
    const std::uint32_t prefix =
        prefix_bits == 0 ? 0 : ((rng() % 4 == 0 ? static_cast<std::uint32_t>(rng()) : pivot) >> (32 - prefix_bits));
    std::vector<std::uint32_t> want((std::size_t{1} << digit_bits) + 1, 3), got(want);
    const std::size_t want_count =
        mask_kernels_serial.histogram_f32(p.data(), in.n, prefix, prefix_bits, digit_bits, want.data());
    const std::size_t got_count = simd.histogram_f32(p.data(), in.n, prefix, prefix_bits, digit_bits, got.data());
    if (got != want || got_count != want_count) {
      ++failed;
      std::printf("FAIL %s prefix_bits=%u digit_bits=%u\n", label_(isa, "histogram_f32", in).c_str(), prefix_bits,
                  digit_bits);
      return;
    }
  }
}

// The bucket of a random element, or a random prefix, over every prefix width the selection uses and the
// extremes; out is sized to the matches plus the slack, with guard cells after it.
void compare_collect_(const std::string& isa, const MaskKernels& simd, const Input& in, std::mt19937& rng,
                      int& failed) {
  Placed p = place_(in.v, in.offset);
  std::vector<std::uint32_t> keys(in.n);
  mask_kernels_serial.keys_f32(p.data(), keys.data(), in.n);
  const std::uint32_t pivot = in.n ? keys[rng() % in.n] : static_cast<std::uint32_t>(rng());
  for (unsigned prefix_bits : {1u, 5u, 11u, 22u, 31u, 32u}) {
    const std::uint32_t source = rng() % 4 == 0 ? static_cast<std::uint32_t>(rng()) : pivot;
    const std::uint32_t prefix = static_cast<std::uint32_t>(std::uint64_t{source} >> (32 - prefix_bits));
    std::vector<float> want(in.n + kCollectSlack);
    const std::size_t want_count = mask_kernels_serial.collect_f32(p.data(), in.n, prefix, prefix_bits, want.data());
    const float guard = from_bits_(0x7f7abcdeu);
    std::vector<float> got(want_count + kCollectSlack + 4, guard);
    const std::size_t got_count = simd.collect_f32(p.data(), in.n, prefix, prefix_bits, got.data());
    bool ok = got_count == want_count;
    for (std::size_t i = 0; ok && i < want_count; ++i) ok = bits_(got[i]) == bits_(want[i]);
    for (std::size_t i = want_count + kCollectSlack; ok && i < got.size(); ++i) ok = bits_(got[i]) == bits_(guard);
    if (!ok) {
      ++failed;
      std::printf("FAIL %s prefix_bits=%u\n", label_(isa, "collect_f32", in).c_str(), prefix_bits);
      return;
    }
  }
}

// Group scores for every M the kernels specialise and some they do not, random candidate masks (and all
// kept / all pruned), guard cells after the output.
void compare_group_scores_(const std::string& isa, const MaskKernels& simd, const Input& in, std::mt19937& rng,
                           int& failed) {
  Placed p = place_(in.v, in.offset);
  for (unsigned m : {2u, 3u, 4u, 8u}) {
    const std::size_t n_elems = in.n / m * m, groups = n_elems / m;
    std::vector<std::uint8_t> keep(n_elems);
    const unsigned fill = static_cast<unsigned>(rng() % 4);  // 0, 1: constant; else random
    for (std::uint8_t& b : keep) b = static_cast<std::uint8_t>(fill < 2 ? fill : rng() & 1);
    for (BlockReduce op : {BlockReduce::kMean, BlockReduce::kSum, BlockReduce::kMax}) {
      std::vector<float> want(groups + 4, from_bits_(0x7f7abcdeu)), got(want);
      mask_kernels_serial.group_scores_f32(p.data(), keep.data(), n_elems, m, op, want.data());
      simd.group_scores_f32(p.data(), keep.data(), n_elems, m, op, got.data());
      for (std::size_t g = 0; g < want.size(); ++g)
        if (!same_(got[g], want[g])) {
          ++failed;
          std::printf("FAIL %s m=%u op=%d: group %zu is %08x, scalar %08x\n",
                      label_(isa, "group_scores_f32", in).c_str(), m, static_cast<int>(op), g, bits_(got[g]),
                      bits_(want[g]));
          return;
        }
    }
  }
}

void compare_emit_(const std::string& isa, const MaskKernels& simd, const Input& in, std::mt19937& rng, int& failed) {
  Placed p = place_(in.v, in.offset);
  std::vector<std::uint32_t> keys(in.n);
  mask_kernels_serial.keys_f32(p.data(), keys.data(), in.n);
  for (int trial = 0; trial < 3; ++trial) {
    const std::uint32_t key = in.n && trial < 2 ? keys[rng() % in.n] : (trial == 2 ? kNanKey : 0x80000000u);
    const std::size_t ties = mask_kernels_serial.count_key_f32(p.data(), in.n, key);
    if (simd.count_key_f32(p.data(), in.n, key) != ties) {
      ++failed;
      std::printf("FAIL %s key=%08x\n", label_(isa, "count_key_f32", in).c_str(), key);
      return;
    }
    for (std::size_t quota : {std::size_t{0}, std::size_t{1}, ties / 3, ties / 2 + 1, ties, ties + 1, SIZE_MAX}) {
      std::vector<std::uint8_t> want(in.n + in.offset + 8, 0xab), got(want);
      const std::size_t want_ties = mask_kernels_serial.emit_f32(p.data(), in.n, key, quota, want.data() + in.offset);
      const std::size_t got_ties = simd.emit_f32(p.data(), in.n, key, quota, got.data() + in.offset);
      if (got != want || got_ties != want_ties) {
        ++failed;
        std::printf("FAIL %s key=%08x quota=%zu\n", label_(isa, "emit_f32", in).c_str(), key, quota);
        return;
      }
    }
  }
}

void compare_nm_(const std::string& isa, const MaskKernels& simd, const Input& in, std::mt19937& rng, int& failed) {
  Placed p = place_(in.v, in.offset);
  for (unsigned m : {2u, 3u, 4u, 5u, 8u, 16u, 32u}) {
    const std::size_t len = in.n / m * m;
    const unsigned n = 1 + static_cast<unsigned>(rng() % (m - 1));
    for (bool threshold : {false, true}) {
      std::vector<std::uint8_t> want(len + 8, 0xab), got(want);
      const std::size_t want_pruned = mask_kernels_serial.nm_f32(p.data(), len, n, m, threshold, want.data());
      const std::size_t got_pruned = simd.nm_f32(p.data(), len, n, m, threshold, got.data());
      if (got != want || got_pruned != want_pruned) {
        ++failed;
        std::printf("FAIL %s %u:%u %s\n", label_(isa, "nm_f32", in).c_str(), n, m, threshold ? "threshold" : "exact");
        return;
      }
    }
  }
}

void compare_apply_(const std::string& isa, const MaskKernels& simd, const Input& in, std::mt19937& rng, int& failed) {
  std::vector<std::uint8_t> keep(in.n);
  for (std::uint8_t& b : keep) b = rng() % 3 == 0 ? 0 : static_cast<std::uint8_t>(1 + rng() % 2);
  for (bool with_grad : {false, true}) {
    Placed w_want = place_(in.v, in.offset), w_got = w_want;
    Placed g_want = place_(std::vector<float>(in.v.rbegin(), in.v.rend()), in.offset), g_got = g_want;
    mask_kernels_serial.apply_mask_f32(w_want.data(), with_grad ? g_want.data() : nullptr, keep.data(), in.n);
    simd.apply_mask_f32(w_got.data(), with_grad ? g_got.data() : nullptr, keep.data(), in.n);
    if (!same_bytes_(w_got.buffer, w_want.buffer) || !same_bytes_(g_got.buffer, g_want.buffer)) {
      ++failed;
      std::printf("FAIL %s grad=%d\n", label_(isa, "apply_mask_f32", in).c_str(), with_grad);
      return;
    }
  }
}

// Block reduction and expansion over random shapes.
void compare_blocks_(const std::string& isa, const MaskKernels& simd, std::mt19937& rng, int& failed,
                     std::size_t& cases) {
  static const std::size_t kBn[] = {1, 1, 2, 3, 4, 8};
  static const std::size_t kBm[] = {1, 1, 2, 3, 4, 5, 8, 16};
  const BlockReduce ops[] = {BlockReduce::kMean, BlockReduce::kSum, BlockReduce::kMax};
  for (int trial = 0; trial < 1500; ++trial) {
    const std::size_t bn = kBn[rng() % 6], bm = kBm[rng() % 8];
    const std::size_t rows = bn * (1 + rng() % 5), cols = bm * (rng() % 41);
    const int kind = static_cast<int>(rng() % kKinds);
    const std::vector<float> v = make_input_(rng, rows * cols, kind);
    Placed p = place_(v, rng() % 17);
    const std::size_t blocks = (rows / bn) * (cols / bm);
    for (BlockReduce op : ops) {
      std::vector<float> want(blocks + 4, from_bits_(0x7f7abcdeu)), got(want);
      mask_kernels_serial.reduce_blocks_f32(p.data(), rows, cols, bn, bm, op, want.data());
      simd.reduce_blocks_f32(p.data(), rows, cols, bn, bm, op, got.data());
      for (std::size_t i = 0; i < want.size(); ++i)
        if (!same_(got[i], want[i])) {
          ++failed;
          std::printf(
              "FAIL %s reduce_blocks_f32 %zux%zu blocks %zux%zu op=%d kind=%s: block %zu is %08x, scalar %08x\n",
              isa.c_str(), rows, cols, bn, bm, static_cast<int>(op), kKindNames[kind], i, bits_(got[i]),
              bits_(want[i]));
          return;
        }
      ++cases;
    }
    std::vector<std::uint8_t> block_keep(blocks);
    for (std::uint8_t& b : block_keep) b = static_cast<std::uint8_t>(rng() & 1);
    std::vector<std::uint8_t> want(rows * cols + 8, 0xab), got(want);
    mask_kernels_serial.expand_blocks_u8(block_keep.data(), rows, cols, bn, bm, want.data());
    simd.expand_blocks_u8(block_keep.data(), rows, cols, bn, bm, got.data());
    bool ok = got == want;
    for (std::size_t r = 0; ok && r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) ok &= want[r * cols + c] == block_keep[(r / bn) * (cols / bm) + c / bm];
    if (!ok) {
      ++failed;
      std::printf("FAIL %s expand_blocks_u8 %zux%zu blocks %zux%zu\n", isa.c_str(), rows, cols, bn, bm);
      return;
    }
  }
}

void compare_isa_(Isa isa, const std::vector<Input>& inputs, std::mt19937& rng) {
  const std::string name = isa_name(isa);
  isa_select(isa);
  const MaskKernels& simd = mask_kernels();
  struct Op {
    const char* name;
    void (*run)(const std::string&, const MaskKernels&, const Input&, std::mt19937&, int&);
  };
  const Op ops[] = {
      {"keys_f32", [](const std::string& i, const MaskKernels& k, const Input& in, std::mt19937&,
                      int& f) { compare_keys_(i, k, in, f); }},
      {"histogram_f32", compare_histogram_},
      {"collect_f32", compare_collect_},
      {"emit_f32, count_key_f32", compare_emit_},
      {"nm_f32", compare_nm_},
      {"group_scores_f32", compare_group_scores_},
      {"apply_mask_f32", compare_apply_},
  };
  for (const Op& op : ops) {
    int failed = 0;
    for (const Input& in : inputs) op.run(name, simd, in, rng, failed);
    failed ? g_failed += failed : ++g_passed;
    std::printf("  %-8s %-26s %s over %zu inputs\n", name.c_str(), op.name, failed ? "DIFFERS" : "bit-identical",
                inputs.size());
  }
  int failed = 0;
  std::size_t cases = 0;
  compare_blocks_(name, simd, rng, failed, cases);
  failed ? g_failed += failed : ++g_passed;
  std::printf("  %-8s %-26s %s over %zu shapes\n", name.c_str(), "reduce_blocks, expand",
              failed ? "DIFFERS" : "bit-identical", cases);
}

}  // namespace

int main() {
  std::mt19937 rng(20261128);
  const Isa all[] = {kIsaSerial, kIsaAvx2, kIsaAvx512, kIsaNeon};
  std::printf("instruction sets: ");
  for (Isa isa : all)
    std::printf("%s[%s%s] ", isa_name(isa), (isa_compiled() & isa) ? "compiled" : "not compiled",
                (isa_supported() & isa) ? ", runs here" : "");
  std::printf("\n");

  check_oracle_(rng);

  std::vector<Input> inputs;
  std::vector<std::size_t> lengths(301);
  std::iota(lengths.begin(), lengths.end(), 0);
  for (std::size_t n : {511, 512, 1000, 1024, 1031, 4099}) lengths.push_back(n);
  for (std::size_t n : lengths)
    for (int kind = 0; kind < kKinds; ++kind) inputs.push_back({n, rng() % 17, kind, make_input_(rng, n, kind)});

  for (Isa isa : all)
    if (isa != kIsaSerial && (isa_supported() & isa)) compare_isa_(isa, inputs, rng);

  return finish_();
}
