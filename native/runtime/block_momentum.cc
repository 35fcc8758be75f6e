#include "block_momentum.h"

#include <algorithm>
#include <vector>

#include "../kernels/dispatch.h"
#include "../kernels/unit_momentum.h"

namespace prunekit {
namespace {

struct Scratch {
  std::vector<float> terms, w, g, reduced, old;
};

// One layer's step; returns its number of non-finite terms (counted only when `guard`). With `guard` and a
// count, the units are put back as they were.
std::size_t fold_layer_(const MomentumLayer& l, const MomentumOptions& o, bool guard, Scratch& t) {
  const ScoreKernels& score = score_kernels();
  const MaskKernels& mask = mask_kernels();
  const std::size_t block_cols = l.cols / l.bm, n_units = (l.rows / l.bn) * block_cols;
  // Tile: bn rows by tile_cols columns, tile_cols a multiple of bm.
  const std::size_t tile_cols = std::min(l.cols, std::max<std::size_t>(1, kTileFloats / (l.bn * l.bm)) * l.bm);
  t.terms.resize(l.bn * tile_cols);
  t.reduced.resize(tile_cols / l.bm);
  if (l.view_map) {
    t.w.resize(l.bn * tile_cols);
    t.g.resize(l.bn * tile_cols);
  }
  if (guard) t.old.assign(l.units, l.units + n_units);
  std::size_t bad = 0;
  for (std::size_t r0 = 0; r0 < l.rows; r0 += l.bn)
    for (std::size_t c0 = 0; c0 < l.cols; c0 += tile_cols) {
      const std::size_t width = std::min(tile_cols, l.cols - c0);
      for (std::size_t r = 0; r < l.bn; ++r) {
        const std::size_t v = (r0 + r) * l.cols + c0;
        float* terms = t.terms.data() + r * width;
        if (l.view_map == nullptr) {
          score.abs_mul_f32(l.w + v, l.g + v, terms, width, Store::kCached);
          continue;
        }
        float* w = t.w.data() + r * width;
        float* g = t.g.data() + r * width;
        for (std::size_t c = 0; c < width; ++c) {
          const std::uint32_t i = l.view_map[v + c];
          w[c] = l.w[i];
          g[c] = l.g[i];
        }
        score.abs_mul_f32(w, g, terms, width, Store::kCached);
      }
      if (guard) bad += score.count_nonfinite_f32(t.terms.data(), l.bn * width);
      mask.reduce_blocks_f32(t.terms.data(), l.bn, width, l.bn, l.bm, o.reduce, t.reduced.data());
      unit_momentum_f32(l.units + (r0 / l.bn) * block_cols + c0 / l.bm, t.reduced.data(), width / l.bm, o.alpha,
                        o.beta);
    }
  if (bad != 0) std::copy(t.old.begin(), t.old.end(), l.units);
  return bad;
}

}  // namespace

bool run_block_momentum(const MomentumLayer* layers, std::size_t count, const MomentumOptions& o, std::size_t* counts) {
  Scratch scratch;
  if (o.mode == ScoreMode::kAllOrNothing) {
    bool any = false;
    for (std::size_t j = 0; j < count; ++j) {
      const MomentumLayer& l = layers[j];
      counts[j] = score_kernels().count_nonfinite_mul_f32(l.w, l.g, l.rows * l.cols);
      any = any || counts[j] != 0;
    }
    if (any) return false;
  }
  const bool guard = o.mode == ScoreMode::kGuarded;
  for (std::size_t j = 0; j < count; ++j) {
    const std::size_t bad = fold_layer_(layers[j], o, guard, scratch);
    if (o.mode != ScoreMode::kAllOrNothing) counts[j] = bad;
  }
  return true;
}

}  // namespace prunekit
