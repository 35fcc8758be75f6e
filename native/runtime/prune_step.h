// One pruning step's mask update over a pruner's layers in one call (the Pruning driver and pruneOneShot):
// reduce each layer's element scores to unit scores, select the units to prune by INC 2.x's loop
// (patterns/nxm.py and ninm.py `get_masks_global`, patterns/base.py `adjust_ratio`) in global or local scope,
// in exact or reference ("threshold") tie mode, write the keep masks and zero the pruned weights.
//
// Units: the blocks of each layer's 2-D view for NxM patterns (scored by the block reduction), or the groups
// of M consecutive view-order weights for N:M (candidates: each group's N smallest; unit score: the
// reduction of the candidates' scores over all M, kernels/mask.h group_scores_f32; the ratios come scaled by M/N).
//
// The loop (one scope: all layers in global scope, each layer alone in local scope):
//   1. k = count(units * ratio) (INC's int() in threshold mode, target_count in exact mode); k <= 0 leaves
//      the scope's masks as they are.
//   2. T = the k-th smallest unit score over the layers not frozen (radix select over order-preserving keys,
//      digits 11+11+10, histograms summed over the layers); each such layer in order proposes the units at or
//      below T (exact: the k first by (score, layer, index), NaN never) and `adjust_ratio` may cap or shrink
//      it; an adjusted layer is frozen at its own count and its count leaves k. Repeat until no layer freezes.
// lib/pruning/step-select.ts holds the same loop in TypeScript: the oracle the tests hold this one to.
//
// Memory: the caller owns every buffer a layer keeps between steps (masks, unit scores, N:M candidates);
// the step allocates scratch of one layer's size (view-order scores and masks), reused layer after layer,
// 8 KiB per layer (its first radix digit's histogram) and, when the radix bucket of the k-th unit holds at
// most 1/8 of the scope's units, a copy of that bucket's units.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../kernels/mask.h"

namespace prunekit {

struct StepLayer {
  const float* scores = nullptr;            // element scores, weight layout; null: `units` already hold the
                                            // unit scores (a block pattern; snip_momentum's block momentum)
  std::size_t size = 0;                     // elements (rows * cols)
  float* weight = nullptr;                  // zeroed where the new mask prunes; null: masks only
  std::uint8_t* keep = nullptr;             // in: the current mask; out: the new one (weight layout, 1 kept, 0 pruned)
  const std::uint32_t* view_map = nullptr;  // view[v] = weight[view_map[v]]; null: the weight is in view order
  std::size_t rows = 0, cols = 0;           // the 2-D view
  std::size_t bn = 1, bm = 1;               // the unit: bn x bm block; N:M: 1 x m
  float* units = nullptr;                   // unit scores (rows/bn * cols/bm); null only for an unpermuted 1x1 block
  std::uint8_t* candidates = nullptr;       // N:M: the candidates' keep mask, view order (size entries)
  double previous_zeros = -1;               // zero units of `keep`; negative: count them from `keep`
  // Results.
  double zero_units = 0;  // zero units after the step (blocks all pruned; N:M: groups at their N)
  double pruned = 0;      // weights the new mask prunes
  bool changed = false;   // the new mask differs from the one handed in
};

enum class StepPattern : int { kBlock = 0, kNM = 1 };

struct StepOptions {
  StepPattern pattern = StepPattern::kBlock;
  unsigned n = 0, m = 0;  // N:M
  BlockReduce reduce = BlockReduce::kMean;
  bool exact = true;
  bool global = true;
  // In units' terms (N:M: scaled by M/N): the step's ratio, the per-layer bounds, the pruner's final target.
  double ratio = 0, max_ratio = 0, min_ratio = 0, target_ratio = 0;
};

// Runs the step. Returns true when every scope's count was 0 (every mask left as it was). Throws
// std::invalid_argument for a view_map entry out of range (nothing is written before the check).
bool run_prune_step(StepLayer* layers, std::size_t count, const StepOptions& options);

// lib/pruning/target.ts targetCount: floor(ratio * count) without losing one to binary artifacts (the max of
// the float product's floor and the exact floor of the shortest round-trip decimal of ratio times count).
// ratio in [0, 1].
std::size_t target_count(double ratio, std::size_t count);

}  // namespace prunekit
