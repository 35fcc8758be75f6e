#pragma once
#include <napi.h>

namespace prunekit::addon {
// scoreAbs(x, scores, mode), scoreAbsMul(w, g, scores, mode),
// scoreMomentum(w, g, scores, alpha, beta, mode): see binding.d.ts.
void register_score_bindings(Napi::Env env, Napi::Object exports);
}  // namespace prunekit::addon
