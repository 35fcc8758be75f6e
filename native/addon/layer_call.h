// What the bindings over many layers share (prune_step_binding.cc, block_momentum_binding.cc): the
// per-layer array list read in one pass, the check that no output shares memory with another array, and
// the asynchronous call (a libuv worker, its arrays pinned until it settles; as score_async.cc, plain N-API
// and a Complete that never throws).
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace prunekit::addon {

// One view of a call for the overlap check; `slot` names it (through the call's SpanName) only when there is
// an error to report.
struct Span {
  std::uintptr_t begin, end;
  bool output;
  long slot;
};
using SpanName = std::function<std::string(long)>;

// RangeError "<a> overlaps <b>: an output of <call> may not share memory with another array of the call"
// when an output span overlaps any other span. Sorts `spans`.
void require_disjoint_all(const Napi::Env& env, std::vector<Span>& spans, const SpanName& name, const char* call);

// Pass 1 of a call over layers: `arrays` (info[0]) read element by element (a getter may run here), each a
// typed array or null (nullptr in the result), `per_layer` entries a layer, at most kMaxBatchModules layers.
// Nothing after this runs JavaScript.
std::vector<napi_value> layer_handles(const Napi::CallbackInfo& info, std::size_t per_layer);

// One call on a worker: its arrays pinned until it settles, `run` on the worker, `settle` on the loop after
// the detach check (it gets the last array of the call and resolves or rejects the promise).
struct AsyncCall {
  const char* label = "";                        // the binding's name, for errors
  std::function<std::string(std::size_t)> name;  // array i's name, for errors
  std::function<void()> run;                     // on the worker; may throw
  std::function<void(napi_env, napi_deferred, napi_value last)> settle;
  std::vector<napi_ref> pins;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  std::string failure;

  void release(napi_env env);
};

// Holds the call's arrays (hold_for_async: untransferable, resizable refused), pins them and queues the work;
// returns the promise.
Napi::Value queue_async_call(const Napi::Env& env, std::unique_ptr<AsyncCall> call,
                             const std::vector<napi_value>& arrays);

}  // namespace prunekit::addon
