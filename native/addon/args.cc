#include "args.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace prunekit::addon {

std::string arg_label(const char* name, long index) {
  return index < 0 ? std::string(name) : std::string(name) + "[" + std::to_string(index) + "]";
}

namespace {

std::string number_text_(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

// What came, for error messages: the JavaScript type of a value that was not what a binding wanted.
std::string type_text_(const Napi::Value& value) {
  napi_valuetype type = napi_undefined;
  napi_typeof(value.Env(), value, &type);
  switch (type) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "a boolean";
    case napi_number:
      return "a number";
    case napi_string:
      return "a string";
    case napi_symbol:
      return "a symbol";
    case napi_bigint:
      return "a bigint";
    case napi_function:
      return "a function";
    default:
      break;
  }
  bool flag = false;
  if (napi_is_typedarray(value.Env(), value, &flag) == napi_ok && flag) {
    napi_typedarray_type kind = napi_int8_array;
    napi_get_typedarray_info(value.Env(), value, &kind, nullptr, nullptr, nullptr, nullptr);
    static const char* const kNames[] = {"an Int8Array",   "a Uint8Array",    "a Uint8ClampedArray", "an Int16Array",
                                         "a Uint16Array",  "an Int32Array",   "a Uint32Array",       "a Float32Array",
                                         "a Float64Array", "a BigInt64Array", "a BigUint64Array"};
    return static_cast<unsigned>(kind) < sizeof kNames / sizeof *kNames ? kNames[kind] : "a typed array";
  }
  if (napi_is_array(value.Env(), value, &flag) == napi_ok && flag) return "an array";
  if (napi_is_dataview(value.Env(), value, &flag) == napi_ok && flag) return "a DataView";
  if (napi_is_arraybuffer(value.Env(), value, &flag) == napi_ok && flag) return "an ArrayBuffer";
  return "an object";
}

}  // namespace

View<void> typed_array_arg(const Napi::Value& value, napi_typedarray_type want, const char* type_name, const char* name,
                           long index) {
  const napi_env env = value.Env();
  napi_typedarray_type type = napi_int8_array;
  std::size_t length = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  // One info call gives type, length and data (byteOffset already added, so subarray views work); it
  // fails (napi_invalid_arg) on anything but a typed array, so no napi_is_typedarray first: on a small
  // module that extra call is a measurable part of the binding's cost.
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, nullptr) != napi_ok || type != want)
    throw Napi::TypeError::New(env, arg_label(name, index) + " must be a " + type_name + ", got " + type_text_(value));
  // A detached buffer reads as length 0: only then is the (extra) detached check needed.
  bool detached = false;
  if (length == 0 && napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached) {
    Napi::TypeError error = Napi::TypeError::New(env, arg_label(name, index) + " is backed by a detached ArrayBuffer");
    error.Set("detached", Napi::String::New(env, arg_label(name, index)));
    throw error;
  }
  return {data, length};
}

double finite_number_arg(const Napi::Value& value, const char* name) {
  if (!value.IsNumber())
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a number, got " + type_text_(value));
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number))
    throw Napi::RangeError::New(value.Env(), std::string(name) + " must be finite, got " + number_text_(number));
  return number;
}

double integer_arg(const Napi::Value& value, const char* name, double min, double max) {
  if (!value.IsNumber())
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a number, got " + type_text_(value));
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= min && number <= max) || std::floor(number) != number)
    throw Napi::RangeError::New(value.Env(), std::string(name) + " must be an integer from " + number_text_(min) +
                                                 " to " + number_text_(max) + ", got " + number_text_(number));
  return number;
}

bool ShortString::is(const char* other) const { return ok && std::strcmp(text, other) == 0; }

ShortString short_string_arg(const Napi::Value& value) {
  ShortString out;
  std::size_t length = 0;
  if (value.IsString() &&
      napi_get_value_string_utf8(value.Env(), value, out.text, sizeof out.text, &length) == napi_ok &&
      length + 1 < sizeof out.text && std::strlen(out.text) == length)
    out.ok = true;
  return out;
}

int enum_arg(const Napi::Value& value, const char* name, const char* const* names) {
  const ShortString text = short_string_arg(value);
  for (int i = 0; names[i]; ++i)
    if (text.is(names[i])) return i;
  std::string expected;
  for (int i = 0; names[i]; ++i)
    expected += std::string(i == 0 ? "" : names[i + 1] ? ", " : " or ") + "\"" + names[i] + "\"";
  throw Napi::TypeError::New(
      value.Env(), std::string(name) + " must be " + expected + (value.IsString() ? "" : ", got " + type_text_(value)));
}

ScoreOp score_op_arg(const Napi::Value& value) {
  static const char* const kNames[] = {"abs", "abs-mul", "momentum", nullptr};
  static const ScoreOp kOps[] = {ScoreOp::kAbs, ScoreOp::kAbsMul, ScoreOp::kMomentum};
  return kOps[enum_arg(value, "op", kNames)];
}

