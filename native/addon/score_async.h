#pragma once
#include <napi.h>

#include "args.h"

namespace prunekit::addon {
// Runs a checked batch on a libuv worker thread and returns a promise. The typed arrays stay referenced
// until it settles; one found detached afterwards rejects the promise, naming it.
Napi::Promise queue_score_batch(Napi::Env env, BatchArgs args, Napi::Float64Array counts);
}  // namespace prunekit::addon
