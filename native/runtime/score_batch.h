// Scoring a batch of modules (one hook call of one criterion) with the non-finite policy of SPEC 1, split
// across the thread pool when the work is large enough to gain from it.
//
// The guard ("skip", "error") must leave a module's scores as they were when one of its terms is not finite,
// and the first non-finite term may come after scores were overwritten. Three ways keep that promise
// (docs/performance.md measures them against the alternatives):
// - one pass and a move ("skip", scores in a page mapping of their own: the criteria's arrays from 3M
//   floats, score_pages.h): the new scores are written to a staging mapping while the terms are counted,
//   and its pages moved in place of the old ones only if every term was finite. The traffic of
//   "propagate" plus three mremap calls;
// - two passes (magnitude and gradient on other arrays, and "error"): a module is counted front to back,
//   then scored back to front in chunks, so the scoring pass starts with the data the count left in L2 and
//   the last-level cache; a module that fits in a chunk is counted and scored back to back;
// - one pass with a copy (snip and snip_momentum in "skip" on other arrays larger than a chunk): the old
//   scores are copied to a buffer of the runtime as the new ones are written, and copied back if a term was
//   not finite. Its traffic (read s, write the copy) costs less than reading w and g twice.
#pragma once
#include <cstddef>

#include "../kernels/score.h"
#include "split_policy.h"

namespace prunekit {

enum class ScoreOp {
  kAbs,       // s = |w|              (w is the weight for magnitude, the grad for gradient)
  kAbsMul,    // s = |w * g|
  kMomentum,  // s = s * alpha + beta * |w * g|
};

enum class ScoreMode {
  kCompute,       // compute everything, do not look ("propagate"); counts come back as 0
  kGuarded,       // per module: count non-finite terms, score the module only if there are none ("skip")
  kAllOrNothing,  // count every module; score them all only if no module has any ("error")
};

struct ScoreTarget {
  const float* w;  // kAbs: the input; otherwise the weight
  const float* g;  // kAbsMul, kMomentum: the grad
  float* s;        // the scores, written in place
  std::size_t n;
};

struct ScoreBatch {
  ScoreOp op;
  float alpha, beta;  // kMomentum only
  const ScoreTarget* targets;
  std::size_t count;
};

// Runs the batch with the active kernels. counts[i] receives module i's number of non-finite terms
// (0 in kCompute mode). Returns true if scores were written (always, except kAllOrNothing with a count).
bool run_score_batch(const ScoreBatch& batch, ScoreMode mode, std::size_t* counts);

// How a batch of `total` elements stores its scores: momentum reads its scores just before it writes them,
// so its lines are in cache already and a plain store costs no read-for-ownership (streaming them was
// 1.2-1.3x slower); the other operations never read their scores, and from split_policy().min_streaming
// elements on they stream them past the caches.
Store score_store(ScoreOp op, std::size_t total);

}  // namespace prunekit
