// The split policy of the thread pool, used by the scoring runtime and the mask runtime. A call over
// `elements` in all (scoring: the whole batch of a call, not one module) splits across the pool
// - always from min_parallel elements (scoring 512K, the mask engine 256K);
// - from min_parallel_awake (64K) when the pool's workers are awake, spinning after a job (they join in
//   about a microsecond), or when the call follows a mid-sized scoring call closely (split_pays): calls
//   in a sequence (the passes of a pruning step, a loop over modules, a benchmark) split, a lone one
//   (one hook call a training step, the workers asleep) does not;
// - never below that: the work (under 20 us) is about what waking a thread costs.
// A split call is cut into pieces of `chunk` (32K) elements that the threads take in turn (the mask
// runtime: at least kGrain, about four a thread); the calling thread takes pieces too. A piece of 32K
// floats (128 KiB per array) stays in L2 between the count and the scoring of a guarded step.
//
// Why (native/bench/pool_bench.cc; docs/performance.md has the tables; a 2-vCPU Zen 3 under KVM, run at a
// real-time priority so that the other core was free): a sleeping worker takes 13-27 us to join a job
// (50-75 us after 10 ms idle), a spinning one about 1 us; waking one costs the waker 11 us (67 us without
// the real-time priority: the woken thread takes the waker's core). Called back to back (the worker
// spinning), two threads took 0.53-1.22x the one-thread time from 64K, mostly 0.55-0.95; called 1 ms apart
// (the worker asleep, the data in the caller's caches), scoring took 1.14-2.44x at 64K-128K, 0.67-1.72x at
// 256K and 0.69-1.26x at 512K, the mask engine 0.84-4.0x at 64K and 0.43-1.34x at 256K.
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "thread_pool.h"

namespace prunekit {

constexpr std::size_t kMinParallelScoring = std::size_t{1} << 19;
constexpr std::size_t kMinParallelMask = std::size_t{1} << 18;
constexpr std::size_t kMinParallelAwake = std::size_t{1} << 16;
constexpr std::size_t kGrain = std::size_t{1} << 15;

// The same values, adjustable at run time by the tests and benchmarks.
struct SplitPolicy {
  std::size_t chunk = kGrain;
  std::size_t min_parallel = kMinParallelScoring;
  std::size_t min_parallel_mask = kMinParallelMask;
  std::size_t min_parallel_awake = kMinParallelAwake;
  // From this many elements in the whole batch (16 MB of scores, and as much again of each input) scores
  // that the kernel does not read are written with non-temporal stores: they would not stay in the caches.
  std::size_t min_streaming = std::size_t{1} << 22;
};

inline SplitPolicy& split_policy() {
  static SplitPolicy policy;
  return policy;
}

// When the last scoring call of min_parallel_awake or more elements ended (steady clock, ns; SequenceMark).
inline std::atomic<std::int64_t>& last_mid_call_end() {
  static std::atomic<std::int64_t> end{std::numeric_limits<std::int64_t>::min() / 2};
  return end;
}

inline std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Whether a call over `elements` splits across `pool` (of more than one thread); `always` is the policy's
// min_parallel or min_parallel_mask. A mid-sized call splits when the workers are awake, or when it starts
// within the pool's spin of the end of the last mid-sized scoring call: then it is one of a sequence (a loop
// over modules, a benchmark), and waking the workers once pays over the calls that follow. A lone call (one
// hook call a training step) runs on the calling thread.
inline bool split_pays(const ThreadPool& pool, std::size_t elements, std::size_t always) {
  if (elements >= always) return true;
  if (elements < split_policy().min_parallel_awake) return false;
  return pool.awake() || steady_ns() - last_mid_call_end().load(std::memory_order_relaxed) < pool.spin().count();
}

// Records the end of a mid-sized scoring call (split or not) when it goes out of scope.
class SequenceMark {
 public:
  explicit SequenceMark(std::size_t elements) : mid_(elements >= split_policy().min_parallel_awake) {}
  SequenceMark(const SequenceMark&) = delete;
  SequenceMark& operator=(const SequenceMark&) = delete;
  ~SequenceMark() {
    if (mid_) last_mid_call_end().store(steady_ns(), std::memory_order_relaxed);
  }

 private:
  bool mid_;
};

}  // namespace prunekit
