// Bindings of the scoring kernels: check the arguments, take the pointers, run one ScoreJob.
#include "score_binding.h"

#include "../kernels/score_job.h"
#include "args.h"

namespace prunekit::addon {
namespace {

Napi::Value run_(const Napi::Env& env, const ScoreJob& job, ScoreMode mode) {
  return Napi::Number::New(env, static_cast<double>(run_score_job(job, mode)));
}

Napi::Value score_abs(const Napi::CallbackInfo& info) {
  const F32View x = float32_arg(info, 0, "input");
  const F32View s = float32_arg(info, 1, "scores");
  const ScoreMode mode = score_mode_arg(info, 2);
  require_same_length(info.Env(), x, "input", s, "scores");
  return run_(info.Env(), {ScoreOp::kAbs, x.data, nullptr, s.data, s.length, 0.f, 0.f}, mode);
}

Napi::Value score_abs_mul(const Napi::CallbackInfo& info) {
  const F32View w = float32_arg(info, 0, "weight");
  const F32View g = float32_arg(info, 1, "grad");
  const F32View s = float32_arg(info, 2, "scores");
  const ScoreMode mode = score_mode_arg(info, 3);
  require_same_length(info.Env(), w, "weight", g, "grad");
  require_same_length(info.Env(), w, "weight", s, "scores");
  return run_(info.Env(), {ScoreOp::kAbsMul, w.data, g.data, s.data, s.length, 0.f, 0.f}, mode);
}

Napi::Value score_momentum(const Napi::CallbackInfo& info) {
  const F32View w = float32_arg(info, 0, "weight");
  const F32View g = float32_arg(info, 1, "grad");
  const F32View s = float32_arg(info, 2, "scores");
  const float alpha = static_cast<float>(finite_number_arg(info, 3, "alpha"));
  const float beta = static_cast<float>(finite_number_arg(info, 4, "beta"));
  const ScoreMode mode = score_mode_arg(info, 5);
  require_same_length(info.Env(), w, "weight", g, "grad");
  require_same_length(info.Env(), w, "weight", s, "scores");
  return run_(info.Env(), {ScoreOp::kMomentum, w.data, g.data, s.data, s.length, alpha, beta}, mode);
}

}  // namespace

void register_score_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("scoreAbs", Napi::Function::New(env, score_abs, "scoreAbs"));
  exports.Set("scoreAbsMul", Napi::Function::New(env, score_abs_mul, "scoreAbsMul"));
  exports.Set("scoreMomentum", Napi::Function::New(env, score_momentum, "scoreMomentum"));
}

}  // namespace prunekit::addon
