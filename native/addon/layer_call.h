// What the bindings over many layers share (prune_step_binding.cc, block_momentum_binding.cc): the
// per-layer array list read in one pass, the three Float64Arrays that follow it, the check that no output
// shares memory with another array, and the list of arrays an asynchronous call pins. Their asynchronous
// calls go through async_call.h, as scoreBatchAsync does.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "args.h"

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

// "arrays[i] (<names[i % per_layer]> of layer <i / per_layer>)".
std::string layer_slot_name(std::size_t i, std::size_t per_layer, const char* const* names);

// The layout of a call (arrays, geometry, options, results): `per_layer` entries of arrays per layer, named
// `slot_names`; geometry (Float64Array) `geometry_per_layer` numbers per layer, options `options` numbers,
// results (Float64Array, written) `results_per_layer` per layer; the `*_what` say so in length errors.
struct LayerCallShape {
  std::size_t per_layer;
  const char* const* slot_names;
  std::size_t geometry_per_layer;
  const char* geometry_what;
  std::size_t options;
  const char* options_what;
  const char* results_name;
  std::size_t results_per_layer;
  const char* results_what;
};

// A call over layers with its arguments read and their lengths checked; the binding reads each layer from
// `handles`, `geometry` and `options`, and adds every view it takes to the overlap check.
class LayerCall {
 public:
  // Pass 1 (layer_handles), then geometry, options and results from info[1..3], each a Float64Array of its
  // shape's length.
  LayerCall(const Napi::CallbackInfo& info, const LayerCallShape& shape);

  std::size_t layers() const { return layers_; }
  // Layer j's entries of `arrays` (nullptr for null).
  const napi_value* layer(std::size_t j) const { return &handles_[j * shape_.per_layer]; }
  const double* geometry(std::size_t j) const { return geometry_.data + j * shape_.geometry_per_layer; }
  const double* options() const { return options_.data; }
  double* results() const { return results_.data; }

  // The name of a slot in errors: arrays[i] with its layer and role, or -1 geometry, -2 options, -3 results.
  std::string slot_name(long slot) const { return slot_name(shape_, slot); }
  static std::string slot_name(const LayerCallShape& shape, long slot);

  // Adds the view [data, data + bytes) at `slot` to the overlap check (an empty view overlaps nothing).
  void add_span(const void* data, std::size_t bytes, bool output, long slot);
  // Adds geometry, options (read) and results (written), then require_disjoint_all over every view added.
  void require_disjoint(const Napi::Env& env, const char* call);

  // The typed arrays an asynchronous call pins, with each one's slot: the non-null entries of arrays, then
  // geometry, options and results.
  void pinned(std::vector<napi_value>& arrays, std::vector<long>& slots) const;

 private:
  const LayerCallShape& shape_;
  napi_value tail_[3];  // info[1..3]
  std::vector<napi_value> handles_;
  std::size_t layers_;
  View<double> geometry_, options_, results_;
  std::vector<Span> spans_;
};

}  // namespace prunekit::addon
