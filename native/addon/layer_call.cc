#include "layer_call.h"

#include <algorithm>
#include <exception>

#include "args.h"
#include "score_async.h"

namespace prunekit::addon {
namespace {

void execute_(napi_env, void* data) {
  auto* call = static_cast<AsyncCall*>(data);
  try {
    call->run();
  } catch (const std::exception& e) {
    call->failure = e.what();
  } catch (...) {
    call->failure = "unknown C++ exception";
  }
}

napi_value error_(napi_env env, const std::string& message) {
  napi_value text = nullptr, error = nullptr;
  napi_create_string_utf8(env, message.c_str(), message.size(), &text);
  napi_create_error(env, nullptr, text, &error);
  return error;
}

void settle_(napi_env env, napi_status status, AsyncCall& call) {
  if (status != napi_ok) {
    napi_reject_deferred(env, call.deferred, error_(env, std::string(call.label) + ": the call was cancelled"));
    return;
  }
  if (!call.failure.empty()) {
    napi_reject_deferred(env, call.deferred, error_(env, std::string(call.label) + ": " + call.failure));
    return;
  }
  napi_value last = nullptr;
  for (std::size_t i = 0; i < call.pins.size(); ++i) {
    napi_value array = nullptr, buffer = nullptr;
    bool detached = false;
    if (napi_get_reference_value(env, call.pins[i], &array) != napi_ok || array == nullptr) return;
    napi_get_typedarray_info(env, array, nullptr, nullptr, nullptr, &buffer, nullptr);
    if (buffer && napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached) {
      napi_reject_deferred(env, call.deferred,
                           error_(env, call.name(i) + " was detached while " + call.label + " was in flight"));
      return;
    }
    last = array;
  }
  call.settle(env, call.deferred, last);
}

void complete_(napi_env env, napi_status status, void* data) {
  std::unique_ptr<AsyncCall> call(static_cast<AsyncCall*>(data));
  napi_handle_scope scope = nullptr;
  const bool scoped = napi_open_handle_scope(env, &scope) == napi_ok;
  settle_(env, status, *call);
  bool pending = false;
  napi_value ignored = nullptr;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &ignored);
  call->release(env);
  if (scoped) napi_close_handle_scope(env, scope);
}

}  // namespace

void AsyncCall::release(napi_env env) {
  for (napi_ref ref : pins) napi_delete_reference(env, ref);
  pins.clear();
  if (work) napi_delete_async_work(env, work);
  work = nullptr;
}

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

Napi::Value queue_async_call(const Napi::Env& env, std::unique_ptr<AsyncCall> call,
                             const std::vector<napi_value>& arrays) {
  hold_for_async(env, arrays, call->name);
  call->pins.reserve(arrays.size());
  for (napi_value array : arrays) {
    napi_ref ref = nullptr;
    if (napi_create_reference(env, array, 1, &ref) != napi_ok) {
      call->release(env);
      throw Napi::Error::New(env, std::string(call->label) + ": could not reference an array of the call");
    }
    call->pins.push_back(ref);
  }
  napi_value promise = nullptr, resource_name = nullptr;
  const std::string resource = std::string("prunekit:") + call->label;
  napi_create_string_utf8(env, resource.c_str(), resource.size(), &resource_name);
  if (napi_create_promise(env, &call->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, nullptr, resource_name, execute_, complete_, call.get(), &call->work) != napi_ok ||
      napi_queue_async_work(env, call->work) != napi_ok) {
    call->release(env);
    throw Napi::Error::New(env, std::string(call->label) + ": could not queue the work");
  }
  call.release();  // complete_ owns it now
  return Napi::Value(env, promise);
}

}  // namespace prunekit::addon
