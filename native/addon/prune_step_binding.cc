// Bindings of one pruning step (runtime/prune_step.h): pruneStep runs it on the calling thread,
// pruneStepAsync on a libuv worker (the mask update of Pruning.onStepBeginAsync, off the event loop).
// Every argument is read and checked here before any pointer is taken; the numbers are only checked, the
// step's arithmetic lives in the runtime.
//
// pruneStep(arrays, geometry, options, out) -> unchanged
//   arrays:   per layer 6 entries: scores (Float32Array, or null for a block layer whose units already hold
//             its unit scores), weight (Float32Array | null), keep (Uint8Array),
//             viewMap (Uint32Array | null), units (Float32Array | null), candidates (Uint8Array | null)
//   geometry: Float64Array, per layer 5 numbers: rows, cols, unit rows, unit cols, previous zero units (-1:
//             count them)
//   options:  Float64Array [pattern (0 block, 1 N:M), n, m, reduce (0 mean, 1 sum, 2 max), exact (0/1),
//             global (0/1), ratio, maxRatio, minRatio, targetRatio]
//   out:      Float64Array, per layer 3 numbers written: zero units, weights pruned, changed (0/1)
//
// maskApplyAllAsync(arrays) -> Promise<void>: the masks of every layer applied on a worker
// (Pruning.onAfterOptimizerStepAsync), run_mask_apply layer after layer, as maskApply does one layer.
//   arrays:   per layer 3 entries: weight (Float32Array), keep (Uint8Array, one per weight), grad
//             (Float32Array of the weight's length, or null)
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../runtime/mask_runtime.h"
#include "../runtime/prune_step.h"
#include "args.h"
#include "async_call.h"
#include "exports.h"
#include "layer_call.h"

