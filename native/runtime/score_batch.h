// Scoring a batch of modules (one hook call of one criterion) with the non-finite policy of SPEC 1, split
// across the thread pool when the work is large enough to gain from it.
//
// The guard needs two passes: a step is skipped (or refused) only if no score was written, and a single
// pass cannot promise that, since the first non-finite term may come after scores were overwritten and
// old scores cannot be recomputed. Modules small enough for the cache are counted and scored back to
// back, so their second pass reads from cache.
#pragma once
#include <cstddef>

namespace prunekit {

enum class ScoreOp {
  kAbs,       // s = |w|              (w is the weight for magnitude, the grad for gradient)
  kAbsMul,    // s = |w * g|
  kMomentum,  // s = s * alpha + beta * |w * g|
};

enum class ScoreMode {
  kCompute,      // compute everything, do not look ("propagate"); counts come back as 0
  kGuarded,      // per module: count non-finite terms, score the module only if there are none ("skip")
  kAllOrNothing, // count every module; score them all only if no module has any ("error")
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

// Tuning of the split, exposed for the benchmarks: pieces of at least `chunk` elements, and no split at all
// below `min_parallel` elements in the whole batch.
struct SplitPolicy {
  std::size_t chunk = std::size_t{1} << 16;
  std::size_t min_parallel = std::size_t{1} << 20;
  // From this many elements in the whole batch (16 MB of scores, and as much again of each input) the
  // scores are written with non-temporal stores: they would not stay in the caches anyway.
  std::size_t min_streaming = std::size_t{1} << 22;
};
SplitPolicy& split_policy();

}  // namespace prunekit
