// Binding of the memory-roof kernel: the benchmarks compare each scoring kernel with a kernel that moves
// the same bytes and does no arithmetic.
#include "bench_binding.h"

#include "../kernels/dispatch.h"
#include "../runtime/score_batch.h"
#include "args.h"

namespace prunekit::addon {
namespace {

Napi::Value stream_roof(const Napi::CallbackInfo& info) {
  const F32View a = float32_arg(info[0], "a");
  const F32View b = float32_arg(info[1], "b");
  const F32View s = float32_arg(info[2], "s");
  if (!info[3].IsNumber()) throw Napi::TypeError::New(info.Env(), "inputs must be 1, 2 or 3");
  const int inputs = info[3].As<Napi::Number>().Int32Value();
  if (inputs < 1 || inputs > 3) throw Napi::RangeError::New(info.Env(), "inputs must be 1, 2 or 3");
  require_same_length(info.Env(), a, "a", s, "s");
  require_same_length(info.Env(), b, "b", s, "s");
  // The roof stores the way the scoring kernels would for this size.
  const Store store = score_store(inputs == 3 ? ScoreOp::kMomentum : ScoreOp::kAbs, s.length);
  score_kernels().stream_f32(a.data, b.data, s.data, s.length, inputs, store);
  return info.Env().Undefined();
}

}  // namespace

void register_bench_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("streamRoof", Napi::Function::New(env, stream_roof, "streamRoof"));
}

}  // namespace prunekit::addon
