#pragma once
#include <napi.h>

namespace prunekit::addon {
// scoreAbs, scoreAbsMul, scoreMomentum (one module), scoreBatch (every module of a hook call) and
// scoreBatchAsync (the same on a worker thread): see binding.d.ts.
void register_score_bindings(Napi::Env env, Napi::Object exports);
}  // namespace prunekit::addon
