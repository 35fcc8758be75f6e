// Binding of the memory-roof kernel: the benchmarks compare each scoring kernel with a kernel that moves
// the same bytes and does no arithmetic.
#include "../kernels/dispatch.h"
#include "../runtime/score_batch.h"
#include "args.h"
#include "exports.h"

namespace prunekit::addon {
namespace {

Napi::Value stream_roof(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const F32View a = float32_arg(info[0], "a");
  const F32View b = float32_arg(info[1], "b");
  const F32View s = float32_arg(info[2], "s");
  const int inputs = static_cast<int>(integer_arg(info[3], "inputs", 1, 3));
  require_same_length(env, a, "a", s, "s");
  require_same_length(env, b, "b", s, "s");
  const std::size_t bytes = s.length * sizeof(float);
  require_disjoint(env, s.data, bytes, "s", a.data, bytes, "a", true);
  require_disjoint(env, s.data, bytes, "s", b.data, bytes, "b", true);
  // The roof stores the way the scoring kernels would for this size.
  const Store store = score_store(inputs == 3 ? ScoreOp::kMomentum : ScoreOp::kAbs, s.length);
  score_kernels().stream_f32(a.data, b.data, s.data, s.length, inputs, store);
  return env.Undefined();
}

}  // namespace

const Export kBenchExports[] = {
    {"streamRoof", stream_roof},
    {nullptr, nullptr},
};

}  // namespace prunekit::addon
