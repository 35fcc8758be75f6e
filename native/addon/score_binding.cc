// Bindings of the scoring work: check the arguments, take the pointers, hand them to the runtime.
#include "exports.h"

#include <memory>
#include <vector>

#include "args.h"
#include "async_call.h"

namespace prunekit::addon {
namespace {

Napi::Value run_one_(const Napi::CallbackInfo& info, ScoreOp op, const F32View& w, const F32View& g, const F32View& s,
                     float alpha, float beta, ScoreMode mode) {
  const ScoreTarget target{w.data, g.data, s.data, s.length};
  std::size_t count = 0;
  run_score_batch({op, alpha, beta, &target, 1}, mode, &count);
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

// scores may be the very input (in place); any other overlap is refused.
void require_output_apart_(const Napi::Env& env, const F32View& s, const F32View& in, const char* in_name) {
  require_disjoint(env, s.data, s.length * sizeof(float), "scores", in.data, in.length * sizeof(float), in_name, true);
}

Napi::Value score_abs(const Napi::CallbackInfo& info) {
  const F32View x = float32_arg(info[0], "input");
  const F32View s = float32_arg(info[1], "scores");
  const ScoreMode mode = score_mode_arg(info[2]);
  require_same_length(info.Env(), x, "input", s, "scores");
  require_output_apart_(info.Env(), s, x, "input");
  return run_one_(info, ScoreOp::kAbs, x, {nullptr, 0}, s, 0.f, 0.f, mode);
}

Napi::Value score_abs_mul(const Napi::CallbackInfo& info) {
  const F32View w = float32_arg(info[0], "weight");
  const F32View g = float32_arg(info[1], "grad");
  const F32View s = float32_arg(info[2], "scores");
  const ScoreMode mode = score_mode_arg(info[3]);
  require_same_length(info.Env(), w, "weight", g, "grad");
  require_same_length(info.Env(), w, "weight", s, "scores");
  require_output_apart_(info.Env(), s, w, "weight");
  require_output_apart_(info.Env(), s, g, "grad");
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
  require_output_apart_(info.Env(), s, w, "weight");
  require_output_apart_(info.Env(), s, g, "grad");
  return run_one_(info, ScoreOp::kMomentum, w, g, s, alpha, beta, mode);
}

Napi::Value score_batch(const Napi::CallbackInfo& info) {
  BatchArgs args;  // this call's own: a call made by a getter while the arguments are read has another
  read_batch_args(info, args);
  const std::size_t count = args.targets.size();
  CallBuffer<std::size_t, 8> counts;
  counts.reset(count);
  const bool written =
      run_score_batch({args.op, args.alpha, args.beta, args.targets.data(), count}, args.mode, counts.data());
  for (std::size_t i = 0; i < count; ++i) args.counts[i] = static_cast<double>(counts[i]);
  return Napi::Boolean::New(info.Env(), written);
}

// scoreBatchAsync: the batch checked as scoreBatch checks it, run on a libuv worker; a promise of `written`.
Napi::Value score_batch_async(const Napi::CallbackInfo& info) {
  struct Batch {
    BatchArgs args;
    std::vector<std::size_t> counts;
    bool written = false;
  };
  auto batch = std::make_shared<Batch>();
  std::vector<napi_value> arrays;  // per module weight, scores (, grad); counts last
  read_batch_args(info, batch->args, &arrays);
  batch->counts.resize(batch->args.targets.size());
  AsyncCall call;
  call.label = "scoreBatchAsync";
  call.name = [op = batch->args.op, n = arrays.size()](std::size_t i) { return batch_array_name(op, i, n); };
  call.run = [batch] {
    const BatchArgs& a = batch->args;
    batch->written =
        run_score_batch({a.op, a.alpha, a.beta, a.targets.data(), a.targets.size()}, a.mode, batch->counts.data());
  };
  call.settle = settle_f64_then_bool(
      batch->counts.size(),
      [batch](double* counts) {
        for (std::size_t i = 0; i < batch->counts.size(); ++i) counts[i] = static_cast<double>(batch->counts[i]);
      },
      [batch] { return batch->written; });
  return queue_async(info.Env(), std::move(call), arrays);
}

}  // namespace

const Export kScoreExports[] = {
    {"scoreAbs", score_abs},     {"scoreAbsMul", score_abs_mul},         {"scoreMomentum", score_momentum},
    {"scoreBatch", score_batch}, {"scoreBatchAsync", score_batch_async}, {nullptr, nullptr},
};

}  // namespace prunekit::addon
