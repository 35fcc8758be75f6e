#include "thread_pool.h"

#include <algorithm>
#include <mutex>
#include <new>
#include <string>
#include <system_error>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#endif

namespace prunekit {
namespace {

// One step of a spin-wait: tells the core it is waiting (x86 PAUSE, Arm YIELD), which saves power and
// lets the other hyper-thread of the core run.
inline void cpu_relax_() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  _mm_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield");
#endif
}

}  // namespace

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

bool ThreadPool::awake() const { return sleepers_.load() == 0; }

std::chrono::nanoseconds ThreadPool::spin() const { return std::chrono::nanoseconds(spin_ns_.load()); }

void ThreadPool::set_spin(std::chrono::nanoseconds spin) { spin_ns_.store(std::max<std::int64_t>(0, spin.count())); }

std::string ThreadPool::state() const {
  return "running " + std::to_string(running_.load()) + ", epoch " + std::to_string(epoch_.load()) + ", readers " +
         std::to_string(readers_.load()) + ", next " + std::to_string(next_.load()) + ", finished " +
         std::to_string(finished_.load()) + ", sleepers " + std::to_string(sleepers_.load()) + ", caller sleeping " +
         std::to_string(caller_sleeping_.load()) + ", stopping " + std::to_string(stopping_.load());
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
    stopping_.store(false);
    const std::uint64_t epoch = epoch_.load();  // no job is in flight: new workers start after it
    try {
      workers_.reserve(threads);
      for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this, epoch] { worker_loop_(epoch); });
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
  stopping_.store(true);
  { std::lock_guard<Mutex> lock(mutex_); }  // a worker about to sleep has seen stopping_ or is asleep
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  std::lock_guard<Mutex> lock(mutex_);
  workers_.clear();
}

template <typename Ready>
bool ThreadPool::spin_until_(Ready ready) const {
  if (ready()) return true;
  const std::chrono::nanoseconds budget = spin();
  if (budget.count() == 0) return false;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 32; ++i) {  // the clock is read every 32 pauses (about 1 us on x86)
      cpu_relax_();
      if (ready()) return true;
    }
    if (std::chrono::steady_clock::now() - start >= budget) return ready();
  }
}

bool ThreadPool::job_after_(std::uint64_t seen) const {
  const std::uint64_t epoch = epoch_.load();
  return epoch % 2 == 0 && epoch != seen;
}

bool ThreadPool::wait_for_job_(std::uint64_t seen) {
  const auto ready = [&] { return stopping_.load() || job_after_(seen); };
  if (!spin_until_(ready)) {
    std::lock_guard<Mutex> lock(mutex_);
    // Counted before ready() is read again: a publisher that bumps epoch_ after that read sees the count
    // (both sequentially consistent) and wakes us.
    sleepers_.fetch_add(1);
    wake_.wait(mutex_, ready);
    sleepers_.fetch_sub(1);
  }
  return !stopping_.load();
}

void ThreadPool::worker_loop_(std::uint64_t seen) {
  while (wait_for_job_(seen)) {
    readers_.fetch_add(1);  // before epoch_ is read: the caller will not rewrite the job under us
    const std::uint64_t epoch = epoch_.load();
    if (epoch % 2 == 0 && epoch != seen) {
      seen = epoch;
      run_tasks_();
    }
    readers_.fetch_sub(1);
  }
}

void ThreadPool::run_tasks_() {
  const std::size_t count = count_;
  const auto* task = task_;
  for (std::size_t index = next_.fetch_add(1, std::memory_order_relaxed); index < count;
       index = next_.fetch_add(1, std::memory_order_relaxed)) {
    (*task)(index);
    // The caller sets caller_sleeping_ before it reads finished_ again: one of the two sees the other.
    if (finished_.fetch_add(1) + 1 == count && caller_sleeping_.load()) {
      std::lock_guard<Mutex> lock(mutex_);
      done_.notify_all();
    }
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
  // Publish: epoch_ odd, wait until no late worker of the last job still reads it, write, epoch_ even.
  const std::uint64_t epoch = epoch_.load();
  epoch_.store(epoch + 1);
  for (unsigned spins = 0; readers_.load() != 0; ++spins) {
    if (spins < 4096)
      cpu_relax_();
    else
      std::this_thread::yield();  // that worker lost its core
  }
  task_ = &task;
  count_ = count;
  next_.store(0, std::memory_order_relaxed);
  finished_.store(0, std::memory_order_relaxed);
  epoch_.store(epoch + 2);
  // Read after the store above, both seq_cst: a worker that counted itself before its last look at epoch_
  // is seen here (the header's memory order).
  if (sleepers_.load() != 0) {
    { std::lock_guard<Mutex> lock(mutex_); }  // a worker between its last look and its sleep is asleep now
    wake_.notify_all();
  }

  run_tasks_();
  const auto done = [&] { return finished_.load() == count; };
  if (!spin_until_(done)) {
    std::lock_guard<Mutex> lock(mutex_);
    caller_sleeping_.store(true);
    done_.wait(mutex_, done);
    caller_sleeping_.store(false);
  }
  running_.store(false);
}

}  // namespace prunekit
