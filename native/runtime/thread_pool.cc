#include "thread_pool.h"

#include <algorithm>
#include <mutex>

namespace prunekit {

ThreadPool& ThreadPool::shared() {
  static ThreadPool* pool = [] {
    auto* p = new ThreadPool();  // never destroyed: workers may outlive static destruction order
    p->start_(std::max(1u, std::min(std::thread::hardware_concurrency(), 16u)));
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
  stop_();
  start_(std::max(1u, threads));
  running_.store(false);
}

void ThreadPool::start_(unsigned threads) {
  std::lock_guard<Mutex> lock(mutex_);
  stopping_ = false;
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop_(); });
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
