#include "prune_step.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "../kernels/dispatch.h"
#include "mask_runtime.h"

namespace prunekit {
namespace {

constexpr unsigned kDigits[3] = {11, 11, 10};  // radix digits, most significant first (mask_runtime.h)
constexpr std::size_t kAllTies = SIZE_MAX;

// How one layer's units are pruned: every key below `key` and the first `quota` units equal to it.
struct Cut {
  bool prunes = false;  // false: nothing pruned
  std::uint32_t key = 0;
  std::size_t quota = 0;
  double pruned = 0;  // units pruned
};

// One layer's unit scores and the histogram of their first radix digit (computed with the scores, in cache;
// every selection round and a frozen layer's own cut reuse it).
struct Units {
  const float* data;
  std::size_t length;
  const std::uint32_t* top;  // 2^kDigits[0] bins
};

// The first digit's last bin holds the keys from 0xffe00000 up: NaN only (+Inf is 0xff800000, and no float
// maps between it and the NaN key), so it counts a layer's NaN units.
static_assert(kDigits[0] == 11, "the NaN bin below is the last of an 11-bit digit");
constexpr std::size_t kNanBin = (std::size_t{1} << 11) - 1;

double unit_count_(bool exact, double ratio, double count) {
  if (exact) return static_cast<double>(target_count(std::min(1.0, std::max(0.0, ratio)), count));
  return std::trunc(count * ratio);
}

double non_nan_(const Units& u) { return static_cast<double>(u.length - u.top[kNanBin]); }

// What the selection reuses from round to round: one digit's histogram per set, their sum, and the units of
// the first digit's bucket, collected so the later digits read only them.
struct SelectScratch {
  std::vector<std::uint32_t> hist;
  std::vector<double> sum;
  std::vector<float> bucket;
  std::vector<Units> scan;
  std::vector<const std::uint32_t*> of_set;
};

// The bucket is collected when it holds at most 1/kCollectAtMost of the units: the collection is one pass
// over every unit instead of the two histogram passes, and its buffer stays small.
constexpr std::size_t kCollectAtMost = 8;

// The k-th smallest key over `sets` (1 <= k <= total), with each set's count below it and equal to it.
std::uint32_t kth_over_(const std::vector<Units>& sets, double k, std::vector<double>& below, std::vector<double>& ties,
                        SelectScratch& w) {
  const std::size_t n_sets = sets.size();
  w.hist.resize(n_sets << kMaxDigitBits);
  w.sum.resize(std::size_t{1} << kMaxDigitBits);
  w.scan = sets;
  w.of_set.resize(n_sets);
  below.assign(n_sets, 0);
  ties.assign(n_sets, 0);
  std::uint64_t prefix = 0;
  unsigned prefix_bits = 0;
  double global_below = 0;
  for (unsigned bits : kDigits) {
    const std::size_t bins = std::size_t{1} << bits;
    std::fill(w.sum.begin(), w.sum.begin() + bins, 0.0);
    for (std::size_t j = 0; j < n_sets; ++j) {
      const std::uint32_t* h = prefix_bits == 0 ? sets[j].top : nullptr;
      if (h == nullptr) {
        std::uint32_t* counts = &w.hist[j << kMaxDigitBits];
        std::fill(counts, counts + bins, 0u);
        run_select_histogram(w.scan[j].data, w.scan[j].length, static_cast<std::uint32_t>(prefix), prefix_bits, bits,
                             counts);
        h = counts;
      }
      w.of_set[j] = h;
      for (std::size_t c = 0; c < bins; ++c) w.sum[c] += h[c];
    }
    std::size_t c = 0;
    while (c < bins - 1 && global_below + w.sum[c] < k) global_below += w.sum[c++];
    for (std::size_t j = 0; j < n_sets; ++j) {
      const std::uint32_t* h = w.of_set[j];
      for (std::size_t b = 0; b < c; ++b) below[j] += h[b];
      ties[j] = h[c];
    }
    const bool first = prefix_bits == 0;
    prefix = (prefix << bits) | c;
    prefix_bits += bits;
    if (first) {
      double in_bucket = 0, units = 0;
      for (std::size_t j = 0; j < n_sets; ++j) {
        in_bucket += ties[j];
        units += static_cast<double>(sets[j].length);
      }
      if (in_bucket * kCollectAtMost <= units) {
        w.bucket.resize(static_cast<std::size_t>(in_bucket) + kCollectSlack);
        std::size_t at = 0;
        for (std::size_t j = 0; j < n_sets; ++j) {
          const std::size_t n = run_select_collect(sets[j].data, sets[j].length, static_cast<std::uint32_t>(prefix),
                                                   prefix_bits, w.bucket.data() + at);
          w.scan[j] = {w.bucket.data() + at, n, nullptr};
          at += n;
        }
      }
    }
  }
  return static_cast<std::uint32_t>(prefix);
}

// One layer alone at its own count: `<= kthvalue(count)` (threshold) or exactly `count` (exact).
Cut own_cut_(const Units& u, double count, bool exact, SelectScratch& scratch) {
  const double kk = std::min(count, exact ? non_nan_(u) : static_cast<double>(u.length));
  if (kk < 1) return {};
  std::vector<double> below, ties;
  const std::uint32_t key = kth_over_({u}, kk, below, ties, scratch);
  if (key == kNanKey) return exact ? Cut{true, key, 0, below[0]} : Cut{};
  if (exact) return {true, key, static_cast<std::size_t>(kk - below[0]), kk};
  return {true, key, kAllTies, below[0] + ties[0]};
}

// INC's adjust_ratio for layer j proposing `zeros` of its units; NaN: keep the proposal, else the ratio the
// layer is frozen at (lib/pruning/step-select.ts adjustRatio, line for line).
double adjust_ratio_(std::size_t j, double zeros, const std::vector<double>& zeros_now,
                     const std::vector<double>& totals, const StepOptions& o) {
  const double keep = std::nan("");
  const double total = totals[j];
  bool adjusted = false;
  double zero_count = zeros;
  double ratio = zeros / total;
  if (ratio > o.max_ratio) {
    adjusted = true;
    ratio = o.max_ratio;
    zero_count = std::trunc(total * o.max_ratio);
  }
  if (ratio < o.min_ratio) return adjusted ? ratio : keep;
  bool any_above = ratio > o.target_ratio;
  double net_total = 0;
  for (std::size_t i = 0; i < totals.size(); ++i) {
    net_total += totals[i];
    if (zeros_now[i] / totals[i] > o.target_ratio) any_above = true;
  }
  if (!any_above) return adjusted ? ratio : keep;
  double zeros_below = 0, total_below = 0, zeros_above = 0;
  for (std::size_t i = 0; i < totals.size(); ++i) {
    const double z = i == j ? zero_count : zeros_now[i];
    const double r = i == j ? ratio : zeros_now[i] / totals[i];
    if (r < o.min_ratio) {
      zeros_below += z;
      total_below += totals[i];
    } else {
      zeros_above += z;
    }
  }
  const double gap = std::trunc(total_below * o.min_ratio) - zeros_below;
  const double remaining = std::trunc(net_total * o.target_ratio) - zeros_above - zeros_below;
  if (remaining >= gap) return adjusted ? ratio : keep;
  return (zero_count - (gap - remaining)) / total;
}

// One scope's selection; false when its count is 0 (its masks stay).
bool select_scope_(const std::vector<Units>& units, const std::vector<double>& previous_zeros, const StepOptions& o,
                   std::vector<Cut>& cuts) {
  const std::size_t layers = units.size();
  std::vector<double> totals(layers);
  double total_units = 0;
  for (std::size_t j = 0; j < layers; ++j) total_units += totals[j] = static_cast<double>(units[j].length);
  double residual = unit_count_(o.exact, o.ratio, total_units);
  if (residual <= 0) return false;
  std::vector<double> zeros_now = previous_zeros;
  cuts.assign(layers, Cut{});
  std::vector<bool> frozen(layers, false);
  std::vector<std::size_t> active, next;
  std::vector<double> below, ties;
  SelectScratch scratch;
  for (;;) {
    next.clear();
    for (std::size_t j = 0; j < layers; ++j)
      if (!frozen[j]) next.push_back(j);
    if (next.empty() || next == active) break;
    active = next;
    std::vector<Units> sets;
    double available = 0;
    for (std::size_t j : active) {
      sets.push_back(units[j]);
      available += o.exact ? non_nan_(units[j]) : static_cast<double>(units[j].length);
    }
    const double kk = std::min(residual, available);
    std::vector<Cut> proposals(active.size());
    if (kk >= 1) {
      const std::uint32_t key = kth_over_(sets, kk, below, ties, scratch);
      if (o.exact) {
        double quota = kk;
        for (double b : below) quota -= b;
        for (std::size_t i = 0; i < active.size(); ++i) {
          const double take = key == kNanKey ? 0 : std::min(ties[i], quota);
          quota -= take;
          const double pruned = below[i] + take;
          if (pruned != 0) proposals[i] = {true, key, static_cast<std::size_t>(take), pruned};
        }
      } else if (key != kNanKey) {
        for (std::size_t i = 0; i < active.size(); ++i) proposals[i] = {true, key, kAllTies, below[i] + ties[i]};
      }
    }
    for (std::size_t i = 0; i < active.size(); ++i) {
      const std::size_t j = active[i];
      const double adjusted = adjust_ratio_(j, proposals[i].pruned, zeros_now, totals, o);
      if (std::isnan(adjusted)) {
        cuts[j] = proposals[i];
      } else {
        frozen[j] = true;
        cuts[j] = own_cut_(units[j], unit_count_(o.exact, adjusted, totals[j]), o.exact, scratch);
        residual -= cuts[j].pruned;
      }
      zeros_now[j] = cuts[j].pruned;
    }
  }
  return true;
}

std::size_t unit_count_of_(const StepLayer& l) { return (l.rows / l.bn) * (l.cols / l.bm); }

// `src` (weight layout) in view order, into `out`; checks every map entry.
template <typename T>
const T* to_view_(const StepLayer& l, const T* src, std::vector<T>& out) {
  if (l.view_map == nullptr) return src;
  out.resize(l.size);
  for (std::size_t v = 0; v < l.size; ++v) {
    const std::uint32_t i = l.view_map[v];
    if (i >= l.size) throw std::invalid_argument("a view map entry is out of range");
    out[v] = src[i];
  }
  return out.data();
}

// Zero units of a view-order keep mask: blocks all pruned (NxM), groups with at least n zeros (N:M).
double zero_units_of_(const StepLayer& l, const std::uint8_t* keep, const StepOptions& o) {
  double zeros = 0;
  if (o.pattern == StepPattern::kNM) {
    for (std::size_t g = 0; g < l.size / o.m; ++g) {
      unsigned z = 0;
      for (std::size_t j = g * o.m; j < (g + 1) * o.m; ++j) z += keep[j] ? 0 : 1;
      if (z >= o.n) zeros += 1;
    }
    return zeros;
  }
  for (std::size_t br = 0; br < l.rows; br += l.bn)
    for (std::size_t bc = 0; bc < l.cols; bc += l.bm) {
      std::uint8_t any = 0;
      for (std::size_t r = br; r < br + l.bn && !any; ++r)
        for (std::size_t c = bc; c < bc + l.bm; ++c) any |= keep[r * l.cols + c];
      if (!any) zeros += 1;
    }
  return zeros;
}

double count_zeros_(const std::uint8_t* keep, std::size_t n) {
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < n; ++i) zeros += keep[i] ^ 1u;
  return static_cast<double>(zeros);
}

// Unit scores of one layer (and N:M candidates) and, unless every N:M group is chosen (`all_groups`), the
// histogram of their first radix digit into `top` (zeroed); returns the candidates' zeros (N:M).
double prepare_units_(StepLayer& l, const StepOptions& o, bool all_groups, std::vector<float>& scratch,
                      std::uint32_t* top) {
  const std::size_t n_units = unit_count_of_(l);
  if (o.pattern == StepPattern::kBlock) {
    if (l.scores == nullptr) {  // the caller keeps the unit scores (snip_momentum's block momentum)
      run_select_histogram(l.units, n_units, 0, 0, kDigits[0], top);
      return 0;
    }
    const float* units = l.scores;
    if (l.bn * l.bm == 1) {
      if (l.view_map != nullptr) {
        std::vector<float> view;
        const float* s = to_view_(l, l.scores, view);
        std::memcpy(l.units, s, l.size * sizeof(float));
        units = l.units;
      }
      run_select_histogram(units, n_units, 0, 0, kDigits[0], top);
      return 0;
    }
    const float* s = to_view_(l, l.scores, scratch);
    run_mask_reduce_blocks_histogram(s, l.rows, l.cols, l.bn, l.bm, o.reduce, l.units, kDigits[0], top);
    return 0;
  }
  const float* s = to_view_(l, l.scores, scratch);
  const double candidate_zeros = static_cast<double>(run_mask_nm(s, l.size, o.n, o.m, !o.exact, l.candidates));
  if (!all_groups) {
    run_mask_group_scores(s, l.candidates, l.size, o.m, o.reduce, l.units);
    run_select_histogram(l.units, n_units, 0, 0, kDigits[0], top);
  }
  return candidate_zeros;
}

// Writes a layer's view-order keep mask for its cut into `view_keep`; returns the weights pruned.
double emit_(const StepLayer& l, const Cut& cut, const StepOptions& o, double candidate_zeros,
             std::vector<std::uint8_t>& unit_keep, std::uint8_t* view_keep) {
  const std::size_t n_units = unit_count_of_(l);
  const float* units = l.units ? l.units : l.scores;
  if (o.pattern == StepPattern::kBlock) {
    const bool element_units = l.bn * l.bm == 1;
    std::uint8_t* uk = view_keep;
    if (!element_units) {
      unit_keep.resize(n_units);
      uk = unit_keep.data();
    }
    if (!cut.prunes)
      std::memset(uk, 1, n_units);
    else
      run_select_emit(units, n_units, cut.key, cut.quota, uk);
    if (!element_units) run_mask_expand_blocks(uk, l.rows, l.cols, l.bn, l.bm, view_keep);
    return cut.pruned * static_cast<double>(l.bn * l.bm);
  }
  if (!cut.prunes) {
    std::memset(view_keep, 1, l.size);
    return 0;
  }
  if (cut.pruned == static_cast<double>(n_units)) {  // every group chosen: the candidates are the mask
    std::memcpy(view_keep, l.candidates, l.size);
    return candidate_zeros;
  }
  // A chosen group keeps what its candidates keep; the others stay dense.
  unit_keep.resize(n_units);
  run_select_emit(units, n_units, cut.key, cut.quota, unit_keep.data());
  run_mask_expand_blocks(unit_keep.data(), l.rows, l.cols, 1, l.bm, view_keep);
  for (std::size_t i = 0; i < l.size; ++i) view_keep[i] |= l.candidates[i];
  return count_zeros_(view_keep, l.size);
}

// A block layer in view order: its unit mask expanded straight into keep, compared and the weight's row
// zeroed on the way (one pass over the mask and the weight instead of expand, compare, copy and apply).
// Returns the weights pruned.
double emit_blocks_in_place_(const StepLayer& l, const Cut& cut, std::vector<std::uint8_t>& unit_keep, bool& changed) {
  const std::size_t block_cols = l.cols / l.bm, n_units = (l.rows / l.bn) * block_cols;
  const apply_mask_f32_t apply = mask_kernels().apply_mask_f32;
  unit_keep.resize(n_units);
  if (!cut.prunes)
    std::memset(unit_keep.data(), 1, n_units);
  else
    run_select_emit(l.units, n_units, cut.key, cut.quota, unit_keep.data());
  std::atomic<bool> diff{false};
  run_split(l.rows / l.bn, l.bn * l.cols, [&](std::size_t first, std::size_t last) {
    bool piece_diff = false;
    for (std::size_t r = first * l.bn; r < last * l.bn; ++r) {
      const std::uint8_t* __restrict u = unit_keep.data() + (r / l.bn) * block_cols;
      std::uint8_t* __restrict k = l.keep + r * l.cols;
      if (l.bm == 1) {  // a row of the mask is a row of units: libc's vector compare and copy
        if (std::memcmp(k, u, l.cols) != 0) {
          piece_diff = true;
          std::memcpy(k, u, l.cols);
        }
      } else {
        std::uint8_t row_diff = 0;
        for (std::size_t b = 0; b < block_cols; ++b)
          for (std::size_t c = b * l.bm; c < (b + 1) * l.bm; ++c) {
            row_diff |= k[c] ^ u[b];
            k[c] = u[b];
          }
        piece_diff = piece_diff || row_diff != 0;
      }
      if (l.weight != nullptr) apply(l.weight + r * l.cols, nullptr, k, l.cols);
    }
    if (piece_diff) diff = true;
  });
  changed = diff;
  return cut.pruned * static_cast<double>(l.bn * l.bm);
}

// Mask bytes per tile of emit_groups_in_place_: merged, then the weight's tile zeroed while the mask is in cache.
constexpr std::size_t kGroupTile = std::size_t{1} << 14;

// One tile of emit_groups_in_place_ (`m` divides 8): eight mask bytes at a time, the dense bytes of the 8/m
// groups they cover OR-ed into the candidates' (bytes are 0 or 1, so a multiply sums them). Returns the
// bytes kept; `diff` collects the bits that changed.
std::size_t merge_groups_by_words_(const std::uint8_t* candidates, const std::uint8_t* unit_keep, unsigned m,
                                   std::size_t begin, std::size_t end, std::uint8_t* keep, std::uint64_t& diff) {
  const unsigned per_word = 8 / m;
  const std::uint64_t ones = (m == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * m)) - 1) & 0x0101010101010101u;
  std::size_t kept = 0;
  for (std::size_t i = begin; i < end; i += 8) {
    const std::uint8_t* u = unit_keep + i / m;
    std::uint64_t dense = 0;
    for (unsigned g = 0; g < per_word; ++g) dense |= (ones * u[g]) << (8 * m * g);  // u[g] is 0 or 1: no branch
    std::uint64_t word, old;
    std::memcpy(&word, candidates + i, 8);
    std::memcpy(&old, keep + i, 8);
    word |= dense;
    diff |= word ^ old;
    std::memcpy(keep + i, &word, 8);
    kept += static_cast<std::size_t>((word * 0x0101010101010101u) >> 56);
  }
  return kept;
}

