// One asynchronous binding call (scoreBatchAsync, pruneStepAsync, maskApplyAllAsync, blockMomentumAsync) on
// plain N-API: the scaffolding they share, so each binding only says what runs on the worker and how the
// promise settles.
//
// No Napi::AsyncWorker: its completion throws when the environment is being torn down (a worker terminated
// with a call in flight), and that aborts the process. As in sharp: the JS thread checks the arguments and
// copies the pointers into a plain struct; `run` on a libuv worker touches only that struct and raw memory;
// the completion never throws and ignores failed N-API calls.
//
// Keeping the memory alive while the call runs:
// - every typed array of the call is held by a strong reference, so the garbage collector cannot take it;
// - every (non-shared) ArrayBuffer is marked untransferable (node:worker_threads markAsUntransferable), so
//   postMessage and structuredClone copy it instead of moving its memory to a new owner that could free it.
//   The mark cannot be undone: docs/reliability.md says so;
// - resizable ArrayBuffers are refused: a shrink would unmap memory the kernel is using;
// - SharedArrayBuffers are accepted: their memory lives as long as any view, and a growable one only grows.
#pragma once
#include <napi.h>

#include <functional>
#include <string>
#include <vector>

namespace prunekit::addon {

// Per-environment state of the asynchronous calls (each worker thread has its own): the built-in functions
// they call, taken once at load, before user code could replace them.
void init_async(Napi::Env env);

struct AsyncCall {
  const char* label = "";                        // the binding's name, for errors
  std::function<std::string(std::size_t)> name;  // the name of array i of the call, for errors
  std::function<void()> run;                     // on the worker; a C++ exception rejects the promise
  // On the JS thread, once every array of the call is known not detached: `last` is the call's last array
  // (its output); resolves (or rejects) `deferred`. Must not throw.
  std::function<void(napi_env env, napi_deferred deferred, napi_value last)> settle;
};

// The settle of the calls whose last array is a Float64Array of `length` results: `fill` writes them, then
// the promise resolves to `result()`. A last array of another length leaves the promise pending, as any
// failed N-API call does (the argument checks made that impossible).
std::function<void(napi_env, napi_deferred, napi_value)> settle_f64_then_bool(std::size_t length,
                                                                              std::function<void(double*)> fill,
                                                                              std::function<bool()> result);

// Holds `arrays` (every typed array of the call: a resizable one is refused with a TypeError naming it,
// the others marked untransferable and pinned), queues `call` and returns its promise. Call it after the
// last read of the arguments: from here on only built-ins run, never user code. A typed array detached
// (by another addon) while the call runs rejects the promise with an error whose `detached` property is
// its name.
Napi::Value queue_async(const Napi::Env& env, AsyncCall call, const std::vector<napi_value>& arrays);

}  // namespace prunekit::addon
