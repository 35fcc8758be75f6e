// The calling thread's CPU time, for the benchmarks: how much of an event-loop stall was the loop's own
// work and how much the OS giving its core to another thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID)).
#include <ctime>

#include "exports.h"

namespace prunekit::addon {
namespace {

// threadCpuTime() -> ms of CPU the calling thread has used
Napi::Value thread_cpu_time(const Napi::CallbackInfo& info) {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return Napi::Number::New(info.Env(), static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6);
}

}  // namespace

const Export kClockExports[] = {
    {"threadCpuTime", thread_cpu_time},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
