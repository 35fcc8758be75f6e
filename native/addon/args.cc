#include "args.h"

#include <cmath>
#include <string>

namespace prunekit::addon {

F32View float32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const Napi::Env env = info.Env();
  const Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(name) + " must be a Float32Array");
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  if (array.ArrayBuffer().IsDetached())
    throw Napi::TypeError::New(env, std::string(name) + " is backed by a detached ArrayBuffer");
  // Data() adds the view's byteOffset, so subarray views score the right elements.
  return {array.Data(), array.ElementLength()};
}

double finite_number_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number)) throw Napi::RangeError::New(info.Env(), std::string(name) + " must be finite");
  return number;
}

ScoreMode score_mode_arg(const Napi::CallbackInfo& info, std::size_t index) {
  const Napi::Value value = info[index];
  if (value.IsString()) {
    const std::string mode = value.As<Napi::String>().Utf8Value();
    if (mode == "compute") return ScoreMode::kCompute;
    if (mode == "guarded") return ScoreMode::kGuarded;
    if (mode == "count") return ScoreMode::kCountOnly;
  }
  throw Napi::TypeError::New(info.Env(), "mode must be \"compute\", \"guarded\" or \"count\"");
}

void require_same_length(const Napi::Env& env, const F32View& a, const char* a_name, const F32View& b,
                         const char* b_name) {
  if (a.length != b.length)
    throw Napi::RangeError::New(env, std::string(a_name) + " has " + std::to_string(a.length) + " elements but " +
                                         b_name + " has " + std::to_string(b.length));
}

}  // namespace prunekit::addon
