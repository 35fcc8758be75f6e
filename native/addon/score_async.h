#pragma once
#include <napi.h>

namespace prunekit::addon {
// Per-environment state of the asynchronous call (each worker thread has its own): the built-in functions
// it calls, taken once at load, before user code could replace them.
void init_score_async(Napi::Env env);
// scoreBatchAsync: checks the batch as scoreBatch does, pins its memory for the call and runs it on a
// libuv worker thread; returns a promise.
Napi::Value queue_score_batch(const Napi::CallbackInfo& info);
}  // namespace prunekit::addon
