#include "args.h"

#include <cmath>
#include <cstring>

namespace prunekit::addon {
namespace {

std::string label_(const char* name, long index) {
  return index < 0 ? std::string(name) : std::string(name) + "[" + std::to_string(index) + "]";
}

// A short string argument copied to the stack (no allocation); empty if not a string or too long.
struct ShortString {
  char text[24] = {};
  bool is(const char* other) const { return std::strcmp(text, other) == 0; }
};

ShortString short_string_(const Napi::Value& value) {
  ShortString out;
  std::size_t length = 0;
  if (value.IsString() &&
      napi_get_value_string_utf8(value.Env(), value, out.text, sizeof out.text, &length) == napi_ok &&
      length + 1 < sizeof out.text)
    return out;
  return ShortString{};
}

}  // namespace

View<void> typed_array_arg(const Napi::Value& value, napi_typedarray_type want, const char* type_name,
                           const char* name, long index) {
  const napi_env env = value.Env();
  bool is_typed_array = false;
  napi_typedarray_type type = napi_int8_array;
  std::size_t length = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  // One info call gives type, length and data (byteOffset already added, so subarray views work).
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, nullptr) != napi_ok || type != want)
    throw Napi::TypeError::New(env, label_(name, index) + " must be a " + type_name);
  // A detached buffer reads as length 0: only then is the (extra) detached check needed.
  bool detached = false;
  if (length == 0 && napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached)
    throw Napi::TypeError::New(env, label_(name, index) + " is backed by a detached ArrayBuffer");
  return {data, length};
}

double finite_number_arg(const Napi::Value& value, const char* name) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number)) throw Napi::RangeError::New(value.Env(), std::string(name) + " must be finite");
  return number;
}

ScoreOp score_op_arg(const Napi::Value& value) {
  const ShortString op = short_string_(value);
  if (op.is("abs")) return ScoreOp::kAbs;
  if (op.is("abs-mul")) return ScoreOp::kAbsMul;
  if (op.is("momentum")) return ScoreOp::kMomentum;
  throw Napi::TypeError::New(value.Env(), "op must be \"abs\", \"abs-mul\" or \"momentum\"");
}

ScoreMode score_mode_arg(const Napi::Value& value) {
  const ShortString mode = short_string_(value);
  if (mode.is("compute")) return ScoreMode::kCompute;
  if (mode.is("guarded")) return ScoreMode::kGuarded;
  if (mode.is("all-or-nothing")) return ScoreMode::kAllOrNothing;
  throw Napi::TypeError::New(value.Env(), "mode must be \"compute\", \"guarded\" or \"all-or-nothing\"");
}

void require_same_length(const Napi::Env& env, const F32View& a, const char* a_name, const F32View& b,
                         const char* b_name, long index) {
  if (a.length != b.length)
    throw Napi::RangeError::New(env, label_(a_name, index) + " has " + std::to_string(a.length) + " elements but " +
                                         label_(b_name, index) + " has " + std::to_string(b.length));
}

namespace {

Napi::Array array_arg_(const Napi::Value& value, const char* name) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be an array of Float32Array");
  return value.As<Napi::Array>();
}

}  // namespace

void read_batch_args(const Napi::CallbackInfo& info, std::size_t first, bool keep_arrays, BatchArgs& args) {
  const Napi::Env env = info.Env();
  args.targets.clear();
  args.arrays.clear();
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
  if (keep_arrays) args.arrays.reserve(count * (uses_grad ? 3 : 2));
  for (std::uint32_t i = 0; i < count; ++i) {
    const Napi::Value w_value = weights[i], s_value = scores[i];
    const F32View w = float32_arg(w_value, "weights", i), s = float32_arg(s_value, "scores", i);
    require_same_length(env, w, "weights", s, "scores", i);
    F32View g{nullptr, 0};
    Napi::Value g_value;
    if (uses_grad) {
      g_value = grads[i];
      g = float32_arg(g_value, "grads", i);
      require_same_length(env, w, "weights", g, "grads", i);
    }
    if (keep_arrays) {
      args.arrays.push_back(w_value.As<Napi::Object>());
      args.arrays.push_back(s_value.As<Napi::Object>());
      if (uses_grad) args.arrays.push_back(g_value.As<Napi::Object>());
    }
    args.targets.push_back({w.data, g.data, s.data, s.length});
  }
}

double* float64_arg(const Napi::Value& value, const char* name, std::size_t length) {
  const View<double> counts = typed_array_arg<double>(value, napi_float64_array, "Float64Array", name);
  if (counts.length != length)
    throw Napi::RangeError::New(value.Env(), std::string(name) + " must have one element per module");
  return counts.data;
}

std::string batch_array_name(const BatchArgs& args, std::size_t i) {
  static const char* const kKinds[] = {"weights", "scores", "grads"};
  const std::size_t per_module = args.op == ScoreOp::kAbs ? 2 : 3;
  return label_(kKinds[i % per_module], static_cast<long>(i / per_module));
}

}  // namespace prunekit::addon
