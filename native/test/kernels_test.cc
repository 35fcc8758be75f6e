// Compares every runnable SIMD kernel set with the scalar oracle, bit for bit (any NaN equals any NaN):
// lengths 0..300, random start offsets (unaligned pointers), normal, wide-exponent and special values,
// and guard cells around each output to catch writes past either end.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../kernels/dispatch.h"
#include "../runtime/score_batch.h"
#include "../runtime/score_pages.h"
#include "../runtime/thread_pool.h"
#include "test_util.h"

using namespace prunekit;
using namespace prunekit::test;

namespace {

// Inputs of three kinds: plain normal values, exponents wide enough to overflow and underflow in a
// product, and a mix of NaN, infinities, zeros, denormals and extremes.
std::vector<float> make_input_(std::mt19937& rng, std::size_t n, int kind) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int> exponent(-140, 120);
  const std::vector<float>& special = special_floats_();
  std::uniform_int_distribution<std::size_t> pick(0, special.size() - 1);
  std::vector<float> v(n);
  for (float& x : v) {
    if (kind == 0)
      x = normal(rng);
    else if (kind == 1)
      x = std::ldexp(normal(rng), exponent(rng));
    else
      x = (rng() % 3 == 0) ? special[pick(rng)] : std::ldexp(normal(rng), exponent(rng));
  }
  return v;
}

// Plain values in (-1, 1), fast enough for the batches' half-million-element modules (under qemu too).
std::vector<float> make_uniform_(std::mt19937& rng, std::size_t n) {
  std::vector<float> v(n);
  for (float& x : v) x = std::ldexp(static_cast<float>(static_cast<std::int32_t>(rng())), -31);
  return v;
}

struct Case {
  std::size_t n, offset;
  int kind;
  float alpha, beta;
  std::vector<float> w, g, s;
};

// Runs `fn` on copies of the case's buffers placed at `offset` inside larger buffers filled with a canary,
// and a canary-filled buffer for a copy of the old scores at another offset (every alignment relative to
// s occurs). Returns s followed by that buffer, guard cells included.
template <typename Fn>
std::vector<float> run_(const Case& c, Fn fn, std::size_t* count) {
  const float canary = from_bits_(0x7f7abcdeu);
  std::vector<float> w(c.n + c.offset + 8, canary), g(w), s(w), old(c.n + 16, canary);
  std::copy(c.w.begin(), c.w.end(), w.begin() + c.offset);
  std::copy(c.g.begin(), c.g.end(), g.begin() + c.offset);
  std::copy(c.s.begin(), c.s.end(), s.begin() + c.offset);
  const std::size_t old_offset = (c.offset + c.n) % 9;
  *count = fn(w.data() + c.offset, g.data() + c.offset, s.data() + c.offset, old.data() + old_offset);
  s.insert(s.end(), old.begin(), old.end());
  return s;
}

void check_(const std::string& label, const Case& c, const std::vector<float>& got, const std::vector<float>& want,
            std::size_t got_count, std::size_t want_count) {
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!same_(got[i], want[i])) {
      ++g_failed;
      std::printf("FAIL %s n=%zu offset=%zu kind=%d: element %zd is %08x, scalar gives %08x\n", label.c_str(), c.n,
                  c.offset, c.kind, static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>(c.offset),
                  bits_(got[i]), bits_(want[i]));
      return;
    }
  if (got_count != want_count) {
    ++g_failed;
    std::printf("FAIL %s n=%zu offset=%zu kind=%d: count %zu, scalar gives %zu\n", label.c_str(), c.n, c.offset, c.kind,
                got_count, want_count);
    return;
  }
  ++g_passed;
}

