// Argument checks shared by the bindings: every argument is checked before any memory is touched, and a
// bad one throws a TypeError or RangeError naming it. The raw binding can be called directly from
// JavaScript, so these checks stand even though the TypeScript layer checks first.
#pragma once
#include <napi.h>

#include <cstddef>
#include <string>
#include <vector>

#include "../runtime/score_batch.h"

namespace prunekit::addon {

// A typed view over live memory.
template <typename T>
struct View {
  T* data;
  std::size_t length;
};
using F32View = View<float>;

// A typed array of type `want` (named `type_name` in errors) over a live buffer. `name` (and `index`, when
// not -1: "weights[3]") is only formatted when there is an error to report.
View<void> typed_array_arg(const Napi::Value& value, napi_typedarray_type want, const char* type_name,
                           const char* name, long index = -1);

template <typename T>
View<T> typed_array_arg(const Napi::Value& value, napi_typedarray_type want, const char* type_name,
                        const char* name, long index = -1) {
  const View<void> raw = typed_array_arg(value, want, type_name, name, index);
  return {static_cast<T*>(raw.data), raw.length};
}

inline F32View float32_arg(const Napi::Value& value, const char* name, long index = -1) {
  return typed_array_arg<float>(value, napi_float32_array, "Float32Array", name, index);
}
double finite_number_arg(const Napi::Value& value, const char* name);
// "abs" | "abs-mul" | "momentum"
ScoreOp score_op_arg(const Napi::Value& value);
// "compute" | "guarded" | "all-or-nothing"
ScoreMode score_mode_arg(const Napi::Value& value);
void require_same_length(const Napi::Env& env, const F32View& a, const char* a_name, const F32View& b,
                         const char* b_name, long index = -1);

// A checked batch: scores[i] with weights[i] (and grads[i] unless op is kAbs), equal lengths per module.
struct BatchArgs {
  ScoreOp op;
  float alpha = 0.f, beta = 0.f;
  ScoreMode mode;
  std::vector<ScoreTarget> targets;
  // With `keep_arrays`: every typed array involved (per module: weight, scores, then grad), to pin them.
  std::vector<Napi::Object> arrays;
};

// Reads (op, weights[], grads[] | null, scores[], alpha, beta, mode) starting at info[first] into `args`
// (whose vectors may be reused from an earlier call, so the synchronous path does not allocate).
void read_batch_args(const Napi::CallbackInfo& info, std::size_t first, bool keep_arrays, BatchArgs& args);
// A Float64Array of exactly `length` elements (the per-module counts of a batch).
double* float64_arg(const Napi::Value& value, const char* name, std::size_t length);
// The name of arrays[i] of a batch read with keep_arrays: "weights[0]", "scores[0]", "grads[0]", ...
std::string batch_array_name(const BatchArgs& args, std::size_t i);

}  // namespace prunekit::addon
