// snip_momentum on a block pattern, as INC 2.x keeps it (criteria.py with patterns/nxm.py `reduce_score`):
// the momentum lives on the block-reduced scores, one float per unit of the layer's 2-D view (1/block of
// the memory of a score per weight), and each step does
//   s = s * alpha + beta * reduce(|w * g|)        per block, reduce = mean, sum or max (kernels/mask.h)
// The pass reads each weight and grad once: a tile of the view (at most kTileFloats, whole blocks) is
// scored with the active |w * g| kernel, checked for non-finite terms, block-reduced with the active
// reduction kernel, and folded into the units (kernels/unit_momentum.h). Tiles only regroup work: every
// unit score is bit for bit what the reduction of the whole layer gives. One thread.
//
// Non-finite terms (SPEC 1): kGuarded keeps a copy of the layer's units (1/block of its scores) and puts it
// back when a term was not finite; kAllOrNothing counts every layer first and writes nothing if any has one;
// kCompute lets NaN and Inf reach the units (reduce's rules for NaN: kernels/mask.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../kernels/mask.h"
#include "score_batch.h"

namespace prunekit {

struct MomentumLayer {
  const float* w = nullptr;                 // weight, weight layout
  const float* g = nullptr;                 // grad, weight layout
  const std::uint32_t* view_map = nullptr;  // view[v] = w[view_map[v]]; null: the weight is in view order
  std::size_t rows = 0, cols = 0;           // the 2-D view (rows * cols weights)
  std::size_t bn = 1, bm = 1;               // the block; divides the view
  float* units = nullptr;                   // (rows/bn) * (cols/bm) momentum scores, view order, in place
};

struct MomentumOptions {
  BlockReduce reduce = BlockReduce::kMean;
  float alpha = 0.9f, beta = 1.0f;
  ScoreMode mode = ScoreMode::kGuarded;
};

// Updates every layer's units. counts[j] receives layer j's number of non-finite w * g (0 in kCompute).
// Returns whether units were written (always, except kAllOrNothing with a count). Every view_map entry
// must be below rows * cols (the binding checks).
bool run_block_momentum(const MomentumLayer* layers, std::size_t count, const MomentumOptions& options,
                        std::size_t* counts);

// The floats a tile holds at most (16 KiB: the tile is written, counted and reduced in L1). A tile is never
// less than one block, so a block larger than this makes a larger tile.
constexpr std::size_t kTileFloats = 4096;

}  // namespace prunekit
