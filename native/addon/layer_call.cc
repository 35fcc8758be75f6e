#include "layer_call.h"

#include <algorithm>

#include "args.h"

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

}  // namespace prunekit::addon