ScoreMode score_mode_arg(const Napi::Value& value) {
  static const char* const kNames[] = {"compute", "guarded", "all-or-nothing", nullptr};
  static const ScoreMode kModes[] = {ScoreMode::kCompute, ScoreMode::kGuarded, ScoreMode::kAllOrNothing};
  return kModes[enum_arg(value, "mode", kNames)];
}

void require_same_length(const Napi::Env& env, std::size_t a_length, const char* a_name, std::size_t b_length,
                         const char* b_name, long index) {
  if (a_length != b_length)
    throw Napi::RangeError::New(env, arg_label(a_name, index) + " has " + std::to_string(a_length) + " elements but " +
                                         arg_label(b_name, index) + " has " + std::to_string(b_length));
}

void require_length(const Napi::Env& env, std::size_t length, std::size_t want, const char* name, const char* what) {
  if (length != want)
    throw Napi::RangeError::New(env, std::string(name) + " has " + std::to_string(length) + " elements, expected " +
                                         std::to_string(want) + " (" + what + ")");
}

bool views_overlap(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes) {
  const auto a0 = reinterpret_cast<std::uintptr_t>(a), b0 = reinterpret_cast<std::uintptr_t>(b);
  return a_bytes != 0 && b_bytes != 0 && a0 < b0 + b_bytes && b0 < a0 + a_bytes;
}

namespace {

[[noreturn]] void throw_overlap_(const Napi::Env& env, const std::string& out_name, const std::string& in_name) {
  throw Napi::RangeError::New(env, out_name + " overlaps " + in_name +
                                       " (views of the same memory): an output must not share memory with another "
                                       "argument, except the very same view for an in-place call");
}

}  // namespace

void require_disjoint(const Napi::Env& env, const void* out, std::size_t out_bytes, const char* out_name,
                      const void* in, std::size_t in_bytes, const char* in_name, bool same_view_ok) {
  if (!views_overlap(out, out_bytes, in, in_bytes)) return;
  if (same_view_ok && out == in && out_bytes == in_bytes) return;
  throw_overlap_(env, out_name, in_name);
}

std::string batch_array_name(ScoreOp op, std::size_t i, std::size_t array_count) {
  static const char* const kKinds[] = {"weights", "scores", "grads"};
  const std::size_t per_module = op == ScoreOp::kAbs ? 2 : 3;
  if (i + 1 == array_count && array_count % per_module == 1) return "counts";
  return arg_label(kKinds[i % per_module], static_cast<long>(i / per_module));
}

