#pragma once
#include <napi.h>

#include <functional>
#include <string>
#include <vector>

namespace prunekit::addon {
// Per-environment state of the asynchronous call (each worker thread has its own): the built-in functions
// it calls, taken once at load, before user code could replace them.
void init_score_async(Napi::Env env);
// scoreBatchAsync: checks the batch as scoreBatch does, pins its memory for the call and runs it on a
// libuv worker thread; returns a promise.
Napi::Value queue_score_batch(const Napi::CallbackInfo& info);
// For another asynchronous binding (pruneStepAsync): refuses typed arrays over a resizable ArrayBuffer
// (TypeError naming name(i)), then marks every non-shared ArrayBuffer untransferable, as scoreBatchAsync
// does. Call it after the last read of the arguments, before queueing the work.
void hold_for_async(Napi::Env env, const std::vector<napi_value>& arrays,
                    const std::function<std::string(std::size_t)>& name);
}  // namespace prunekit::addon