void compare_isa_(Isa isa, const std::vector<Case>& cases) {
  const std::string name = isa_name(isa);
  const ScoreKernels& serial = score_kernels_serial;
  isa_select(isa);
  const ScoreKernels& simd = score_kernels();
  using K = const ScoreKernels&;
  struct Op {
    const char* name;
    std::size_t (*call)(K, const Case&, const float*, const float*, float*, float*);
  };
  const Op
      ops[] =
          {
              {"abs_f32",
               [](K k, const Case& c, const float* w, const float*, float* s, float*) {
                 k.abs_f32(w, s, c.n, Store::kCached);
                 return std::size_t{0};
               }},
              {"abs_f32 (streaming)",
               [](K k, const Case& c, const float* w, const float*, float* s, float*) {
                 k.abs_f32(w, s, c.n, Store::kStreaming);
                 return std::size_t{0};
               }},
              {"abs_mul_f32",
               [](K k, const Case& c, const float* w, const float* g, float* s, float*) {
                 k.abs_mul_f32(w, g, s, c.n, Store::kCached);
                 return std::size_t{0};
               }},
              {"abs_mul_f32 (streaming)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float*) {
                 k.abs_mul_f32(w, g, s, c.n, Store::kStreaming);
                 return std::size_t{0};
               }},
              {"momentum_f32",
               [](K k, const Case& c, const float* w, const float* g, float* s, float*) {
                 k.momentum_f32(w, g, s, c.n, c.alpha, c.beta, Store::kCached);
                 return std::size_t{0};
               }},
              {"momentum_f32 (streaming)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float*) {
                 k.momentum_f32(w, g, s, c.n, c.alpha, c.beta, Store::kStreaming);
                 return std::size_t{0};
               }},
              {"count_nonfinite_f32", [](K k, const Case& c, const float* w, const float*, float*,
                                         float*) { return k.count_nonfinite_f32(w, c.n); }},
              {"count_nonfinite_mul_f32", [](K k, const Case& c, const float* w, const float* g, float*,
                                             float*) { return k.count_nonfinite_mul_f32(w, g, c.n); }},
              {"stream_f32 (roof)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float*) {
                 k.stream_f32(w, g, s, c.n, 1 + static_cast<int>(c.n % 3), Store::kCached);
                 return std::size_t{0};
               }},
              {"abs_mul_keep_f32 (copy cached)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float* old) {
                 return k.abs_mul_keep_f32(w, g, s, old, c.n, Store::kCached, Store::kCached);
               }},
              {"abs_mul_keep_f32 (copy streamed)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float* old) {
                 return k.abs_mul_keep_f32(w, g, s, old, c.n, Store::kCached, Store::kStreaming);
               }},
              {"abs_mul_keep_f32 (both streamed)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float* old) {
                 return k.abs_mul_keep_f32(w, g, s, old, c.n, Store::kStreaming, Store::kStreaming);
               }},
              {"momentum_keep_f32 (copy cached)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float* old) {
                 return k.momentum_keep_f32(w, g, s, old, c.n, c.alpha, c.beta, Store::kCached, Store::kCached);
               }},
              {"momentum_keep_f32 (copy streamed)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float* old) {
                 return k.momentum_keep_f32(w, g, s, old, c.n, c.alpha, c.beta, Store::kCached, Store::kStreaming);
               }},
              {"abs_into_f32", [](K k, const Case& c, const float* w, const float*,
                                  float*, float* out) { return k.abs_into_f32(w, out, c.n, Store::kCached); }},
              {"abs_into_f32 (streaming)",
               [](K k, const Case& c, const float* w, const float*,
                  float*, float* out) { return k.abs_into_f32(w, out, c.n, Store::kStreaming); }},
              {"abs_mul_into_f32",
               [](K k, const Case& c, const float* w, const float* g,
                  float*, float* out) { return k.abs_mul_into_f32(w, g, out, c.n, Store::kCached); }},
              {"abs_mul_into_f32 (streaming)",
               [](K k, const Case& c, const float* w, const float* g, float*, float* out) {
                 return k.abs_mul_into_f32(w, g, out, c.n, Store::kStreaming);
               }},
              {"stream_f32 (roof, streaming)",
               [](K k, const Case& c, const float* w, const float* g, float* s, float*) {
                 k.stream_f32(w, g, s, c.n, 1 + static_cast<int>(c.n % 3), Store::kStreaming);
                 return std::size_t{0};
               }},
          };
  for (const Op& op : ops) {
    const int failed_before = g_failed;
    for (const Case& c : cases) {
      std::size_t want_count = 0, got_count = 0;
      const auto want = run_(
          c, [&](const float* w, const float* g, float* s, float* old) { return op.call(serial, c, w, g, s, old); },
          &want_count);
      const auto got = run_(
          c, [&](const float* w, const float* g, float* s, float* old) { return op.call(simd, c, w, g, s, old); },
          &got_count);
      check_(name + " " + op.name, c, got, want, got_count, want_count);
    }
    std::printf("  %-8s %-30s %s over %zu cases\n", name.c_str(), op.name,
                g_failed == failed_before ? "bit-identical" : "DIFFERS", cases.size());
  }
}

