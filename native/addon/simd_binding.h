#pragma once
#include <napi.h>

namespace prunekit::addon {
// simdInfo() and setSimd(name): see binding.d.ts.
void register_simd_bindings(Napi::Env env, Napi::Object exports);
}  // namespace prunekit::addon
