// One scoring call of one module, with the non-finite guard of SPEC 1: when guarded, the inputs are scanned
// for non-finite terms first and the scores are written only if there are none, so a skipped or refused
// step leaves them exactly as they were. (A single pass cannot do that: the first non-finite term may come
// after scores were already overwritten, and the old scores cannot be recomputed.)
#pragma once
#include <cstddef>

namespace prunekit {

enum class ScoreOp { kAbs, kAbsMul, kMomentum };

struct ScoreJob {
  ScoreOp op;
  const float* w;  // kAbs: the input (weight or grad); kAbsMul, kMomentum: the weight
  const float* g;  // kAbsMul, kMomentum: the grad; unused for kAbs
  float* s;        // scores, written in place
  std::size_t n;
  float alpha;  // kMomentum only
  float beta;   // kMomentum only
};

enum class ScoreMode {
  kCompute,    // compute without looking at non-finite terms; returns 0
  kGuarded,    // count non-finite terms; compute only if there are none; returns the count
  kCountOnly,  // count non-finite terms, write nothing; returns the count
};

// Runs the job with the active kernels.
std::size_t run_score_job(const ScoreJob& job, ScoreMode mode);

}  // namespace prunekit