// An N:M layer in view order: a chosen group (unit_keep 0; every group when unit_keep is null) keeps what its
// candidates keep, the others stay dense; written straight into keep and compared tile by tile, each tile's
// weights zeroed right after it (one pass instead of expand, merge, count, compare, copy and apply, each a
// pass over the layer). Returns the weights pruned.
double emit_groups_in_place_(const StepLayer& l, unsigned m, const std::uint8_t* unit_keep, double candidate_zeros,
                             bool& changed) {
  const apply_mask_f32_t apply = mask_kernels().apply_mask_f32;
  const std::size_t size = l.size;
  const bool by_words = 8 % m == 0;
  const std::size_t tile = kGroupTile / (8 * m) * (8 * m);  // whole groups, whole words
  std::atomic<std::size_t> kept_total{0};
  std::atomic<bool> any_diff{false};
  // Pieces of whole tiles.
  run_split((size + tile - 1) / tile, tile, [&](std::size_t first, std::size_t last) {
    std::size_t kept = 0;
    std::uint64_t diff = 0;
    for (std::size_t begin = first * tile; begin < std::min(size, last * tile); begin += tile) {
      const std::size_t end = std::min(size, begin + tile);
      std::size_t i = begin;
      if (unit_keep == nullptr) {  // the candidates are the mask: libc's vector compare and copy
        if (std::memcmp(l.keep + begin, l.candidates + begin, end - begin) != 0) {
          diff = 1;
          std::memcpy(l.keep + begin, l.candidates + begin, end - begin);
        }
        i = end;
      } else if (by_words) {
        i = begin + (end - begin) / 8 * 8;
        kept += merge_groups_by_words_(l.candidates, unit_keep, m, begin, i, l.keep, diff);
      }
      for (; i < end; ++i) {
        const std::uint8_t byte = l.candidates[i] | unit_keep[i / m];
        diff |= byte ^ l.keep[i];
        l.keep[i] = byte;
        kept += byte;
      }
      if (l.weight != nullptr) apply(l.weight + begin, nullptr, l.keep + begin, end - begin);
    }
    kept_total += kept;
    if (diff != 0) any_diff = true;
  });
  changed = any_diff;
  return unit_keep == nullptr ? candidate_zeros : static_cast<double>(size - kept_total);
}

