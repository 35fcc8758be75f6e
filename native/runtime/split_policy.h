// The one split policy of the thread pool, used by the scoring runtime and the mask runtime: a call over
// fewer than kMinParallel elements in all (the whole batch of a scoring call, not one module) runs on the
// calling thread; a larger one is cut into pieces of kGrain elements (the mask runtime: at least kGrain).
//
// Why these values (docs/performance.md has this machine's figures): waking the second thread costs a few
// microseconds, about what |w| over 64K floats takes on one core from L2, so below kMinParallel a split
// cannot pay; from 64K to 1M the second core halves the time when it is free (a test build with this
// threshold took 0.38-0.74x the one-thread time at 256K). A piece of 32K floats (128 KiB per array) stays in
// L2 between the count and the scoring of a guarded step, and gives two pieces to share at the threshold.
// The mask runtime's per-call split uses the same two constants.
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
