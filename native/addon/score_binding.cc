// Bindings of the scoring work: check the arguments, take the pointers, hand them to the runtime.
#include "score_binding.h"

#include "args.h"
#include "score_async.h"

namespace prunekit::addon {
namespace {

Napi::Value run_one_(const Napi::CallbackInfo& info, ScoreOp op, const F32View& w, const F32View& g, const F32View& s,
                     float alpha, float beta, ScoreMode mode) {
  const ScoreTarget target{w.data, g.data, s.data, s.length};
  std::size_t count = 0;
  run_score_batch({op, alpha, beta, &target, 1}, mode, &count);
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

Napi::Value score_abs(const Napi::CallbackInfo& info) {
  const F32View x = float32_arg(info[0], "input");
  const F32View s = float32_arg(info[1], "scores");
  const ScoreMode mode = score_mode_arg(info[2]);
  require_same_length(info.Env(), x, "input", s, "scores");
  return run_one_(info, ScoreOp::kAbs, x, {nullptr, 0}, s, 0.f, 0.f, mode);
}

Napi::Value score_abs_mul(const Napi::CallbackInfo& info) {
  const F32View w = float32_arg(info[0], "weight");
  const F32View g = float32_arg(info[1], "grad");
  const F32View s = float32_arg(info[2], "scores");
  const ScoreMode mode = score_mode_arg(info[3]);
  require_same_length(info.Env(), w, "weight", g, "grad");
  require_same_length(info.Env(), w, "weight", s, "scores");
  return run_one_(info, ScoreOp::kAbsMul, w, g, s, 0.f, 0.f, mode);
}

Napi::Value score_momentum(const Napi::CallbackInfo& info) {
  const F32View w = float32_arg(info[0], "weight");
  const F32View g = float32_arg(info[1], "grad");
  const F32View s = float32_arg(info[2], "scores");
  const float alpha = static_cast<float>(finite_number_arg(info[3], "alpha"));
  const float beta = static_cast<float>(finite_number_arg(info[4], "beta"));
  const ScoreMode mode = score_mode_arg(info[5]);
  require_same_length(info.Env(), w, "weight", g, "grad");
  require_same_length(info.Env(), w, "weight", s, "scores");
  return run_one_(info, ScoreOp::kMomentum, w, g, s, alpha, beta, mode);
}

Napi::Value score_batch(const Napi::CallbackInfo& info) {
  // Reused across calls: a hook call on the JS thread allocates nothing here.
  static thread_local BatchArgs args;
  static thread_local std::vector<std::size_t> counts;
  read_batch_args(info, 0, false, args);
  double* out = float64_arg(info[7], "counts", args.targets.size());
  counts.resize(args.targets.size());
  const bool written = run_score_batch({args.op, args.alpha, args.beta, args.targets.data(), args.targets.size()},
                                       args.mode, counts.data());
  for (std::size_t i = 0; i < counts.size(); ++i) out[i] = static_cast<double>(counts[i]);
  return Napi::Boolean::New(info.Env(), written);
}

Napi::Value score_batch_async(const Napi::CallbackInfo& info) {
  BatchArgs args;
  read_batch_args(info, 0, true, args);
  float64_arg(info[7], "counts", args.targets.size());
  return queue_score_batch(info.Env(), std::move(args), info[7].As<Napi::Float64Array>());
}

}  // namespace

void register_score_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("scoreAbs", Napi::Function::New(env, score_abs, "scoreAbs"));
  exports.Set("scoreAbsMul", Napi::Function::New(env, score_abs_mul, "scoreAbsMul"));
  exports.Set("scoreMomentum", Napi::Function::New(env, score_momentum, "scoreMomentum"));
  exports.Set("scoreBatch", Napi::Function::New(env, score_batch, "scoreBatch"));
  exports.Set("scoreBatchAsync", Napi::Function::New(env, score_batch_async, "scoreBatchAsync"));
}

}  // namespace prunekit::addon