// keep (weight layout) = view_keep (view order); returns whether anything changed.
bool store_(const StepLayer& l, const std::uint8_t* view_keep) {
  if (l.view_map == nullptr) {
    const bool changed = std::memcmp(l.keep, view_keep, l.size) != 0;
    if (changed) std::memcpy(l.keep, view_keep, l.size);
    return changed;
  }
  std::uint8_t diff = 0;
  for (std::size_t v = 0; v < l.size; ++v) {
    std::uint8_t& k = l.keep[l.view_map[v]];
    diff |= k ^ view_keep[v];
    k = view_keep[v];
  }
  return diff != 0;
}

// The shortest decimal d.ddd x 10^exponent that reads back as `x` (> 0): what std::to_chars(x, scientific)
// gives, written with snprintf and strtod because std::to_chars(double) needs GLIBCXX_3.4.29, beyond what
// the prebuilt binary may ask of libstdc++ (scripts/prebuild.sh). The correctly rounded decimal of each
// length is the closest one, so the first length whose rounding reads back is the shortest (17 always does).
struct ShortestDecimal {
  std::uint64_t digits = 0;
  int n_digits = 0;
  int exponent = 0;
};

ShortestDecimal shortest_decimal_(double x) {
  ShortestDecimal d;
  for (int precision = 0; precision <= 16; ++precision) {
    char text[48];
    std::snprintf(text, sizeof text, "%.*e", precision, x);
    d = {};
    const char* p = text;
    for (; *p != '\0' && *p != 'e'; ++p)
      if (*p >= '0' && *p <= '9') {
        d.digits = d.digits * 10 + static_cast<unsigned>(*p - '0');
        ++d.n_digits;
      }
    d.exponent = std::atoi(p + 1);
    // Read back as "DIGITSe<exp>", with no decimal point, so the locale's decimal separator does not matter.
    char plain[48];
    std::snprintf(plain, sizeof plain, "%llue%d", static_cast<unsigned long long>(d.digits),
                  d.exponent - (d.n_digits - 1));
    if (std::strtod(plain, nullptr) == x) break;
  }
  return d;
}

}  // namespace

