// Score arrays in page mappings of their own, so that "skip" can publish a module's new scores by moving
// pages instead of writing them twice or keeping a copy of the old ones.
//
// The guard of "skip" must leave a module's scores as they were when one of its terms is not finite, and
// that is known only after every term was read. For a module whose scores live in such a mapping, the step
// writes its new scores into a staging mapping of the runtime while it counts (one pass over the inputs,
// the traffic of "propagate"), and only if every term was finite moves the staging pages to the scores'
// addresses and the old pages to the staging's (mremap, three calls, tens of microseconds). The scores'
// addresses never change, so the JavaScript Float32Array over them stays the same object; its contents are
// either the old scores or the new ones, never a mix.
//
// Linux only (mremap with MREMAP_DONTUNMAP, Linux 5.7): elsewhere, or where a move fails, allocate()
// returns nullptr and the runtime keeps its other guards. Every move keeps the source range mapped
// (DONTUNMAP), so no address range of the process is ever left unmapped, even for an instant, where
// another thread's mmap could land.
#pragma once
#include <cstddef>

#include "sync.h"

namespace prunekit::score_pages {

// Modules of this many scores or more (12 MiB) get their own mapping. Measured through the binding
// (docs/performance.md), one pass and a move beat two passes (|w|) and the copy (|w*g|) from 3M floats on
// one and two threads, and lost or tied up to 2M: there the module and its inputs stay in the last-level
// cache between steps, where a second pass is cheap, and the staging would be a third array in it; the
// moves' fixed cost (tens of microseconds) and the TLB refills after them weigh on a short pass too.
constexpr std::size_t kMinScores = std::size_t{3} << 20;
// kMinScores, unless a test lowered it to run the moves on small modules.
std::size_t& min_scores();

// n zeroed floats at the start of a mapping of their own (whole pages: at most a page more than asked),
// registered as moveable; nullptr if n < kMinScores, off Linux, on a kernel that cannot move pages as
// publish needs (before 5.7), or if the mapping fails.
float* allocate(std::size_t n);
// Unmaps and unregisters what allocate returned (nullptr: nothing).
void release(float* scores);
// Bytes mapped for n scores by allocate (what the process's memory grows by).
std::size_t mapped_bytes(std::size_t n);
// Whether scores[0..n) is exactly an allocate()d mapping (a shorter view of one is not: a move would take
// the pages past its end).
bool owns(const float* scores, std::size_t n);

// The staging mapping of the process, held by one call at a time (a call that finds it busy, or cannot grow
// it, gets ready() == false and takes another guard: same results).
class Staging {
 public:
  // Holds the staging for `scores` if they are an allocate()d mapping of at least `n` floats.
  Staging(const float* scores, std::size_t n);
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  bool ready() const { return out_ != nullptr; }
  // Where the new scores go: as many floats as the scores, at the start of a page.
  float* out() const { return out_; }
  // Makes out()'s contents the scores (the old scores' pages become the staging): moves pages, or copies
  // the n floats if a move fails. After it, out() holds nothing of use.
  void publish(float* scores, std::size_t n);

 private:
  const std::size_t bytes_;  // the scores' whole mapping, moved as one (0: not a mapping of ours)
  const Lease lease_;
  float* out_ = nullptr;
};

}  // namespace prunekit::score_pages
