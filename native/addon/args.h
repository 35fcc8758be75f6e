// Argument checks shared by the bindings: every argument is checked before any memory is touched, and a
// bad one throws a TypeError or RangeError naming it. The raw binding can be called directly from
// JavaScript, so these checks stand even though the TypeScript layer checks first.
#pragma once
#include <napi.h>

#include <cstddef>

#include "../kernels/score_job.h"

namespace prunekit::addon {

// A float32 view over live memory; `name` is used in error messages.
struct F32View {
  float* data;
  std::size_t length;
};

F32View float32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);
double finite_number_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);
// "compute" | "guarded" | "count" (binding.d.ts ScoreMode)
ScoreMode score_mode_arg(const Napi::CallbackInfo& info, std::size_t index);
void require_same_length(const Napi::Env& env, const F32View& a, const char* a_name, const F32View& b,
                         const char* b_name);

}  // namespace prunekit::addon
