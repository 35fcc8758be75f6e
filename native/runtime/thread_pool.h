// A small fixed pool of worker threads for splitting large scoring work. The calling thread takes part,
// so a pool of size 1 has no worker and runs everything inline. One parallel_for runs at a time; a caller
// that finds the pool busy (another thread's call in flight) runs its tasks inline instead of waiting.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "sync.h"

namespace prunekit {

// The largest pool setThreads accepts.
constexpr unsigned kMaxPoolThreads = 256;

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

 private:
  ThreadPool() = default;
  // Starts workers until the pool has `threads`; on failure, joins those it started and rethrows.
  void start_(unsigned threads);
  void stop_();
  void worker_loop_();
  void drain_();

  Mutex resize_mutex_;
  std::atomic<bool> running_{false};  // a parallel_for is in flight
  mutable Mutex mutex_;
  CondVar wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t count_ = 0, next_ = 0, finished_ = 0;
  unsigned generation_ = 0;
  bool stopping_ = false;
};

}  // namespace prunekit
