#include "layer_call.h"

#include <algorithm>

namespace prunekit::addon {

void require_disjoint_all(const Napi::Env& env, std::vector<Span>& spans, const SpanName& name, const char* call) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::uintptr_t max_end_any = 0, max_end_out = 0;
  const Span *any_at = nullptr, *out_at = nullptr;
  for (const Span& s : spans) {
    const Span* hit = s.output && s.begin < max_end_any    ? any_at
                      : !s.output && s.begin < max_end_out ? out_at
                                                           : nullptr;
    if (hit)
      throw Napi::RangeError::New(env, name(s.slot) + " overlaps " + name(hit->slot) + ": an output of " + call +
                                           " may not share memory with another array of the call");
    if (s.end > max_end_any) max_end_any = s.end, any_at = &s;
    if (s.output && s.end > max_end_out) max_end_out = s.end, out_at = &s;
  }
}

std::vector<napi_value> layer_handles(const Napi::CallbackInfo& info, std::size_t per_layer) {
  const Napi::Env env = info.Env();
  const napi_env raw = env;
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "arrays must be an array");
  const Napi::Array list = info[0].As<Napi::Array>();
  const std::uint32_t length = list.Length();
  if (length % per_layer != 0 || length / per_layer > kMaxBatchModules)
    throw Napi::RangeError::New(env, "arrays must hold " + std::to_string(per_layer) +
                                         " entries per layer (at most 2^20 layers), got " + std::to_string(length));
  std::vector<napi_value> handles(length, nullptr);
  for (std::uint32_t i = 0; i < length; ++i) {
    napi_value element = nullptr;
    if (napi_get_element(raw, list, i, &element) != napi_ok) throw Napi::Error::New(env);
    napi_valuetype type = napi_undefined;
    napi_typeof(raw, element, &type);
    if (type != napi_null && type != napi_undefined) handles[i] = element;
  }
  return handles;
}

std::string layer_slot_name(std::size_t i, std::size_t per_layer, const char* const* names) {
  return std::string("arrays[") + std::to_string(i) + "] (" + names[i % per_layer] + " of layer " +
         std::to_string(i / per_layer) + ")";
}

LayerCall::LayerCall(const Napi::CallbackInfo& info, const LayerCallShape& shape)
    : shape_(shape),
      tail_{info[1], info[2], info[3]},
      handles_(layer_handles(info, shape.per_layer)),
      layers_(handles_.size() / shape.per_layer),
      geometry_(typed_array_arg<double>(info[1], napi_float64_array, "Float64Array", "geometry")),
      options_(typed_array_arg<double>(info[2], napi_float64_array, "Float64Array", "options")),
      results_(typed_array_arg<double>(info[3], napi_float64_array, "Float64Array", shape.results_name)) {
  const Napi::Env env = info.Env();
  require_length(env, geometry_.length, layers_ * shape.geometry_per_layer, "geometry", shape.geometry_what);
  require_length(env, options_.length, shape.options, "options", shape.options_what);
  require_length(env, results_.length, layers_ * shape.results_per_layer, shape.results_name, shape.results_what);
  spans_.reserve(handles_.size() + 3);
}

std::string LayerCall::slot_name(const LayerCallShape& shape, long slot) {
  if (slot >= 0) return layer_slot_name(static_cast<std::size_t>(slot), shape.per_layer, shape.slot_names);
  return slot == -1 ? "geometry" : slot == -2 ? "options" : shape.results_name;
}

void LayerCall::add_span(const void* data, std::size_t bytes, bool output, long slot) {
  if (bytes == 0) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  spans_.push_back({begin, begin + bytes, output, slot});
}

void LayerCall::require_disjoint(const Napi::Env& env, const char* call) {
  add_span(geometry_.data, geometry_.length * sizeof(double), false, -1);
  add_span(options_.data, options_.length * sizeof(double), false, -2);
  add_span(results_.data, results_.length * sizeof(double), true, -3);
  require_disjoint_all(
      env, spans_, [this](long slot) { return slot_name(slot); }, call);
}

void LayerCall::pinned(std::vector<napi_value>& arrays, std::vector<long>& slots) const {
  for (std::size_t i = 0; i < handles_.size(); ++i)
    if (handles_[i]) {
      arrays.push_back(handles_[i]);
      slots.push_back(static_cast<long>(i));
    }
  for (long i = 0; i < 3; ++i) {
    arrays.push_back(tail_[i]);
    slots.push_back(-1 - i);
  }
}

}  // namespace prunekit::addon
