#include "score_job.h"

#include "dispatch.h"

namespace prunekit {

std::size_t run_score_job(const ScoreJob& job, ScoreMode mode) {
  const ScoreKernels& k = score_kernels();
  if (mode != ScoreMode::kCompute) {
    const std::size_t nonfinite =
        job.op == ScoreOp::kAbs ? k.count_nonfinite_f32(job.w, job.n) : k.count_nonfinite_mul_f32(job.w, job.g, job.n);
    if (nonfinite != 0 || mode == ScoreMode::kCountOnly) return nonfinite;
  }
  switch (job.op) {
    case ScoreOp::kAbs: k.abs_f32(job.w, job.s, job.n); break;
    case ScoreOp::kAbsMul: k.abs_mul_f32(job.w, job.g, job.s, job.n); break;
    case ScoreOp::kMomentum: k.momentum_f32(job.w, job.g, job.s, job.n, job.alpha, job.beta); break;
  }
  return 0;
}

}  // namespace prunekit
