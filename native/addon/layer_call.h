// What the bindings over many layers share (prune_step_binding.cc, block_momentum_binding.cc): the
// per-layer array list read in one pass and the check that no output shares memory with another array.
// Their asynchronous calls go through async_call.h, as scoreBatchAsync does.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
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

}  // namespace prunekit::addon