std::size_t target_count(double ratio, std::size_t count) {
  if (ratio == 0 || count == 0) return 0;
  if (ratio >= 1) return count;
  const double product = ratio * static_cast<double>(count);
  const std::size_t from_float = static_cast<std::size_t>(std::floor(product));
  // The shortest round-trip decimal of ratio: digits D and exponent, value D / 10^scale.
  const ShortestDecimal shortest = shortest_decimal_(ratio);
  const unsigned __int128 digits = shortest.digits;
  const int scale = shortest.n_digits - 1 - shortest.exponent;  // ratio < 1: scale >= 1
  std::size_t from_decimal = 0;
  if (scale <= 38) {
    unsigned __int128 den = 1;
    for (int i = 0; i < scale; ++i) den *= 10;
    from_decimal = static_cast<std::size_t>((digits * count) / den);
  }
  return std::min(count, std::max(from_float, from_decimal));
}

bool run_prune_step(StepLayer* layers, std::size_t count, const StepOptions& o) {
  // N:M at its full ratio (scaled: 1) with no cap or target below it: every group is chosen (a candidate is
  // never NaN), so the group scores are not needed.
  const bool all_groups = o.pattern == StepPattern::kNM && o.ratio >= 1 && o.max_ratio >= 1 && o.target_ratio >= 1;
  std::vector<float> scores_scratch;
  std::vector<std::uint8_t> keep_scratch, unit_keep;
  std::vector<double> candidate_zeros(count, 0), previous(count, 0);
  std::vector<Units> units(count);
  std::vector<std::uint32_t> tops(count << kDigits[0], 0);
  for (std::size_t j = 0; j < count; ++j) {
    StepLayer& l = layers[j];
    std::uint32_t* top = &tops[j << kDigits[0]];
    candidate_zeros[j] = prepare_units_(l, o, all_groups, scores_scratch, top);
    units[j] = {l.units ? l.units : l.scores, unit_count_of_(l), top};
    previous[j] = l.previous_zeros >= 0 ? l.previous_zeros : zero_units_of_(l, to_view_(l, l.keep, keep_scratch), o);
  }
  // The cut of each layer; `chosen[j]` false: its scope's count was 0 (the mask stays).
  std::vector<Cut> cuts(count);
  std::vector<bool> chosen(count, false);
  if (all_groups) {
    for (std::size_t j = 0; j < count; ++j) {
      cuts[j] = {true, kNanKey, 0, static_cast<double>(units[j].length)};
      chosen[j] = true;
    }
  } else {
    std::vector<Cut> scope_cuts;
    for (std::size_t first = 0; first < count;) {
      const std::size_t last = o.global ? count : first + 1;
      const std::vector<Units> scope(units.begin() + first, units.begin() + last);
      const std::vector<double> zeros(previous.begin() + first, previous.begin() + last);
      if (select_scope_(scope, zeros, o, scope_cuts))
        for (std::size_t j = first; j < last; ++j) {
          cuts[j] = scope_cuts[j - first];
          chosen[j] = true;
        }
      first = last;
    }
  }
  bool unchanged = true;
  for (std::size_t j = 0; j < count; ++j) {
    StepLayer& l = layers[j];
    if (!chosen[j]) {
      l.pruned = count_zeros_(l.keep, l.size);
      l.zero_units = previous[j];
      l.changed = false;
    } else {
      unchanged = false;
      l.zero_units = cuts[j].pruned;
      if (o.pattern == StepPattern::kBlock && l.view_map == nullptr && l.bn * l.bm != 1) {
        l.pruned = emit_blocks_in_place_(l, cuts[j], unit_keep, l.changed);
        continue;  // the weight is zeroed
      }
      if (o.pattern == StepPattern::kNM && l.view_map == nullptr) {
        // Chosen groups: those the cut prunes (every group when all are, none when the cut prunes nothing).
        const std::size_t n_units = unit_count_of_(l);
        const Cut& cut = cuts[j];
        const bool every_group = cut.prunes && cut.pruned == static_cast<double>(n_units);
        unit_keep.resize(n_units);
        if (!cut.prunes)
          std::memset(unit_keep.data(), 1, n_units);
        else if (!every_group)
          run_select_emit(l.units, n_units, cut.key, cut.quota, unit_keep.data());
        l.pruned =
            emit_groups_in_place_(l, o.m, every_group ? nullptr : unit_keep.data(), candidate_zeros[j], l.changed);
        continue;  // the weight is zeroed
      }
      keep_scratch.resize(l.size);
      l.pruned = emit_(l, cuts[j], o, candidate_zeros[j], unit_keep, keep_scratch.data());
      l.changed = store_(l, keep_scratch.data());
    }
    if (l.weight != nullptr) run_mask_apply(l.weight, nullptr, l.keep, l.size);
  }
  return unchanged;
}

}  // namespace prunekit