namespace prunekit::addon {
namespace {

const char* const kSlotNames[] = {"scores", "weight", "keep", "viewMap", "units", "candidates"};
constexpr std::size_t kOut = 3;
constexpr LayerCallShape kShape{6, kSlotNames, 5, "5 per layer", 10, "10 numbers", "out", kOut, "3 per layer"};

// A span's name in pruneStep's errors: arrays[i] (what of layer j), or -1 geometry, -2 options, -3 out.
std::string span_name_(long slot) { return LayerCall::slot_name(kShape, slot); }

struct StepArgs {
  std::vector<StepLayer> layers;
  StepOptions options;
  double* out = nullptr;
  // For an asynchronous call: every typed array of the call (non-null slots, then geometry, options, out).
  std::vector<napi_value> arrays;
  std::vector<long> slots;  // each one's name: span_name_(slot)
};

// An integer in [lo, hi]; `what` (and the layer, when not -1) only formatted for an error.
double whole_(double v, const char* what, long layer, double lo, double hi, const Napi::Env& env) {
  if (!(v >= lo && v <= hi) || std::trunc(v) != v)
    throw Napi::RangeError::New(env, std::string(what) + (layer < 0 ? "" : " of layer " + std::to_string(layer)) +
                                         " must be an integer in [" + std::to_string(static_cast<long long>(lo)) +
                                         ", " + std::to_string(static_cast<long long>(hi)) + "], got " +
                                         std::to_string(v));
  return v;
}

void read_step_args_(const Napi::CallbackInfo& info, StepArgs& args, bool keep_arrays) {
  const Napi::Env env = info.Env();
  LayerCall call(info, kShape);
  const std::size_t count = call.layers();
  const double* options = call.options();
  // Pass 2: no JavaScript runs from here on.
  StepOptions& o = args.options;
  o.pattern = static_cast<StepPattern>(whole_(options[0], "options[0] (pattern)", -1, 0, 1, env));
  const bool nm = o.pattern == StepPattern::kNM;
  if (nm) {
    o.m = static_cast<unsigned>(whole_(options[2], "options[2] (m)", -1, 2, kMaxNmGroup, env));
    o.n = static_cast<unsigned>(whole_(options[1], "options[1] (n)", -1, 1, o.m - 1, env));
  }
  o.reduce = static_cast<BlockReduce>(whole_(options[3], "options[3] (reduce)", -1, 0, 2, env));
  o.exact = whole_(options[4], "options[4] (exact)", -1, 0, 1, env) == 1;
  o.global = whole_(options[5], "options[5] (global)", -1, 0, 1, env) == 1;
  double* ratios[4] = {&o.ratio, &o.max_ratio, &o.min_ratio, &o.target_ratio};
  for (int r = 0; r < 4; ++r) {
    const double v = options[6 + r];
    if (!std::isfinite(v) || v < 0)
      throw Napi::RangeError::New(env, "options[" + std::to_string(6 + r) + "] must be a finite ratio >= 0");
    *ratios[r] = v;
  }
  args.layers.resize(count);
  for (std::size_t j = 0; j < count; ++j) {
    StepLayer& l = args.layers[j];
    const napi_value* h = call.layer(j);
    const double* g = call.geometry(j);
    const long at = static_cast<long>(j);
    const long slot = static_cast<long>(j * kShape.per_layer);
    l.rows = static_cast<std::size_t>(whole_(g[0], "geometry rows", at, 1, kMaxSafeInteger, env));
    l.cols = static_cast<std::size_t>(whole_(g[1], "geometry cols", at, 1, kMaxSafeInteger, env));
    l.bn = static_cast<std::size_t>(whole_(g[2], "geometry unit rows", at, 1, kMaxSafeInteger, env));
    l.bm = static_cast<std::size_t>(whole_(g[3], "geometry unit cols", at, 1, kMaxSafeInteger, env));
    if (l.rows % l.bn != 0 || l.cols % l.bm != 0 || (nm && (l.bn != 1 || l.bm != o.m)))
      throw Napi::RangeError::New(
          env, "the unit of layer " + std::to_string(at) + " does not divide its view (N:M: the unit is 1 x m)");
    const std::size_t n_units = (l.rows / l.bn) * (l.cols / l.bm);
    l.previous_zeros = g[4] == -1 ? -1 : whole_(g[4], "geometry previous zeros", at, 0, n_units, env);
    // Null scores: the units already hold the unit scores (a block layer whose criterion keeps them there).
    if (h[2] == nullptr || (h[0] == nullptr && (nm || h[4] == nullptr)))
      throw Napi::TypeError::New(env,
                                 span_name_(slot + (h[2] == nullptr ? 2 : 0)) + " must be a typed array, got null");
    l.size = l.rows * l.cols;
    if (h[0]) {
      const F32View scores = float32_arg(Napi::Value(env, h[0]), "scores", static_cast<long>(j));
      if (scores.length / l.cols != l.rows || scores.length % l.cols != 0)
        throw Napi::RangeError::New(env, "scores of layer " + std::to_string(at) + " has " +
                                             std::to_string(scores.length) + " elements, expected rows x cols");
      l.scores = scores.data;
    }
    const View<std::uint8_t> keep = u8_arg(Napi::Value(env, h[2]), "keep");
    require_length(env, keep.length, l.size, "keep", "one per weight");
    l.keep = keep.data;
    if (l.scores) call.add_span(l.scores, l.size * 4, false, slot);
    call.add_span(l.keep, l.size, true, slot + 2);
    if (h[1]) {
      const F32View weight = float32_arg(Napi::Value(env, h[1]), "weight", static_cast<long>(j));
      require_length(env, weight.length, l.size, "weight", "one per score");
      l.weight = weight.data;
      call.add_span(l.weight, l.size * 4, true, slot + 1);
    }
    if (h[3]) {
      const View<std::uint32_t> map = u32_arg(Napi::Value(env, h[3]), "viewMap");
      require_length(env, map.length, l.size, "viewMap", "one per weight");
      l.view_map = map.data;
      call.add_span(l.view_map, l.size * 4, false, slot + 3);
    }
    if (h[4]) {
      const F32View units = float32_arg(Napi::Value(env, h[4]), "units", static_cast<long>(j));
      require_length(env, units.length, n_units, "units", "one per unit");
      l.units = units.data;
      call.add_span(l.units, n_units * 4, true, slot + 4);
    } else if (nm || l.bn * l.bm != 1 || l.view_map != nullptr) {
      throw Napi::TypeError::New(
          env, span_name_(slot + 4) + " must be a Float32Array (only an unpermuted 1x1 layer selects on its scores)");
    }
    if (h[5]) {
      const View<std::uint8_t> candidates = u8_arg(Napi::Value(env, h[5]), "candidates");
      require_length(env, candidates.length, l.size, "candidates", "one per weight");
      l.candidates = candidates.data;
      call.add_span(l.candidates, l.size, true, slot + 5);
    } else if (nm) {
      throw Napi::TypeError::New(env, span_name_(slot + 5) + " must be a Uint8Array for an N:M pattern");
    }
  }
  args.out = call.results();
  call.require_disjoint(env, "pruneStep");
  if (keep_arrays) call.pinned(args.arrays, args.slots);
}

void write_out_(const std::vector<StepLayer>& layers, double* out) {
  for (std::size_t j = 0; j < layers.size(); ++j) {
    out[j * kOut] = layers[j].zero_units;
    out[j * kOut + 1] = layers[j].pruned;
    out[j * kOut + 2] = layers[j].changed ? 1 : 0;
  }
}

Napi::Value prune_step(const Napi::CallbackInfo& info) {
  StepArgs args;
  read_step_args_(info, args, false);
  bool unchanged = false;
  try {
    unchanged = run_prune_step(args.layers.data(), args.layers.size(), args.options);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(info.Env(), std::string("pruneStep: ") + e.what());
  }
  write_out_(args.layers, args.out);
  return Napi::Boolean::New(info.Env(), unchanged);
}

Napi::Value prune_step_async(const Napi::CallbackInfo& info) {
  auto args = std::make_shared<StepArgs>();
  auto unchanged = std::make_shared<bool>(false);
  read_step_args_(info, *args, true);
  AsyncCall call;
  call.label = "pruneStepAsync";
  call.name = [args](std::size_t i) { return span_name_(args->slots[i]); };
  call.run = [args, unchanged] {
    *unchanged = run_prune_step(args->layers.data(), args->layers.size(), args->options);
  };
  call.settle = settle_f64_then_bool(
      args->layers.size() * kOut, [args](double* out) { write_out_(args->layers, out); },
      [unchanged] { return *unchanged; });
  std::vector<napi_value> arrays;
  arrays.swap(args->arrays);  // the handles die with this scope; the references stay
  return queue_async(info.Env(), std::move(call), arrays);
}

// ---- maskApplyAllAsync ----

constexpr std::size_t kApplyPerLayer = 3;
const char* const kApplyNames[kApplyPerLayer] = {"weight", "keep", "grad"};

std::string apply_name_(long slot) {
  return layer_slot_name(static_cast<std::size_t>(slot), kApplyPerLayer, kApplyNames);
}

struct ApplyLayer {
  float* weight = nullptr;
  float* grad = nullptr;
  const std::uint8_t* keep = nullptr;
  std::size_t size = 0;
};

Napi::Value mask_apply_all_async(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::vector<napi_value> handles = layer_handles(info, kApplyPerLayer);
  auto layers = std::make_shared<std::vector<ApplyLayer>>(handles.size() / kApplyPerLayer);
  std::vector<Span> spans;
  std::vector<napi_value> arrays;
  std::vector<long> slots;
  for (std::size_t j = 0; j < layers->size(); ++j) {
    ApplyLayer& l = (*layers)[j];
    const napi_value* h = &handles[j * kApplyPerLayer];
    for (std::size_t k = 0; k < 2; ++k)
      if (h[k] == nullptr)
        throw Napi::TypeError::New(
            env, apply_name_(static_cast<long>(j * kApplyPerLayer + k)) + " must be a typed array, got null");
    const F32View weight = float32_arg(Napi::Value(env, h[0]), "weight", static_cast<long>(j));
    const View<std::uint8_t> keep = u8_arg(Napi::Value(env, h[1]), "keep");
    require_length(env, keep.length, weight.length, "keep", "one per weight");
    l = {weight.data, nullptr, keep.data, weight.length};
    if (h[2]) {
      const F32View grad = float32_arg(Napi::Value(env, h[2]), "grad", static_cast<long>(j));
      require_length(env, grad.length, weight.length, "grad", "one per weight");
      l.grad = grad.data;
    }
    const float* const outputs[2] = {l.weight, l.grad};
    for (std::size_t k = 0; k < kApplyPerLayer; ++k) {
      if (h[k] == nullptr) continue;
      const long slot = static_cast<long>(j * kApplyPerLayer + k);
      const void* p = k == 1 ? static_cast<const void*>(l.keep) : outputs[k / 2];
      const std::size_t bytes = l.size * (k == 1 ? 1 : 4);
      const auto begin = reinterpret_cast<std::uintptr_t>(p);
      if (bytes) spans.push_back({begin, begin + bytes, k != 1, slot});
      arrays.push_back(h[k]);
      slots.push_back(slot);
    }
  }
  require_disjoint_all(env, spans, apply_name_, "maskApplyAllAsync");
  AsyncCall call;
  call.label = "maskApplyAllAsync";
  call.name = [slots](std::size_t i) { return apply_name_(slots[i]); };
  call.run = [layers] {
    for (const ApplyLayer& l : *layers) run_mask_apply(l.weight, l.grad, l.keep, l.size);
  };
  call.settle = [](napi_env env, napi_deferred deferred, napi_value) {
    napi_value undefined = nullptr;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, deferred, undefined);
  };
  return queue_async(env, std::move(call), arrays);
}

}  // namespace

const Export kPruneStepExports[] = {
    {"pruneStep", prune_step},
    {"pruneStepAsync", prune_step_async},
    {"maskApplyAllAsync", mask_apply_all_async},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
