// N:M group scores (SPEC 2, "Patterns, masks"; INC 2.x patterns/ninm.py): the score of a group of m
// consecutive view-order scores is the reduction over all m of the scores with the weights the group keeps
// zeroed (INC's `score * ~least_N_mask`), i.e. over the scores of the weights it would prune.
//
// Numeric policy (as lib/pruning/pattern-masks.ts did it, bit for bit): a float32 sum left to right from +0
// over the m entries, a kept entry adding +0 (which leaves the sum as it is); `mean` divides the sum by m
// once; `max` starts at +0 and takes an entry that is greater, or NaN. One IEEE single operation at a time,
// no fused multiply-add (-ffp-contract=off), denormals kept. Scalar on purpose: it runs once per group of m
// weights (m >= 2) while the N:M mask kernel before it ranks every group, and it is not on the 4x1 path.
#pragma once
#include <cstddef>
#include <cstdint>

#include "mask.h"

namespace prunekit {

// out[g] = reduce over j in [g*m, (g+1)*m) of (keep[j] ? +0 : s[j]), for g < n_elems / m.
void nm_group_scores_f32(const float* s, const std::uint8_t* keep, std::size_t n_elems, unsigned m, BlockReduce op,
                         float* out);

}  // namespace prunekit
