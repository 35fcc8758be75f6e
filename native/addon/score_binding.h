#pragma once
#include <napi.h>

namespace prunekit::addon {
// scoreAbs(x, scores, guard), scoreAbsMul(w, g, scores, guard),
// scoreMomentum(w, g, scores, alpha, beta, guard): see binding.d.ts.
void register_score_bindings(Napi::Env env, Napi::Object exports);
}  // namespace prunekit::addon
