// The split policy of the thread pool, used by the scoring runtime and the mask runtime: a call over fewer
// than kMinParallel elements in all (kMinParallelScoring for scoring: the whole batch of a call, not one
// module) runs on the calling thread; a larger one is cut into pieces of kGrain elements (the mask runtime:
// at least kGrain).
//
// Why these values (docs/performance.md has the figures): waking the second thread costs a few
// microseconds, so below the threshold a split cannot pay. For the mask engine (1-3 ns an element) that is
// 64K elements; an issue-13 test build on a Sapphire Rapids with this threshold for scoring took 0.38-0.74x
// the one-thread time at 256K, but the Zen 3 measured since loses below 256K (see kMinParallelScoring). A
// piece of 32K floats (128 KiB per array) stays in L2 between the count and the scoring of a guarded step.
#pragma once
#include <cstddef>

namespace prunekit {

constexpr std::size_t kMinParallel = std::size_t{1} << 16;
constexpr std::size_t kGrain = std::size_t{1} << 15;

// Scoring does far less work per element than the mask engine (0.15-0.3 ns a float in cache, against 1-3
// ns), so the pool's wake-up (a few microseconds, and two rounds for a guarded call) eats the gain of a
// smaller call: on the Zen 3 of docs/performance.md two threads took 1.75-2x the one-thread time at 64K,
// 1.0-1.3x at 256K and 0.55-0.93x from 1M, with the other core free. Scoring splits from 256K in all.
constexpr std::size_t kMinParallelScoring = std::size_t{1} << 18;

// The same values, adjustable at run time by the benchmarks.
struct SplitPolicy {
  std::size_t chunk = kGrain;
  std::size_t min_parallel = kMinParallelScoring;  // scoring
  std::size_t min_parallel_mask = kMinParallel;    // the mask runtime
  // From this many elements in the whole batch (16 MB of scores, and as much again of each input) scores
  // that the kernel does not read are written with non-temporal stores: they would not stay in the caches.
  std::size_t min_streaming = std::size_t{1} << 22;
};

inline SplitPolicy& split_policy() {
  static SplitPolicy policy;
  return policy;
}

}  // namespace prunekit
