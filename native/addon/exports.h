// The one shape of an exported function: addon.cc registers every table of them through one wrapper that
// turns any C++ exception into a JavaScript error, so no binding can let one reach N-API (which aborts).
#pragma once
#include <napi.h>

namespace prunekit::addon {

struct Export {
  const char* name;  // the JavaScript name, also the prefix of converted errors
  Napi::Value (*call)(const Napi::CallbackInfo& info);
};

// Each family's table ends with {nullptr, nullptr}; see binding.d.ts for what they do.
extern const Export kSimdExports[];     // simd_binding.cc
extern const Export kScoreExports[];    // score_binding.cc
extern const Export kThreadsExports[];  // threads_binding.cc
extern const Export kBenchExports[];    // bench_binding.cc
extern const Export kMaskExports[];     // mask_binding.cc
extern const Export kHalfExports[];     // half_binding.cc
extern const Export kPrune16Exports[];  // prune16_binding.cc

// The pruning step (prune_step_binding.cc) and the thread clock of the benchmarks (clock_binding.cc).
extern const Export kPruneStepExports[];
extern const Export kClockExports[];
// snip_momentum's block momentum (block_momentum_binding.cc).
extern const Export kBlockMomentumExports[];
// The criteria's score arrays (score_pages_binding.cc).
extern const Export kScorePagesExports[];
// The read-ahead hint of the streaming pruner (readahead_binding.cc).
extern const Export kReadaheadExports[];

}  // namespace prunekit::addon
