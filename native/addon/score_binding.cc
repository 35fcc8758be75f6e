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

// counts: a Float64Array of one slot per module, filled with the non-finite term counts.
Napi::Float64Array counts_arg_(const Napi::Value& value, std::size_t modules) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(value.Env(), "counts must be a Float64Array");
  Napi::Float64Array counts = value.As<Napi::Float64Array>();
  if (counts.ArrayBuffer().IsDetached() || counts.ElementLength() != modules)
    throw Napi::RangeError::New(value.Env(), "counts must have one element per module");
  return counts;
}

Napi::Value score_batch(const Napi::CallbackInfo& info) {
  BatchArgs args = batch_args(info, 0);
  Napi::Float64Array counts = counts_arg_(info[7], args.targets.size());
  std::vector<std::size_t> raw(args.targets.size());
  const bool written = run_score_batch({args.op, args.alpha, args.beta, args.targets.data(), args.targets.size()},
                                       args.mode, raw.data());
  for (std::size_t i = 0; i < raw.size(); ++i) counts[i] = static_cast<double>(raw[i]);
  return Napi::Boolean::New(info.Env(), written);
}

Napi::Value score_batch_async(const Napi::CallbackInfo& info) {
  BatchArgs args = batch_args(info, 0);
  Napi::Float64Array counts = counts_arg_(info[7], args.targets.size());
  return queue_score_batch(info.Env(), std::move(args), counts);
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
