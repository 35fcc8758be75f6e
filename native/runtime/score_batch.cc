#include "score_batch.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "../kernels/dispatch.h"
#include "score_pages.h"
#include "sync.h"
#include "thread_pool.h"

namespace prunekit {
namespace {

// The scoring pass of a counted module goes back to front in chunks of this many elements (64 KiB of each
// input): the first chunks it scores are the last ones the count read, still in L2 and the last-level
// cache. Within a chunk it goes front to back, which the hardware prefetchers follow best.
constexpr std::size_t kGuardChunk = std::size_t{1} << 14;

struct Piece {
  std::size_t target, begin, end;
};

// The one-pass guard of snip and snip_momentum ("skip"): a module larger than a chunk is scored in one pass
// that keeps a copy of its old scores, put back if a term was not finite. For these two the copy's traffic
// (read s, write the copy) costs less than reading w and g a second time (docs/performance.md: 1.1-1.6x
// faster from 64K); for |w| it does not, so magnitude and gradient keep the two passes.
// Modules above kMaxCopied elements (256 MiB of copy) take the two passes: the copy would double the
// memory of their scores.
constexpr std::size_t kMaxCopied = std::size_t{1} << 26;

// Whether module t publishes its scores by moving pages (score_pages.h): "skip", its scores a mapping of
// their own, and not momentum: momentum reads its old scores anyway, so the copy costs it little, and after
// a move its reads and writes start with cold TLB entries; the copy measured as fast at 16M and faster at
// 512K-1M (docs/performance.md).
bool publishes_(ScoreOp op, ScoreMode mode, const ScoreTarget& t) {
  return mode == ScoreMode::kGuarded && op != ScoreOp::kMomentum && score_pages::owns(t.s, t.n);
}

// Whether module t takes the one-pass guard with a copy; `chunk`: the size below which it is counted and
// scored back to back (both reads from L1/L2) instead.
bool copies_old_scores_(ScoreOp op, ScoreMode mode, const ScoreTarget& t, std::size_t chunk) {
  return mode == ScoreMode::kGuarded && op != ScoreOp::kAbs && t.n > chunk && t.n <= kMaxCopied &&
         !publishes_(op, mode, t);
}

// The buffer of those copies: one for the process, grown to the largest module it has served and kept
// (allocating it per call would fault in every page of it), used by one call at a time. A call that finds
// it busy (a concurrent call on another thread) or cannot grow it takes the two passes: same results.
class OldScores {
 public:
  // Holds the buffer for this call if it is free and can hold `n` floats; otherwise ready() is false.
  explicit OldScores(std::size_t n) : lease_(busy_(), n != 0) {
    if (!lease_.held()) return;
    Storage& storage = storage_();
    if (storage.capacity < n) {
      storage.data.reset();  // the old buffer goes first, so the two never coexist
      storage.capacity = 0;
      storage.data.reset(new (std::nothrow) float[n + kSlack]);
      if (storage.data) storage.capacity = n;
    }
    if (storage.capacity >= n) base_ = storage.data.get();
  }
  bool ready() const { return base_ != nullptr; }
  // Where module scores `s` keep their copy: at s's address modulo 32 bytes, so that the kernels stream both,
  // and half a page away from it modulo 4 KiB: at the same offset in a page, the loads of s and the
  // streaming stores of the copy alias and the pass runs 2-5x slower (measured).
  float* for_scores(const float* s) const {
    const std::uintptr_t page = (reinterpret_cast<std::uintptr_t>(base_) + 4095) & ~std::uintptr_t{4095};
    return reinterpret_cast<float*>(page + ((reinterpret_cast<std::uintptr_t>(s) + kStagger) & 4095));
  }

