#include "score_batch.h"

#include <algorithm>
#include <vector>

#include "../kernels/dispatch.h"
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
  for (std::size_t i = 0; i < b.count; ++i) {
    const ScoreTarget& t = b.targets[i];
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
  if (total < policy.min_parallel || pool.size() == 1) return run_serial_(k, b, mode, counts, store);

  // Pieces of about `chunk` elements; a module that fits in one piece stays whole.
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < b.count; ++i)
    for (std::size_t begin = 0; begin < b.targets[i].n; begin += policy.chunk)
      pieces.push_back({i, begin, std::min(b.targets[i].n, begin + policy.chunk)});
  for (std::size_t i = 0; i < b.count; ++i) counts[i] = 0;

  // Modules split over several pieces are counted in a pass of their own; a one-piece module in guarded
  // mode is counted by the task that scores it, back to back, while its data is in cache.
  std::vector<std::size_t> pieces_of(b.count, 0);
  for (const Piece& piece : pieces) ++pieces_of[piece.target];
  const auto counted_first = [&](std::size_t target) {
    return mode == ScoreMode::kAllOrNothing || (mode == ScoreMode::kGuarded && pieces_of[target] > 1);
  };
  if (mode != ScoreMode::kCompute) {
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