// Hand-computed values: the oracle itself must follow the formulas of SPEC 1.
void check_oracle_() {
  const float w[] = {-2.f, 3.f, -0.f, 1e30f}, g[] = {0.5f, -4.f, 7.f, 1e30f};
  float s[] = {1.f, 2.f, -3.f, 0.f};
  score_kernels_serial.momentum_f32(w, g, s, 4, 0.5f, 2.f, Store::kCached);
  const float want[] = {0.5f + 2.f, 1.f + 24.f, -1.5f + 0.f, INFINITY};
  bool ok = true;
  for (int i = 0; i < 4; ++i) ok = ok && same_(s[i], want[i]);
  ok = ok && score_kernels_serial.count_nonfinite_mul_f32(w, g, 4) == 1;
  ok ? ++g_passed : (++g_failed, std::printf("FAIL scalar oracle: hand-computed momentum values\n"));
  // The one-pass guard: the same scores, the old ones copied, the same count.
  float s2[] = {1.f, 2.f, -3.f, 0.f}, old[4];
  ok = score_kernels_serial.momentum_keep_f32(w, g, s2, old, 4, 0.5f, 2.f, Store::kCached, Store::kCached) == 1;
  const float before[] = {1.f, 2.f, -3.f, 0.f}, abs_mul[] = {1.f, 12.f, 0.f, INFINITY};
  for (int i = 0; i < 4; ++i) ok = ok && same_(s2[i], want[i]) && same_(old[i], before[i]);
  ok = ok && score_kernels_serial.abs_mul_keep_f32(w, g, s2, old, 4, Store::kCached, Store::kCached) == 1;
  for (int i = 0; i < 4; ++i) ok = ok && same_(s2[i], abs_mul[i]) && same_(old[i], want[i]);
  ok ? ++g_passed : (++g_failed, std::printf("FAIL scalar oracle: hand-computed one-pass guard values\n"));
  // The guard that publishes pages: the same scores written elsewhere, the same count.
  float out[4];
  ok = score_kernels_serial.abs_mul_into_f32(w, g, out, 4, Store::kCached) == 1;
  for (int i = 0; i < 4; ++i) ok = ok && same_(out[i], abs_mul[i]);
  ok = ok && score_kernels_serial.abs_into_f32(g, out, 4, Store::kCached) == 0;
  for (int i = 0; i < 4; ++i) ok = ok && same_(out[i], std::fabs(g[i]));
  ok = ok && score_kernels_serial.abs_into_f32(abs_mul, out, 4, Store::kCached) == 1;
  for (int i = 0; i < 4; ++i) ok = ok && same_(out[i], abs_mul[i]);
  ok ? ++g_passed : (++g_failed, std::printf("FAIL scalar oracle: hand-computed guard-into values\n"));
}