 private:
  static constexpr std::uintptr_t kStagger = 2048 + 32;            // a multiple of 32 bytes
  static constexpr std::size_t kSlack = 2 * 4096 / sizeof(float);  // room to place the copy in its page
  struct Storage {
    std::unique_ptr<float[]> data;
    std::size_t capacity = 0;
  };
  static std::atomic<bool>& busy_() {
    static std::atomic<bool> busy{false};
    return busy;
  }
  static Storage& storage_() {
    static Storage storage;
    return storage;
  }
  const Lease lease_;
  float* base_ = nullptr;
};

// How the one-pass guard stores its copy of a module's old scores, split over `threads` threads: through
// the caches if each thread's part is at most 512K floats and the module at most 1M (its w, g, s and copy:
// 16 MiB, which stay in a 32 MiB last-level cache from one call to the next; more threads do not bring a
// larger cache on every machine), streamed past them above that. Measured through the binding
// (docs/performance.md): on two threads 0.12 ns/el cached against 0.19-0.20 streamed at 256K-1M, back to
// back (both cores' streamed copies share the memory's write bandwidth); on one thread level up to 512K,
// and from 1M 11-34% slower cached when each call follows one that filled the caches with other lines.
Store copy_store_(std::size_t n, std::size_t threads) {
  constexpr std::size_t kMaxCachedPart = std::size_t{1} << 19, kMaxCached = std::size_t{1} << 20;
  return n <= kMaxCachedPart * threads && n <= kMaxCached ? Store::kCached : Store::kStreaming;
}

// [begin, end) of a module scored in one pass with its old scores copied to old[begin, end); returns the
// number of non-finite terms.
std::size_t score_keeping_(const ScoreKernels& k, const ScoreBatch& b, const ScoreTarget& t, float* old,
                           std::size_t begin, std::size_t end, Store store, Store old_store) {
  const std::size_t n = end - begin;
  return b.op == ScoreOp::kMomentum
             ? k.momentum_keep_f32(t.w + begin, t.g + begin, t.s + begin, old + begin, n, b.alpha, b.beta, store,
                                   old_store)
             : k.abs_mul_keep_f32(t.w + begin, t.g + begin, t.s + begin, old + begin, n, store, old_store);
}

// [begin, end) of a module scored into `out` (its own offsets) while counted; returns the non-finite terms.
std::size_t score_into_(const ScoreKernels& k, const ScoreBatch& b, const ScoreTarget& t, float* out, std::size_t begin,
                        std::size_t end, Store store) {
  const std::size_t n = end - begin;
  switch (b.op) {
    case ScoreOp::kAbs:
      return k.abs_into_f32(t.w + begin, out + begin, n, store);
    case ScoreOp::kAbsMul:
      return k.abs_mul_into_f32(t.w + begin, t.g + begin, out + begin, n, store);
    case ScoreOp::kMomentum:  // never published (publishes_)
      break;
  }
  return 0;
}

// The guard of a module that publishes: its pieces ([begin, end) pairs, run by `for_pieces`) scored into
// the staging (stored as the scores would be: the kernels never read it), then moved in if every term was
// finite. Returns false, having done nothing, when the staging
// is not available (another call holds it): the caller takes the two passes.
template <typename ForPieces>
bool score_published_(const ScoreKernels& k, const ScoreBatch& b, const ScoreTarget& t, Store store, std::size_t* count,
                      ForPieces for_pieces) {
  score_pages::Staging staging(t.s, t.n);
  if (!staging.ready()) return false;
  *count = for_pieces(
      [&](std::size_t begin, std::size_t end) { return score_into_(k, b, t, staging.out(), begin, end, store); });
  if (*count == 0) staging.publish(t.s, t.n);
  return true;
}

// A module's scores put back from their copy (a step with a non-finite term leaves them as they were).
void restore_(const ScoreTarget& t, const float* old) { std::memcpy(t.s, old, t.n * sizeof(float)); }

// The size of the copy buffer a call needs: its largest module that takes the one-pass guard, or 0.
std::size_t old_scores_needed_(const ScoreBatch& b, ScoreMode mode, std::size_t chunk) {
  std::size_t most = 0;
  for (std::size_t i = 0; i < b.count; ++i)
    if (copies_old_scores_(b.op, mode, b.targets[i], chunk)) most = std::max(most, b.targets[i].n);
  return most;
}

std::size_t count_(const ScoreKernels& k, ScoreOp op, const ScoreTarget& t, std::size_t begin, std::size_t end) {
  return op == ScoreOp::kAbs ? k.count_nonfinite_f32(t.w + begin, end - begin)
                             : k.count_nonfinite_mul_f32(t.w + begin, t.g + begin, end - begin);
}

void compute_(const ScoreKernels& k, const ScoreBatch& b, const ScoreTarget& t, std::size_t begin, std::size_t end,
              Store store) {
  const std::size_t n = end - begin;
  switch (b.op) {
    case ScoreOp::kAbs:
      k.abs_f32(t.w + begin, t.s + begin, n, store);
      break;
    case ScoreOp::kAbsMul:
      k.abs_mul_f32(t.w + begin, t.g + begin, t.s + begin, n, store);
      break;
    case ScoreOp::kMomentum:
      k.momentum_f32(t.w + begin, t.g + begin, t.s + begin, n, b.alpha, b.beta, store);
      break;
  }
}

// [begin, end) scored back to front in kGuardChunk pieces aligned on `begin`.
void compute_backwards_(const ScoreKernels& k, const ScoreBatch& b, const ScoreTarget& t, std::size_t begin,
                        std::size_t end, Store store) {
  if (end <= begin) return;
  std::size_t chunk_begin = begin + (end - begin - 1) / kGuardChunk * kGuardChunk;
  for (std::size_t chunk_end = end;; chunk_end = chunk_begin, chunk_begin -= kGuardChunk) {
    compute_(k, b, t, chunk_begin, chunk_end, store);
    if (chunk_begin == begin) break;
  }
}

// Single thread. Guarded: module by module, counted front to back, then scored back to front. All or
// nothing: every module counted, then all scored, the last counted first.
bool run_serial_(const ScoreKernels& k, const ScoreBatch& b, ScoreMode mode, std::size_t* counts, Store store) {
  if (mode == ScoreMode::kAllOrNothing) {
    bool clean = true;
    for (std::size_t i = 0; i < b.count; ++i)
      clean &= (counts[i] = count_(k, b.op, b.targets[i], 0, b.targets[i].n)) == 0;
    if (!clean) return false;
    for (std::size_t i = b.count; i-- > 0;) compute_backwards_(k, b, b.targets[i], 0, b.targets[i].n, store);
    return true;
  }
  const std::size_t needed = old_scores_needed_(b, mode, kGuardChunk);
  const OldScores old_scores(needed);
  for (std::size_t i = 0; i < b.count; ++i) {
    const ScoreTarget& t = b.targets[i];
    const auto whole = [&](auto score) { return score(std::size_t{0}, t.n); };
    if (publishes_(b.op, mode, t) && score_published_(k, b, t, store, &counts[i], whole)) continue;
    if (old_scores.ready() && copies_old_scores_(b.op, mode, t, kGuardChunk)) {
      float* old = old_scores.for_scores(t.s);
      if ((counts[i] = score_keeping_(k, b, t, old, 0, t.n, store, copy_store_(t.n, 1))) != 0) restore_(t, old);
      continue;
    }
    counts[i] = mode == ScoreMode::kGuarded ? count_(k, b.op, t, 0, t.n) : 0;
    if (counts[i] != 0) continue;
    if (mode == ScoreMode::kGuarded)
      compute_backwards_(k, b, t, 0, t.n, store);
    else
      compute_(k, b, t, 0, t.n, store);
  }
  return true;
}

}  // namespace

Store score_store(ScoreOp op, std::size_t total) {
  return op != ScoreOp::kMomentum && total >= split_policy().min_streaming ? Store::kStreaming : Store::kCached;
}

bool run_score_batch(const ScoreBatch& b, ScoreMode mode, std::size_t* counts) {
  const ScoreKernels& k = score_kernels();
  const SplitPolicy policy = split_policy();
  ThreadPool& pool = ThreadPool::shared();
  std::size_t total = 0;
  for (std::size_t i = 0; i < b.count; ++i) total += b.targets[i].n;
  const Store store = score_store(b.op, total);
  const SequenceMark mark(total);
  if (pool.size() == 1 || !split_pays(pool, total, policy.min_parallel)) return run_serial_(k, b, mode, counts, store);

  // Pieces of about `chunk` elements; a module that fits in one piece stays whole.
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < b.count; ++i)
    for (std::size_t begin = 0; begin < b.targets[i].n; begin += policy.chunk)
      pieces.push_back({i, begin, std::min(b.targets[i].n, begin + policy.chunk)});
  for (std::size_t i = 0; i < b.count; ++i) counts[i] = 0;

