#include "thread_pool.h"

#include <algorithm>
#include <mutex>
#include <new>
#include <string>
#include <system_error>

namespace prunekit {

ThreadPool& ThreadPool::shared() {
  static ThreadPool* pool = [] {
    auto* p = new ThreadPool();  // never destroyed: workers may outlive static destruction order
    try {
      p->start_(std::max(1u, std::min(std::thread::hardware_concurrency(), 16u)));
    } catch (const std::system_error&) {
      // no threads to spare: the caller runs everything (a pool of 1)
    }
    return p;
  }();
  return *pool;
}

ThreadPool::~ThreadPool() { stop_(); }

unsigned ThreadPool::size() const {
  std::lock_guard<Mutex> lock(mutex_);
  return static_cast<unsigned>(workers_.size()) + 1;
}

void ThreadPool::resize(unsigned threads) {
  std::lock_guard<Mutex> resizing(resize_mutex_);
  bool idle = false;
  while (!running_.compare_exchange_weak(idle, true)) {  // wait for the parallel_for in flight, if any
    idle = false;
    std::this_thread::yield();
  }
  const unsigned before = static_cast<unsigned>(workers_.size()) + 1;
  stop_();
  try {
    start_(std::max(1u, threads));
  } catch (const std::system_error&) {
    try {
      start_(before);
    } catch (const std::system_error&) {
      // fewer threads than before (none, if need be): the pool still works, the caller takes part
    }
    running_.store(false);
    throw;
  }
  running_.store(false);
}

void ThreadPool::start_(unsigned threads) {
  {
    std::lock_guard<Mutex> lock(mutex_);
    stopping_ = false;
    try {
      workers_.reserve(threads);
      for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop_(); });
      return;
    } catch (const std::bad_alloc&) {
      // reserve failed: reported as the thread failure below
    } catch (const std::system_error&) {
    }
  }
  stop_();
  throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                          "cannot start " + std::to_string(threads - 1) + " worker threads");
}

void ThreadPool::stop_() {
  {
    std::lock_guard<Mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

// Takes tasks until none is left; called by workers and by the caller.
void ThreadPool::drain_() {
  std::unique_lock<Mutex> lock(mutex_);
  while (next_ < count_) {
    const std::size_t index = next_++;
    const auto* task = task_;
    lock.unlock();
    (*task)(index);
    lock.lock();
    if (++finished_ == count_) done_.notify_all();
  }
}

void ThreadPool::worker_loop_() {
  unsigned seen = 0;
  for (;;) {
    {
      std::lock_guard<Mutex> lock(mutex_);
      wake_.wait(mutex_, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    drain_();
  }
}

void ThreadPool::parallel_for(std::size_t count, const std::function<void(std::size_t)>& task) {
  bool idle = false;
  if (count < 2 || !running_.compare_exchange_strong(idle, true)) {
    for (std::size_t i = 0; i < count; ++i) task(i);
    return;
  }
  if (workers_.empty()) {
    for (std::size_t i = 0; i < count; ++i) task(i);
    running_.store(false);
    return;
  }
  {
    std::lock_guard<Mutex> lock(mutex_);
    task_ = &task;
    count_ = count;
    next_ = finished_ = 0;
    ++generation_;
  }
  wake_.notify_all();
  drain_();
  {
    std::lock_guard<Mutex> lock(mutex_);
    done_.wait(mutex_, [&] { return finished_ == count_; });
    task_ = nullptr;
    count_ = 0;
  }
  running_.store(false);
}

}  // namespace prunekit