// The batch runtime (native/runtime/score_batch.cc) against the scalar oracle run over each whole module:
// modules whose lengths straddle the guard's 16K-element chunks and the pool's pieces, plus one whose scores
// are a page mapping of their own (score_pages.h), one NaN placed in the first or the last chunk of two
// modules (one of them the mapped one), every mode, one and two threads, the split forced on small batches,
// and the staging free or held by another caller (the mapped module then takes the two passes). A module
// with a non-finite term must keep its old scores bit for bit (guarded), no module may change (all or
// nothing), and every other module must equal the oracle. A mapped module that published (|w| and |w*g|)
// must have moved its pages: the staging then holds its old scores.
void check_batch_(Isa isa) {
  isa_select(isa);
  std::mt19937 rng(7);
  const std::size_t chunk = std::size_t{1} << 14;
  const std::size_t saved_min_scores = score_pages::min_scores();
  score_pages::min_scores() = std::size_t{1} << 19;  // the moves on a module that stays quick under qemu
  const std::size_t mapped_length = score_pages::min_scores() + 5;
  const std::size_t lengths[] = {0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 5, 5 * chunk, mapped_length};
  const std::size_t count = sizeof lengths / sizeof lengths[0];
  const std::size_t poisoned[] = {5, count - 1};  // the 3*chunk+5 module and the mapped one
  float* const mapped = score_pages::allocate(mapped_length);
  if (!mapped) {
    ++g_failed;
    std::printf("FAIL score_pages::allocate(%zu) gave no mapping\n", mapped_length);
    return;
  }
  const ScoreOp ops[] = {ScoreOp::kAbs, ScoreOp::kAbsMul, ScoreOp::kMomentum};
  const ScoreMode modes[] = {ScoreMode::kCompute, ScoreMode::kGuarded, ScoreMode::kAllOrNothing};
  const SplitPolicy saved = split_policy();
  const unsigned saved_threads = ThreadPool::shared().size();
  int failed = 0, runs = 0;
  for (unsigned threads : {1u, 2u})
    for (std::size_t piece : {std::size_t{1} << 15, std::size_t{5000}})
      for (bool held : {false, true}) {
        // One thread runs serially whatever the piece size; one thread is enough to see the two passes taken.
        if ((threads == 1 && piece != std::size_t{1} << 15) || (held && threads == 2)) continue;
        ThreadPool::shared().resize(threads);
        split_policy().chunk = piece;
        split_policy().min_parallel = 1;  // the batch splits whether the workers sleep or not
        for (ScoreOp op : ops)
          for (ScoreMode mode : modes)
            for (int poison = 0; poison < 3; ++poison) {  // none, first chunk, last element of the last chunk
              std::vector<std::vector<float>> w(count), g(count), s(count), old(count);
              std::vector<ScoreTarget> targets(count);
              for (std::size_t i = 0; i < count; ++i) {
                w[i] = make_uniform_(rng, lengths[i]);
                g[i] = make_uniform_(rng, lengths[i]);
                old[i] = s[i] = make_uniform_(rng, lengths[i]);
              }
              for (std::size_t p : poisoned) {
                if (poison == 1) (op == ScoreOp::kAbs ? w : g)[p][7] = NAN;  // kAbs reads no grad
                if (poison == 2) w[p].back() = INFINITY;
              }
              for (std::size_t i = 0; i < count; ++i) targets[i] = {w[i].data(), g[i].data(), s[i].data(), lengths[i]};
              std::copy(s[count - 1].begin(), s[count - 1].end(), mapped);
              targets[count - 1].s = mapped;
              std::vector<std::size_t> counts(count, 99);
              bool written;
              {
                const score_pages::Staging other_caller(held ? mapped : nullptr, mapped_length);
                written = run_score_batch({op, 0.75f, 1.5f, targets.data(), count}, mode, counts.data());
              }
              std::copy(mapped, mapped + mapped_length, s[count - 1].begin());
              ++runs;
              const bool dirty = poison != 0 && mode != ScoreMode::kCompute;
              bool ok = written == !(dirty && mode == ScoreMode::kAllOrNothing);
              for (std::size_t i = 0; i < count && ok; ++i) {
                const bool flagged = dirty && (i == poisoned[0] || i == poisoned[1]);
                ok = counts[i] == (flagged ? 1u : 0u);
                std::vector<float> want = old[i];
                const bool untouched = flagged || (dirty && mode == ScoreMode::kAllOrNothing);
                if (!untouched) {
                  const ScoreKernels& k = score_kernels_serial;
                  if (op == ScoreOp::kAbs)
                    k.abs_f32(w[i].data(), want.data(), lengths[i], Store::kCached);
                  else if (op == ScoreOp::kAbsMul)
                    k.abs_mul_f32(w[i].data(), g[i].data(), want.data(), lengths[i], Store::kCached);
                  else
                    k.momentum_f32(w[i].data(), g[i].data(), want.data(), lengths[i], 0.75f, 1.5f, Store::kCached);
                }
                for (std::size_t j = 0; j < lengths[i] && ok; ++j) ok = same_(s[i][j], want[j]);
                if (!ok)
                  std::printf(
                      "FAIL %s batch threads=%u piece=%zu held=%d op=%d mode=%d poison=%d: module %zu (%zu floats) "
                      "%s\n",
                      isa_name(isa), threads, piece, held, static_cast<int>(op), static_cast<int>(mode), poison, i,
                      lengths[i], untouched ? "changed although it must stay as it was" : "differs from the oracle");
              }
              if (ok && mode == ScoreMode::kGuarded && op != ScoreOp::kMomentum && !held && poison == 0) {  // published
                const score_pages::Staging staging(mapped, mapped_length);
                ok = staging.ready() && std::equal(old[count - 1].begin(), old[count - 1].end(), staging.out(),
                                                   [](float a, float b) { return same_(a, b); });
                if (!ok)
                  std::printf("FAIL %s batch: the mapped module's old pages are not in the staging\n", isa_name(isa));
              }
              ok ? ++g_passed : (++g_failed, ++failed);
            }
      }
  split_policy() = saved;
  ThreadPool::shared().resize(saved_threads);
  score_pages::release(mapped);
  score_pages::min_scores() = saved_min_scores;
  std::printf("  %-8s %-30s %s over %d batches\n", isa_name(isa), "run_score_batch",
              failed == 0 ? "bit-identical" : "DIFFERS", runs);
}

}  // namespace

