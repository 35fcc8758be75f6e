// Bindings that show and change the size of the native thread pool.
#include <string>
#include <system_error>

#include "../runtime/thread_pool.h"
#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

Napi::Value threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ThreadPool::shared().size());
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const unsigned n = static_cast<unsigned>(integer_arg(info[0], "threads", 1, kMaxPoolThreads));
  const unsigned before = ThreadPool::shared().size();
  try {
    ThreadPool::shared().resize(n);
  } catch (const std::system_error& e) {  // the pool is back to its old size
    throw Napi::Error::New(env, "setThreads(" + std::to_string(n) + "): could not start the threads (" + e.what() +
                                    "); the pool keeps " + std::to_string(ThreadPool::shared().size()) + " (it had " +
                                    std::to_string(before) + ")");
  }
  return Napi::Number::New(env, ThreadPool::shared().size());
}

}  // namespace

const Export kThreadsExports[] = {
    {"threads", threads},
    {"setThreads", set_threads},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