  std::vector<std::size_t> pieces_of(b.count, 0);
  for (const Piece& piece : pieces) ++pieces_of[piece.target];

  // The one-pass guards, module by module (one parallel round each, so that one staging and one copy
  // buffer serve the whole batch): modules that publish their scores, and split snip / snip_momentum
  // modules that keep a copy of their old scores.
  std::vector<char> kept(b.count, 0);
  std::vector<std::size_t> piece_counts;
  const OldScores old_scores(old_scores_needed_(b, mode, policy.chunk));
  for (std::size_t first = 0; first < pieces.size(); first += pieces_of[pieces[first].target]) {
    const std::size_t target = pieces[first].target;
    const ScoreTarget& t = b.targets[target];
    // score(begin, end) over the module's pieces in parallel; the sum of what they return.
    const auto parallel = [&](auto score) {
      piece_counts.assign(pieces_of[target], 0);
      pool.parallel_for(pieces_of[target], [&](std::size_t p) {
        piece_counts[p] = score(pieces[first + p].begin, pieces[first + p].end);
      });
      std::size_t sum = 0;
      for (std::size_t count : piece_counts) sum += count;
      return sum;
    };
    if (publishes_(b.op, mode, t)) {
      kept[target] = score_published_(k, b, t, store, &counts[target], parallel);
    } else if (old_scores.ready() && copies_old_scores_(b.op, mode, t, policy.chunk)) {
      float* old = old_scores.for_scores(t.s);
      const Store old_store = copy_store_(t.n, pool.size());
      counts[target] = parallel([&](std::size_t begin, std::size_t end) {
        return score_keeping_(k, b, t, old, begin, end, store, old_store);
      });
      if (counts[target] != 0) restore_(t, old);
      kept[target] = 1;
    }
  }