int main() {
  std::mt19937 rng(20261127);
  std::vector<Case> cases;
  std::uniform_real_distribution<float> coefficient(-2.f, 2.f);
  for (std::size_t n = 0; n <= 300; ++n)
    for (int kind = 0; kind < 3; ++kind) {
      Case c{n, rng() % 17, kind, kind == 0 ? 0.9f : coefficient(rng), kind == 0 ? 1.f : coefficient(rng), {}, {}, {}};
      c.w = make_input_(rng, n, kind);
      c.g = make_input_(rng, n, kind);
      c.s = make_input_(rng, n, kind);
      cases.push_back(std::move(c));
    }

  const Isa all[] = {kIsaSerial, kIsaAvx2, kIsaAvx512, kIsaNeon};
  std::printf("instruction sets: ");
  for (Isa isa : all)
    std::printf("%s[%s%s] ", isa_name(isa), (isa_compiled() & isa) ? "compiled" : "not compiled",
                (isa_supported() & isa) ? ", runs here" : "");
  std::printf("\n");

  check_oracle_();
  for (Isa isa : all)
    if (isa != kIsaSerial && (isa_supported() & isa)) compare_isa_(isa, cases);
  for (Isa isa : all)
    if (isa_supported() & isa) check_batch_(isa);

  return finish_();
}
