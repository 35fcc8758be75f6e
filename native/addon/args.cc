#include "args.h"

#include <cmath>

namespace prunekit::addon {

F32View float32_arg(const Napi::Value& value, const std::string& name) {
  const Napi::Env env = value.Env();
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, name + " must be a Float32Array");
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  if (array.ArrayBuffer().IsDetached()) throw Napi::TypeError::New(env, name + " is backed by a detached ArrayBuffer");
  // Data() adds the view's byteOffset, so subarray views score the right elements.
  return {array.Data(), array.ElementLength()};
}

double finite_number_arg(const Napi::Value& value, const char* name) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number)) throw Napi::RangeError::New(value.Env(), std::string(name) + " must be finite");
  return number;
}

ScoreOp score_op_arg(const Napi::Value& value) {
  if (value.IsString()) {
    const std::string op = value.As<Napi::String>().Utf8Value();
    if (op == "abs") return ScoreOp::kAbs;
    if (op == "abs-mul") return ScoreOp::kAbsMul;
    if (op == "momentum") return ScoreOp::kMomentum;
  }
  throw Napi::TypeError::New(value.Env(), "op must be \"abs\", \"abs-mul\" or \"momentum\"");
}

ScoreMode score_mode_arg(const Napi::Value& value) {
  if (value.IsString()) {
    const std::string mode = value.As<Napi::String>().Utf8Value();
    if (mode == "compute") return ScoreMode::kCompute;
    if (mode == "guarded") return ScoreMode::kGuarded;
    if (mode == "all-or-nothing") return ScoreMode::kAllOrNothing;
  }
  throw Napi::TypeError::New(value.Env(), "mode must be \"compute\", \"guarded\" or \"all-or-nothing\"");
}

void require_same_length(const Napi::Env& env, const F32View& a, const std::string& a_name, const F32View& b,
                         const std::string& b_name) {
  if (a.length != b.length)
    throw Napi::RangeError::New(env, a_name + " has " + std::to_string(a.length) + " elements but " + b_name + " has " +
                                         std::to_string(b.length));
}

namespace {

Napi::Array array_arg_(const Napi::Value& value, const char* name) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be an array of Float32Array");
  return value.As<Napi::Array>();
}

}  // namespace

BatchArgs batch_args(const Napi::CallbackInfo& info, std::size_t first) {
  const Napi::Env env = info.Env();
  BatchArgs args;
  args.op = score_op_arg(info[first]);
  const bool uses_grad = args.op != ScoreOp::kAbs;
  const Napi::Array weights = array_arg_(info[first + 1], "weights");
  const Napi::Array scores = array_arg_(info[first + 3], "scores");
  Napi::Array grads;
  if (uses_grad) grads = array_arg_(info[first + 2], "grads");
  if (args.op == ScoreOp::kMomentum) {
    args.alpha = static_cast<float>(finite_number_arg(info[first + 4], "alpha"));
    args.beta = static_cast<float>(finite_number_arg(info[first + 5], "beta"));
  }
  args.mode = score_mode_arg(info[first + 6]);
  const std::uint32_t count = scores.Length();
  if (weights.Length() != count || (uses_grad && grads.Length() != count))
    throw Napi::RangeError::New(env, "weights, grads and scores must list the same number of modules");
  args.targets.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::string index = "[" + std::to_string(i) + "]";
    const Napi::Value w_value = weights[i], s_value = scores[i];
    const F32View w = float32_arg(w_value, "weights" + index), s = float32_arg(s_value, "scores" + index);
    require_same_length(env, w, "weights" + index, s, "scores" + index);
    args.arrays.push_back(w_value.As<Napi::Object>());
    args.names.push_back("weights" + index);
    args.arrays.push_back(s_value.As<Napi::Object>());
    args.names.push_back("scores" + index);
    F32View g{nullptr, 0};
    if (uses_grad) {
      const Napi::Value g_value = grads[i];
      g = float32_arg(g_value, "grads" + index);
      require_same_length(env, w, "weights" + index, g, "grads" + index);
      args.arrays.push_back(g_value.As<Napi::Object>());
      args.names.push_back("grads" + index);
    }
    args.targets.push_back({w.data, g.data, s.data, s.length});
  }
  return args;
}

}  // namespace prunekit::addon
