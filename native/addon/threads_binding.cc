// Bindings that show and change the size of the native thread pool.
#include "threads_binding.h"

#include "../runtime/thread_pool.h"

namespace prunekit::addon {
namespace {

Napi::Value threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ThreadPool::shared().size());
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "setThreads expects a number of threads");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 256 && n == static_cast<double>(static_cast<unsigned>(n))))
    throw Napi::RangeError::New(env, "setThreads expects an integer from 1 to 256");
  ThreadPool::shared().resize(static_cast<unsigned>(n));
  return Napi::Number::New(env, ThreadPool::shared().size());
}

}  // namespace

void register_threads_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("threads", Napi::Function::New(env, threads, "threads"));
  exports.Set("setThreads", Napi::Function::New(env, set_threads, "setThreads"));
}

}  // namespace prunekit::addon
