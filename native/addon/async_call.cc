#include "async_call.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace prunekit::addon {
namespace {

// The built-ins this file calls, taken at load time.
struct AsyncState {
  napi_ref mark_untransferable = nullptr;  // markAsUntransferable of node:worker_threads, if this Node has it
  napi_ref resizable_getter = nullptr;     // the getter of ArrayBuffer.prototype.resizable, if any
};

napi_value get_(napi_env env, napi_value object, const char* key) {
  napi_value value = nullptr;
  napi_valuetype type = napi_undefined;
  if (object == nullptr || napi_typeof(env, object, &type) != napi_ok || (type != napi_object && type != napi_function))
    return nullptr;
  if (napi_get_named_property(env, object, key, &value) != napi_ok) return nullptr;
  return value;
}

napi_ref function_ref_(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  napi_ref ref = nullptr;
  if (value == nullptr || napi_typeof(env, value, &type) != napi_ok || type != napi_function) return nullptr;
  if (napi_create_reference(env, value, 1, &ref) != napi_ok) return nullptr;
  return ref;
}

void clear_exception_(napi_env env) {
  bool pending = false;
  napi_value ignored = nullptr;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &ignored);
}

AsyncState* state_(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<AsyncState*>(data);
}

// Calls `fn` (a reference) with `self` as `this`; null if it threw or is missing.
napi_value call_(napi_env env, napi_ref fn, napi_value self, napi_value arg) {
  napi_value function = nullptr, result = nullptr;
  if (fn == nullptr || napi_get_reference_value(env, fn, &function) != napi_ok || function == nullptr) return nullptr;
  napi_value argv[1] = {arg};
  if (self == nullptr) napi_get_undefined(env, &self);  // N-API wants a receiver
  if (napi_call_function(env, self, function, arg ? 1 : 0, argv, &result) != napi_ok) return nullptr;
  return result;
}

// Refuses typed arrays over a resizable ArrayBuffer (TypeError naming name(i)), then marks every
// non-shared ArrayBuffer untransferable.
void hold_(napi_env env, const std::vector<napi_value>& arrays, const std::function<std::string(std::size_t)>& name) {
  const AsyncState* state = state_(env);
  std::vector<napi_value> buffers(arrays.size(), nullptr);
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    napi_value buffer = nullptr;
    bool is_arraybuffer = false;
    napi_get_typedarray_info(env, arrays[i], nullptr, nullptr, nullptr, &buffer, nullptr);
    if (buffer && napi_is_arraybuffer(env, buffer, &is_arraybuffer) == napi_ok && is_arraybuffer)
      buffers[i] = buffer;  // else a SharedArrayBuffer: its memory lives as long as any view
  }
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i] == nullptr) continue;
    bool resizable = false;
    napi_value result = state ? call_(env, state->resizable_getter, buffers[i], nullptr) : nullptr;
    if (result) napi_get_value_bool(env, result, &resizable);
    if (resizable)
      throw Napi::TypeError::New(env, name(i) +
                                          " is backed by a resizable ArrayBuffer: asynchronous calls refuse them (a "
                                          "resize while the call runs would pull memory from under it)");
  }
  for (napi_value buffer : buffers)
    if (buffer && state) call_(env, state->mark_untransferable, nullptr, buffer);
  clear_exception_(env);
}

// A queued call: the binding's AsyncCall, its pinned arrays and the N-API handles.
struct Pending {
  AsyncCall call;
  std::vector<napi_ref> pins;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  std::string failure;  // a C++ exception of `run`, caught on the worker thread

  // On the JS thread only. Failures are ignored: this also runs while the environment is torn down.
  void release(napi_env env) {
    for (napi_ref ref : pins) napi_delete_reference(env, ref);
    pins.clear();
    if (work) napi_delete_async_work(env, work);
    work = nullptr;
  }
};

void execute_(napi_env, void* data) {
  auto* pending = static_cast<Pending*>(data);
  try {
    pending->call.run();
  } catch (const std::exception& e) {
    pending->failure = e.what();
  } catch (...) {
    pending->failure = "unknown C++ exception";
  }
}

napi_value error_(napi_env env, const std::string& message, const std::string* detached) {
  napi_value text = nullptr, error = nullptr, name = nullptr;
  napi_create_string_utf8(env, message.c_str(), message.size(), &text);
  napi_create_error(env, nullptr, text, &error);
  if (detached && error && napi_create_string_utf8(env, detached->c_str(), detached->size(), &name) == napi_ok)
    napi_set_named_property(env, error, "detached", name);
  return error;
}

