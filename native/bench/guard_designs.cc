// The designs of the "skip" guard, timed side by side (docs/performance.md, "The guard"): a standalone
// AVX2 program, not part of the addon, so the figures that chose the design can be reproduced.
//
//   g++ -O2 -mavx2 -pthread -o /tmp/guard_designs native/bench/guard_designs.cc native/runtime/score_pages.cc
//   flock /tmp/prunekit-bench.lock /tmp/guard_designs 16777216 262144
//
// Per size and formula (|w|, |w*g|, s*a + b*|w*g|), ns per element (median and minimum of 9):
//   propagate      one pass, no check (the floor: prunekit's "propagate")
//   count          the check alone (one read of the inputs)
//   two passes     count front to back, then score back to front in 16K chunks (prunekit's "skip")
//   backup         one fused pass that counts, copies the old scores to a scratch buffer and scores: keeps
//                  the guarantee (restore the copy on a non-finite) at the cost of reading the old scores
//                  and writing the copy, and a scratch buffer as large as the module
//   chunked        count a 16K chunk, then score it from cache: one read from memory, but NO guarantee
//                  (chunks before a non-finite are already written); the bound of any check-then-score order
// Stores as prunekit's: streaming from 4M elements for |w| and |w*g|, through the cache for momentum.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../runtime/score_pages.h"

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 14;

enum class Formula { kAbs, kAbsMul, kMomentum };

__m256 abs8(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

__m256i nonfinite8(__m256 x) {
  const __m256i exponent = _mm256_set1_epi32(0x7f800000);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(x), exponent), exponent);
}

std::size_t lanes_sum(__m256i counts) {
  alignas(32) unsigned lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), counts);
  std::size_t total = 0;
  for (unsigned lane : lanes) total += lane;
  return total;
}

struct Arrays {
  float *w, *g, *s, *backup;
};

// The term whose finiteness the guard checks: w, or w * g. Every loop is a template of the formula and the
// store, so each compiles to the straight loop prunekit's kernels have.
template <Formula F>
__m256 term8(const Arrays& a, std::size_t i) {
  const __m256 w = _mm256_loadu_ps(a.w + i);
  return F == Formula::kAbs ? w : _mm256_mul_ps(w, _mm256_loadu_ps(a.g + i));
}

template <Formula F>
__m256 score8(const Arrays& a, std::size_t i, __m256 term) {
  if (F != Formula::kMomentum) return abs8(term);
  const __m256 decayed = _mm256_mul_ps(_mm256_loadu_ps(a.s + i), _mm256_set1_ps(0.9f));
  return _mm256_add_ps(decayed, _mm256_mul_ps(_mm256_set1_ps(1.0f), abs8(term)));
}

template <bool Streaming>
void store8(float* at, __m256 v) {
  if (Streaming)
    _mm256_stream_ps(at, v);
  else
    _mm256_storeu_ps(at, v);
}

template <Formula F>
std::size_t count(const Arrays& a, std::size_t begin, std::size_t end) {
  __m256i counts = _mm256_setzero_si256();
  for (std::size_t i = begin; i < end; i += 8) counts = _mm256_sub_epi32(counts, nonfinite8(term8<F>(a, i)));
  return lanes_sum(counts);
}

template <Formula F, bool Streaming>
void score(const Arrays& a, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; i += 8) store8<Streaming>(a.s + i, score8<F>(a, i, term8<F>(a, i)));
  _mm_sfence();
}

template <Formula F, bool Streaming>
std::size_t backup_pass(const Arrays& a, std::size_t n) {
  __m256i counts = _mm256_setzero_si256();
  for (std::size_t i = 0; i < n; i += 8) {
    const __m256 term = term8<F>(a, i);
    counts = _mm256_sub_epi32(counts, nonfinite8(term));
    _mm256_stream_ps(a.backup + i, _mm256_loadu_ps(a.s + i));
    store8<Streaming>(a.s + i, score8<F>(a, i, term));
  }
  _mm_sfence();
  return lanes_sum(counts);
}

// The design prunekit runs on its own score arrays from 2^19 floats: one pass that counts and writes the new
// scores to the staging, then the staging's pages moved in if every term was finite (score_pages.h).
template <Formula F, bool Streaming>
std::size_t into_pass(const Arrays& a, float* out, std::size_t n) {
  __m256i counts = _mm256_setzero_si256();
  for (std::size_t i = 0; i < n; i += 8) {
    const __m256 term = term8<F>(a, i);
    counts = _mm256_sub_epi32(counts, nonfinite8(term));
    store8<Streaming>(out + i, score8<F>(a, i, term));
  }
  _mm_sfence();
  return lanes_sum(counts);
}

double seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// `paged`: a.s's twin in a page mapping of its own (nullptr below score_pages::kMinScores, which main lowers).
template <Formula F, bool Streaming, typename Time>
void designs(const Arrays& a, float* paged, std::size_t n, const char* formula, const Time& time) {
  static volatile std::size_t sink = 0;
  time(formula, "propagate", [&] { score<F, Streaming>(a, 0, n); });
  time(formula, "count", [&] { sink = sink + count<F>(a, 0, n); });
  time(formula, "two passes", [&] {
    if (count<F>(a, 0, n) != 0) return;
    for (std::size_t end = n; end > 0;) {
      const std::size_t begin = end > kChunk ? end - kChunk : 0;
      score<F, Streaming>(a, begin, end);
      end = begin;
    }
  });
  time(formula, "backup", [&] { sink = sink + backup_pass<F, Streaming>(a, n); });
  if (paged) {
    const Arrays p{a.w, a.g, paged, a.backup};
    time(formula, "move pages", [&] {
      prunekit::score_pages::Staging staging(paged, n);
      if (into_pass<F, Streaming>(p, staging.out(), n) == 0) staging.publish(paged, n);
    });
  }
  time(formula, "chunked", [&] {
    for (std::size_t begin = 0; begin < n; begin += kChunk) {
      const std::size_t end = std::min(n, begin + kChunk);
      if (count<F>(a, begin, end) == 0) score<F, Streaming>(a, begin, end);
    }
  });
}

// 64-byte aligned floats, each buffer starting `offset` floats into its allocation: buffers that start at
// the same offset within a page make loads and streaming stores alias (|w| with a backup measured 2.7-2.9
// ns/el with all four at offset 0, about 1.0 staggered).
struct Buffer {
  Buffer(std::size_t n, std::size_t offset, float value = 0.0f)
      : base(static_cast<float*>(std::aligned_alloc(64, (n + offset) * 4))), data(base + offset) {
    std::fill(data, data + n, value);
  }
  ~Buffer() { std::free(base); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  float *base, *data;
};

void run(std::size_t n) {
  Buffer w(n, 0), g(n, 272), s(n, 544, 1.0f), backup(n, 816);  // 1088 bytes apart
  for (std::size_t i = 0; i < n; ++i) {
    w.data[i] = static_cast<float>(i % 1000) * 1e-3f - 0.5f;
    g.data[i] = static_cast<float>(i % 77) * 1e-3f;
  }
  const int reps = static_cast<int>(std::max<std::size_t>(1, (std::size_t{1} << 24) / n));
  const Arrays a{w.data, g.data, s.data, backup.data};
  float* const paged = prunekit::score_pages::allocate(n);
  if (paged) std::fill(paged, paged + n, 1.0f);
  const auto time = [&](const char* formula, const char* design, auto body) {
    std::vector<double> t;
    for (int r = 0; r < 9; ++r) {
      const double t0 = seconds();
      for (int k = 0; k < reps; ++k) body();
      t.push_back((seconds() - t0) * 1e9 / static_cast<double>(n) / reps);
    }
    std::sort(t.begin(), t.end());
    std::printf("%9zu  %-9s %-11s median %.3f  min %.3f ns/el\n", n, formula, design, t[4], t[0]);
  };
  const bool streaming = n >= (std::size_t{1} << 22);
  if (streaming) {
    designs<Formula::kAbs, true>(a, paged, n, "|w|", time);
    designs<Formula::kAbsMul, true>(a, paged, n, "|w*g|", time);
  } else {
    designs<Formula::kAbs, false>(a, paged, n, "|w|", time);
    designs<Formula::kAbsMul, false>(a, paged, n, "|w*g|", time);
  }
  designs<Formula::kMomentum, false>(a, paged, n, "momentum", time);
  prunekit::score_pages::release(paged);
}

}  // namespace

int main(int argc, char** argv) {
  prunekit::score_pages::min_scores() = 16;  // the move design at every size asked for, to see where it pays
  for (int i = 1; i < argc; ++i) {
    const std::size_t n = std::strtoull(argv[i], nullptr, 10) / 16 * 16;
    if (n > 0) run(n);
  }
  if (argc < 2) std::fprintf(stderr, "usage: %s N [N...]   (element counts, multiples of 16)\n", argv[0]);
  return argc < 2 ? 2 : 0;
}
