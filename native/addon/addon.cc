// Module entry point: registers each family of bindings.
#include <napi.h>

#include "bench_binding.h"
#include "mask_binding.h"
#include "score_binding.h"
#include "simd_binding.h"
#include "threads_binding.h"

namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  prunekit::addon::register_simd_bindings(env, exports);
  prunekit::addon::register_score_bindings(env, exports);
  prunekit::addon::register_threads_bindings(env, exports);
  prunekit::addon::register_bench_bindings(env, exports);
  prunekit::addon::register_mask_bindings(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(prunekit, init)
