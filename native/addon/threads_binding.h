#pragma once
#include <napi.h>

namespace prunekit::addon {
// threads() and setThreads(n): see binding.d.ts.
void register_threads_bindings(Napi::Env env, Napi::Object exports);
}  // namespace prunekit::addon
