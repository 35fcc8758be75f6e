// The thread pool (native/runtime/thread_pool.cc): every task runs exactly once and its writes are visible
// to the caller when parallel_for returns, whether the workers are spinning, asleep, or woken mid-job;
// with several callers at once (one gets the pool, the others run inline); and while another thread resizes
// the pool. The per-index counters are plain ints, so a missing happens-before shows as a wrong count here
// and as a data race under ThreadSanitizer (scripts/ci/trust.sh builds this file with -fsanitize=thread).
// A lost wake-up shows as a hang: a watchdog fails the test with the pool's counters when no call has
// returned for 30 s (all of it takes a few seconds), instead of leaving ctest to time out without a clue.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../runtime/thread_pool.h"
#include "test_util.h"

using namespace prunekit;
using namespace prunekit::test;

namespace {

// What the watchdog reports: calls returned so far, and the last call's task count and test.
std::atomic<long> calls_returned{0};
std::atomic<std::size_t> last_count{0};
std::atomic<const char*> phase{"start"};

// Fails the process (exit 1) when calls_returned stays still for 30 s; stops when `stop` is set.
void watch_(const ThreadPool& pool, const std::atomic<bool>& stop) {
  long seen = -1;
  auto since = std::chrono::steady_clock::now();
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const long now = calls_returned.load();
    if (now != seen) {
      seen = now;
      since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - since > std::chrono::seconds(30)) {
      std::fprintf(stderr,
                   "FAIL: no parallel_for returned for 30 s (%s, %ld calls returned, the last had %zu tasks): %s\n",
                   phase.load(), now, last_count.load(), pool.state().c_str());
      std::fflush(stderr);
      std::_Exit(1);
    }
  }
}

// `calls` parallel_for calls of random sizes; between calls the caller sometimes pauses long enough for
// the workers to stop spinning and sleep. Returns the number of calls in which some index did not run
// exactly once by the time parallel_for returned.
int run_calls_(ThreadPool& pool, unsigned seed, int calls, int pause_every) {
  std::mt19937 rng(seed);
  int bad = 0;
  std::vector<int> hits;
  for (int call = 0; call < calls; ++call) {
    const std::size_t count = rng() % 5 == 0 ? rng() % 3 : 1 + rng() % 200;
    hits.assign(count, 0);
    const unsigned work = rng() % 4;  // tasks of a few hundred ns up to some microseconds
    last_count.store(count);
    pool.parallel_for(count, [&](std::size_t i) {
      volatile unsigned sink = 0;
      for (unsigned k = 0; k < work * 500; ++k) sink = sink + k;
      ++hits[i];
    });
    calls_returned.fetch_add(1);
    for (std::size_t i = 0; i < count; ++i)
      if (hits[i] != 1) {
        ++bad;
        break;
      }
    if (pause_every != 0 && call % pause_every == 0)
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2 == 0 ? 20 : 300));
  }
  return bad;
}

void one_caller_() {
  ThreadPool& pool = ThreadPool::shared();
  const std::chrono::nanoseconds saved = pool.spin();
  phase.store("one caller");
  for (unsigned threads : {2u, 4u, 8u}) {  // 8: more threads than a small machine has cores (races likelier)
    pool.resize(threads);
    for (std::chrono::nanoseconds spin : {std::chrono::nanoseconds{0}, std::chrono::nanoseconds{2000}, saved}) {
      pool.set_spin(spin);
      const int bad = run_calls_(pool, threads * 31 + static_cast<unsigned>(spin.count()), 3000, 7);
      expect_(bad == 0, "one caller, " + std::to_string(threads) + " threads, spin " + std::to_string(spin.count()) +
                            " ns: " + std::to_string(bad) + " calls wrong");
    }
  }
  pool.set_spin(saved);
}

// Three threads call at once: one owns the pool per call, the others run their tasks inline.
void concurrent_callers_() {
  ThreadPool& pool = ThreadPool::shared();
  phase.store("three concurrent callers");
  pool.resize(3);
  std::atomic<int> bad{0};
  std::vector<std::thread> callers;
  for (unsigned c = 0; c < 3; ++c) callers.emplace_back([&, c] { bad += run_calls_(pool, 100 + c, 2000, 13); });
  for (std::thread& t : callers) t.join();
  expect_(bad == 0, "three concurrent callers: " + std::to_string(bad.load()) + " calls wrong");
}

// One thread calls while another resizes the pool between 1 and 4 threads.
void resize_while_calling_() {
  ThreadPool& pool = ThreadPool::shared();
  phase.store("calls while the pool resizes");
  pool.resize(2);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread caller([&] {
    for (unsigned round = 0; !stop.load(); ++round) bad += run_calls_(pool, 500 + round, 200, 11);
  });
  for (unsigned i = 0; i < 40; ++i) {
    pool.resize(1 + i % 4);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop.store(true);
  caller.join();
  expect_(bad == 0, "calls while the pool resizes: " + std::to_string(bad.load()) + " calls wrong");
  expect_(pool.size() == 4, "the pool has the size of the last resize (" + std::to_string(pool.size()) + ")");
}

// awake() (the split policy's test for mid-sized calls): true while the workers spin after a job, false
// once they sleep. Polled for up to a second: a loaded machine may be slow to schedule them.
void awake_() {
  ThreadPool& pool = ThreadPool::shared();
  const std::chrono::nanoseconds saved = pool.spin();
  phase.store("awake()");
  pool.resize(2);
  const auto within_a_second = [&](bool want) {
    for (int i = 0; i < 1000; ++i) {
      if (pool.awake() == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  };
  pool.set_spin(std::chrono::nanoseconds{0});
  pool.parallel_for(2, [](std::size_t) {});
  expect_(within_a_second(false), "without a spin the worker sleeps after a job: awake() turns false");
  pool.set_spin(std::chrono::seconds(10));
  pool.parallel_for(2, [](std::size_t) {});
  expect_(within_a_second(true), "with a spin of 10 s the worker stays up after a job: awake() turns true");
  pool.set_spin(saved);
  pool.parallel_for(2, [](std::size_t) {});  // the worker sleeps again after `saved`
}

}  // namespace

int main() {
  const unsigned saved = ThreadPool::shared().size();
  std::atomic<bool> done{false};
  std::thread watchdog([&] { watch_(ThreadPool::shared(), done); });
  one_caller_();
  concurrent_callers_();
  resize_while_calling_();
  awake_();
  ThreadPool::shared().resize(saved);
  done.store(true);
  watchdog.join();
  std::printf("thread pool: every task once, its writes visible to the caller\n");
  return finish_();
}
