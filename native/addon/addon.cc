// Module entry point: registers every exported function through one wrapper, so no C++ exception
// (std::bad_alloc, std::system_error, ...) ever reaches N-API, which would abort the process.
#include <napi.h>

#include <new>
#include <string>
#include <system_error>

#include "async_call.h"
#include "exports.h"

namespace {

using prunekit::addon::Export;

// Runs the export in info.Data(); a Napi::Error passes through (node-addon-api throws it into JavaScript),
// anything else becomes a JavaScript error named after the function.
Napi::Value guarded_(const Napi::CallbackInfo& info) {
  const auto* entry = static_cast<const Export*>(info.Data());
  try {
    return entry->call(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), std::string(entry->name) + ": out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string(entry->name) + ": " + e.what());
  } catch (...) {
    throw Napi::Error::New(info.Env(), std::string(entry->name) + ": unknown C++ exception");
  }
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  using namespace prunekit::addon;
  prunekit::addon::init_async(env);
  for (const Export* table :
       {kSimdExports, kScoreExports, kThreadsExports, kBenchExports, kMaskExports, kHalfExports, kPrune16Exports,
        kPruneStepExports, kClockExports, kBlockMomentumExports, kScorePagesExports, kReadaheadExports})
    for (const Export* entry = table; entry->name; ++entry)
      exports.Set(entry->name, Napi::Function::New(env, guarded_, entry->name, const_cast<Export*>(entry)));
  return exports;
}

}  // namespace

NODE_API_MODULE(prunekit, init)