// Settles the promise. Returns nothing and throws nothing: every failure is dropped.
void settle_(napi_env env, napi_status status, Pending& pending) {
  const std::string label = pending.call.label;
  if (status != napi_ok) {
    napi_reject_deferred(env, pending.deferred, error_(env, label + ": the call was cancelled", nullptr));
    return;
  }
  if (!pending.failure.empty()) {
    napi_reject_deferred(env, pending.deferred, error_(env, label + ": " + pending.failure, nullptr));
    return;
  }
  // Marked untransferable, an array cannot be detached by postMessage; another addon could still detach
  // one (napi_detach_arraybuffer). Then the caller's view of the result is gone and the call fails.
  napi_value last = nullptr;
  for (std::size_t i = 0; i < pending.pins.size(); ++i) {
    napi_value array = nullptr, buffer = nullptr;
    bool detached = false;
    if (napi_get_reference_value(env, pending.pins[i], &array) != napi_ok || array == nullptr) return;
    napi_get_typedarray_info(env, array, nullptr, nullptr, nullptr, &buffer, nullptr);
    if (buffer && napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached) {
      const std::string name = pending.call.name(i);
      napi_reject_deferred(env, pending.deferred,
                           error_(env, name + " was detached while " + label + " was in flight", &name));
      return;
    }
    last = array;
  }
  pending.call.settle(env, pending.deferred, last);
}

void complete_(napi_env env, napi_status status, void* data) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(data));
  napi_handle_scope scope = nullptr;
  const bool scoped = napi_open_handle_scope(env, &scope) == napi_ok;
  settle_(env, status, *pending);
  clear_exception_(env);  // nothing may be left pending: N-API would report it as fatal
  pending->release(env);
  if (scoped) napi_close_handle_scope(env, scope);
}

}  // namespace

void init_async(Napi::Env env) {
  auto* state = new AsyncState();
  napi_value global = nullptr;
  napi_get_global(env, &global);
  // process.getBuiltinModule (Node 20.16+, 22.3+) reaches node:worker_threads from an addon without require.
  napi_value process = get_(env, global, "process");
  napi_value get_builtin = get_(env, process, "getBuiltinModule");
  napi_value name = nullptr;
  napi_create_string_utf8(env, "node:worker_threads", NAPI_AUTO_LENGTH, &name);
  napi_ref get_builtin_ref = function_ref_(env, get_builtin);
  napi_value worker_threads = call_(env, get_builtin_ref, process, name);
  if (get_builtin_ref) napi_delete_reference(env, get_builtin_ref);
  state->mark_untransferable = function_ref_(env, get_(env, worker_threads, "markAsUntransferable"));
  // Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "resizable").get
  napi_value object = get_(env, global, "Object");
  napi_value describe = get_(env, object, "getOwnPropertyDescriptor");
  napi_value prototype = get_(env, get_(env, global, "ArrayBuffer"), "prototype");
  napi_value key = nullptr;
  napi_create_string_utf8(env, "resizable", NAPI_AUTO_LENGTH, &key);
  napi_ref describe_ref = function_ref_(env, describe);
  napi_value descriptor = nullptr, function = nullptr;
  if (describe_ref && prototype && napi_get_reference_value(env, describe_ref, &function) == napi_ok) {
    napi_value argv[2] = {prototype, key};
    if (napi_call_function(env, object, function, 2, argv, &descriptor) != napi_ok) descriptor = nullptr;
  }
  if (describe_ref) napi_delete_reference(env, describe_ref);
  state->resizable_getter = function_ref_(env, get_(env, descriptor, "get"));
  clear_exception_(env);
  napi_set_instance_data(
      env, state, [](napi_env, void* data, void*) { delete static_cast<AsyncState*>(data); }, nullptr);
}

std::function<void(napi_env, napi_deferred, napi_value)> settle_f64_then_bool(std::size_t length,
                                                                              std::function<void(double*)> fill,
                                                                              std::function<bool()> result) {
  return [length, fill = std::move(fill), result = std::move(result)](napi_env env, napi_deferred deferred,
                                                                      napi_value last) {
    void* data = nullptr;
    std::size_t found = 0;
    if (napi_get_typedarray_info(env, last, nullptr, &found, &data, nullptr, nullptr) != napi_ok || found != length)
      return;
    fill(static_cast<double*>(data));
    napi_value value = nullptr;
    napi_get_boolean(env, result(), &value);
    napi_resolve_deferred(env, deferred, value);
  };
}

Napi::Value queue_async(const Napi::Env& env, AsyncCall call, const std::vector<napi_value>& arrays) {
  hold_(env, arrays, call.name);
  auto pending = std::make_unique<Pending>();
  pending->call = std::move(call);
  const std::string label = pending->call.label;
  pending->pins.reserve(arrays.size());
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    napi_ref ref = nullptr;
    if (napi_create_reference(env, arrays[i], 1, &ref) != napi_ok) {
      pending->release(env);
      throw Napi::Error::New(env, label + ": could not reference " + pending->call.name(i));
    }
    pending->pins.push_back(ref);
  }
  napi_value promise = nullptr, resource_name = nullptr;
  const std::string resource = "prunekit:" + label;
  napi_create_string_utf8(env, resource.c_str(), resource.size(), &resource_name);
  if (napi_create_promise(env, &pending->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, nullptr, resource_name, execute_, complete_, pending.get(), &pending->work) !=
          napi_ok ||
      napi_queue_async_work(env, pending->work) != napi_ok) {
    pending->release(env);
    throw Napi::Error::New(env, label + ": could not queue the work");
  }
  pending.release();  // complete_ owns it now
  return Napi::Value(env, promise);
}

}  // namespace prunekit::addon
