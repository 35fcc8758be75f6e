#pragma once
#include <napi.h>

namespace prunekit::addon {
// The mask engine: maskReduceBlocks, selectKeys, selectHistogram, selectCount, selectEmit, maskNM,
// maskExpandBlocks, maskApply. See binding.d.ts.
void register_mask_bindings(Napi::Env env, Napi::Object exports);
}  // namespace prunekit::addon
