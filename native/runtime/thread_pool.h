// A small fixed pool of worker threads for splitting large work. The calling thread takes part, so a pool
// of size 1 has no worker and runs everything inline. One parallel_for runs at a time; a caller that finds
// the pool busy (another thread's call in flight) runs its tasks inline instead of waiting.
//
// Waking: a worker that sleeps on a condition variable takes 15-60 us to start a job on a 2-vCPU KVM guest
// (a futex wake and a reschedule; native/bench/pool_bench.cc measures it), longer than the whole work of a
// mid-sized call. So, as OpenMP's workers do, a thread with nothing to do spins for a short while (spin(),
// kDefaultSpin) on the job counter before it sleeps: a spinning worker joins within a microsecond, and the
// rounds of one call (a guarded step counts, then scores) and calls that follow each other closely find it
// awake. The caller likewise spins, then sleeps, while the workers finish their last tasks. An idle pool
// stops spinning after spin() and costs nothing.
//
// Tasks take their indices from an atomic counter, so a worker that joins late takes fewer of them and the
// caller never waits for a worker that has not started. Tasks must not throw.
//
// Memory order: three handshakes are store buffering (each side writes its variable, then reads the other's):
// a sleeper counts itself in sleepers_ then reads epoch_, while the publisher writes epoch_ then reads
// sleepers_; the caller sets caller_sleeping_ then reads finished_, while the last task adds to finished_ then
// reads caller_sleeping_; a late worker adds to readers_ then reads epoch_, while the publisher makes epoch_
// odd then reads readers_. Each needs sequential consistency on the write and on the read, so that one side
// always sees the other: with release/acquire a read may pass the write before it (x86 compiles a release
// store to a plain MOV, an Armv8.3 target may make an acquire load LDAPR) and a wake-up is lost. They stay seq_cst
// (STLR then LDAR on AArch64, which the architecture keeps in order). native/test/store_load_litmus.cc is the pattern
// on its own; qemu-user breaks it (native/test/run.sh says how), so the pool's stress test does not run there.
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "sync.h"

namespace prunekit {

// The largest pool setThreads accepts.
constexpr unsigned kMaxPoolThreads = 256;

// How long an idle thread spins before it sleeps. Long enough to bridge the rounds of a call and calls a
// few microseconds apart, short enough that an idle pool gives its cores back at once (libgomp spins up
// to about 0.3 ms by default, Intel's OpenMP 200 ms).
constexpr std::chrono::nanoseconds kDefaultSpin = std::chrono::microseconds(50);

class ThreadPool {
 public:
  // The process-wide pool, sized from the CPU count at first use.
  static ThreadPool& shared();

  ~ThreadPool();

  // Threads taking part in a parallel_for, the caller included (>= 1).
  unsigned size() const;
  // Resizes the pool (>= 1); waits for work in flight. If the threads cannot all be started, throws
  // std::system_error with the pool back at its old size (or, if even that fails, as many as started).
  void resize(unsigned threads);

  // Runs task(i) for every i in [0, count) and returns when all are done.
  void parallel_for(std::size_t count, const std::function<void(std::size_t)>& task);

  // True when no worker sleeps (each is working or spinning): a job now starts on every thread within about
  // a microsecond. Meaningful when size() > 1.
  bool awake() const;
  // How long an idle thread spins before it sleeps (0: it sleeps at once). The benchmarks change it.
  std::chrono::nanoseconds spin() const;
  void set_spin(std::chrono::nanoseconds spin);
  // The job and sleep counters on one line, for a test that sees no progress (read while threads run).
  std::string state() const;

 private:
  ThreadPool() = default;
  // Starts workers until the pool has `threads`; on failure, joins those it started and rethrows.
  void start_(unsigned threads);
  void stop_();
  void worker_loop_(std::uint64_t seen);
  // Waits (spins, then sleeps) until a job newer than `seen` is published or the pool stops; false: stop.
  bool wait_for_job_(std::uint64_t seen);
  bool job_after_(std::uint64_t seen) const;
  // Runs tasks of the published job until none is left; called by workers and by the caller.
  void run_tasks_();
  // Spins on ready() for up to spin(); returns ready().
  template <typename Ready>
  bool spin_until_(Ready ready) const;

  Mutex resize_mutex_;
  std::atomic<bool> running_{false};  // a parallel_for (or a resize) is in flight
  mutable Mutex mutex_;               // guards workers_, and the sleeps on wake_ and done_
  CondVar wake_, done_;
  std::vector<std::thread> workers_;
  std::atomic<std::int64_t> spin_ns_{kDefaultSpin.count()};

  // The job. epoch_ is even when job epoch_/2 is published, odd while the caller writes the next one: the
  // caller writes task_ and count_ only while epoch_ is odd and no worker is between reading epoch_ and
  // leaving the job (readers_ == 0), so a worker that wakes late never reads a job half written.
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<unsigned> readers_{0};
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t count_ = 0;
  std::atomic<std::size_t> next_{0}, finished_{0};

  // Who sleeps, so that a publisher or the last task wakes them only when someone does.
  std::atomic<unsigned> sleepers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace prunekit
