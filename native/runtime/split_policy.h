// The one split policy of the thread pool, used by the scoring runtime and the mask runtime: a call over
// fewer than kMinParallel elements in all (the whole batch of a scoring call, not one module) runs on the
// calling thread; a larger one is cut into pieces of kGrain elements (the mask runtime: at least kGrain).
//
// Measured on the 2-core machine of docs/performance.md (AMD EPYC Zen 4, 1 MiB L2 per core): waking the
// second thread costs a few microseconds, which |w| over 64K floats (about 8 us) already repays (0.6-0.7x
// the one-thread time at 64K, 0.5-0.6x at 256K); below 64K the wake-up eats the gain. A piece of 32K
// floats (128 KiB per array) stays in L2 between the count and the compute of a guarded step.
#pragma once
#include <cstddef>

namespace prunekit {

constexpr std::size_t kMinParallel = std::size_t{1} << 16;
constexpr std::size_t kGrain = std::size_t{1} << 15;

// The same values, adjustable at run time by the benchmarks.
struct SplitPolicy {
  std::size_t chunk = kGrain;
  std::size_t min_parallel = kMinParallel;
  // From this many elements in the whole batch (16 MB of scores, and as much again of each input) scores
  // that the kernel does not read are written with non-temporal stores: they would not stay in the caches.
  std::size_t min_streaming = std::size_t{1} << 22;
};

inline SplitPolicy& split_policy() {
  static SplitPolicy policy;
  return policy;
}

}  // namespace prunekit
