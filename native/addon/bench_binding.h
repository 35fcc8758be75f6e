#pragma once
#include <napi.h>

namespace prunekit::addon {
// streamRoof(a, b, s, inputs): the memory-roof kernel for the benchmarks; see binding.d.ts.
void register_bench_bindings(Napi::Env env, Napi::Object exports);
}  // namespace prunekit::addon
