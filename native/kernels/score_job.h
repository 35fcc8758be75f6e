// One scoring call of one module, with the non-finite guard of SPEC 1: when guarded, the inputs are scanned
// for non-finite terms first and the scores are written only if there are none, so a skipped or refused
// step leaves them exactly as they were.
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

// Runs the job with the active kernels. Returns the number of non-finite terms when `guard` is set (and
// then writes nothing if it is not 0); returns 0 without counting when `guard` is not set.
std::size_t run_score_job(const ScoreJob& job, bool guard);

}  // namespace prunekit
