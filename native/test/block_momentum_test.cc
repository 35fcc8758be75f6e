// snip_momentum's block momentum (runtime/block_momentum.h) on every instruction set against a naive scalar
// model written here from INC's formula: units = units * alpha + beta * reduce(|w * g|) per bn x bm block of
// the view (reduce over the bm columns of each block row, then over the bn results), every operation rounded
// to float32. Layers wider than a tile, a permuted view, special values, and the three non-finite modes.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "../kernels/dispatch.h"
#include "../runtime/block_momentum.h"
#include "test_util.h"

namespace prunekit::test {
namespace {

struct Case {
  std::size_t rows, cols, bn, bm;
  bool permuted;
};

float reduce_(const std::vector<float>& xs, BlockReduce op) {
  if (op == BlockReduce::kMax) {
    float m = xs[0];
    for (float x : xs)
      if (!std::isnan(m) && (std::isnan(x) || x > m)) m = x;
    return m;
  }
  float sum = 0.f;
  for (float x : xs) sum = sum + x;
  return op == BlockReduce::kSum ? sum : sum / static_cast<float>(xs.size());
}

// The model: one step over `units`.
void model_step_(const Case& c, const std::vector<float>& w, const std::vector<float>& g,
                 const std::vector<std::uint32_t>& map, BlockReduce op, float alpha, float beta,
                 std::vector<float>& units) {
  const std::size_t block_cols = c.cols / c.bm;
  for (std::size_t br = 0; br < c.rows / c.bn; ++br)
    for (std::size_t bc = 0; bc < block_cols; ++bc) {
      std::vector<float> inner;
      for (std::size_t r = 0; r < c.bn; ++r) {
        std::vector<float> row;
        for (std::size_t k = 0; k < c.bm; ++k) {
          const std::size_t v = (br * c.bn + r) * c.cols + bc * c.bm + k;
          const std::size_t i = c.permuted ? map[v] : v;
          const float product = w[i] * g[i];
          row.push_back(std::fabs(product));
        }
        inner.push_back(reduce_(row, op));
      }
      float& s = units[br * block_cols + bc];
      const float decayed = s * alpha;
      const float added = beta * reduce_(inner, op);
      s = decayed + added;
    }
}

std::vector<float> random_(std::mt19937& rng, std::size_t n, bool specials) {
  std::uniform_real_distribution<float> u(-2.f, 2.f);
  std::vector<float> x(n);
  for (float& v : x) v = u(rng);
  if (specials)
    for (std::size_t k = 0; k < n / 97 + 1; ++k) x[rng() % n] = special_floats_()[rng() % special_floats_().size()];
  return x;
}

// A permutation of the view (a reversed order, so a wrong index shows).
std::vector<std::uint32_t> view_map_(std::size_t n) {
  std::vector<std::uint32_t> map(n);
  for (std::size_t v = 0; v < n; ++v) map[v] = static_cast<std::uint32_t>(n - 1 - v);
  return map;
}

int compare_isa_(Isa isa, const std::vector<Case>& cases, std::mt19937& rng) {
  isa_select(isa);
  int failed = 0;
  const BlockReduce ops[] = {BlockReduce::kMean, BlockReduce::kSum, BlockReduce::kMax};
  for (const Case& c : cases)
    for (BlockReduce op : ops)
      for (ScoreMode mode : {ScoreMode::kCompute, ScoreMode::kGuarded, ScoreMode::kAllOrNothing}) {
        const std::size_t n = c.rows * c.cols, n_units = (c.rows / c.bn) * (c.cols / c.bm);
        const std::vector<std::uint32_t> map = view_map_(n);
        std::vector<float> got(n_units, 0.f), want(n_units, 0.f);
        for (int step = 0; step < 3; ++step) {
          // Non-finite terms only in kCompute, and at step 1 in the guarded modes (they must leave the units).
          const bool specials = mode == ScoreMode::kCompute || step == 1;
          const std::vector<float> w = random_(rng, n, specials), g = random_(rng, n, false);
          std::size_t bad = 0;
          for (std::size_t i = 0; i < n; ++i) bad += std::isfinite(w[i] * g[i]) ? 0 : 1;
          const MomentumLayer layer{w.data(), g.data(),  c.permuted ? map.data() : nullptr, c.rows, c.cols, c.bn,
                                    c.bm,     got.data()};
          const MomentumOptions options{op, 0.9f, 1.25f, mode};
          std::size_t count = 99;
          const bool written = run_block_momentum(&layer, 1, options, &count);
          const bool skip = mode != ScoreMode::kCompute && bad != 0;
          if (!skip) model_step_(c, w, g, map, op, 0.9f, 1.25f, want);
          const std::size_t want_count = mode == ScoreMode::kCompute ? 0 : bad;
          bool same = count == want_count && written == !(mode == ScoreMode::kAllOrNothing && bad != 0);
          for (std::size_t u = 0; u < n_units && same; ++u) same = same_(got[u], want[u]);
          if (!same) {
            ++failed;
            std::printf("    %s: %zux%zu in %zux%zu%s op %d mode %d step %d differs (count %zu, want %zu)\n",
                        isa_name(isa), c.rows, c.cols, c.bn, c.bm, c.permuted ? " permuted" : "", static_cast<int>(op),
                        static_cast<int>(mode), step, count, want_count);
            got = want;
          }
        }
      }
  failed ? g_failed += failed : ++g_passed;
  std::printf("  %-8s %-26s %s over %zu shapes x 3 reduces x 3 modes x 3 steps\n", isa_name(isa), "run_block_momentum",
              failed ? "DIFFERS" : "bit-identical to the model", cases.size());
  return failed;
}

}  // namespace
}  // namespace prunekit::test

int main() {
  using namespace prunekit;
  using namespace prunekit::test;
  std::mt19937 rng(20261204);
  // Tiles hold kTileFloats floats of whole blocks: the wide shapes cross two or more of them.
  const std::vector<Case> cases = {
      {4, 2, 4, 1, false},     {8, 12, 2, 2, false},    {8, 36, 4, 1, true},    {3, 10, 3, 1, false},
      {8, 10000, 4, 1, false}, {2, 40000, 1, 4, false}, {4, 20000, 2, 2, true}, {1, 33000, 1, 1, false},
  };
  const Isa all[] = {kIsaSerial, kIsaAvx2, kIsaAvx512, kIsaNeon};
  for (Isa isa : all)
    if (isa_supported() & isa) compare_isa_(isa, cases, rng);
  return finish_();
}
