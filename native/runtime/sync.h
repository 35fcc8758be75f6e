// A mutex and a condition variable over POSIX threads. std::condition_variable::wait compiled with GCC 12
// binds to a libstdc++ symbol version (GLIBCXX_3.4.30) that older distributions lack, which would keep the
// prebuilt binary from loading there; pthread_cond_wait has been stable for decades. And a Lease: a
// process-wide scratch resource held by one call at a time.
#pragma once

#include <atomic>

#if defined(_WIN32)
#include <condition_variable>
#include <mutex>

namespace prunekit {
using Mutex = std::mutex;
class CondVar {
 public:
  template <typename Predicate>
  void wait(Mutex& mutex, Predicate ready) {
    std::unique_lock<std::mutex> lock(mutex, std::adopt_lock);
    cond_.wait(lock, ready);
    lock.release();
  }
  void notify_all() { cond_.notify_all(); }

 private:
  std::condition_variable cond_;
};
}  // namespace prunekit

#else
#include <pthread.h>

namespace prunekit {

class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  ~Mutex() { pthread_mutex_destroy(&mutex_); }
  void lock() { pthread_mutex_lock(&mutex_); }
  void unlock() { pthread_mutex_unlock(&mutex_); }
  pthread_mutex_t* native() { return &mutex_; }

 private:
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
};

class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;
  ~CondVar() { pthread_cond_destroy(&cond_); }
  // Waits until ready() holds; `mutex` is locked by the caller and locked again on return.
  template <typename Predicate>
  void wait(Mutex& mutex, Predicate ready) {
    while (!ready()) pthread_cond_wait(&cond_, mutex.native());
  }
  void notify_all() { pthread_cond_broadcast(&cond_); }

 private:
  pthread_cond_t cond_ = PTHREAD_COND_INITIALIZER;
};

}  // namespace prunekit
#endif

namespace prunekit {

// A process-wide scratch resource (a buffer kept between calls) held by one call at a time: the lease is
// held if its flag was free, and frees it when it goes; a call that finds the flag taken is refused at
// once and takes another way to the same result. A flag, not std::mutex::try_lock: that needs
// pthread_mutex_trylock@GLIBC_2.34, which the prebuilt binary must not (scripts/prebuild.sh: glibc 2.17).
class Lease {
 public:
  // Takes `busy` if `want` and it is free.
  Lease(std::atomic<bool>& busy, bool want)
      : busy_(busy), held_(want && !busy.exchange(true, std::memory_order_acquire)) {}
  ~Lease() {
    if (held_) busy_.store(false, std::memory_order_release);
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  bool held() const { return held_; }

 private:
  std::atomic<bool>& busy_;
  const bool held_;
};

}  // namespace prunekit
