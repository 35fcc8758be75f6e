// A mutex and a condition variable over POSIX threads. std::condition_variable::wait compiled with GCC 12
// binds to a libstdc++ symbol version (GLIBCXX_3.4.30) that older distributions lack, which would keep the
// prebuilt binary from loading there; pthread_cond_wait has been stable for decades.
#pragma once

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
