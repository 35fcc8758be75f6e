// Store buffering, the litmus test behind every sleep/wake handshake of the thread pool: thread A stores x
// then loads y, thread B stores y then loads x, all std::atomic with the default (sequentially consistent)
// order. C++ forbids both loads returning the old value, and so does every real CPU the pool runs on: x86
// compiles the store to XCHG (or MOV+MFENCE), AArch64 to STLR followed by LDAR, which the Arm architecture
// orders (a store-release is ordered before a later load-acquire). The thread pool's handshakes (a sleeper
// counts itself, then re-reads the job epoch; the publisher bumps the epoch, then reads the count) are this
// pattern: an outcome with both loads old is a lost wake-up.
//
// qemu-user (7.2, TCG on an x86 host) translates STLR as "fence, plain store" and LDAR as "plain load,
// fence", with nothing between the two, so the host's store buffer lets the load pass the store: this
// program counts the forbidden outcome there. native/test/run.sh runs it natively (must be 0) and under
// qemu-aarch64-static, and keeps the pool's stress test away from an emulator that breaks the pattern.
//
// Usage: store_load_litmus [rounds]. Prints the count; exits 1 if any round shows the forbidden outcome.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

// Each round uses its own pair of variables, each on its own cache line, so no round sees another's stores.
struct alignas(64) Flag {
  std::atomic<int> value{0};
};

struct Round {
  Flag x, y;
  int seen_by_a = -1, seen_by_b = -1;
};

// Both threads arrive, then act at once: the skew between them is one cache-line transfer, short enough for
// a store still in the store buffer to matter.
void meet_(std::atomic<long>& arrived, long round) {
  arrived.fetch_add(1, std::memory_order_acq_rel);
  while (arrived.load(std::memory_order_acquire) < 2 * (round + 1)) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? std::atol(argv[1]) : 200000;
  if (rounds <= 0) {
    std::fprintf(stderr, "usage: store_load_litmus [rounds > 0]\n");
    return 2;
  }
  std::vector<Round> trials(static_cast<std::size_t>(rounds));
  std::atomic<long> arrived{0};
  std::thread b([&] {
    for (long i = 0; i < rounds; ++i) {
      meet_(arrived, i);
      trials[i].y.value.store(1);
      trials[i].seen_by_b = trials[i].x.value.load();
    }
  });
  for (long i = 0; i < rounds; ++i) {
    meet_(arrived, i);
    trials[i].x.value.store(1);
    trials[i].seen_by_a = trials[i].y.value.load();
  }
  b.join();
  long forbidden = 0;
  for (const Round& r : trials) forbidden += r.seen_by_a == 0 && r.seen_by_b == 0;
  std::printf("store buffering with sequentially consistent atomics: both loads old in %ld of %ld rounds%s\n",
              forbidden, rounds, forbidden == 0 ? "" : " (forbidden by C++: sequential consistency broken here)");
  return forbidden == 0 ? 0 : 1;
}