  // The other modules split over several pieces are counted in a pass of their own; a one-piece module in
  // guarded mode is counted by the task that scores it, back to back, while its data is in cache.
  const auto counted_first = [&](std::size_t target) {
    return !kept[target] &&
           (mode == ScoreMode::kAllOrNothing || (mode == ScoreMode::kGuarded && pieces_of[target] > 1));
  };
  bool any_counted = false, any_left = false;
  for (std::size_t i = 0; i < b.count; ++i) {
    any_counted |= counted_first(i);
    any_left |= !kept[i];
  }
  if (!any_left) return true;
  if (mode != ScoreMode::kCompute && any_counted) {
    std::vector<std::size_t> piece_counts(pieces.size(), 0);
    pool.parallel_for(pieces.size(), [&](std::size_t p) {
      const Piece& piece = pieces[p];
      if (counted_first(piece.target))
        piece_counts[p] = count_(k, b.op, b.targets[piece.target], piece.begin, piece.end);
    });
    std::size_t dirty = 0;
    for (std::size_t p = 0; p < pieces.size(); ++p) {
      counts[pieces[p].target] += piece_counts[p];
      dirty += piece_counts[p];
    }
    if (mode == ScoreMode::kAllOrNothing && dirty != 0) return false;
  }
  // After a count pass, the pieces are scored last first: the last ones counted are still in the caches.
  const bool backwards = mode != ScoreMode::kCompute;
  pool.parallel_for(pieces.size(), [&](std::size_t task) {
    const Piece& piece = pieces[backwards ? pieces.size() - 1 - task : task];
    const ScoreTarget& t = b.targets[piece.target];
    if (kept[piece.target]) return;
    if (mode == ScoreMode::kGuarded && !counted_first(piece.target)) counts[piece.target] = count_(k, b.op, t, 0, t.n);
    if (counts[piece.target] != 0) return;
    if (backwards)
      compute_backwards_(k, b, t, piece.begin, piece.end, store);
    else
      compute_(k, b, t, piece.begin, piece.end, store);
  });
  return true;
}

}  // namespace prunekit
