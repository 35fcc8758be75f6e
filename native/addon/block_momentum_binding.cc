// Bindings of snip_momentum's block momentum (runtime/block_momentum.h): blockMomentum runs it on the
// calling thread (onBeforeOptimizerStep), blockMomentumAsync on a libuv worker (its async form). Every
// argument is read and checked here before any pointer is taken.
//
// blockMomentum(arrays, geometry, options, counts) -> written
//   arrays:   per layer 4 entries: weight, grad, units (Float32Array each), viewMap (Uint32Array | null)
//   geometry: Float64Array, per layer 4 integers: rows, cols, block rows, block cols (dividing rows, cols)
//   options:  Float64Array [reduce (0 mean, 1 sum, 2 max), alpha, beta, mode (0 compute, 1 guarded,
//             2 all-or-nothing)]
//   counts:   Float64Array, per layer the number of non-finite w * g (written)
#include <napi.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../runtime/block_momentum.h"
#include "args.h"
#include "async_call.h"
#include "exports.h"
#include "layer_call.h"

namespace prunekit::addon {
namespace {

const char* const kSlotNames[] = {"weight", "grad", "units", "viewMap"};
constexpr LayerCallShape kShape{4, kSlotNames, 4, "4 per layer", 4, "4 numbers", "counts", 1, "1 per layer"};

// A slot's name in errors: arrays[i] (what of layer j), or -1 geometry, -2 options, -3 counts.
std::string slot_name_(long slot) { return LayerCall::slot_name(kShape, slot); }

// An integer of `what` in [lo, hi].
double integer_(double v, const std::string& what, double lo, double hi, const Napi::Env& env) {
  if (!(v >= lo && v <= hi) || std::trunc(v) != v)
    throw Napi::RangeError::New(env, what + " must be an integer in [" + std::to_string(static_cast<long long>(lo)) +
                                         ", " + std::to_string(static_cast<long long>(hi)) + "], got " +
                                         std::to_string(v));
  return v;
}

struct MomentumArgs {
  std::vector<MomentumLayer> layers;
  MomentumOptions options;
  std::vector<std::size_t> counts;
  std::vector<napi_value> arrays;  // every typed array of the call, for an asynchronous call
  std::vector<long> slots;         // each one's slot
};

void read_args_(const Napi::CallbackInfo& info, MomentumArgs& args) {
  const Napi::Env env = info.Env();
  LayerCall call(info, kShape);
  const std::size_t count = call.layers();
  const double* options = call.options();
  MomentumOptions& o = args.options;
  o.reduce = static_cast<BlockReduce>(integer_(options[0], "options[0] (reduce)", 0, 2, env));
  for (int k = 1; k <= 2; ++k)
    if (!std::isfinite(options[k]))
      throw Napi::RangeError::New(
          env, "options[" + std::to_string(k) + "] (" + (k == 1 ? "alpha" : "beta") + ") must be a finite number");
  o.alpha = static_cast<float>(options[1]);
  o.beta = static_cast<float>(options[2]);
  const double mode = integer_(options[3], "options[3] (mode)", 0, 2, env);
  o.mode = mode == 0 ? ScoreMode::kCompute : mode == 1 ? ScoreMode::kGuarded : ScoreMode::kAllOrNothing;
  args.layers.resize(count);
  for (std::size_t j = 0; j < count; ++j) {
    MomentumLayer& l = args.layers[j];
    const napi_value* h = call.layer(j);
    const double* g = call.geometry(j);
    const std::string layer = " of layer " + std::to_string(j);
    l.rows = static_cast<std::size_t>(integer_(g[0], "geometry rows" + layer, 1, kMaxSafeInteger, env));
    l.cols = static_cast<std::size_t>(integer_(g[1], "geometry cols" + layer, 1, kMaxSafeInteger, env));
    l.bn = static_cast<std::size_t>(integer_(g[2], "geometry block rows" + layer, 1, kMaxSafeInteger, env));
    l.bm = static_cast<std::size_t>(integer_(g[3], "geometry block cols" + layer, 1, kMaxSafeInteger, env));
    if (l.rows % l.bn != 0 || l.cols % l.bm != 0)
      throw Napi::RangeError::New(env, "the block" + layer + " does not divide its view");
    const long slot = static_cast<long>(j * kShape.per_layer);
    for (long k = 0; k < 3; ++k)
      if (h[k] == nullptr) throw Napi::TypeError::New(env, slot_name_(slot + k) + " must be a Float32Array, got null");
    const F32View weight = float32_arg(Napi::Value(env, h[0]), "weight", static_cast<long>(j));
    const F32View grad = float32_arg(Napi::Value(env, h[1]), "grad", static_cast<long>(j));
    const F32View units = float32_arg(Napi::Value(env, h[2]), "units", static_cast<long>(j));
    const std::size_t size = weight.length;
    if (size / l.cols != l.rows || size % l.cols != 0)
      throw Napi::RangeError::New(
          env, "weight" + layer + " has " + std::to_string(size) + " elements, expected rows x cols");
    require_length(env, grad.length, size, "grad", "one per weight");
    require_length(env, units.length, (l.rows / l.bn) * (l.cols / l.bm), "units", "one per block");
    l.w = weight.data;
    l.g = grad.data;
    l.units = units.data;
    call.add_span(l.w, size * 4, false, slot);
    call.add_span(l.g, size * 4, false, slot + 1);
    call.add_span(l.units, units.length * 4, true, slot + 2);
    if (h[3]) {
      const View<std::uint32_t> map = u32_arg(Napi::Value(env, h[3]), "viewMap");
      require_length(env, map.length, size, "viewMap", "one per weight");
      for (std::size_t v = 0; v < size; ++v)
        if (map.data[v] >= size)
          throw Napi::RangeError::New(env, "viewMap" + layer + " has an entry out of range at " + std::to_string(v));
      l.view_map = map.data;
      call.add_span(l.view_map, size * 4, false, slot + 3);
    }
  }
  call.require_disjoint(env, "blockMomentum");
  args.counts.assign(count, 0);
  call.pinned(args.arrays, args.slots);
}

// counts (the call's last array) = the runtime's counts.
void write_counts_(const MomentumArgs& args, double* counts) {
  for (std::size_t j = 0; j < args.counts.size(); ++j) counts[j] = static_cast<double>(args.counts[j]);
}

Napi::Value block_momentum(const Napi::CallbackInfo& info) {
  MomentumArgs args;
  read_args_(info, args);
  const bool written = run_block_momentum(args.layers.data(), args.layers.size(), args.options, args.counts.data());
  write_counts_(args, typed_array_arg<double>(info[3], napi_float64_array, "Float64Array", "counts").data);
  return Napi::Boolean::New(info.Env(), written);
}

Napi::Value block_momentum_async(const Napi::CallbackInfo& info) {
  auto args = std::make_shared<MomentumArgs>();
  auto written = std::make_shared<bool>(false);
  read_args_(info, *args);
  AsyncCall call;
  call.label = "blockMomentumAsync";
  call.name = [args](std::size_t i) { return slot_name_(args->slots[i]); };
  call.run = [args, written] {
    *written = run_block_momentum(args->layers.data(), args->layers.size(), args->options, args->counts.data());
  };
  call.settle = settle_f64_then_bool(
      args->counts.size(), [args](double* counts) { write_counts_(*args, counts); }, [written] { return *written; });
  std::vector<napi_value> arrays;
  arrays.swap(args->arrays);  // the handles die with this scope; the references stay
  return queue_async(info.Env(), std::move(call), arrays);
}

}  // namespace

const Export kBlockMomentumExports[] = {
    {"blockMomentum", block_momentum},
    {"blockMomentumAsync", block_momentum_async},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
