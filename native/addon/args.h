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

// A float32 view over live memory.
struct F32View {
  float* data;
  std::size_t length;
};

F32View float32_arg(const Napi::Value& value, const std::string& name);
double finite_number_arg(const Napi::Value& value, const char* name);
// "abs" | "abs-mul" | "momentum"
ScoreOp score_op_arg(const Napi::Value& value);
// "compute" | "guarded" | "all-or-nothing"
ScoreMode score_mode_arg(const Napi::Value& value);
void require_same_length(const Napi::Env& env, const F32View& a, const std::string& a_name, const F32View& b,
                         const std::string& b_name);

// A checked batch: scores[i] with weights[i] (and grads[i] unless op is kAbs), equal lengths per module.
struct BatchArgs {
  ScoreOp op;
  float alpha = 0.f, beta = 0.f;
  ScoreMode mode;
  std::vector<ScoreTarget> targets;
  std::vector<Napi::Object> arrays;  // every typed array involved, to pin them or check them later
  std::vector<std::string> names;    // their names in errors: "weights[0]", "scores[0]", "grads[0]", ...
};

// Reads (op, weights[], grads[] | null, scores[], alpha, beta, mode) starting at info[first].
BatchArgs batch_args(const Napi::CallbackInfo& info, std::size_t first);

}  // namespace prunekit::addon
