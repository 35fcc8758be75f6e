// Scoring kernels: the elementwise formulas of the four pruning criteria over raw float32 buffers.
//
// Numeric policy (SPEC 1, "Numeric contract"): every operation is one IEEE-754 single-precision operation
// rounded on its own, exactly as PyTorch's float32 CPU ops compute them: no fused multiply-add (the whole
// tree is built with -ffp-contract=off), denormals kept (nothing here touches MXCSR/FPCR). abs clears the
// sign bit, so it is exact for every input including NaN and -0.
//
// Kernels take unaligned pointers and any length; they allocate nothing and know nothing of N-API.
#pragma once
#include <cstddef>

namespace prunekit {

// How the kernels that write scores store them. kStreaming uses non-temporal stores where the instruction
// set has them (AVX2, AVX-512): for outputs far larger than the caches it saves the read-for-ownership of
// every line written, a third of the traffic of |w|. The values written are the same either way.
enum class Store { kCached, kStreaming };

// s[i] = |x[i]|                                  (magnitude: x = weight, gradient: x = grad)
using abs_f32_t = void (*)(const float* x, float* s, std::size_t n, Store store);
// s[i] = |w[i] * g[i]|                           (snip)
using abs_mul_f32_t = void (*)(const float* w, const float* g, float* s, std::size_t n, Store store);
// s[i] = s[i] * alpha + beta * |w[i] * g[i]|    (snip_momentum, each product and the sum rounded)
using momentum_f32_t = void (*)(const float* w, const float* g, float* s, std::size_t n, float alpha, float beta,
                                Store store);
// number of i with x[i] not finite (NaN or +-Inf)
using count_nonfinite_f32_t = std::size_t (*)(const float* x, std::size_t n);
// number of i with w[i] * g[i] not finite (NaN, Inf, or a finite product that overflowed)
using count_nonfinite_mul_f32_t = std::size_t (*)(const float* w, const float* g, std::size_t n);

// The guard of "skip" in one pass (the copy design, docs/performance.md): old[i] = s[i] as it was, then
// s[i] exactly as abs_mul_f32 / momentum_f32 write it; returns the number of i with w[i] * g[i] not finite.
// `old` must not overlap w, g or s. `old_store` says how the copy is stored (it is read back only to undo
// a step): streamed past the caches, or kept in them with the module's arrays. Under Store::kStreaming
// for both, s is streamed too where s and old share their address modulo 32 bytes. NEON ignores the hints.
using abs_mul_keep_f32_t = std::size_t (*)(const float* w, const float* g, float* s, float* old, std::size_t n,
                                           Store store, Store old_store);
using momentum_keep_f32_t = std::size_t (*)(const float* w, const float* g, float* s, float* old, std::size_t n,
                                            float alpha, float beta, Store store, Store old_store);

// The guard of "skip" for scores published by moving pages (native/runtime/score_pages.h): the new scores
// written to `out` (exactly as abs_f32 / abs_mul_f32 write them) while the terms are counted; returns the
// number of non-finite terms (x[i], or w[i] * g[i]), as count_nonfinite_f32 / count_nonfinite_mul_f32 count
// them. `out` must not overlap the inputs; it is never read, so Store::kStreaming streams it where the
// instruction set can. (Momentum keeps the copy design: score_batch.cc says why.)
using abs_into_f32_t = std::size_t (*)(const float* x, float* out, std::size_t n, Store store);
using abs_mul_into_f32_t = std::size_t (*)(const float* w, const float* g, float* out, std::size_t n, Store store);

// The memory roof for benchmarks: the same bytes as a scoring kernel, no arithmetic. Reads `inputs` of
// (a, b, s) and writes s: 1 -> s = a; 2 -> s = a ^ b; 3 -> s = a ^ b ^ s (bitwise).
using stream_f32_t = void (*)(const float* a, const float* b, float* s, std::size_t n, int inputs, Store store);

struct ScoreKernels {
  abs_f32_t abs_f32;
  abs_mul_f32_t abs_mul_f32;
  momentum_f32_t momentum_f32;
  count_nonfinite_f32_t count_nonfinite_f32;
  count_nonfinite_mul_f32_t count_nonfinite_mul_f32;
  stream_f32_t stream_f32;
  abs_mul_keep_f32_t abs_mul_keep_f32;
  momentum_keep_f32_t momentum_keep_f32;
  abs_into_f32_t abs_into_f32;
  abs_mul_into_f32_t abs_mul_into_f32;
};

// One table per instruction set; each is defined in its own file and only exists where compiled.
extern const ScoreKernels score_kernels_serial;
#if defined(__x86_64__) || defined(_M_X64)
extern const ScoreKernels score_kernels_avx2;
extern const ScoreKernels score_kernels_avx512;
// The AVX-512 table takes these two from AVX2 (no AVX-512 variant).
std::size_t abs_mul_keep_f32_avx2(const float* w, const float* g, float* s, float* old, std::size_t n, Store store,
                                  Store old_store);
std::size_t momentum_keep_f32_avx2(const float* w, const float* g, float* s, float* old, std::size_t n, float alpha,
                                   float beta, Store store, Store old_store);
#endif
#if defined(__aarch64__)
extern const ScoreKernels score_kernels_neon;
#endif

}  // namespace prunekit