namespace {

Napi::Array array_arg_(const Napi::Value& value, const char* name) {
  if (!value.IsArray())
    throw Napi::TypeError::New(value.Env(),
                               std::string(name) + " must be an array of Float32Array, got " + type_text_(value));
  return value.As<Napi::Array>();
}

// One view of the batch for the overlap check: bytes [begin, end) of array `slot` (weights[i] is slot 3i or
// 2i, see batch_array_name), an output if it is a scores array.
struct Span {
  std::uintptr_t begin, end;
  std::uint32_t slot, module;
  bool output;
};

// Refuses an output (scores[i]) that shares memory with any other view of the batch, except weights[i] or
// grads[i] being the very same view as scores[i] (in place). Inputs may share memory with each other.
// Sorted sweep: O(k log k) for k views.
void require_batch_disjoint_(const Napi::Env& env, const BatchArgs& args, std::size_t count) {
  const bool uses_grad = args.op != ScoreOp::kAbs;
  const std::size_t per_module = uses_grad ? 3 : 2;
  CallBuffer<Span, 24> spans;
  spans.reset(count * per_module);
  std::size_t n = 0;
  auto add = [&](const float* p, std::size_t length, std::size_t module, std::size_t kind, bool output) {
    if (length == 0) return;  // an empty view touches no memory
    const auto begin = reinterpret_cast<std::uintptr_t>(p);
    spans[n++] = {begin, begin + length * sizeof(float), static_cast<std::uint32_t>(module * per_module + kind),
                  static_cast<std::uint32_t>(module), output};
  };
  for (std::size_t i = 0; i < count; ++i) {
    const ScoreTarget& t = args.targets[i];
    add(t.w, t.n, i, 0, false);
    add(t.s, t.n, i, 1, true);
    if (uses_grad) add(t.g, t.n, i, 2, false);
  }
  if (n < 2) return;
  if (n == 2 && count == 1) {  // the common single-module call: one comparison
    if (views_overlap(reinterpret_cast<const void*>(spans[0].begin), spans[0].end - spans[0].begin,
                      reinterpret_cast<const void*>(spans[1].begin), spans[1].end - spans[1].begin) &&
        !(spans[0].begin == spans[1].begin && spans[0].end == spans[1].end))
      throw_overlap_(env, batch_array_name(args.op, spans[1].slot, 0), batch_array_name(args.op, spans[0].slot, 0));
    return;
  }
  std::sort(spans.data(), spans.data() + n,
            [](const Span& a, const Span& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  const auto name = [&](const Span& s) { return batch_array_name(args.op, s.slot, 0); };
  std::uintptr_t max_end_any = 0, max_end_out = 0;
  std::size_t any_at = 0, out_at = 0;  // the spans holding those ends
  for (std::size_t g = 0; g < n;) {
    // A group: identical views. At most one output in it, and inputs only of that output's module.
    std::size_t e = g + 1;
    while (e < n && spans[e].begin == spans[g].begin && spans[e].end == spans[g].end) ++e;
    std::size_t output = n;
    for (std::size_t j = g; j < e; ++j)
      if (spans[j].output) {
        if (output != n) throw_overlap_(env, name(spans[j]), name(spans[output]));
        output = j;
      }
    if (output != n)
      for (std::size_t j = g; j < e; ++j)
        if (!spans[j].output && spans[j].module != spans[output].module)
          throw_overlap_(env, name(spans[output]), name(spans[j]));
    // Against earlier groups (each begins at or before this one).
    const std::uintptr_t begin = spans[g].begin;
    if (max_end_out > begin) throw_overlap_(env, name(spans[out_at]), name(spans[g]));
    if (output != n && max_end_any > begin) throw_overlap_(env, name(spans[output]), name(spans[any_at]));
    const std::uintptr_t end = spans[g].end;
    if (end > max_end_any) max_end_any = end, any_at = g;
    if (output != n && end > max_end_out) max_end_out = end, out_at = output;
    g = e;
  }
}

}  // namespace

void read_batch_args(const Napi::CallbackInfo& info, BatchArgs& args, std::vector<napi_value>* arrays) {
  const Napi::Env env = info.Env();
  const napi_env raw = env;
  args.op = score_op_arg(info[0]);
  const bool uses_grad = args.op != ScoreOp::kAbs;
  const Napi::Array weights = array_arg_(info[1], "weights");
  const Napi::Array scores = array_arg_(info[3], "scores");
  Napi::Array grads;
  if (uses_grad) grads = array_arg_(info[2], "grads");
  if (args.op == ScoreOp::kMomentum) {
    args.alpha = static_cast<float>(finite_number_arg(info[4], "alpha"));
    args.beta = static_cast<float>(finite_number_arg(info[5], "beta"));
  }
  args.mode = score_mode_arg(info[6]);
  const std::uint32_t count = scores.Length();
  if (weights.Length() != count || (uses_grad && grads.Length() != count))
    throw Napi::RangeError::New(env, "weights, grads and scores must list the same number of modules (" +
                                         std::to_string(weights.Length()) + ", " +
                                         (uses_grad ? std::to_string(grads.Length()) : std::string("-")) + ", " +
                                         std::to_string(count) + ")");
  if (count > kMaxBatchModules)
    throw Napi::RangeError::New(env, "scores lists " + std::to_string(count) + " modules, at most " +
                                         std::to_string(kMaxBatchModules) + " are taken in one call");

  // Pass 1: every element, each checked to be a typed array. A getter may run here, so nothing is taken
  // from the arrays yet.
  const std::size_t per_module = uses_grad ? 3 : 2;
  CallBuffer<napi_value, 24> handles;
  handles.reset(count * per_module);
  const napi_value lists[3] = {weights, scores, grads};
  static const char* const kListNames[3] = {"weights", "scores", "grads"};
  for (std::uint32_t i = 0; i < count; ++i)
    for (std::size_t k = 0; k < per_module; ++k) {
      napi_value element = nullptr;
      bool is_typed_array = false;
      if (napi_get_element(raw, lists[k], i, &element) != napi_ok) throw Napi::Error::New(env);  // a getter threw
      if (napi_is_typedarray(raw, element, &is_typed_array) != napi_ok || !is_typed_array)
        throw Napi::TypeError::New(
            env, arg_label(kListNames[k], i) + " must be a Float32Array, got " + type_text_(Napi::Value(env, element)));
      handles[i * per_module + k] = element;
    }

  // Pass 2: no JavaScript runs from here on, so the lengths and pointers taken stay true for the call.
  ScoreTarget* targets = args.targets.reset(count);
  if (arrays) arrays->assign(handles.data(), handles.data() + handles.size());
  for (std::uint32_t i = 0; i < count; ++i) {
    const napi_value* h = &handles[i * per_module];
    const F32View w = float32_arg(Napi::Value(env, h[0]), "weights", i);
    const F32View s = float32_arg(Napi::Value(env, h[1]), "scores", i);
    require_same_length(env, w, "weights", s, "scores", i);
    F32View g{nullptr, 0};
    if (uses_grad) {
      g = float32_arg(Napi::Value(env, h[2]), "grads", i);
      require_same_length(env, w, "weights", g, "grads", i);
    }
    targets[i] = {w.data, g.data, s.data, s.length};
  }
  const View<double> counts = typed_array_arg<double>(info[7], napi_float64_array, "Float64Array", "counts");
  require_length(env, counts.length, count, "counts", "one per module");
  args.counts = counts.data;
  require_batch_disjoint_(env, args, count);
  if (arrays) arrays->push_back(info[7]);
}

}  // namespace prunekit::addon
