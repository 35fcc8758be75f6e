// The thread pool on this machine: how long a worker takes to join a job, and what the second thread gains
// on mid-sized scoring and mask-engine calls, cold (the worker asleep) and warm (the worker still spinning
// from the call before). The split thresholds of native/runtime/split_policy.h come from its tables
// (docs/performance.md). Built with the kernel tests (target pool_bench), not run by them:
//
//   cmake -S . -B build-native && cmake --build build-native --target pool_bench && build-native/pool_bench
//
// Arguments (optional): samples per figure (default 31), the scoring piece size (default kGrain). Needs 2 or
// more CPUs to say anything; on a shared machine run it at a real-time priority (chrt -f 10) so that other
// processes cannot take the second core (docs/performance.md).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "../kernels/dispatch.h"
#include "../runtime/mask_runtime.h"
#include "../runtime/score_batch.h"
#include "../runtime/split_policy.h"
#include "../runtime/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;
using prunekit::ThreadPool;

double ns_since_(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

// The calling thread busy for `ns` (a training step's forward and backward pass between two hook calls).
void busy_for_(double ns) {
  const Clock::time_point start = Clock::now();
  while (ns_since_(start) < ns) {
  }
}

double percentile_(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

// A two-task job in which the caller's task waits for the worker's to start: the time from the call to
// the worker's start is the pool's wake-up latency.
void wake_latency_(int samples) {
  ThreadPool& pool = ThreadPool::shared();
  const std::chrono::nanoseconds default_spin = pool.spin();
  std::printf("Wake-up: from parallel_for to the worker's first task, and the call's round trip (us; median, p90)\n");
  std::printf("%-14s %-12s %22s %22s %8s\n", "gap before", "spin", "worker joins", "round trip", "late");
  for (double gap_us : {0.0, 10.0, 100.0, 1000.0, 10000.0})
    for (std::chrono::nanoseconds spin : {std::chrono::nanoseconds{0}, default_spin}) {
      pool.set_spin(spin);
      std::vector<double> joins, trips;
      int late = 0;  // the worker missed the job (2 ms): the caller ran both tasks
      const int n = gap_us >= 10000 ? std::max(5, samples / 3) : samples * 3;
      for (int i = 0; i < n; ++i) {
        busy_for_(gap_us * 1000);
        const std::thread::id caller = std::this_thread::get_id();
        std::atomic<bool> joined{false};
        double join_ns = 0;
        const Clock::time_point start = Clock::now();
        pool.parallel_for(2, [&](std::size_t) {
          if (std::this_thread::get_id() != caller) {
            join_ns = ns_since_(start);
            joined.store(true);
            return;
          }
          while (!joined.load() && ns_since_(start) < 2e6) {
          }
        });
        const double trip_ns = ns_since_(start);
        if (!joined.load()) {
          ++late;
          continue;
        }
        joins.push_back(join_ns / 1000);
        trips.push_back(trip_ns / 1000);
      }
      std::printf("%-14s %-12s %10.2f %10.2f %10.2f %10.2f %8d\n",
                  gap_us == 0 ? "none" : (std::to_string(static_cast<int>(gap_us)) + " us").c_str(),
                  (std::to_string(spin.count() / 1000) + " us").c_str(), joins.empty() ? 0 : percentile_(joins, 0.5),
                  joins.empty() ? 0 : percentile_(joins, 0.9), trips.empty() ? 0 : percentile_(trips, 0.5),
                  trips.empty() ? 0 : percentile_(trips, 0.9), late);
    }
  pool.set_spin(default_spin);
  std::printf("\n");
}

// ns per element of `call` over n elements: warm = calls back to back (median of samples of several calls
// each); cold = each call after 1 ms in which the caller wrote the inputs (touch) and was busy elsewhere (the
// worker has gone to sleep).
struct Timing {
  double warm, cold;
};

Timing time_(std::size_t n, int samples, const std::function<void()>& call, const std::function<void()>& touch) {
  std::vector<double> warm, cold;
  const int reps = static_cast<int>(std::max<std::size_t>(1, (std::size_t{4} << 20) / n));
  call();
  for (int s = 0; s < samples; ++s) {
    const Clock::time_point start = Clock::now();
    for (int r = 0; r < reps; ++r) call();
    warm.push_back(ns_since_(start) / reps / static_cast<double>(n));
    const Clock::time_point gap = Clock::now();
    touch();  // the caller's training step wrote the inputs: they are in its caches, not the worker's
    busy_for_(1e6 - ns_since_(gap));
    const Clock::time_point one = Clock::now();
    call();
    cold.push_back(ns_since_(one) / static_cast<double>(n));
  }
  return {percentile_(warm, 0.5), percentile_(cold, 0.5)};
}

const std::size_t kSizes[] = {std::size_t{1} << 14, std::size_t{1} << 15, std::size_t{1} << 16, std::size_t{1} << 17,
                              std::size_t{1} << 18, std::size_t{1} << 19, std::size_t{1} << 20};

// Four ways to run a call: on the calling thread (1t); split across the pool whatever its size, the
// workers sleeping at once (spin 0: the pool before it spun) or spinning first; and the default policy
// (spinning workers, split_pays of split_policy.h).
struct Row {
  Timing one, forced_asleep, forced_spinning, policy;
};

void print_row_(const char* what, std::size_t n, const Row& r) {
  std::printf("%-20s %5zuK %6.3f %6.3f %6.3f %6.3f  %6.3f %6.3f %6.3f %6.3f  %5.2f %5.2f\n", what, n >> 10, r.one.warm,
              r.forced_asleep.warm, r.forced_spinning.warm, r.policy.warm, r.one.cold, r.forced_asleep.cold,
              r.forced_spinning.cold, r.policy.cold, r.policy.warm / r.one.warm, r.policy.cold / r.one.cold);
}

void print_header_(const char* title) {
  std::printf("%s (ns/element, medians)\n", title);
  std::printf(
      "1t: calling thread; split: always split, sp0 with the workers sleeping at once, sp with the default "
      "spin; policy: the default\n");
  std::printf("%-20s %6s %-27s  %-27s  %s\n", "", "", "warm: calls back to back", "cold: calls 1 ms apart",
              "policy/1t");
  std::printf("%-20s %6s %6s %6s %6s %6s  %6s %6s %6s %6s  %5s %5s\n", "", "size", "1t", "sp0", "sp", "policy", "1t",
              "sp0", "sp", "policy", "warm", "cold");
}

Row compare_(std::size_t n, int samples, const std::function<void()>& call, const std::function<void()>& touch) {
  using namespace prunekit;
  ThreadPool& pool = ThreadPool::shared();
  const std::chrono::nanoseconds spin = pool.spin();
  const SplitPolicy saved = split_policy();
  Row row;
  split_policy().min_parallel = split_policy().min_parallel_mask = split_policy().min_parallel_awake = SIZE_MAX;
  row.one = time_(n, samples, call, touch);
  split_policy().min_parallel = split_policy().min_parallel_mask = 0;
  pool.set_spin(std::chrono::nanoseconds{0});
  row.forced_asleep = time_(n, samples, call, touch);
  pool.set_spin(spin);
  row.forced_spinning = time_(n, samples, call, touch);
  split_policy() = saved;
  row.policy = time_(n, samples, call, touch);
  return row;
}

// One module scored by run_score_batch, on the calling thread and split across the pool (forced).
void scoring_(int samples) {
  using namespace prunekit;
  print_header_("Scoring, one module, run_score_batch");
  const std::size_t max_n = kSizes[sizeof kSizes / sizeof kSizes[0] - 1];
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> w(max_n), g(max_n), s(max_n);
  for (std::size_t i = 0; i < max_n; ++i) w[i] = uniform(rng), g[i] = uniform(rng), s[i] = uniform(rng);
  const struct {
    const char* name;
    ScoreOp op;
    ScoreMode mode;
  } cases[] = {{"magnitude skip", ScoreOp::kAbs, ScoreMode::kGuarded},
               {"magnitude propagate", ScoreOp::kAbs, ScoreMode::kCompute},
               {"snip skip", ScoreOp::kAbsMul, ScoreMode::kGuarded},
               {"snip_momentum skip", ScoreOp::kMomentum, ScoreMode::kGuarded}};
  for (const auto& c : cases)
    for (std::size_t n : kSizes) {
      const ScoreTarget target{w.data(), g.data(), s.data(), n};
      std::size_t count = 0;
      const auto call = [&] { run_score_batch({c.op, 0.9f, 0.1f, &target, 1}, c.mode, &count); };
      const auto touch = [&] {  // a training step on the calling thread: everything in its caches
        for (std::size_t i = 0; i < n; ++i) w[i] += 0.0f, g[i] += 0.0f, s[i] += 0.0f;
      };
      print_row_(c.name, n, compare_(n, samples, call, touch));
    }
  std::printf("\n");
}

// The mask engine's per-layer passes (a radix-select histogram and the keys), same comparison.
void mask_engine_(int samples) {
  using namespace prunekit;
  print_header_("Mask engine, one layer");
  const std::size_t max_n = kSizes[sizeof kSizes / sizeof kSizes[0] - 1];
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> uniform(0, 1);
  std::vector<float> s(max_n);
  for (float& x : s) x = uniform(rng);
  std::vector<std::uint32_t> hist(2048), keys(max_n);
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t n : kSizes) {
      if (n < 2 * kGrain) continue;  // the mask runtime's pieces are at least kGrain: nothing to split
      const auto touch = [&] {       // the scores were written by the scoring call before the pruning step
        for (std::size_t i = 0; i < n; ++i) s[i] += 0.0f;
      };
      const auto call = [&] {
        if (pass == 0)
          run_select_histogram(s.data(), n, 0, 0, 11, hist.data());
        else
          run_select_keys(s.data(), n, keys.data());
      };
      print_row_(pass == 0 ? "histogram 11 bits" : "keys", n, compare_(n, samples, call, touch));
    }
}

}  // namespace

int main(int argc, char** argv) {
  const int samples = argc > 1 ? std::max(3, std::atoi(argv[1])) : 31;
  if (argc > 2) prunekit::split_policy().chunk = std::max(1024, std::atoi(argv[2]));
  ThreadPool& pool = ThreadPool::shared();
  if (pool.size() < 2) pool.resize(2);
  std::printf("pool of %u threads, %u CPUs, active ISA %s, default spin %lld us, scoring pieces of %zu\n\n",
              pool.size(), std::thread::hardware_concurrency(), prunekit::isa_name(prunekit::isa_active()),
              static_cast<long long>(pool.spin().count() / 1000), prunekit::split_policy().chunk);
  wake_latency_(samples);
  scoring_(samples);
  mask_engine_(samples);
  return 0;
}
